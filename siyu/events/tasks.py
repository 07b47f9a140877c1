"""Background work of events. Each task calls one function; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.events import partitions


@task()
def ensure_event_partitions() -> list[str]:
    """Create this month's and the next months' event partitions ahead of need (PostgreSQL)."""
    return partitions.ensure_event_partitions()
