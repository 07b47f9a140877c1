"""Background work of WeChat Pay. The scheduler enqueues; the task calls one service."""

from __future__ import annotations

from django_tasks import task

from siyu.wechat.pay import services


@task()
def reconcile_wechat_pay() -> int:
    """Reconcile yesterday's WeChat Pay trade bill for every merchant not yet reconciled for it."""
    return services.reconcile_yesterday()


@task()
def settle_wechat_refunds() -> int:
    """Query WeChat Pay refunds still pending (a lost callback) and settle the finished ones."""
    return services.settle_pending_refunds()
