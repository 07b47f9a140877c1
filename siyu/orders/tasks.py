"""Background work of orders. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.orders.services import lifecycle


@task()
def cancel_unpaid_orders() -> int:
    """Cancel orders past their payment deadline and release their stock."""
    return lifecycle.cancel_unpaid_orders()


@task()
def auto_confirm_receipts() -> int:
    return lifecycle.auto_confirm_receipts()


@task()
def auto_complete_orders() -> int:
    return lifecycle.auto_complete_orders()
