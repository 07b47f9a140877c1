"""Presales over HTTP: staff create and cancel; customers pay deposits and balances; staff read stats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.conftest import ApiClient
from siyu.orders.models import Order
from siyu.orders.tests.flows import pay
from siyu.promotions.presale.models import PresaleBooking
from siyu.promotions.presale.tests.flows import at
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/admin/presales"
SHOP = "/api/v1/shop/tea"


@pytest.fixture
def body(goods, deposit_sku, now):
    return {
        "name": "Spring tea",
        "sku_id": goods.pk,
        "deposit_sku_id": deposit_sku.pk,
        "deposit": 5000,
        "deduction": 8000,
        "deposit_starts_at": (now - timedelta(hours=1)).isoformat(),
        "deposit_ends_at": (now + timedelta(days=1)).isoformat(),
        "balance_starts_at": (now + timedelta(days=2)).isoformat(),
        "balance_ends_at": (now + timedelta(days=3)).isoformat(),
        "ship_date": (now + timedelta(days=5)).date().isoformat(),
    }


def test_presale_over_http(staff_api, shop_api, customer, address, body, now):
    created = staff_api.post(ADMIN, body)
    assert created.status_code == 201, created.content
    presale = created.json()
    assert (presale["price"], presale["balance_price"], presale["status"]) == (20_000, 12_000, "active")
    assert [p["id"] for p in ApiClient().get(f"{SHOP}/presales").json()] == [presale["id"]]

    deposit = shop_api.post(
        f"{SHOP}/presales/{presale['id']}/deposit", {"quantity": 2, "address_id": address.pk}
    )
    assert deposit.status_code == 201, deposit.content
    booking, order = deposit.json()["booking"], deposit.json()["order"]
    assert (booking["status"], booking["deposit_amount"], order["payable_amount"]) == (
        "deposit_pending",
        10_000,
        10_000,
    )
    pay(customer, Order.objects.get(pk=order["id"]))
    early = shop_api.post(f"{SHOP}/presale-bookings/{booking['id']}/balance", {"address_id": address.pk})
    assert (early.status_code, early.json()["code"]) == (409, "balance_window_closed")
    assert Order.objects.count() == 1

    with at(now + timedelta(days=2, hours=1)):
        balance = shop_api.post(
            f"{SHOP}/presale-bookings/{booking['id']}/balance", {"address_id": address.pk}
        )
        assert balance.status_code == 201, balance.content
        assert balance.json()["order"]["payable_amount"] == 24_000
        assert balance.json()["booking"]["status"] == "balance_pending"
        pay(customer, Order.objects.get(pk=balance.json()["order"]["id"]))

    mine = shop_api.get(f"{SHOP}/presale-bookings").json()["items"]
    assert [(b["status"], b["balance_order_id"]) for b in mine] == [
        ("completed", balance.json()["order"]["id"])
    ]
    stats = staff_api.get(f"{ADMIN}/{presale['id']}/stats").json()
    assert stats["bookings"]["completed"] == 1 and stats["units"]["completed"] == 2
    assert (stats["orders"], stats["deposits"], stats["balances"], stats["gmv"], stats["discount_cost"]) == (
        2,
        10_000,
        24_000,
        34_000,
        6000,
    )
    listed = staff_api.get(f"{ADMIN}/{presale['id']}/bookings").json()
    assert listed["count"] == 1


def test_cancel_over_http_refunds_deposits(staff_api, shop_api, customer, address, body):
    presale_id = staff_api.post(ADMIN, body).json()["id"]
    deposit = shop_api.post(
        f"{SHOP}/presales/{presale_id}/deposit", {"quantity": 2, "address_id": address.pk}
    ).json()
    pay(customer, Order.objects.get(pk=deposit["order"]["id"]))

    cancelled = staff_api.post(f"{ADMIN}/{presale_id}/cancel")

    assert cancelled.json()["status"] == "cancelled"
    assert PresaleBooking.objects.get().status == "refunded"
    order = Order.objects.get(pk=deposit["order"]["id"])
    assert (order.status, order.refunded_amount) == ("closed", 10_000)
    assert staff_api.post(f"{ADMIN}/{presale_id}/resume").status_code == 409


def test_customer_cancel_over_http(staff_api, shop_api, customer, address, body):
    presale_id = staff_api.post(ADMIN, body).json()["id"]
    deposit = shop_api.post(f"{SHOP}/presales/{presale_id}/deposit", {"address_id": address.pk}).json()
    pay(customer, Order.objects.get(pk=deposit["order"]["id"]))

    refused = shop_api.post(f"{SHOP}/presale-bookings/{deposit['booking']['id']}/cancel")

    assert (refused.status_code, refused.json()["code"]) == (409, "deposit_not_refundable")
    assert PresaleBooking.objects.get().status == "deposit_paid"
    staff_api.patch(f"{ADMIN}/{presale_id}", {"deposit_refundable": True})
    ok = shop_api.post(f"{SHOP}/presale-bookings/{deposit['booking']['id']}/cancel")
    assert ok.json()["status"] == "refunded"


def test_validation_and_permissions(staff_api, make_staff, body, customer_login):
    assert staff_api.post(ADMIN, {**body, "deduction": 4000}).status_code == 400
    guide = ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))
    assert guide.post(ADMIN, body).status_code == 403
    presale_id = staff_api.post(ADMIN, body).json()["id"]
    conflict = staff_api.post(ADMIN, body)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "activity_conflict")
    stranger = ApiClient(customer_login("eve")[1])
    booking_404 = stranger.get(f"{SHOP}/presale-bookings/999999")
    assert booking_404.status_code == 404
    assert staff_api.get(f"{ADMIN}/{presale_id}").status_code == 200
