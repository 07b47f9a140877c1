"""Every RFM class, lifecycle stage, value tier, the ladder and the preferences, on hand-built
merchants where each answer is known by construction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from siyu.audience.values import services
from siyu.audience.values.models import CustomerValue, ValueModelSettings
from siyu.orders.models import OrderStatus
from siyu.testing.factories import make_merchant
from siyu.testing.rows import Shop, fixed_now
from siyu.testing.worlds import EIGHT, build_eight

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


@pytest.fixture
def shop(merchant) -> Shop:
    return Shop(merchant, fixed_now())


def values(shop: Shop) -> dict[str, CustomerValue]:
    rows = CustomerValue.objects.for_merchant(shop.merchant).select_related("customer")
    return {row.customer.nickname: row for row in rows}


def test_each_of_the_eight_rfm_classes(shop):
    build_eight(shop)
    state = services.recompute_merchant(shop.merchant.pk, now=shop.now)
    rows = values(shop)
    assert {name: row.rfm_class for name, row in rows.items()} == EIGHT
    # R: the four old buyers score 1,1,2,2 (oldest first), the recent ones 3,3,4,5 (most recent last).
    assert {name: row.r_score for name, row in rows.items()} == {
        "___": 1, "_f_": 1, "__m": 2, "_fm": 2, "r__": 3, "rf_": 3, "r_m": 4, "rfm": 5,
    }  # fmt: skip
    # F: one-order buyers first (ties by recency), then the three-order ones.
    assert {name: row.f_score for name, row in rows.items()} == {
        "___": 1, "__m": 1, "r__": 2, "r_m": 2, "_f_": 3, "_fm": 3, "rf_": 4, "rfm": 5,
    }  # fmt: skip
    assert sorted(r.f_score for r in rows.values()) == [1, 1, 2, 2, 3, 3, 4, 5]
    assert sorted(r.m_score for r in rows.values()) == [1, 1, 2, 2, 3, 3, 4, 5]
    assert (state.buyers, state.r_sum, state.f_sum, state.m_sum) == (8, 21, 21, 21)
    assert rows["rfm"].order_count == 3 and rows["rfm"].paid_total == 100_000
    assert rows["rfm"].recency_days == 1 and rows["___"].recency_days == 207
    assert len(state.cuts["r"]) == len(state.cuts["f"]) == len(state.cuts["m"]) == 4


def test_at_least_rule_uses_a_fixed_score(shop):
    build_eight(shop)
    ValueModelSettings.objects.create(merchant=shop.merchant, rfm_rule="at_least", rfm_min_score=4)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    rows = values(shop)
    # Only scores 4 and 5 are high now. M scores: rf_ 1, r__ 1, _f_ 2, ___ 2, rfm 3, r_m 3, _fm 4, __m 5.
    assert {n: (r.r_score, r.f_score, r.m_score, r.rfm_class) for n, r in rows.items()} == {
        "rfm": (5, 5, 3, "general_value"),
        "r_m": (4, 2, 3, "general_develop"),
        "_fm": (2, 3, 4, "important_retain"),
        "__m": (2, 1, 5, "important_retain"),
        "rf_": (3, 4, 1, "general_keep"),
        "r__": (3, 2, 1, "general_retain"),
        "_f_": (1, 3, 2, "general_retain"),
        "___": (1, 1, 2, "general_retain"),
    }


def test_each_lifecycle_stage_against_the_cycle(shop):
    """A fixed 10-day cycle: dormant after 20 days without a purchase, churned after 40."""
    ValueModelSettings.objects.create(merchant=shop.merchant, cycle_days_fixed=10)
    c = shop.customer
    shop.order(c("first"), 5)
    c("new visitor", registered_days_ago=3)
    growing = c("growing")
    shop.order(growing, 30)
    shop.order(growing, 5)
    mature = c("mature")
    for days in (25, 15, 5):
        shop.order(mature, days)
    dozing = c("dozing")
    for days in (45, 35, 25):
        shop.order(dozing, days)
    browsing = c("lapsed but browsing")
    shop.order(browsing, 50)
    shop.event(browsing, "product_view", 10)
    gone = c("gone")
    shop.order(gone, 60)
    shop.order(gone, 50)
    shop.event(gone, "product_view", 25)  # engaged, but not within the dormancy horizon
    c("registered long ago")
    old_browser = c("browsed within the horizon", registered_days_ago=100)
    shop.event(old_browser, "search", 39)

    state = services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert (state.cycle_days, state.cycle_source) == (10, "fixed")
    assert {name: row.lifecycle_stage for name, row in values(shop).items()} == {
        "first": "introduction",
        "new visitor": "introduction",
        "growing": "growth",
        "mature": "maturity",
        "dozing": "dormancy",
        "lapsed but browsing": "dormancy",
        "gone": "churn",
        "registered long ago": "churn",
        "browsed within the horizon": "introduction",
    }


def test_dormancy_and_churn_boundaries_are_exact(shop):
    ValueModelSettings.objects.create(
        merchant=shop.merchant, cycle_days_fixed=10, dormancy_cycles=Decimal("1.5")
    )
    c = shop.customer
    shop.order(c("15 days"), 15)  # dormant_before is exactly 15 days ago: not before it
    shop.order(c("15 days and a minute"), 15 + 1 / 1440)
    shop.order(c("40 days"), 40)
    shop.order(c("40 days and a minute"), 40 + 1 / 1440)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert {n: r.lifecycle_stage for n, r in values(shop).items()} == {
        "15 days": "introduction",
        "15 days and a minute": "dormancy",
        "40 days": "dormancy",
        "40 days and a minute": "churn",
    }


def test_the_cycle_is_the_typical_repeat_customers_median_interval(shop):
    settings = ValueModelSettings.objects.create(merchant=shop.merchant, cycle_min_customers=3)
    a, b, c = shop.customer("a"), shop.customer("b"), shop.customer("c")
    for days in (100, 90, 78, 64):  # gaps 10, 12, 14: median 12
        shop.order(a, days)
    shop.order(b, 60)
    shop.order(b, 40)  # gap 20
    shop.order(b, 39.8)  # a second order the same afternoon: not a repurchase
    shop.order(b, 30, status=OrderStatus.CLOSED, refunded=10_000)  # fully refunded: not a purchase
    for days in (50, 48, 45, 41, 36, 30):  # gaps 2..6: median 4 (a frequent buyer has one vote)
        shop.order(c, days)
    cycle = services.measure_cycle(shop.merchant.pk, settings, shop.now)
    # Medians 4, 12, 20: the typical repeat customer buys every 12 days (all gaps pooled: 6).
    assert cycle == services.Cycle(12, "measured", 3, 12.0)

    settings.cycle_floor_days = 13
    assert services.measure_cycle(shop.merchant.pk, settings, shop.now).days == 13
    settings.cycle_floor_days, settings.cycle_ceiling_days = 1, 11
    assert services.measure_cycle(shop.merchant.pk, settings, shop.now).days == 11
    settings.cycle_min_customers = 4  # too few repeat customers: the default cycle
    assert services.measure_cycle(shop.merchant.pk, settings, shop.now) == services.Cycle(
        30, "default", 3, 12.0
    )
    # Only intervals ending in the last 45 days: b's 20, c's 3..6 (median 4); then the floor of 7.
    settings.cycle_window_days, settings.cycle_min_customers, settings.cycle_ceiling_days = 45, 1, 180
    settings.cycle_floor_days = 7
    assert services.measure_cycle(shop.merchant.pk, settings, shop.now) == services.Cycle(
        7, "measured", 2, 4.0
    )
    settings.cycle_days_fixed = 9
    assert services.measure_cycle(shop.merchant.pk, settings, shop.now) == services.Cycle(9, "fixed", 0, None)


def test_each_value_tier_semi_private_and_the_ladder(shop):
    c = shop.customer
    fan = c("fan")
    for days in (50, 40, 30, 20, 10):
        shop.order(fan, days)
    three = c("three")
    for days in (30, 20, 10):
        shop.order(three, days)
    two = c("two")
    shop.order(two, 20)
    shop.order(two, 10)
    one = c("one")
    shop.order(one, 10)
    shop.event(one, "add_to_cart", 3)  # a buyer is never semi-private
    fresh = c("fresh", registered_days_ago=10)
    shop.event(fresh, "search", 2)
    keen = c("keen")
    shop.event(keen, "favourite", 5)
    quiet = c("quiet")
    shop.event(quiet, "visit", 1)  # a visit is not a value behaviour
    faded = c("faded")
    shop.event(faded, "follow", 60)
    unpaid = c("unpaid")
    shop.order(unpaid, 2, paid=False)
    refunded = c("refunded")
    shop.order(refunded, 5, status=OrderStatus.CLOSED, refunded=10_000)

    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    rows = values(shop)
    assert {n: (r.value_tier, r.is_semi_private, r.loyalty_rung, r.order_count) for n, r in rows.items()} == {
        "fan": ("die_hard", False, 3, 5),
        "three": ("paying", False, 3, 3),
        "two": ("paying", False, 2, 2),
        "one": ("paying", False, 1, 1),
        "fresh": ("newly_activated", True, 0, 0),
        "keen": ("active", True, 0, 0),
        "quiet": ("ordinary", False, 0, 0),
        "faded": ("ordinary", True, 0, 0),
        "unpaid": ("ordinary", False, 0, 0),
        "refunded": ("ordinary", False, 0, 0),
    }
    assert rows["keen"].last_engaged_at == shop.at(5)
    assert rows["quiet"].last_engaged_at is None
    assert rows["one"].rfm_class != "" and rows["keen"].rfm_class == ""
    assert (rows["keen"].r_score, rows["keen"].recency_days, rows["keen"].last_order_at) == (0, None, None)


def test_die_hard_can_require_spend(shop):
    ValueModelSettings.objects.create(merchant=shop.merchant, die_hard_orders=2, die_hard_spend=30_000)
    small, big = shop.customer("small"), shop.customer("big")
    shop.order(small, 10)
    shop.order(small, 5)
    shop.order(big, 10, 20_000)
    shop.order(big, 5, 10_000)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert {n: r.value_tier for n, r in values(shop).items()} == {"small": "paying", "big": "die_hard"}


def test_preference_sensitivity_and_contact_hour(shop):
    buyer = shop.customer("buyer")
    shop.order(buyer, 30, 20_000, category="tea", discount=500, hour=9)
    shop.order(buyer, 20, 9_000, category="nuts", quantity=3, hour=9)
    shop.order(buyer, 10, 9_000, category="nuts", hour=21, refunded=4_000)  # partly refunded: 5,000 counts
    shop.order(buyer, 400, 90_000, category="cups", discount=100)  # outside every window
    shop.order(buyer, 5, 50_000, category="cups", status=OrderStatus.CLOSED, refunded=50_000)
    for days in (3, 2, 1):
        shop.event(buyer, "search", days, hour=21)
    shop.event(buyer, "order_paid", 1, hour=9)  # mirrors an order: not counted twice
    for days in (3, 2, 1):
        shop.event(buyer, "product_view", days, hour=9)  # page-level: its session's visit votes
    shop.coupons(buyer, "used", "locked", "unused", "voided")
    shop.coupons(buyer, "used", days_ago=500)  # outside the window
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    row = values(shop)["buyer"]
    # tea 20,000 fen vs nuts 9,000 + 5,000: tea.
    assert row.favourite_category_id == shop.categories["tea"].pk
    assert row.order_count == 4 and row.paid_total == 20_000 + 9_000 + 5_000 + 90_000
    assert row.discount_order_share_bp == 3333  # 1 of the 3 paid orders in the last 365 days
    assert row.coupon_use_share_bp == 3333  # 1 used of 3 received (voided ones are not received)
    assert row.preferred_hour == 21  # three searches at 21h and the order at 21h, against two orders at 9h


def test_ties_go_to_more_units_then_the_lower_id_and_the_earlier_hour(shop):
    buyer = shop.customer("buyer")
    shop.order(buyer, 10, 6_000, category="b", quantity=1, hour=20)
    shop.order(buyer, 9, 6_000, category="a", quantity=2, hour=8)
    other = shop.customer("other")
    shop.order(other, 10, 6_000, category="b", hour=8)
    shop.order(other, 9, 6_000, category="a", hour=20)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    rows = values(shop)
    assert rows["buyer"].favourite_category_id == shop.categories["a"].pk  # same spend, more units
    assert rows["other"].favourite_category_id == min(shop.categories["a"].pk, shop.categories["b"].pk)
    assert rows["buyer"].preferred_hour == rows["other"].preferred_hour == 8


def test_contact_hour_is_local_to_the_merchant(db):
    merchant = make_merchant("ny", timezone="America/New_York")
    shop = Shop(merchant, fixed_now())
    buyer = shop.customer("buyer")
    shop.event(buyer, "search", 2, hour=20)  # 20h in Shanghai
    services.recompute_merchant(merchant.pk, now=shop.now)
    local = shop.at(2, 20).astimezone(ZoneInfo("America/New_York"))
    assert values(shop)["buyer"].preferred_hour == local.hour


def test_orders_and_events_after_now_are_not_seen(shop):
    buyer = shop.customer("buyer")
    shop.order(buyer, 10)
    shop.order(buyer, -1)
    shop.event(buyer, "search", -1)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    row = values(shop)["buyer"]
    assert (row.order_count, row.last_engaged_at, row.computed_at) == (1, None, shop.now)


def test_recompute_is_scoped_to_the_merchant(shop):
    other = Shop(make_merchant("other"), shop.now)
    build_eight(shop)
    build_eight(other)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert CustomerValue.objects.for_merchant(other.merchant).count() == 0
    assert CustomerValue.objects.for_merchant(shop.merchant).count() == 8
    later = shop.now + timedelta(days=1)
    services.recompute_merchant(other.merchant.pk, now=later)
    assert set(CustomerValue.objects.for_merchant(shop.merchant).values_list("computed_at", flat=True)) == {
        shop.now
    }
