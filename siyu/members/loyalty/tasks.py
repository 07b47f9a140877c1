"""Background work of memberships. Each task calls one service; the scheduler only enqueues them."""

from __future__ import annotations

from django_tasks import task

from siyu.members.loyalty.services import evaluation, expiry


@task()
def expire_points() -> int:
    """Expire the points lots past their date (FIFO); returns the points expired."""
    return expiry.expire_points()


@task()
def evaluate_member_tiers() -> int:
    """Drop members one tier whose period's growth missed the keep threshold (when turned on)."""
    return evaluation.evaluate_tiers()


@task()
def issue_birthday_coupons() -> int:
    """Issue today's birthday coupons of each member's tier, once a year."""
    return evaluation.issue_birthday_coupons()
