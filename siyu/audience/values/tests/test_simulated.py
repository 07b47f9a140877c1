"""The value models on a simulated year of a 2,000-customer brand: plausible distributions, and
exact agreement with counts taken another way (the ORM over orders and events)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum

from siyu.audience.values import selectors, services
from siyu.audience.values.models import CustomerValue, LifecycleStage, RfmClass, ValueTier
from siyu.events.models import VALUE_KINDS, Event
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderStatus
from siyu.simulate.runner import simulate
from siyu.tenancy.models import Merchant

START = date(2025, 1, 1)
DAYS = 365
NOW = datetime(2026, 1, 1, 4, tzinfo=UTC)  # the morning after the simulated year, in Shanghai


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        simulate(merchant_slug="valsim", customers=2000, days=DAYS, seed=1, start=START, progress=False)
        merchant = Merchant.objects.get(slug="valsim")
        state = services.recompute_merchant(merchant.pk, now=NOW)
        yield merchant, state
        transaction.set_rollback(True)


@pytest.fixture
def sim(world, db):
    return world


def test_every_customer_has_a_row_and_the_purchases_agree_with_the_orders(sim):
    merchant, state = sim
    rows = CustomerValue.objects.for_merchant(merchant)
    assert state.customers == rows.count() == Customer.objects.for_merchant(merchant).count() == 2000
    paid = (
        Order.objects.for_merchant(merchant)
        .filter(paid_at__isnull=False, paid_at__lte=NOW)
        .exclude(status=OrderStatus.CLOSED)
    )
    per_customer = dict(
        paid.order_by().values("customer_id").annotate(n=Count("id")).values_list("customer_id", "n")
    )
    assert dict(rows.filter(order_count__gt=0).values_list("customer_id", "order_count")) == per_customer
    assert state.buyers == len(per_customer)
    net = paid.aggregate(t=Sum("paid_amount") - Sum("refunded_amount"))["t"]
    assert rows.aggregate(t=Sum("paid_total"))["t"] == net
    ladder = Counter(min(n, 3) for n in per_customer.values())
    ladder[0] = 2000 - len(per_customer)
    assert (
        dict(rows.order_by().values("loyalty_rung").annotate(n=Count("pk")).values_list("loyalty_rung", "n"))
        == ladder
    )


def test_semi_private_members_are_value_behaviour_without_a_purchase(sim):
    merchant, _ = sim
    engaged = set(
        Event.objects.for_merchant(merchant)
        .filter(kind__in=VALUE_KINDS, customer__isnull=False, occurred_at__lte=NOW)
        .values_list("customer_id", flat=True)
    )
    buyers = set(
        CustomerValue.objects.for_merchant(merchant).filter(order_count__gt=0).values_list("pk", flat=True)
    )
    semi = set(
        CustomerValue.objects.for_merchant(merchant).filter(is_semi_private=True).values_list("pk", flat=True)
    )
    assert semi == engaged - buyers
    assert semi  # the simulated brand has browsers who never bought


def test_quintiles_hold_a_fifth_of_the_buyers_each_within_one(sim):
    merchant, state = sim
    buyers = CustomerValue.objects.for_merchant(merchant).filter(order_count__gt=0)
    low, high = state.buyers // 5, -(-state.buyers // 5)
    for score in ("r_score", "f_score", "m_score"):
        sizes = dict(buyers.order_by().values(score).annotate(n=Count("pk")).values_list(score, "n"))
        assert set(sizes) == {1, 2, 3, 4, 5}, score
        assert all(low <= n <= high for n in sizes.values()), (score, sizes)
        assert sum(sizes.values()) == state.buyers
    # Higher scores mean more recent, more frequent, bigger spenders.
    means = (
        buyers.values("f_score").annotate(orders=Sum("order_count") * 1.0 / Count("pk")).order_by("f_score")
    )
    orders = [m["orders"] for m in means]
    assert orders == sorted(orders)


def test_the_distributions_are_plausible(sim):
    merchant, state = sim
    dist = selectors.distribution(merchant.pk)
    classes = {c["key"]: c["customers"] for c in dist["rfm_classes"]}
    assert set(classes) == set(RfmClass.values) and all(classes.values())  # all eight classes occur
    assert sum(classes.values()) == state.buyers
    stages = {s["key"]: s["customers"] for s in dist["lifecycle_stages"]}
    assert set(stages) == set(LifecycleStage.values) and all(stages.values())
    assert sum(stages.values()) == 2000
    tiers = {t["key"]: t["customers"] for t in dist["value_tiers"]}
    assert set(tiers) == set(ValueTier.values)
    assert tiers["paying"] + tiers["die_hard"] == state.buyers
    assert 0 < tiers["die_hard"] < tiers["paying"]
    assert state.cycle_source == "measured" and 7 <= state.cycle_days <= 180
    # Important-value customers are the best: the highest spend per buyer of all eight classes.
    spend = dict(
        CustomerValue.objects.for_merchant(merchant)
        .filter(order_count__gt=0)
        .order_by()
        .values("rfm_class")
        .annotate(avg=Sum("paid_total") / Count("pk"))
        .values_list("rfm_class", "avg")
    )
    assert max(spend, key=lambda k: spend[k]) in {"important_value", "important_keep"}
    # Preferences are filled where the data allows.
    rows = CustomerValue.objects.for_merchant(merchant)
    recent_buyers = rows.filter(last_order_at__gte=datetime(2025, 1, 2, tzinfo=UTC))
    assert recent_buyers.filter(favourite_category_id__isnull=True).count() == 0
    assert rows.filter(Q(preferred_hour__lt=0) | Q(preferred_hour__gt=23)).count() == 0
    assert rows.filter(preferred_hour__isnull=False).count() > 1000


def test_refresh_matches_the_full_recompute_on_simulated_data(sim):
    merchant, _ = sim
    sample = list(
        CustomerValue.objects.for_merchant(merchant).order_by("pk").values_list("pk", flat=True)[::20]
    )
    before = {r["customer_id"]: r for r in CustomerValue.objects.filter(pk__in=sample).values()}
    CustomerValue.objects.filter(pk__in=sample).delete()
    assert services.refresh_customers(merchant.pk, sample, now=NOW) == len(sample) == 100
    after = {r["customer_id"]: r for r in CustomerValue.objects.filter(pk__in=sample).values()}
    assert after == before
