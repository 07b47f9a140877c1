"""Background work of the campaign playbooks. Each task calls one service; the scheduler enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.promotions.campaigns.services import assist, draws, rewards, split


@task()
def expire_campaign_entries() -> int:
    """Expire assist records and split teams past their deadline (their rewards go back to stock)
    and void lottery chances not used in time."""
    return assist.expire_assists() + split.expire_teams() + draws.void_lapsed_chances()


@task()
def issue_pending_rewards() -> int:
    """Issue coupon rewards that could not be issued when they were won."""
    return rewards.issue_pending_rewards()
