"""Bargains end to end over HTTP: staff create, a customer starts, friends help, the customer buys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.orders.models import Order
from siyu.promotions.bargain.models import Bargain, BargainHelp, BargainRecord
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db

SHOP = "/api/v1/shop/tea"
ADMIN = "/api/v1/admin"


def _body(sku, **kw):
    now = timezone.now()
    return {
        "name": "砍到10元",
        "sku_id": sku.pk,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "floor_price": 1000,
        "helpers_needed": 3,
        "hours_to_finish": 24,
        **kw,
    }


def test_bargain_journey_over_the_api(staff_api, shopper, sku):
    created = staff_api.post(f"{ADMIN}/bargains", _body(sku, quota=10))
    assert created.status_code == 201, created.content
    bargain = created.json()
    assert (bargain["start_price"], bargain["floor_price"], bargain["sold"]) == (5000, 1000, 0)
    assert [b["id"] for b in ApiClient().get(f"{SHOP}/bargains").json()["items"]] == [bargain["id"]]

    _a, a_addr, a_token = shopper("a")
    owner = ApiClient(a_token)
    started = owner.post(f"{SHOP}/bargains/{bargain['id']}/records")
    assert started.status_code == 201, started.content
    record = started.json()
    assert (record["current_price"], record["helps_left"], record["is_mine"], record["status"]) == (
        5000,
        3,
        True,
        "ongoing",
    )
    assert "cuts" not in record and "seed" not in record  # the plan stays on the server

    price = 5000
    for code in ("f1", "f2", "f3"):
        friend = ApiClient(shopper(code)[2])
        helped = friend.post(f"{SHOP}/bargain-records/{record['id']}/help")
        assert helped.status_code == 200, helped.content
        price -= helped.json()["cut"]
        assert helped.json()["record"]["current_price"] == price
    assert price == 1000

    page = ApiClient().get(f"{SHOP}/bargain-records/{record['id']}").json()  # the shared link, logged out
    assert (page["status"], page["order_id"], [h["nickname"] for h in page["helps"]]) == (
        "succeeded",
        None,
        ["f1", "f2", "f3"],
    )

    bought = owner.post(
        f"{SHOP}/bargain-records/{record['id']}/order",
        {"address_id": a_addr.pk},
        headers={"Idempotency-Key": "b-1"},
    )
    assert bought.status_code == 201, bought.content
    order = bought.json()
    assert (order["payable_amount"], order["lines"][0]["paid_amount"]) == (2000, 1000)
    replay = owner.post(
        f"{SHOP}/bargain-records/{record['id']}/order",
        {"address_id": a_addr.pk},
        headers={"Idempotency-Key": "b-1"},
    )
    assert replay.json()["id"] == order["id"] and Order.objects.count() == 1
    payment = owner.post(f"{SHOP}/orders/{order['id']}/payments", {"gateway": "sandbox"})
    assert Client().post(payment.json()["url"]).status_code == 200

    mine = owner.get(f"{SHOP}/bargain-records").json()
    assert [(r["id"], r["status"], r["order_id"]) for r in mine["items"]] == [
        (record["id"], "ordered", order["id"])
    ]
    stats = staff_api.get(f"{ADMIN}/bargains/{bargain['id']}/stats").json()
    assert stats == {
        "bargain_id": bargain["id"],
        "records": 1,
        "participants": 1,
        "helps": 3,
        "helpers": 3,
        "ongoing": 0,
        "reached_floor": 1,
        "expired": 0,
        "ordered": 1,
        "sold": 1,
        "orders": 1,
        "gmv": 1000,
        "discount_cost": 4000,
    }
    staff_rows = staff_api.get(f"{ADMIN}/bargains/{bargain['id']}/records").json()["items"]
    stored = BargainRecord.objects.get()
    assert (staff_rows[0]["cuts"], staff_rows[0]["seed"]) == (stored.cuts, stored.seed)


def test_refusals_have_the_error_shape_and_change_nothing(staff_api, shopper, sku, make_staff):
    bargain = staff_api.post(f"{ADMIN}/bargains", _body(sku)).json()
    _a, a_addr, a_token = shopper("a")
    owner = ApiClient(a_token)
    record = owner.post(f"{SHOP}/bargains/{bargain['id']}/records").json()

    self_help = owner.post(f"{SHOP}/bargain-records/{record['id']}/help")
    assert self_help.status_code == 409
    assert self_help.json() == {
        "code": "bargain_self_help",
        "message": "Ask a friend: you cannot help your own bargain.",
        "detail": None,
    }
    early = owner.post(f"{SHOP}/bargain-records/{record['id']}/order", {"address_id": a_addr.pk})
    assert (early.status_code, early.json()["code"]) == (409, "bargain_not_ready")
    friend = ApiClient(shopper("f")[2])
    assert friend.post(f"{SHOP}/bargain-records/{record['id']}/help").status_code == 200
    twice = friend.post(f"{SHOP}/bargain-records/{record['id']}/help")
    assert (twice.status_code, twice.json()["code"]) == (409, "bargain_already_helped")
    assert (
        friend.post(f"{SHOP}/bargain-records/{record['id']}/order", {"address_id": a_addr.pk}).status_code
        == 404
    )
    assert BargainHelp.objects.count() == 1 and Order.objects.count() == 0

    locked = staff_api.patch(f"{ADMIN}/bargains/{bargain['id']}", {"floor_price": 0})
    assert (locked.status_code, locked.json()["code"]) == (409, "bargain_locked")
    bad = staff_api.post(f"{ADMIN}/bargains", _body(sku, floor_price=4999))
    assert (bad.status_code, bad.json()["code"]) == (400, "bargain_range_invalid")
    guide = ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))
    assert guide.post(f"{ADMIN}/bargains/{bargain['id']}/end").status_code == 403
    assert guide.get(f"{ADMIN}/bargains/{bargain['id']}/stats").status_code == 403
    assert Bargain.objects.get().status == "active"

    ended = staff_api.post(f"{ADMIN}/bargains/{bargain['id']}/end")
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")
    assert ApiClient().get(f"{SHOP}/bargains").json()["items"] == []
    assert staff_api.get(f"{ADMIN}/bargains", {"status": "ended"}).json()["count"] == 1


def test_record_lists_cost_the_same_queries_for_one_record_or_many(staff_api, shopper, sku):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bargain = staff_api.post(f"{ADMIN}/bargains", _body(sku)).json()
    url = f"{ADMIN}/bargains/{bargain['id']}/records"

    def start_and_help(code: str) -> None:
        client = ApiClient(shopper(code)[2])
        record = client.post(f"{SHOP}/bargains/{bargain['id']}/records").json()
        helper = ApiClient(shopper(f"{code}-friend")[2])
        assert helper.post(f"{SHOP}/bargain-records/{record['id']}/help").status_code == 200

    start_and_help("a")
    with CaptureQueriesContext(connection) as one:
        assert staff_api.get(url).json()["count"] == 1
    start_and_help("b")
    start_and_help("c")
    with CaptureQueriesContext(connection) as three:
        assert staff_api.get(url).json()["count"] == 3
    assert len(three.captured_queries) == len(one.captured_queries)
