"""预售 as the activity kit sees it: paused or ended, a presale takes no deposit while balances go
on in their window; cancelled (``services.admin.cancel_presale``), it refunds its deposits."""

from __future__ import annotations

from siyu.promotions.kit.playbook import Playbook
from siyu.promotions.presale.models import Presale
from siyu.promotions.presale.selectors import presale_stats

PRESALES = Playbook(key="presale", model=Presale, stats=presale_stats)
