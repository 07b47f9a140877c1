"""秒杀 as the activity kit sees it: drafts are published, sales are paused, resumed (running or
scheduled by the clock) and ended; publishing checks the sale, and every move re-syncs the gate."""

from __future__ import annotations

from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.selectors import flash_sale_stats
from siyu.promotions.flashsale.services import manage
from siyu.promotions.kit.playbook import Playbook

FLASH_SALES = Playbook(
    key="flash_sale",
    model=FlashSale,
    stats=flash_sale_stats,
    check_status=manage.check_status,
    status_changed=manage.status_changed,
)
