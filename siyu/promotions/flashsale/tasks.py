"""Background work of flash sales. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.promotions.flashsale.services import manage


@task()
def advance_flash_sales() -> dict[str, int]:
    """Move sales scheduled -> running -> ended on the clock and resync their Redis gate keys."""
    return manage.advance_flash_sales()
