"""The incremental refresh: the same rows as a full recompute on the same data, O(1) per customer
against the stored cut points, and triggered by order payments and refunds once they commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siyu.audience.values import services
from siyu.audience.values.models import CustomerValue, ValueModelSettings, ValueModelState
from siyu.orders import hooks
from siyu.orders.models import Order, OrderStatus
from siyu.testing.rows import Shop, fixed_now
from siyu.testing.worlds import build_eight

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


@pytest.fixture
def shop(merchant) -> Shop:
    return Shop(merchant, fixed_now())


def snapshot(merchant_id: int) -> dict[int, dict[str, Any]]:
    rows = CustomerValue.objects.for_merchant(merchant_id).order_by("pk").values()
    return {row["customer_id"]: row for row in rows}


def build_mixed(shop: Shop) -> None:
    """Ties in every measure (equal order counts, equal totals, equal last-order times), engaged
    non-buyers, refunds, coupons and several categories: 23 customers, 17 of them buyers."""
    build_eight(shop)
    same_time = shop.at(12, 10)
    for i in range(9):
        buyer = shop.customer(f"tied {i}")
        for k in range(1 + i % 3):
            order = shop.order(buyer, 40 - 10 * k, 5_000, category="nuts" if i % 2 else "tea", discount=i % 2)
        Order.objects.filter(pk=order.pk).update(paid_at=same_time)  # all nine share a last-order time
        shop.event(buyer, "product_view", i + 1, hour=8 + i)
        shop.coupons(buyer, "used", "unused")
    for i in range(4):
        browser = shop.customer(f"browser {i}", registered_days_ago=5 + 20 * i)
        shop.event(browser, "add_to_cart", 3 + 10 * i)
    shop.customer("silent")
    refunded = shop.customer("refunded")
    shop.order(refunded, 3, status=OrderStatus.CLOSED, refunded=10_000)


def test_refreshing_every_customer_reproduces_the_full_recompute(shop):
    build_mixed(shop)
    ValueModelSettings.objects.create(merchant=shop.merchant, cycle_min_customers=3)
    state = services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert (state.customers, state.buyers, state.cycle_source) == (23, 17, "measured")
    full = snapshot(shop.merchant.pk)
    CustomerValue.objects.for_merchant(shop.merchant).delete()
    written = services.refresh_customers(shop.merchant.pk, list(full), now=shop.now)
    assert written == 23
    assert snapshot(shop.merchant.pk) == full


def test_refreshing_each_customer_alone_reproduces_it_too(shop):
    build_mixed(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    full = snapshot(shop.merchant.pk)
    CustomerValue.objects.for_merchant(shop.merchant).update(
        r_score=0, f_score=0, m_score=0, rfm_class="", lifecycle_stage="churn", value_tier="ordinary"
    )
    for customer_id in full:
        assert services.refresh_customers(shop.merchant.pk, [customer_id], now=shop.now) == 1
    assert snapshot(shop.merchant.pk) == full


def test_quintile_sizes_with_ties_stay_within_one(shop):
    build_mixed(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    buyers = CustomerValue.objects.for_merchant(shop.merchant).filter(order_count__gt=0)
    for score in ("r_score", "f_score", "m_score"):
        sizes = sorted(buyers.filter(**{score: q}).count() for q in range(1, 6))
        assert sizes == [3, 3, 3, 4, 4], score  # 17 buyers


def test_a_refresh_scores_against_the_stored_cut_points(shop):
    build_eight(shop)
    state = services.recompute_merchant(shop.merchant.pk, now=shop.now)
    newcomer = shop.customer("newcomer")
    shop.order(newcomer, 0.5, 500_000)  # most recent and largest: R 5, M 5; one order: F by its key
    later = shop.now + timedelta(hours=1)
    services.refresh_customers(shop.merchant.pk, [newcomer.pk], now=later)
    row = CustomerValue.objects.get(customer=newcomer)
    # F key (1 order, most recent) is above the cut of quintile 3 (the first three-order buyer)? No:
    # it sits above every one-order buyer, so it lands in quintile 2 with them.
    assert (row.r_score, row.f_score, row.m_score) == (5, 2, 5)
    assert row.rfm_class == "important_develop"  # R, M above the stored mean 2.625; F not
    assert row.computed_at == later
    # Nothing else moved, and the cut points are those of the last full recompute.
    assert (
        CustomerValue.objects.for_merchant(shop.merchant)
        .exclude(customer=newcomer)
        .filter(computed_at=later)
        .count()
        == 0
    )
    assert ValueModelState.objects.get(merchant=shop.merchant).cuts == state.cuts


def test_a_refresh_costs_the_same_queries_whatever_the_merchant_size(shop):
    build_mixed(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    customer_id = next(iter(snapshot(shop.merchant.pk)))
    with CaptureQueriesContext(connection) as queries:
        services.refresh_customers(shop.merchant.pk, [customer_id], now=shop.now)
    upserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(upserts) == 1 and "NTILE" not in upserts[0]
    assert len(queries.captured_queries) <= 8  # state, settings, merchant, the upsert, savepoints


def test_refresh_without_a_stored_state_recomputes_in_full(shop):
    build_eight(shop)
    customer_id = Order.objects.for_merchant(shop.merchant).values_list("customer_id", flat=True)[0]
    services.refresh_customers(shop.merchant.pk, [customer_id], now=shop.now)
    assert CustomerValue.objects.for_merchant(shop.merchant).count() == 8
    assert ValueModelState.objects.filter(merchant=shop.merchant).exists()


def test_refresh_ignores_another_merchants_customers(shop):
    from siyu.testing.factories import make_merchant

    other = Shop(make_merchant("other"), shop.now)
    build_eight(shop)
    build_eight(other)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    foreign = list(Order.objects.for_merchant(other.merchant).values_list("customer_id", flat=True))
    assert services.refresh_customers(shop.merchant.pk, foreign, now=shop.now) == 0
    assert CustomerValue.objects.for_merchant(other.merchant).count() == 0
    assert services.refresh_customers(shop.merchant.pk, [], now=shop.now) == 0


RUN_HOOKS = {
    "order_paid": hooks.order_paid,
    "order_refunded": lambda order: hooks.order_refunded(order, amount=0, after_sale=None),
    "order_closed": hooks.order_closed,
}


@pytest.mark.parametrize("hook", sorted(RUN_HOOKS))
def test_order_hooks_refresh_the_customer_after_commit(shop, hook, django_capture_on_commit_callbacks):
    build_eight(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    buyer = shop.customer("new buyer")
    order = shop.order(buyer, 1)  # before the real now, which the refresh task uses
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        RUN_HOOKS[hook](order)
    assert not CustomerValue.objects.filter(customer=buyer).exists()  # nothing before the commit
    mine = [c for c in callbacks if c.__qualname__ == "_Pending.flush"]
    assert len(mine) == 1
    mine[0]()  # the commit: the task runs inline in tests
    row = CustomerValue.objects.get(customer=buyer)
    assert (row.order_count, row.loyalty_rung, row.value_tier) == (1, 1, "paying")


def test_schedule_refresh_is_what_event_ingestion_calls(shop, django_capture_on_commit_callbacks):
    build_eight(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now)
    browser = shop.customer("browser")
    shop.event(browser, "favourite", 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.schedule_refresh(shop.merchant.pk, [browser.pk, browser.pk])
    row = CustomerValue.objects.get(customer=browser)
    assert (row.is_semi_private, row.value_tier, row.last_engaged_at) == (True, "active", shop.at(1))
    with django_capture_on_commit_callbacks() as callbacks:
        services.schedule_refresh(shop.merchant.pk, [])
    assert callbacks == []


def test_a_daily_recompute_reads_only_recent_events_and_keeps_the_older_ones(shop):
    build_mixed(shop)
    first = services.recompute_merchant(shop.merchant.pk, now=shop.now - timedelta(days=1))
    assert first.full_scan_at == shop.now - timedelta(days=1)
    browser = CustomerValue.objects.for_merchant(shop.merchant).get(customer__nickname="browser 3")
    assert browser.last_engaged_at == shop.at(33)
    quiet = shop.customer("quiet one")
    services.recompute_merchant(shop.merchant.pk, now=shop.now - timedelta(hours=12))
    shop.event(quiet, "follow", 0.25)  # arrives after that run, within the next one's reach
    late = shop.event(browser.customer, "search", 10)  # arrives late: older than the overlap
    daily = services.recompute_merchant(shop.merchant.pk, now=shop.now)
    assert daily.full_scan_at == first.full_scan_at  # no full read of the events
    rows = {
        r.customer.nickname: r
        for r in CustomerValue.objects.for_merchant(shop.merchant).select_related("customer")
    }
    assert (rows["quiet one"].last_engaged_at, rows["quiet one"].is_semi_private) == (shop.at(0.25), True)
    assert rows["browser 3"].last_engaged_at == shop.at(33)  # kept from the stored row; the late one unseen
    # The ingestion's refresh, or the weekly full read, sees the late event.
    services.refresh_customers(shop.merchant.pk, [browser.customer_id], now=shop.now)
    assert CustomerValue.objects.get(pk=browser.pk).last_engaged_at == late.occurred_at
    daily_rows = snapshot(shop.merchant.pk)
    reread = services.recompute_merchant(shop.merchant.pk, now=shop.now, reread_events=True)
    assert reread.full_scan_at == shop.now
    assert snapshot(shop.merchant.pk) == daily_rows


def test_events_are_read_in_full_again_after_a_week(shop):
    build_eight(shop)
    services.recompute_merchant(shop.merchant.pk, now=shop.now - timedelta(days=7))
    for day in range(6, -1, -1):
        state = services.recompute_merchant(shop.merchant.pk, now=shop.now - timedelta(days=day))
    assert state.full_scan_at == shop.now
    earlier = services.recompute_merchant(shop.merchant.pk, now=shop.now - timedelta(days=3))
    assert earlier.full_scan_at == shop.now - timedelta(days=3)  # going back in time reads everything
