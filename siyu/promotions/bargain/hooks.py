"""What a bargain's order does to its record (position 70 in ``siyu/orders/hooks.py``).

The hook runs inside the order's transaction.
"""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import Order
from siyu.promotions.bargain.services import records


class BargainHooks(OrderHooks):
    """An unpaid bargain order that is cancelled gives the record and its quota unit back."""

    def on_cancelled(self, order: Order) -> None:
        records.on_order_cancelled(order)
