"""What the flash sale does when one of its orders is paid, cancelled or fully refunded.

Connected in ``FlashSaleConfig.ready``; each runs inside the transaction that changed the order.
"""

from __future__ import annotations

from typing import Any

from siyu.orders import signals
from siyu.orders.models import Order
from siyu.promotions.flashsale.services import quota


def on_paid(sender: Any, *, order: Order, **kwargs: Any) -> None:
    quota.settle_order(order)


def on_cancelled(sender: Any, *, order: Order, **kwargs: Any) -> None:
    quota.release_order(order)


def on_closed(sender: Any, *, order: Order, **kwargs: Any) -> None:
    quota.mark_refunded(order)


def connect() -> None:
    signals.order_paid.connect(on_paid, sender=Order, dispatch_uid="flashsale.on_paid")
    signals.order_cancelled.connect(on_cancelled, sender=Order, dispatch_uid="flashsale.on_cancelled")
    signals.order_closed.connect(on_closed, sender=Order, dispatch_uid="flashsale.on_closed")
