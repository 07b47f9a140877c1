"""Order lifecycle -> lotteries and blind boxes (position 80 in ``siyu/orders/hooks.py``).

Each hook runs inside the order's transaction.
"""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import Order
from siyu.orders.services.timeline import log_event
from siyu.promotions.campaigns.services import draws


class CampaignHooks(OrderHooks):
    """A paid order draws its blind boxes and earns lottery chances; a cancelled one voids its
    draws; a closed one closes them."""

    def on_paid(self, order: Order) -> None:
        boxes = draws.draw_boxes(order)
        if boxes:
            log_event(
                order,
                "blind_box_drawn",
                actor=None,
                prizes=[{"draw": d.pk, "prize": d.prize.name if d.prize else None} for d in boxes],
            )
        draws.grant_chances(order=order)

    def on_cancelled(self, order: Order) -> None:
        draws.void_order_draws(order)

    def on_closed(self, order: Order) -> None:
        draws.close_order_draws(order)
