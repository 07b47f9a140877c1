"""Real threads against PostgreSQL: points are never spent twice, a day is checked in once, and
the balance always equals the ledger's sum."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from django.db import transaction

from siyu.members.loyalty.models import CheckIn, GrowthKind, Membership, PointsEntry
from siyu.members.loyalty.services import admin, evaluation, ledger
from siyu.members.loyalty.services.checkins import check_in
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.snapshots import balance, ledger_sum

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_orders_racing_for_points_that_cover_three_spend_them_exactly_three_times(
    program, owner, customer, address, sku
):
    admin.adjust_points(staff=owner, customer_id=customer.pk, delta=300, reason="three orders' worth")
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku.pk, 1)], address_id=address.pk, points=100
    )

    def attempt(_i: int) -> int:
        order, _created = checkout.place_order(customer=customer, request=request)
        return order.pk

    results = run_together(20, attempt)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 3, "points_insufficient": 17}
    assert Order.objects.count() == 3
    assert sorted(PointsEntry.objects.filter(kind="redeem").values_list("delta", flat=True)) == [-100] * 3
    assert balance(customer) == 0 == ledger_sum(customer)


def test_spends_and_credits_racing_keep_the_balance_equal_to_the_ledger(
    program, owner, customer, address, sku
):
    admin.adjust_points(staff=owner, customer_id=customer.pk, delta=250, reason="start")
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku.pk, 1)], address_id=address.pk, points=100
    )

    def attempt(i: int) -> object:
        if i % 2:
            return admin.adjust_points(
                staff=owner, customer_id=customer.pk, delta=30, reason=f"gift {i}"
            ).delta
        return checkout.place_order(customer=customer, request=request)[0].payable_amount

    results = run_together(16, attempt)

    assert all(isinstance(r, int) or r == "points_insufficient" for r in results), results
    spent = 100 * PointsEntry.objects.filter(kind="redeem").count()
    assert balance(customer) == 250 + 8 * 30 - spent == ledger_sum(customer)
    assert balance(customer) >= 0
    last = PointsEntry.objects.order_by("-id").first()
    assert last is not None and last.balance_after == balance(customer)


def test_concurrent_check_ins_on_one_day_make_one_check_in(program, customer):
    results = run_together(16, lambda _i: check_in(customer=customer).check_in.pk)

    assert len(set(results)) == 1 and isinstance(results[0], int), results
    assert CheckIn.objects.count() == 1
    assert PointsEntry.objects.filter(kind="check_in").count() == 1
    membership = Membership.objects.get(customer=customer)
    assert (membership.points_balance, membership.growth_value, membership.streak) == (1, 1, 1)


def test_overlapping_birthday_runs_issue_one_coupon_per_member_and_never_raise(owner, tiers, customer_login):
    from siyu.promotions.models import Coupon
    from siyu.promotions.services.coupons import create_template

    template = create_template(
        staff=owner,
        title="生日券",
        kind="amount",
        amount=2000,
        validity="after_claim",
        valid_days=30,
        per_customer_limit=1,
        claimable=False,
    )
    admin.update_tier(staff=owner, tier_id=tiers["silver"].pk, birthday_template_id=template.pk)
    members = [customer_login(f"born-{i}")[0] for i in range(12)]
    now = datetime(2027, 6, 15, 4, tzinfo=UTC)  # noon on 15 June in Shanghai
    for c in members:
        with transaction.atomic():
            ledger.add_growth(ledger.Movement(c.merchant_id, c.pk, GrowthKind.TASK, f"join:{c.pk}", now), 1)
    Customer.objects.filter(pk__in=[c.pk for c in members]).update(birthday=date(1990, 6, 15))

    results = run_together(4, lambda _i: evaluation.issue_birthday_coupons(now=now))

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12  # each coupon is counted by the run that issued it
    assert sorted(Coupon.objects.values_list("customer_id", "claim_key")) == sorted(
        (c.pk, "birthday:2027") for c in members
    )
    assert set(Membership.objects.values_list("birthday_coupon_year", flat=True)) == {2027}
