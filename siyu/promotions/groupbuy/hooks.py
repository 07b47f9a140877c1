"""What members' orders do to their team (position 60 in ``siyu/orders/hooks.py``).

Each hook runs inside the order's transaction, which holds the order's lock; the team is locked
after it (``services/teams.py`` explains the lock order).
"""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import Order
from siyu.promotions.groupbuy.services import teams


class GroupBuyHooks(OrderHooks):
    """A member's payment counts towards the team; a cancellation frees the seat; a full refund
    takes the member out."""

    def on_paid(self, order: Order) -> None:
        teams.on_order_paid(order)

    def on_cancelled(self, order: Order) -> None:
        teams.on_order_cancelled(order)

    def on_closed(self, order: Order) -> None:
        teams.on_order_closed(order)
