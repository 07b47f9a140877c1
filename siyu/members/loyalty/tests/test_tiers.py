"""Tiers: upgrade as soon as growth reaches a threshold, the periodic downgrade evaluation, birthday
coupons once a year, and the tier's benefits in pricing (discount, free shipping)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from siyu.members.loyalty.errors import TierConflict, TierInUse
from siyu.members.loyalty.models import GrowthEntry, GrowthKind, Membership, TierChange
from siyu.members.loyalty.services import admin, evaluation, ledger
from siyu.members.models import Customer
from siyu.orders.services import checkout
from siyu.promotions.models import Coupon
from siyu.promotions.services.coupons import create_template

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


def _grow(customer, amount, at=None, key=None):
    at = at or timezone.now()
    move = ledger.Movement(customer.merchant_id, customer.pk, GrowthKind.TASK, key or f"g:{amount}:{at}", at)
    ledger.add_growth(move, amount)


def _tier(customer):
    row = Membership.objects.select_related("tier").get(customer=customer)
    return row.tier.code if row.tier else None, row.growth_value


def test_new_member_starts_in_the_tier_growth_zero_reaches_and_climbs_at_once(tiers, customer):
    _grow(customer, 999)
    assert _tier(customer) == ("silver", 999)
    _grow(customer, 1)
    assert _tier(customer) == ("gold", 1000)
    _grow(customer, 9000)  # straight past diamond
    assert _tier(customer) == ("diamond", 10000)
    assert list(
        TierChange.objects.order_by("id").values_list("from_tier__code", "to_tier__code", "reason")
    ) == [
        ("silver", "gold", "upgrade"),
        ("gold", "diamond", "upgrade"),
    ]


def test_a_refund_lowers_growth_but_not_the_tier(tiers, customer):
    _grow(customer, 1200)
    _grow(customer, -500)
    assert _tier(customer) == ("gold", 700)


def test_tier_thresholds_must_rise_with_rank_and_codes_be_distinct(tiers, owner):
    with pytest.raises(TierConflict):
        admin.create_tier(staff=owner, code="bronze", name="铜", rank=3, growth_threshold=4000)
    with pytest.raises(TierConflict):
        admin.create_tier(staff=owner, code="gold", name="金", rank=5, growth_threshold=9000)
    with pytest.raises(TierConflict):
        admin.update_tier(staff=owner, tier_id=tiers["gold"].pk, growth_threshold=6000)
    tiers["gold"].refresh_from_db()
    assert tiers["gold"].growth_threshold == 1000


def test_lowering_a_threshold_moves_members_up_and_deleting_a_held_tier_is_refused(tiers, owner, customer):
    _grow(customer, 800)
    admin.update_tier(staff=owner, tier_id=tiers["gold"].pk, growth_threshold=800)
    assert _tier(customer) == ("gold", 800)
    assert TierChange.objects.filter(reason="tier_edit").count() == 1
    with pytest.raises(TierInUse):
        admin.delete_tier(staff=owner, tier_id=tiers["gold"].pk)
    admin.delete_tier(staff=owner, tier_id=tiers["diamond"].pk)
    assert sorted(t.code for t in ledger.tiers(customer.merchant_id)) == ["gold", "silver"]


def _set_downgrade(owner, period=30):
    admin.update_settings(staff=owner, downgrade_enabled=True, downgrade_period_days=period)


def test_downgrade_drops_one_tier_when_the_period_growth_misses_the_keep_threshold(
    tiers, owner, customer_login
):
    now = timezone.now()
    lazy, busy, fresh = (customer_login(n)[0] for n in ("lazy", "busy", "fresh"))
    for c in (lazy, busy, fresh):
        _grow(c, 1000, at=now - timedelta(days=40), key=f"old:{c.pk}")
    Membership.objects.filter(customer__in=[lazy, busy]).update(tier_since=now - timedelta(days=40))
    _grow(lazy, 150, at=now - timedelta(days=10))  # below gold's 200 in the last 30 days
    _grow(busy, 250, at=now - timedelta(days=10))
    GrowthEntry.objects.filter(customer__in=[lazy, busy]).update(created_at=now - timedelta(days=40))
    GrowthEntry.objects.filter(customer__in=[lazy, busy], delta__in=[150, 250]).update(
        created_at=now - timedelta(days=10)
    )

    assert evaluation.evaluate_tiers(now=now) == 0  # off by default
    _set_downgrade(owner)
    assert evaluation.evaluate_tiers(now=now) == 1

    assert _tier(lazy) == ("silver", 0)  # growth cut to silver's threshold
    assert _tier(busy) == ("gold", 1250)
    assert _tier(fresh) == ("gold", 1000)  # its tier started just now: not due
    assert list(GrowthEntry.objects.filter(kind="downgrade").values_list("customer_id", "delta")) == [
        (lazy.pk, -1150)
    ]
    change = TierChange.objects.get(reason="downgrade")
    assert (change.customer_id, change.from_tier.code, change.to_tier.code) == (lazy.pk, "gold", "silver")
    busy_row = Membership.objects.get(customer=busy)
    assert busy_row.tier_evaluated_at == now
    assert evaluation.evaluate_tiers(now=now + timedelta(days=1)) == 0  # nobody due again yet


def test_the_lowest_tier_is_never_dropped(tiers, owner, customer):
    _grow(customer, 10)
    Membership.objects.filter(customer=customer).update(tier_since=timezone.now() - timedelta(days=400))
    _set_downgrade(owner)
    assert evaluation.evaluate_tiers() == 0
    assert _tier(customer) == ("silver", 10)


@pytest.fixture
def birthday_template(owner):
    return create_template(
        staff=owner,
        title="生日券",
        kind="amount",
        amount=2000,
        validity="after_claim",
        valid_days=30,
        per_customer_limit=10,
        claimable=False,
    )


def test_birthday_coupon_is_issued_once_a_year(tiers, owner, customer_login, birthday_template):
    admin.update_tier(staff=owner, tier_id=tiers["gold"].pk, birthday_template_id=birthday_template.pk)
    now = timezone.make_aware(timezone.datetime(2027, 6, 15, 10))  # 10:00 on 15 June in Shanghai
    born = date(1990, 6, 15)
    gold, silver, other_day = (customer_login(n)[0] for n in ("gold", "silver", "other"))
    for c, growth in ((gold, 1000), (silver, 10), (other_day, 1000)):
        _grow(c, growth)
    Customer.objects.filter(pk__in=[gold.pk, silver.pk]).update(birthday=born)  # silver has no coupon
    Customer.objects.filter(pk=other_day.pk).update(birthday=date(1990, 6, 16))

    assert evaluation.issue_birthday_coupons(now=now) == 1
    assert evaluation.issue_birthday_coupons(now=now) == 0  # the hourly rerun
    coupon = Coupon.objects.get()
    year = timezone.localdate(now).year
    assert (coupon.customer_id, coupon.source, coupon.claim_key) == (gold.pk, "birthday", f"birthday:{year}")
    assert Membership.objects.get(customer=gold).birthday_coupon_year == year
    assert evaluation.issue_birthday_coupons(now=now.replace(year=now.year + 1)) == 1
    assert list(Coupon.objects.order_by("id").values_list("customer_id", "claim_key")) == [
        (gold.pk, f"birthday:{year}"),
        (gold.pk, f"birthday:{year + 1}"),
    ]


def test_birthday_on_29_february_counts_on_28_february(tiers, owner, customer, birthday_template):
    admin.update_tier(staff=owner, tier_id=tiers["silver"].pk, birthday_template_id=birthday_template.pk)
    _grow(customer, 1)
    Customer.objects.filter(pk=customer.pk).update(birthday=date(2000, 2, 29))
    noon = timezone.make_aware(timezone.datetime(2027, 2, 28, 12))
    assert evaluation.issue_birthday_coupons(now=noon) == 1
    assert Coupon.objects.get().claim_key == "birthday:2027"


def _quote(customer, sku, qty=1, points=0):
    priced, _ = checkout.quote(
        customer=customer,
        request=checkout.CheckoutRequest(lines=[checkout.LineRequest(sku.pk, qty)], points=points),
    )
    return priced.result


def test_tier_discount_and_free_shipping_apply_in_pricing(tiers, customer_login, sku):
    guest, member = customer_login("guest")[0], customer_login("member")[0]
    _grow(member, 1000)
    plain = _quote(guest, sku)
    assert (plain.payable_amount, plain.shipping_fee) == (6000, 1000)
    gold = _quote(member, sku)
    assert (gold.discount_amount, gold.shipping_fee, gold.payable_amount) == (500, 0, 4500)
    kinds = {a.rule_id: (a.kind, a.amount, a.label_zh) for a in gold.applied}
    assert kinds["loyalty:tier_price"] == ("member_price", 500, "金卡: 会员价")
    assert kinds["loyalty:tier_shipping"] == ("free_shipping", 1000, "金卡: 无门槛包邮")


def test_a_member_price_promotion_keyed_by_tier_code_competes_with_the_tier_discount(
    tiers, owner, customer, sku
):
    from siyu.promotions.services.promotions import create_promotion

    promo = create_promotion(
        staff=owner, kind="member_price", title="金卡特价", config={"tier_rate_bp": {"gold": 8000}}
    )
    _grow(customer, 1000)
    result = _quote(customer, sku)
    assert result.discount_amount == 1000  # 8折 beats the tier's 9折 on the line
    assert [a.rule_id for a in result.applied if a.kind == "member_price"] == [f"promotion:{promo.pk}"]


def _birthday_member(owner, tiers, customer, template, born):
    admin.update_tier(staff=owner, tier_id=tiers["silver"].pk, birthday_template_id=template.pk)
    _grow(customer, 1)
    Customer.objects.filter(pk=customer.pk).update(birthday=born)


def test_birthday_coupons_follow_the_merchants_day_not_utcs(tiers, owner, customer, birthday_template):
    """16:30 UTC on 14 June is 00:30 on 15 June in Shanghai: the birthday has begun there."""
    from siyu.members.loyalty.tasks import issue_birthday_coupons

    _birthday_member(owner, tiers, customer, birthday_template, date(1990, 6, 15))

    with time_machine.travel(datetime(2027, 6, 14, 15, 59, tzinfo=UTC), tick=False):
        assert issue_birthday_coupons.call() == 0  # 23:59 on 14 June in Shanghai
    with time_machine.travel(datetime(2027, 6, 14, 16, 30, tzinfo=UTC), tick=False):
        assert issue_birthday_coupons.call() == 1
    assert list(Coupon.objects.values_list("customer_id", "source", "claim_key")) == [
        (customer.pk, "birthday", "birthday:2027")
    ]
    assert Membership.objects.get(customer=customer).birthday_coupon_year == 2027


def test_a_new_years_day_birthday_counts_in_the_merchants_new_year(tiers, owner, customer, birthday_template):
    from siyu.members.loyalty.tasks import issue_birthday_coupons

    _birthday_member(owner, tiers, customer, birthday_template, date(1990, 1, 1))

    with time_machine.travel(datetime(2027, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        assert issue_birthday_coupons.call() == 1  # 00:30 on 1 January 2028 in Shanghai
    assert Coupon.objects.get().claim_key == "birthday:2028"
    assert Membership.objects.get(customer=customer).birthday_coupon_year == 2028


def test_birthday_coupons_use_each_merchants_own_zone(tiers, owner, customer, birthday_template):
    """A merchant in New York: its 15 June begins at 04:00 UTC, eight hours after Shanghai's ends."""
    from siyu.members.loyalty.tasks import issue_birthday_coupons

    owner.merchant.timezone = "America/New_York"
    owner.merchant.save(update_fields=["timezone"])
    _birthday_member(owner, tiers, customer, birthday_template, date(1990, 6, 15))

    with time_machine.travel(datetime(2027, 6, 15, 3, 59, tzinfo=UTC), tick=False):
        assert issue_birthday_coupons.call() == 0  # 23:59 on 14 June in New York, 11:59 on 15 June here
    with time_machine.travel(datetime(2027, 6, 16, 3, 30, tzinfo=UTC), tick=False):
        assert issue_birthday_coupons.call() == 1  # 23:30 on 15 June in New York, 16 June in Shanghai
    assert Coupon.objects.get().claim_key == "birthday:2027"
