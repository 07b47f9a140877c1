"""Background work of orders. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.orders.services import lifecycle


@task()
def cancel_unpaid_orders() -> int:
    """Cancel orders past their payment deadline and release their stock."""
    return lifecycle.cancel_unpaid_orders()


@task()
def expire_order(order_id: int) -> bool:
    """Cancel one order at its payment deadline if it is still unpaid (enqueued at checkout)."""
    return lifecycle.expire_order(order_id)


def schedule_expiry(order_id: int, expires_at) -> None:
    """After the checkout commits, queue the order's own cancellation for its deadline.

    Backends that cannot defer (the inline one in tests) skip it: the periodic sweep
    ``cancel_unpaid_orders`` catches every expired order either way.
    """
    if expire_order.get_backend().supports_defer:
        expire_order.using(run_after=expires_at).enqueue(order_id)


@task()
def auto_confirm_receipts() -> int:
    return lifecycle.auto_confirm_receipts()


@task()
def auto_complete_orders() -> int:
    return lifecycle.auto_complete_orders()
