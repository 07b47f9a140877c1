"""Order milestones as behaviour events, written in the transaction that made the change.

Position 20 in ``siyu/orders/hooks.py``. Each event id is derived from the milestone (order id,
after-sale id), so a replayed payment callback or a retried refund records it once. Order events carry
no source: they are not touches (the order's own attributed source is in ``properties``), so an order
never extends the attribution window it was credited by.
"""

from __future__ import annotations

from typing import Any

from siyu.events.models import EventKind
from siyu.events.services import record_server_event
from siyu.orders.hooks import OrderHooks
from siyu.orders.models import AfterSale, Order


def _order_properties(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "number": order.number,
        "payable": order.payable_amount,
        "order_source": order.source,
    }


class OrderEventHooks(OrderHooks):
    """Record ``order_created``, ``order_paid`` and ``refund`` events."""

    def on_placed(self, order: Order) -> None:
        record_server_event(
            merchant_id=order.merchant_id,
            customer_id=order.customer_id,
            kind=EventKind.ORDER_CREATED,
            key=f"order:{order.pk}",
            properties=_order_properties(order),
            occurred_at=order.created_at,
        )

    def on_paid(self, order: Order) -> None:
        record_server_event(
            merchant_id=order.merchant_id,
            customer_id=order.customer_id,
            kind=EventKind.ORDER_PAID,
            key=f"order:{order.pk}",
            properties={**_order_properties(order), "paid": order.paid_amount},
            occurred_at=order.paid_at,
        )

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        which = f"after_sale:{after_sale.pk}" if after_sale is not None else "whole"
        record_server_event(
            merchant_id=order.merchant_id,
            customer_id=order.customer_id,
            kind=EventKind.REFUND,
            key=f"order:{order.pk}:{which}",
            properties={
                "order_id": order.pk,
                "number": order.number,
                "amount": amount,
                "after_sale_id": after_sale.pk if after_sale is not None else None,
            },
        )
