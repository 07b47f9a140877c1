"""Order lifecycle -> presale bookings (position 90 in ``siyu/orders/hooks.py``).

Each hook runs inside the order's transaction.
"""

from __future__ import annotations

from siyu.orders.hooks import OrderHooks
from siyu.orders.models import AfterSale, Order
from siyu.promotions.presale.services import bookings


class PresaleHooks(OrderHooks):
    """Move the bookings whose deposit or balance order this is."""

    def on_paid(self, order: Order) -> None:
        bookings.on_paid(order)

    def on_cancelled(self, order: Order) -> None:
        bookings.on_cancelled(order)

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        bookings.on_refunded(order)

    def on_closed(self, order: Order) -> None:
        bookings.on_closed(order)
