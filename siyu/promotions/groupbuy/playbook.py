"""拼团 as the activity kit sees it: paused, it opens and fills no team; open teams still run to
their own deadline (they form when the last member pays, or fail and are refunded)."""

from __future__ import annotations

from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.groupbuy.selectors import group_buy_stats
from siyu.promotions.kit.playbook import Playbook

GROUP_BUYS = Playbook(key="group_buy", model=GroupBuy, stats=group_buy_stats)
