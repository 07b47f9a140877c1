"""The H5 member centre (tier, growth, points, recent entries, check-in) and the checkout's
"use points" toggle."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from siyu.members.loyalty.models import CheckIn, Membership, PointsEntry
from siyu.members.services import save_address
from siyu.orders.models import Order
from siyu.testing.clients import h5_login
from siyu.testing.flows import give_points
from siyu.testing.snapshots import balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(merchant):
    client = Client()
    return client, h5_login(client, merchant)


def test_member_centre_shows_tier_progress_points_and_checks_in_once(
    tiers, owner, shopper, django_assert_max_num_queries
):
    client, customer = shopper
    give_points(owner, customer, 120, reason="welcome")
    with django_assert_max_num_queries(14):
        html = client.get("/shop/tea/me/").content.decode()
    assert 'data-testid="tier">银卡<' in html
    assert 'data-testid="growth">0<' in html
    assert 'data-testid="growth-missing" data-growth="1000"' in html
    assert 'data-testid="points-balance">120<' in html
    assert 'data-testid="points-entries"' in html
    assert 'data-testid="check-in"' in html

    response = client.post("/shop/tea/me/", {"action": "check_in"})
    assert response["Location"] == "/shop/tea/me/"
    client.post("/shop/tea/me/", {"action": "check_in"})  # a double tap
    assert CheckIn.objects.filter(customer=customer).count() == 1
    html = client.get("/shop/tea/me/").content.decode()
    assert 'data-testid="points-balance">121<' in html
    assert 'data-testid="checked-in"' in html


def test_member_centre_without_a_programme_says_so(shopper):
    client, _customer = shopper
    html = client.get("/shop/tea/me/").content.decode()
    assert 'data-testid="membership-missing"' in html
    client.post("/shop/tea/me/", {"action": "check_in"})
    assert not CheckIn.objects.exists()


def test_checkout_offers_points_and_ticking_the_box_spends_them(program, owner, shopper, sku):
    client, customer = shopper
    save_address(customer=customer, recipient="A", phone="13900000000", province="p", city="c", detail="d")
    give_points(owner, customer, 3000)
    url = f"/shop/tea/checkout/?sku={sku.pk}&qty=1"
    html = client.get(url).content.decode()
    assert (
        'data-testid="use-points"' in html
        and "checked" not in re.search(r"<input[^>]*use-points[^>]*>", html)[0]
    )
    assert 'data-testid="points-saving" data-points="2500">-¥25.00<' in html  # half of ¥50
    assert 'data-testid="payable">¥60.00<' in html

    html = client.get(url + "&use_points=1").content.decode()
    assert 'data-testid="points-amount" data-points="2500">-¥25.00<' in html
    assert 'data-testid="payable">¥35.00<' in html
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)[1]
    form = {"token": token, "fulfilment": "delivery", "sku": sku.pk, "qty": 1, "use_points": "1"}
    form["address"] = re.search(r'name="address" value="(\d+)"', html)[1]
    response = client.post("/shop/tea/checkout/", form)
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.payable_amount, order.pricing["points_used"]) == (3500, 2500)
    assert balance(customer) == 500
    assert PointsEntry.objects.get(kind="redeem").order_id == order.pk
    assert Membership.objects.get(customer=customer).points_balance == 500


ROW = re.compile(
    r'<p(?: class="[^"]*")? data-testid="priced-row"><span>(.*?)</span><span[^>]*>(.*?)</span></p>', re.S
)


def _breakdown(html: str) -> list[tuple[str, str]]:
    """The rows of the priced account (_priced_totals.html), label and amount, as the page shows them."""
    section = re.search(r'data-testid="breakdown">(.*?)</section>', html, re.S)
    assert section is not None
    return [(label.strip(), amount.strip()) for label, amount in ROW.findall(section[1])]


def test_checkout_and_the_order_page_show_the_same_points_line_and_totals(program, owner, shopper, sku):
    """积分抵扣: the points line, labelled as such, and the totals on the checkout page are the order
    page's, to the fen."""
    client, customer = shopper
    save_address(customer=customer, recipient="A", phone="13900000000", province="p", city="c", detail="d")
    give_points(owner, customer, 3000)
    url = f"/shop/tea/checkout/?sku={sku.pk}&qty=1&use_points=1"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    expected = [
        ("Goods", "¥50.00"),
        ("Points deduction (2500 points)", "-¥25.00"),
        ("Shipping", "¥10.00"),
        ("You save", "-¥25.00"),
        ("To pay", "¥35.00"),
    ]
    shown = _breakdown(html)
    assert [row for row in shown if row[0] != "To pay"] == [row for row in expected if row[0] != "To pay"]

    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)[1]
    form = {"token": token, "fulfilment": "delivery", "sku": sku.pk, "qty": 1, "use_points": "1"}
    form["address"] = re.search(r'name="address" value="(\d+)"', html)[1]
    client.post("/shop/tea/checkout/", form)
    order = Order.objects.get()

    page = client.get(f"/shop/tea/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _breakdown(page) == expected
    assert 'data-testid="points-amount" data-points="2500">-¥25.00<' in page
    zh = client.get(f"/shop/tea/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ("积分抵扣（2500 积分）", "-¥25.00") in _breakdown(zh)
    assert (order.goods_amount, order.discount_amount, order.payable_amount) == (5000, 2500, 3500)
