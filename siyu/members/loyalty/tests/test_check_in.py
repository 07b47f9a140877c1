"""Daily check-in: once per local day, the streak, the reward table and its cycle, a broken streak."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.members.loyalty.errors import LoyaltyNotEnabled
from siyu.members.loyalty.models import CheckIn, Membership, PointsEntry
from siyu.members.loyalty.services import admin
from siyu.members.loyalty.services.checkins import check_in
from siyu.promotions.models import Coupon
from siyu.promotions.services.coupons import create_template

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


@pytest.fixture
def week_template(owner):
    return create_template(
        staff=owner,
        title="七日签到券",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
        per_customer_limit=50,
        claimable=False,
    )


@pytest.fixture
def rewards(owner, program, week_template):
    return admin.update_settings(
        staff=owner,
        streak_cycle_days=7,
        streak_rewards=[
            {"day": 7, "points": 20, "growth": 5, "coupon_template_id": week_template.pk},
            {"day": 3, "points": 5},
        ],
    )


def test_without_a_programme_check_in_is_refused(customer):
    with pytest.raises(LoyaltyNotEnabled):
        check_in(customer=customer)
    assert not CheckIn.objects.exists()


def test_a_week_of_check_ins_builds_the_streak_and_pays_the_table(rewards, customer):
    start = timezone.now() - timedelta(days=10)
    results = [check_in(customer=customer, now=start + timedelta(days=d)) for d in range(8)]
    assert [r.check_in.streak for r in results] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [r.check_in.points for r in results] == [1, 1, 6, 1, 1, 1, 21, 1]  # day 8 is day 1 again
    assert [r.check_in.growth for r in results] == [1, 1, 1, 1, 1, 1, 6, 1]
    assert [r.check_in.coupon_id is not None for r in results] == [False] * 6 + [True, False]
    coupon = Coupon.objects.get()
    assert (coupon.customer_id, coupon.source) == (customer.pk, "check_in")
    membership = Membership.objects.get(customer=customer)
    assert (membership.points_balance, membership.growth_value, membership.streak) == (33, 13, 8)
    assert PointsEntry.objects.filter(kind="check_in").count() == 8


def test_a_missed_day_starts_the_streak_again(rewards, customer):
    start = timezone.now() - timedelta(days=10)
    for d in (0, 1, 3):  # day 2 missed
        last = check_in(customer=customer, now=start + timedelta(days=d))
    assert (last.check_in.streak, last.check_in.points) == (1, 1)


def test_a_second_check_in_the_same_day_is_the_first(rewards, customer):
    now = timezone.now()
    first = check_in(customer=customer, now=now)
    again = check_in(customer=customer, now=now + timedelta(seconds=5))
    assert (first.created, again.created) == (True, False)
    assert again.check_in.pk == first.check_in.pk
    assert CheckIn.objects.count() == 1
    assert Membership.objects.get(customer=customer).points_balance == 1


def test_a_used_up_coupon_does_not_stop_the_check_in(rewards, customer, week_template):
    week_template.total_quantity = 0
    week_template.save(update_fields=["total_quantity"])
    start = timezone.now() - timedelta(days=10)
    results = [check_in(customer=customer, now=start + timedelta(days=d)) for d in range(7)]
    assert (results[-1].check_in.points, results[-1].check_in.coupon_id) == (21, None)
    assert not Coupon.objects.exists()


def test_a_task_reward_pays_once(program, customer):
    from siyu.members.loyalty.services.rewards import grant_task_reward

    first = grant_task_reward(customer=customer, task="bind_phone", points=50, growth=10)
    again = grant_task_reward(customer=customer, task="bind_phone", points=50, growth=10)
    assert first is not None and (first.kind, first.delta, first.note) == ("task", 50, "bind_phone")
    assert again is None
    membership = Membership.objects.get(customer=customer)
    assert (membership.points_balance, membership.growth_value) == (50, 10)
