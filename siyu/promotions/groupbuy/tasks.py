"""Background work of group buys. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.promotions.groupbuy.services import teams


@task()
def expire_group_buy_teams() -> int:
    """Fail (or virtually fill) teams past their deadline and refund the members of failed teams."""
    return teams.expire_teams()
