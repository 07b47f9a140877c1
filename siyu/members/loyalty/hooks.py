"""Order lifecycle -> points and growth (position 10 in ``siyu/orders/hooks.py``).

Each hook runs inside the order's transaction; ``services/orders.py`` keys every write by the order.
"""

from __future__ import annotations

from siyu.members.loyalty.services import orders
from siyu.orders.hooks import OrderHooks
from siyu.orders.models import AfterSale, Order


class LoyaltyHooks(OrderHooks):
    """A paid order earns points and growth; a cancellation gives spent points back; a refund takes
    back the refunded share of what the order earned."""

    def on_paid(self, order: Order) -> None:
        orders.earn_for_order(order)

    def on_cancelled(self, order: Order) -> None:
        orders.return_for_cancel(order)

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        orders.settle_refund(order)
