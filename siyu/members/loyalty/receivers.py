"""Order lifecycle -> points and growth. Each receiver runs inside the order's transaction."""

from __future__ import annotations

from typing import Any

from siyu.members.loyalty.services import orders
from siyu.orders.models import Order


def on_order_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    orders.earn_for_order(order)


def on_order_cancelled(sender: Any, order: Order, **kwargs: Any) -> None:
    orders.return_for_cancel(order)


def on_order_refunded(sender: Any, order: Order, **kwargs: Any) -> None:
    orders.settle_refund(order)


def connect() -> None:
    from siyu.orders import signals

    signals.order_paid.connect(on_order_paid, sender=Order, dispatch_uid="loyalty.order_paid")
    signals.order_cancelled.connect(on_order_cancelled, sender=Order, dispatch_uid="loyalty.order_cancelled")
    signals.order_refunded.connect(on_order_refunded, sender=Order, dispatch_uid="loyalty.order_refunded")
