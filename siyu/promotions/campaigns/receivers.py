"""Order lifecycle -> lotteries and blind boxes. Each receiver runs inside the order's transaction."""

from __future__ import annotations

from typing import Any

from siyu.orders.models import Order
from siyu.orders.services.timeline import log_event
from siyu.promotions.campaigns.services import draws


def on_order_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    boxes = draws.draw_boxes(order)
    if boxes:
        log_event(
            order,
            "blind_box_drawn",
            actor=None,
            prizes=[{"draw": d.pk, "prize": d.prize.name if d.prize else None} for d in boxes],
        )
    draws.grant_chances(order=order)


def on_order_cancelled(sender: Any, order: Order, **kwargs: Any) -> None:
    draws.void_order_draws(order)


def on_order_closed(sender: Any, order: Order, **kwargs: Any) -> None:
    draws.close_order_draws(order)


def connect() -> None:
    from siyu.orders import signals

    signals.order_paid.connect(on_order_paid, sender=Order, dispatch_uid="campaigns.order_paid")
    signals.order_cancelled.connect(
        on_order_cancelled, sender=Order, dispatch_uid="campaigns.order_cancelled"
    )
    signals.order_closed.connect(on_order_closed, sender=Order, dispatch_uid="campaigns.order_closed")
