"""Presales over HTTP: staff create and cancel; customers pay deposits and balances; staff read stats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.orders.models import Order
from siyu.promotions.presale.models import PresaleBooking
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.clock import at
from siyu.testing.flows import pay

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


def _to_ship(staff_api) -> list[int]:
    """The merchant's to-ship list: paid orders."""
    return [o["id"] for o in staff_api.get("/api/v1/admin/orders", {"status": "paid"}).json()["items"]]


def test_a_deposit_order_pays_no_shipping_and_completes_when_the_balance_is_paid(
    staff_api, shop_api, customer, address, body, now
):
    presale_id = staff_api.post(ADMIN, body).json()["id"]
    # One unit: ¥50, below the ¥99 free-shipping threshold, where an ordinary order pays ¥10 shipping.
    deposit = shop_api.post(f"{SHOP}/presales/{presale_id}/deposit", {"address_id": address.pk}).json()
    order = deposit["order"]
    assert (order["goods_amount"], order["shipping_fee"], order["payable_amount"]) == (5000, 0, 5000)
    pay(customer, Order.objects.get(pk=order["id"]))
    assert _to_ship(staff_api) == [order["id"]]  # paid and held until the balance

    with at(now + timedelta(days=2, hours=1)):
        balance = shop_api.post(
            f"{SHOP}/presale-bookings/{deposit['booking']['id']}/balance", {"address_id": address.pk}
        ).json()["order"]
        assert (balance["goods_amount"], balance["shipping_fee"], balance["payable_amount"]) == (
            20_000,
            0,
            12_000,
        )
        pay(customer, Order.objects.get(pk=balance["id"]))

    settled = shop_api.get(f"{SHOP}/orders/{order['id']}").json()
    assert (settled["status"], settled["paid_amount"], settled["refunded_amount"]) == ("completed", 5000, 0)
    assert _to_ship(staff_api) == [balance["id"]]
    detail = staff_api.get(f"/api/v1/admin/orders/{order['id']}").json()
    assert [(e["kind"], e["data"]) for e in detail["events"]][-1] == (
        "completed",
        {"reason": "presale_balance_paid"},
    )
    refused = shop_api.post(
        f"{SHOP}/orders/{order['id']}/after-sales", {"kind": "refund_only", "reason": "changed my mind"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "aftersale_not_allowed")


def test_a_forfeited_deposit_order_completes_and_leaves_the_to_ship_list(
    staff_api, shop_api, customer, address, body, now
):
    from siyu.promotions.presale.tasks import settle_presales

    presale_id = staff_api.post(ADMIN, body).json()["id"]
    deposit = shop_api.post(f"{SHOP}/presales/{presale_id}/deposit", {"address_id": address.pk}).json()
    pay(customer, Order.objects.get(pk=deposit["order"]["id"]))

    with at(now + timedelta(days=3, minutes=1)):  # the balance window is over, unpaid
        settle_presales.call()

    assert PresaleBooking.objects.get().status == "forfeited"
    settled = shop_api.get(f"{SHOP}/orders/{deposit['order']['id']}").json()
    assert (settled["status"], settled["paid_amount"], settled["refunded_amount"]) == ("completed", 5000, 0)
    assert _to_ship(staff_api) == []


def test_refunding_a_paid_balance_in_full_refunds_the_settled_deposit_too(
    staff_api, shop_api, customer, address, body, now
):
    presale_id = staff_api.post(ADMIN, body).json()["id"]
    deposit = shop_api.post(f"{SHOP}/presales/{presale_id}/deposit", {"address_id": address.pk}).json()
    pay(customer, Order.objects.get(pk=deposit["order"]["id"]))
    with at(now + timedelta(days=2, hours=1)):
        balance = shop_api.post(
            f"{SHOP}/presale-bookings/{deposit['booking']['id']}/balance", {"address_id": address.pk}
        ).json()["order"]
        pay(customer, Order.objects.get(pk=balance["id"]))

    asked = shop_api.post(
        f"{SHOP}/orders/{balance['id']}/after-sales", {"kind": "refund_only", "reason": "no longer needed"}
    )
    assert asked.status_code == 201, asked.content
    approved = staff_api.post(f"/api/v1/admin/after-sales/{asked.json()['id']}/approve", {"note": "ok"})
    assert approved.status_code == 200, approved.content

    orders = {o.pk: (o.status, o.paid_amount, o.refunded_amount) for o in Order.objects.all()}
    assert orders == {
        deposit["order"]["id"]: ("closed", 5000, 5000),
        balance["id"]: ("closed", 12_000, 12_000),
    }
    assert PresaleBooking.objects.get().status == "refunded"
