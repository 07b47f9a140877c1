"""Order lifecycle -> presale bookings. Each receiver runs inside the order's transaction."""

from __future__ import annotations

from typing import Any

from siyu.orders.models import Order
from siyu.promotions.presale.services import bookings


def on_order_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    bookings.on_paid(order)


def on_order_cancelled(sender: Any, order: Order, **kwargs: Any) -> None:
    bookings.on_cancelled(order)


def on_order_refunded(sender: Any, order: Order, **kwargs: Any) -> None:
    bookings.on_refunded(order)


def on_order_closed(sender: Any, order: Order, **kwargs: Any) -> None:
    bookings.on_closed(order)


def connect() -> None:
    from siyu.orders import signals

    signals.order_paid.connect(on_order_paid, sender=Order, dispatch_uid="presale.order_paid")
    signals.order_cancelled.connect(on_order_cancelled, sender=Order, dispatch_uid="presale.order_cancelled")
    signals.order_refunded.connect(on_order_refunded, sender=Order, dispatch_uid="presale.order_refunded")
    signals.order_closed.connect(on_order_closed, sender=Order, dispatch_uid="presale.order_closed")
