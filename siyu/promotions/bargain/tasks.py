"""Background work of bargains. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.promotions.bargain.services import records


@task()
def expire_bargain_records() -> int:
    """Expire bargain records past their deadline that did not reach the floor or were not bought."""
    return records.expire_records()
