"""Background work of presales. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.promotions.presale.services import bookings


@task()
def settle_presales() -> int:
    """Forfeit (or refund) deposits whose balance was not paid in the window; finish cancelled presales."""
    return bookings.settle_presales()
