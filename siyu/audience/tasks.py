"""Background work of the audience app. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.audience import services


@task()
def refresh_segments() -> dict[str, int]:
    """Recount every dynamic segment, so lists show fresh member counts without evaluating rules."""
    return services.refresh_segment_counts()


@task()
def recompute_tag_rules() -> dict[str, int]:
    """Bring every active automatic tag up to date (time windows move even when nothing happens)."""
    return services.recompute_tag_rules()
