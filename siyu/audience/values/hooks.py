"""Order payments, refunds and closings -> value rows (position 30 in ``siyu/orders/hooks.py``).

They move the order figures the value models read; ``schedule_refresh`` refreshes the customer once
the order's transaction commits (one task per committed transaction).
"""

from __future__ import annotations

from siyu.audience.values.services import schedule_refresh
from siyu.orders.hooks import OrderHooks
from siyu.orders.models import AfterSale, Order


class ValueHooks(OrderHooks):
    """Refresh the customer's value row after a payment, a refund or a closing commits."""

    def on_paid(self, order: Order) -> None:
        schedule_refresh(order.merchant_id, [order.customer_id])

    def on_refunded(self, order: Order, *, amount: int, after_sale: AfterSale | None) -> None:
        schedule_refresh(order.merchant_id, [order.customer_id])

    def on_closed(self, order: Order) -> None:
        schedule_refresh(order.merchant_id, [order.customer_id])
