"""Background work of the reach engine. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.reach import dispatch


@task()
def dispatch_messages() -> dict[str, int]:
    """Recover sends left by dead workers, send every due message, close finished broadcasts."""
    return dispatch.run_once()
