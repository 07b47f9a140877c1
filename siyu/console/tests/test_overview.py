"""概况: the day buckets in the merchant's timezone, exact metrics, and the page that shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from siyu.console.selectors.overview import DayMetrics, Kpi, daily_metrics, fixed_offset, overview
from siyu.events.models import Event
from siyu.orders.models import Order
from siyu.tenancy.models import Role
from siyu.testing.clients import log_in
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = date(2026, 3, 10)


def at(day: date, hh: int, mm: int, ss: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=zone)


def paid(customer, sku, address, qty: int, when: datetime) -> Order:
    order = pay(customer, place(customer, [(sku.pk, qty)], address=address))
    Order.objects.filter(pk=order.pk).update(paid_at=when)
    return order


def visit(merchant, when: datetime, *, customer=None, anonymous_id: str = "", kind: str = "visit") -> None:
    Event.objects.create(
        merchant=merchant,
        event_id=uuid.uuid4(),
        kind=kind,
        customer=customer,
        anonymous_id=anonymous_id,
        occurred_at=when,
    )


@pytest.fixture
def history(merchant, customer_login, make_product, address, customer):
    """Two days of sales and visits at Shanghai's day edges, plus noise that must not count."""
    sku = make_product(price=5000).skus.get()
    alice = customer
    bob, carol = customer_login("bob")[0], customer_login("carol")[0]
    bob_address = address.__class__.objects.create(
        merchant=merchant, customer=bob, recipient="B", phone="1", province="P", city="C", detail="D"
    )
    carol_address = address.__class__.objects.create(
        merchant=merchant, customer=carol, recipient="C", phone="2", province="P", city="C", detail="D"
    )
    # Day D: 10000 (2 units, free shipping) + 6000 + 6000 (1 unit + 1000 shipping); alice twice.
    paid(alice, sku, address, 2, at(D, 0, 30))  # 2026-03-09 16:30 UTC: still day D in Shanghai
    paid(bob, sku, bob_address, 1, at(D, 23, 50))
    paid(alice, sku, address, 1, at(D, 12, 0))
    # Day D-1: one order at its last minute.
    paid(carol, sku, carol_address, 1, at(D - timedelta(days=1), 23, 59))
    # Unpaid orders do not count.
    place(alice, [(sku.pk, 1)], address=address)
    # Visits on D: alice twice, bob, device 1 twice, device 2: four visitors.
    visit(merchant, at(D, 0, 0), customer=alice)
    visit(merchant, at(D, 20, 0), customer=alice, anonymous_id="dev-9")  # logged in: counted as alice
    visit(merchant, at(D, 9, 0), customer=bob)
    visit(merchant, at(D, 10, 0), anonymous_id="dev-1")
    visit(merchant, at(D, 11, 0), anonymous_id="dev-1")
    visit(merchant, at(D, 23, 59, 59), anonymous_id="dev-2")
    visit(merchant, at(D, 12, 0))  # neither a customer nor a device: nobody to count
    visit(merchant, at(D, 12, 0), customer=carol, kind="product_view")  # not a visit
    # D-1: carol at its last second; D+1 starts at midnight.
    visit(merchant, at(D - timedelta(days=1), 23, 59, 59), customer=carol)
    visit(merchant, at(D + timedelta(days=1), 0, 0), customer=carol)
    # Another merchant's sale and visit on D are not ours.
    other = make_merchant("other")
    other_sku = make_product(price=5000, m=other).skus.get()
    stranger = customer_login("stranger", m=other)[0]
    stranger_address = address.__class__.objects.create(
        merchant=other, customer=stranger, recipient="S", phone="3", province="P", city="C", detail="D"
    )
    paid(stranger, other_sku, stranger_address, 3, at(D, 12, 0))
    visit(other, at(D, 12, 0), customer=stranger)
    return merchant


def test_daily_metrics_bucket_by_local_day_with_exact_values(history):
    days = daily_metrics(merchant=history, start=D - timedelta(days=2), end=D + timedelta(days=1))

    assert days == [
        DayMetrics(day=D - timedelta(days=2)),
        DayMetrics(day=D - timedelta(days=1), gmv=6000, orders=1, paying_customers=1, visitors=1),
        DayMetrics(day=D, gmv=22000, orders=3, paying_customers=2, visitors=4),
        DayMetrics(day=D + timedelta(days=1), visitors=1),
    ]
    assert [d.conversion_rate for d in days] == [None, 100.0, 50.0, 0.0]
    assert [d.aov for d in days] == [0, 6000, 7333, 0]


def test_overview_cards_compare_today_with_yesterday_and_trend_ends_yesterday(history):
    data = overview(merchant=history, days=2, today=D)

    assert [d.day for d in data.trend] == [D - timedelta(days=2), D - timedelta(days=1)]
    assert (data.first_day, data.last_day) == (D - timedelta(days=2), D - timedelta(days=1))
    kpis = data.kpis
    assert kpis["gmv"] == Kpi("gmv", 22000, 6000)
    assert kpis["gmv"].delta == 266.7
    assert kpis["orders"].delta == 200.0
    assert kpis["visitors"] == Kpi("visitors", 4, 1)
    assert kpis["conversion_rate"] == Kpi("conversion_rate", 50.0, 100.0)
    assert kpis["conversion_rate"].delta == -50.0
    assert kpis["aov"] == Kpi("aov", 7333, 6000)
    chart = data.chart()
    assert chart["labels"] == ["2026-03-08", "2026-03-09"]
    assert chart["gmv"] == [0, 6000]
    assert chart["conversion_rate"] == [None, 100.0]


def test_today_is_live_and_the_complete_days_are_cached(history, customer, address, make_product):
    sku = make_product("Late", price=3000).skus.get()
    overview(merchant=history, days=3, today=D)

    paid(customer, sku, address, 1, at(D, 18, 0))  # 3000 + 1000 shipping, today
    paid(customer, sku, address, 1, at(D - timedelta(days=1), 18, 0))  # a late row for a complete day
    again = overview(merchant=history, days=3, today=D)

    assert again.kpis["gmv"] == Kpi("gmv", 26000, 6000)
    assert [d.gmv for d in again.trend] == [0, 0, 6000]


def test_kpi_delta_from_zero_or_none_is_none():
    assert Kpi("gmv", 100, 0).delta is None
    assert Kpi("conversion_rate", None, 20.0).delta is None
    assert Kpi("orders", 0, 4).delta == -100.0


@pytest.mark.parametrize(("gmv", "orders", "aov"), [(15, 2, 8), (14, 4, 4), (10, 4, 3), (9, 4, 2), (0, 0, 0)])
def test_aov_rounds_half_up_in_fen(gmv, orders, aov):
    assert DayMetrics(day=D, gmv=gmv, orders=orders).aov == aov


def test_a_zone_changing_offset_in_the_range_buckets_each_day_by_its_own_offset(make_product, customer_login):
    new_york = ZoneInfo("America/New_York")  # clocks go forward on 2026-03-08
    merchant = make_merchant("nyc", timezone="America/New_York", shipping_fee=0)
    assert fixed_offset(new_york, date(2026, 3, 7), date(2026, 3, 9)) is None
    assert fixed_offset(SHANGHAI, date(2026, 3, 7), date(2026, 3, 9)) == timedelta(hours=8)
    sku = make_product(price=1000, m=merchant).skus.get()
    buyer = customer_login("ny", m=merchant)[0]
    address = buyer.addresses.create(
        merchant=merchant, recipient="N", phone="1", province="NY", city="NYC", detail="5th Ave"
    )
    # 04:30 UTC is 00:30 on the 9th in EDT, but would be 23:30 on the 8th at the winter offset.
    paid(buyer, sku, address, 1, at(date(2026, 3, 9), 0, 30, zone=new_york))
    paid(buyer, sku, address, 2, at(date(2026, 3, 7), 23, 30, zone=new_york))

    days = daily_metrics(merchant=merchant, start=date(2026, 3, 7), end=date(2026, 3, 9))

    assert [(d.day.isoformat(), d.gmv, d.orders) for d in days] == [
        ("2026-03-07", 2000, 1),
        ("2026-03-08", 0, 0),
        ("2026-03-09", 1000, 1),
    ]


def test_overview_page_shows_todays_kpis_in_a_fixed_number_of_queries(
    history, owner, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr("siyu.console.selectors.overview.local_today", lambda merchant: D)
    client = log_in(owner)
    with django_assert_max_num_queries(7):  # session, user, staff; sales and visits: trend, today
        client.get("/console/overview/")
    with django_assert_max_num_queries(5):  # the trend's complete days come from the cache
        response = client.get("/console/overview/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="kpi-gmv">¥220.00<' in html
    assert 'data-testid="kpi-orders">3<' in html
    assert 'data-testid="kpi-paying_customers">2<' in html
    assert 'data-testid="kpi-visitors">4<' in html
    assert 'data-testid="kpi-conversion_rate">50.00%<' in html
    assert 'data-testid="kpi-aov">¥73.33<' in html
    assert 'id="trend-data"' in html and "vendor/echarts.min.js" in html


def test_the_range_switch_answers_htmx_with_the_trend_fragment_only(history, owner):
    client = log_in(owner)

    response = client.get("/console/overview/?days=7", headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="trend-data"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_a_range_that_is_not_offered_is_refused(history, owner):
    response = log_in(owner).get("/console/overview/?days=365")

    assert response.status_code == 400
    assert 'data-code="invalid_input"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.OWNER, Role.OPERATOR, Role.ANALYST])
def test_roles_with_analytics_see_the_overview(role, console_as):
    client, _staff = console_as(role)
    assert client.get("/console/overview/").status_code == 200


@pytest.mark.parametrize("role", [Role.GUIDE, Role.SERVICE, Role.OUTLET_MANAGER])
def test_roles_without_analytics_are_refused_the_overview(role, console_as):
    client, _staff = console_as(role)
    response = client.get("/console/overview/")
    assert response.status_code == 403
    assert 'data-code="permission_denied"' in response.content.decode()
