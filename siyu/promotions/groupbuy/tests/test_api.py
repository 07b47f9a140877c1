"""Group buys end to end over HTTP: staff create, customers open, join and pay, staff read the numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.orders.models import Order
from siyu.promotions.groupbuy.models import GroupBuy, Team
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db

SHOP = "/api/v1/shop/tea"
ADMIN = "/api/v1/admin"


def api_pay(client: ApiClient, order_id: int) -> None:
    """Pay through the shop API and the sandbox cashier, as a customer would."""
    payment = client.post(f"{SHOP}/orders/{order_id}/payments", {"gateway": "sandbox"})
    assert payment.status_code == 201, payment.content
    assert Client().post(payment.json()["url"]).status_code == 200


def _body(sku, **kw):
    now = timezone.now()
    return {
        "name": "三人团",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "group_size": 3,
        "time_limit_hours": 24,
        "skus": [{"sku_id": sku.pk, "group_price": 3000, "leader_price": 2500}],
        **kw,
    }


def test_group_buy_journey_over_the_api(staff_api, shopper, sku):
    created = staff_api.post(f"{ADMIN}/group-buys", _body(sku))
    assert created.status_code == 201, created.content
    group_buy = created.json()
    assert (group_buy["status"], group_buy["skus"][0]["price"], group_buy["skus"][0]["leader_price"]) == (
        "active",
        5000,
        2500,
    )
    listed = ApiClient().get(f"{SHOP}/group-buys")  # visitors see running group buys
    assert [g["id"] for g in listed.json()["items"]] == [group_buy["id"]]

    clients = {}
    for code in "abc":
        _customer, address, token = shopper(code)
        clients[code] = (ApiClient(token), address)
    a, a_addr = clients["a"]
    opened = a.post(
        f"{SHOP}/group-buys/{group_buy['id']}/teams",
        {"sku_id": sku.pk, "address_id": a_addr.pk},
        headers={"Idempotency-Key": "open-1"},
    )
    assert opened.status_code == 201, opened.content
    seat = opened.json()
    team_id = seat["team"]["id"]
    assert (seat["team"]["status"], seat["order"]["payable_amount"], seat["order"]["status"]) == (
        "opening",
        3500,
        "pending_payment",
    )
    replay = a.post(
        f"{SHOP}/group-buys/{group_buy['id']}/teams",
        {"sku_id": sku.pk, "address_id": a_addr.pk},
        headers={"Idempotency-Key": "open-1"},
    )
    assert (replay.status_code, replay.json()["order"]["id"]) == (201, seat["order"]["id"])
    api_pay(a, seat["order"]["id"])

    detail = ApiClient().get(f"{SHOP}/group-buys/{group_buy['id']}").json()
    assert [(t["id"], t["seats_left"], t["status"]) for t in detail["joinable_teams"]] == [
        (team_id, 2, "forming")
    ]

    for code in "bc":
        client, address = clients[code]
        joined = client.post(
            f"{SHOP}/group-buy-teams/{team_id}/join", {"sku_id": sku.pk, "address_id": address.pk}
        )
        assert joined.status_code == 201, joined.content
        assert joined.json()["order"]["payable_amount"] == 4000
        api_pay(client, joined.json()["order"]["id"])

    team = ApiClient().get(f"{SHOP}/group-buy-teams/{team_id}").json()
    assert (team["status"], team["paid_count"], [m["nickname"] for m in team["members"]]) == (
        "formed",
        3,
        ["a", "b", "c"],
    )
    b, _ = clients["b"]
    mine = b.get(f"{SHOP}/group-buy-teams").json()
    assert [
        (t["team"]["id"], t["member_status"], [m["is_me"] for m in t["team"]["members"]])
        for t in mine["items"]
    ] == [(team_id, "paid", [False, True, False])]
    assert list(Order.objects.values_list("hold_reason", flat=True)) == ["", "", ""]

    stats = staff_api.get(f"{ADMIN}/group-buys/{group_buy['id']}/stats").json()
    assert stats == {
        "group_buy_id": group_buy["id"],
        "participants": 3,
        "members_paid": 3,
        "members_refunded": 0,
        "teams_opened": 1,
        "teams_forming": 0,
        "teams_formed": 1,
        "teams_failed": 0,
        "virtual_members": 0,
        "orders": 3,
        "gmv": 2500 + 3000 + 3000,
        "discount_cost": 2500 + 2000 + 2000,
    }
    staff_teams = staff_api.get(f"{ADMIN}/group-buys/{group_buy['id']}/teams").json()
    assert [m["order_id"] for m in staff_teams["items"][0]["members"]] == list(
        Order.objects.order_by("pk").values_list("pk", flat=True)
    )


def test_refusals_have_the_error_shape_and_change_nothing(staff_api, shopper, sku, make_staff):
    group_buy = staff_api.post(f"{ADMIN}/group-buys", _body(sku, group_size=2)).json()
    _a, a_addr, a_token = shopper("a")
    a = ApiClient(a_token)
    seat = a.post(
        f"{SHOP}/group-buys/{group_buy['id']}/teams", {"sku_id": sku.pk, "address_id": a_addr.pk}
    ).json()
    team_id = seat["team"]["id"]

    _b, b_addr, b_token = shopper("b")
    early = ApiClient(b_token).post(
        f"{SHOP}/group-buy-teams/{team_id}/join", {"sku_id": sku.pk, "address_id": b_addr.pk}
    )
    assert early.status_code == 409
    assert early.json() == {
        "code": "team_not_joinable",
        "message": "This group is not open for joining.",
        "detail": {"team_id": team_id, "status": "opening"},
    }
    assert Order.objects.count() == 1

    locked = staff_api.patch(f"{ADMIN}/group-buys/{group_buy['id']}", {"group_size": 5})
    assert (locked.status_code, locked.json()["code"]) == (409, "group_buy_locked")
    assert GroupBuy.objects.get().group_size == 2

    guide = ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))
    assert guide.post(f"{ADMIN}/group-buys", _body(sku)).status_code == 403
    assert guide.get(f"{ADMIN}/group-buys").status_code == 403
    assert staff_api.post(f"{ADMIN}/group-buys", _body(sku, group_size=1)).status_code == 422
    conflict = staff_api.post(f"{ADMIN}/group-buys", _body(sku))
    assert (conflict.status_code, conflict.json()["code"]) == (409, "activity_conflict")
    assert GroupBuy.objects.count() == 1

    paused = staff_api.post(f"{ADMIN}/group-buys/{group_buy['id']}/pause")
    assert (paused.status_code, paused.json()["status"]) == (200, "paused")
    assert ApiClient().get(f"{SHOP}/group-buys").json()["items"] == []
    assert ApiClient().get(f"{SHOP}/group-buys/{group_buy['id']}").status_code == 404
    assert staff_api.get(f"{ADMIN}/group-buys", {"status": "paused"}).json()["count"] == 1
    assert Team.objects.count() == 1


def test_team_lists_cost_the_same_queries_for_one_team_or_many(staff_api, shopper, sku):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group_buy = staff_api.post(f"{ADMIN}/group-buys", _body(sku)).json()
    url = f"{ADMIN}/group-buys/{group_buy['id']}/teams"

    def open_one(code: str) -> None:
        _c, address, token = shopper(code)
        opened = ApiClient(token).post(
            f"{SHOP}/group-buys/{group_buy['id']}/teams", {"sku_id": sku.pk, "address_id": address.pk}
        )
        assert opened.status_code == 201

    open_one("a")
    with CaptureQueriesContext(connection) as one:
        assert staff_api.get(url).json()["count"] == 1
    open_one("b")
    open_one("c")
    with CaptureQueriesContext(connection) as three:
        assert staff_api.get(url).json()["count"] == 3
    assert len(three.captured_queries) == len(one.captured_queries)
