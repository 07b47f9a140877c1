"""砍价 as the activity kit sees it: paused, no record starts and no help counts; a record already
at its floor can still be bought until its own deadline."""

from __future__ import annotations

from siyu.promotions.bargain.models import Bargain
from siyu.promotions.bargain.selectors import bargain_stats
from siyu.promotions.kit.playbook import Playbook

BARGAINS = Playbook(key="bargain", model=Bargain, stats=bargain_stats)
