"""Order lifecycle -> value rows: a payment or refund refreshes the customer once it commits."""

from __future__ import annotations

from typing import Any

from siyu.audience.values.services import schedule_refresh
from siyu.orders.models import Order


def on_order_changed(sender: Any, order: Order, **kwargs: Any) -> None:
    schedule_refresh(order.merchant_id, [order.customer_id])


def connect() -> None:
    from siyu.orders import signals

    signals.order_paid.connect(on_order_changed, sender=Order, dispatch_uid="values.order_paid")
    signals.order_refunded.connect(on_order_changed, sender=Order, dispatch_uid="values.order_refunded")
    signals.order_closed.connect(on_order_changed, sender=Order, dispatch_uid="values.order_closed")
