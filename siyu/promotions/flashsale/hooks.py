"""What the flash sale does when one of its orders is paid, cancelled or fully refunded.

Position 50 in ``siyu/orders/hooks.py``; each hook runs inside the transaction that changed the order.
"""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import Order
from siyu.promotions.flashsale.services import quota


class FlashSaleHooks(OrderHooks):
    """Settle the order's quota entries on payment, release them on cancellation, mark them
    refunded when the order closes."""

    def on_paid(self, order: Order) -> None:
        quota.settle_order(order)

    def on_cancelled(self, order: Order) -> None:
        quota.release_order(order)

    def on_closed(self, order: Order) -> None:
        quota.mark_refunded(order)
