"""Daily check-in (签到): once per local day, a streak that grows on consecutive days, rewards.

Concurrent check-ins of one customer serialise on the membership row's lock and the unique
(customer, date) constraint, so a double tap gives one check-in and one reward.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.members.loyalty.errors import LoyaltyNotEnabled
from siyu.members.loyalty.models import CheckIn, GrowthKind, LoyaltySettings, Membership, PointsKind
from siyu.members.loyalty.services import ledger
from siyu.members.models import Customer
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.promotions.services.coupons import issue_coupon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reward:
    points: int = 0
    growth: int = 0
    coupon_template_id: int | None = None


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool


def streak_day(settings: LoyaltySettings, streak: int) -> int:
    """Which day of the reward table a streak is on: the table repeats every ``streak_cycle_days``."""
    cycle = settings.streak_cycle_days
    return (streak - 1) % cycle + 1 if cycle else streak


def streak_reward(settings: LoyaltySettings, streak: int) -> Reward:
    """The table's reward for the streak's day, on top of the base check-in points and growth."""
    day = streak_day(settings, streak)
    for row in settings.streak_rewards or []:
        if row.get("day") == day:
            return Reward(
                points=int(row.get("points") or 0),
                growth=int(row.get("growth") or 0),
                coupon_template_id=row.get("coupon_template_id"),
            )
    return Reward()


def _issue_coupon(customer: Customer, template_id: int, on: Any, now: datetime) -> Coupon | None:
    """The streak's coupon through the one issuing path; a template used up or paused gives none
    (the check-in itself still counts)."""

    template = CouponTemplate.objects.for_merchant(customer.merchant_id).filter(pk=template_id).first()
    if template is None:
        return None
    try:
        return issue_coupon(
            template=template, customer=customer, source="check_in", claim_key=f"check_in:{on}", now=now
        )
    except SiyuError as exc:
        log.info("check-in coupon %s not issued to %s: %s", template_id, customer.pk, exc.code)
        return None


def check_in(*, customer: Customer, now: datetime | None = None) -> CheckInResult:
    """签到 for today (the merchant's local date). A second check-in the same day returns the first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = ledger.program(customer.merchant_id)
    if settings is None:
        raise LoyaltyNotEnabled()
    existing = CheckIn.objects.filter(customer=customer, on=today).first()
    if existing is not None:
        return CheckInResult(existing, False)
    try:
        with transaction.atomic():
            return CheckInResult(_check_in(customer, settings, today, now), True)
    except IntegrityError:  # a concurrent check-in of the same day committed first
        return CheckInResult(CheckIn.objects.get(customer=customer, on=today), False)


def _check_in(customer: Customer, settings: LoyaltySettings, today: Any, now: datetime) -> CheckIn:
    membership = ledger.ensure_membership(merchant_id=customer.merchant_id, customer_id=customer.pk, now=now)
    row = Membership.objects.select_for_update().get(pk=membership.pk)
    earlier = CheckIn.objects.filter(customer=customer, on=today).first()
    if earlier is not None:  # the lock waited for a concurrent check-in of today
        raise IntegrityError("already checked in today")
    streak = row.streak + 1 if row.last_check_in_on == today - timedelta(days=1) else 1
    reward = streak_reward(settings, streak)
    points = settings.check_in_points + reward.points
    growth = settings.check_in_growth + reward.growth
    coupon = (
        _issue_coupon(customer, reward.coupon_template_id, today, now) if reward.coupon_template_id else None
    )
    check = CheckIn.objects.create(
        merchant_id=customer.merchant_id,
        customer=customer,
        on=today,
        streak=streak,
        points=points,
        growth=growth,
        coupon=coupon,
    )
    Membership.objects.filter(pk=row.pk).update(streak=streak, last_check_in_on=today)
    key = f"check_in:{customer.pk}:{today.isoformat()}"
    move = ledger.Movement(
        customer.merchant_id, customer.pk, PointsKind.CHECK_IN, key, now, note=f"day {streak}"
    )
    ledger.credit_points(move, points, expires_at=ledger.lot_expiry(settings, now))
    ledger.add_growth(replace(move, kind=GrowthKind.CHECK_IN, note=""), growth)
    return check
