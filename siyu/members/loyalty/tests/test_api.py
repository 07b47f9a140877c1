"""The membership API: staff manage tiers, rules and adjustments; customers read their membership,
ledger and tiers, check in, and spend points through the checkout routes."""

from __future__ import annotations

import pytest

from siyu.members.loyalty.models import CheckIn, LoyaltySettings, Membership, MemberTier, PointsEntry
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.flows import give_points
from siyu.testing.snapshots import balance

pytestmark = pytest.mark.django_db

ADM = "/api/v1/admin/loyalty"
SHOP = "/api/v1/shop/tea"


@pytest.fixture
def guide_api(make_staff) -> ApiClient:
    return ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))


@pytest.fixture
def analyst_api(make_staff) -> ApiClient:
    return ApiClient(issue_staff_token(staff=make_staff(Role.ANALYST)))


def test_settings_start_as_defaults_and_the_first_save_sets_the_programme_up(staff_api):
    data = staff_api.get(f"{ADM}/settings").json()
    assert (data["enabled"], data["redeem_points_per_yuan"], data["points_valid_days"]) == (False, 100, 365)
    assert not LoyaltySettings.objects.exists()
    response = staff_api.patch(
        f"{ADM}/settings",
        {"earn_points_per_yuan": 2, "streak_rewards": [{"day": 7, "points": 20}], "points_valid_days": None},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["enabled"], data["earn_points_per_yuan"], data["points_valid_days"]) == (True, 2, None)
    assert data["streak_rewards"] == [{"day": 7, "points": 20, "growth": 0, "coupon_template_id": None}]
    assert AuditEntry.objects.filter(action="loyalty.settings").count() == 1


def test_settings_refusals_change_nothing(staff_api, analyst_api, program):
    before = LoyaltySettings.objects.values().get()
    assert staff_api.patch(f"{ADM}/settings", {"redeem_points_per_yuan": 0}).status_code == 422
    assert staff_api.patch(f"{ADM}/settings", {"streak_rewards": [{"day": 1}, {"day": 1}]}).status_code == 400
    assert (
        staff_api.patch(
            f"{ADM}/settings", {"streak_rewards": [{"day": 2, "coupon_template_id": 999}]}
        ).json()["code"]
        == "not_found"
    )
    response = analyst_api.patch(f"{ADM}/settings", {"enabled": False})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert analyst_api.get(f"{ADM}/settings").status_code == 200
    assert LoyaltySettings.objects.values().get() == before


def test_tier_crud_and_refusals(staff_api, guide_api, program):
    body = {"code": "gold", "name": "金卡", "rank": 1, "growth_threshold": 1000, "discount_bp": 9000}
    response = staff_api.post(f"{ADM}/tiers", body)
    assert response.status_code == 201, response.content
    gold = response.json()
    assert (gold["code"], gold["discount_bp"], gold["points_multiplier_bp"]) == ("gold", 9000, 10000)
    assert guide_api.post(f"{ADM}/tiers", {**body, "code": "x", "rank": 2}).status_code == 403
    clash = staff_api.post(f"{ADM}/tiers", {**body, "name": "又一个"})
    assert (clash.status_code, clash.json()["code"]) == (409, "tier_conflict")
    assert (
        staff_api.post(f"{ADM}/tiers", {**body, "code": "x", "rank": 2, "growth_threshold": 10}).status_code
        == 409
    )
    assert MemberTier.objects.count() == 1

    patched = staff_api.patch(f"{ADM}/tiers/{gold['id']}", {"free_shipping": True, "name": "金"})
    assert (patched.status_code, patched.json()["free_shipping"], patched.json()["name"]) == (200, True, "金")
    assert staff_api.get(f"{ADM}/tiers").json()[0]["name"] == "金"
    assert staff_api.get(f"{ADM}/tiers/{gold['id']}").json()["free_shipping"] is True
    assert staff_api.delete(f"{ADM}/tiers/{gold['id']}").status_code == 204
    assert staff_api.get(f"{ADM}/tiers/{gold['id']}").status_code == 404


def test_adjustments_need_a_reason_and_the_balance_and_are_audited(staff_api, guide_api, program, customer):
    url = f"{ADM}/members/{customer.pk}/points-adjustments"
    assert staff_api.post(url, {"delta": 50, "reason": ""}).status_code == 422
    assert staff_api.post(url, {"delta": 0, "reason": "x"}).status_code == 400
    refused = staff_api.post(url, {"delta": -1, "reason": "oops"})
    assert (refused.status_code, refused.json()["code"]) == (409, "points_insufficient")
    assert not PointsEntry.objects.exists() and not AuditEntry.objects.filter(action="points.adjust").exists()

    response = guide_api.post(url, {"delta": 50, "reason": "门店补录"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.content  # guides may edit customers
    assert response.json()["points_balance"] == 50
    again = guide_api.post(url, {"delta": 50, "reason": "门店补录"}, headers={"Idempotency-Key": "k1"})
    assert (again.status_code, again.json()["points_balance"]) == (200, 50)
    entry = PointsEntry.objects.get()
    assert (entry.kind, entry.delta, entry.note, entry.staff_id is not None) == (
        "adjust",
        50,
        "门店补录",
        True,
    )
    audit = AuditEntry.objects.get(action="points.adjust")
    assert (audit.before, audit.after["points_balance"], audit.after["reason"]) == (
        {"points_balance": 0},
        50,
        "门店补录",
    )
    ledger = staff_api.get(f"{ADM}/members/{customer.pk}/points").json()
    assert (ledger["count"], ledger["items"][0]["delta"]) == (1, 50)
    member = staff_api.get(f"{ADM}/members/{customer.pk}").json()
    assert (member["customer_id"], member["points_balance"], member["enabled"]) == (customer.pk, 50, True)


def test_tier_counts(staff_api, tiers, owner, customer_login):
    for name in ("a", "b"):
        give_points(owner, customer_login(name)[0], 1)
    data = staff_api.get(f"{ADM}/tier-counts").json()
    assert [(row["tier"]["code"], row["members"]) for row in data["tiers"]] == [
        ("silver", 2),
        ("gold", 0),
        ("diamond", 0),
    ]
    assert data["no_tier"] == 0


def test_shop_membership_ledger_tiers_and_check_in(tiers, owner, customer_login):
    customer, token = customer_login("alice")
    api = ApiClient(token)
    give_points(owner, customer, 120)
    me = api.get(f"{SHOP}/membership").json()
    assert (me["tier"]["code"], me["next_tier"]["code"], me["growth_missing"]) == ("silver", "gold", 1000)
    assert (me["points_balance"], me["points_worth"], me["points_expiring"]) == (120, 120, 0)
    assert (me["checked_in_today"], me["next_check_in_points"]) == (False, 1)

    first = api.post(f"{SHOP}/membership/check-ins")
    assert (first.status_code, first.json()["streak"], first.json()["points_balance"]) == (201, 1, 121)
    second = api.post(f"{SHOP}/membership/check-ins")
    assert (second.status_code, second.json()["on"]) == (200, first.json()["on"])
    assert CheckIn.objects.count() == 1

    page = api.get(f"{SHOP}/membership/points", {"limit": 1}).json()
    assert (page["count"], page["items"][0]["kind"], page["items"][0]["delta"]) == (2, "check_in", 1)
    public = ApiClient().get(f"{SHOP}/membership/tiers").json()
    assert [t["code"] for t in public] == ["silver", "gold", "diamond"]
    assert ApiClient().get(f"{SHOP}/membership").status_code == 401


def test_shop_without_a_programme(customer_login):
    _customer, token = customer_login("alice")
    api = ApiClient(token)
    assert api.get(f"{SHOP}/membership").json()["enabled"] is False
    refused = api.post(f"{SHOP}/membership/check-ins")
    assert (refused.status_code, refused.json()["code"]) == (409, "loyalty_not_enabled")
    assert ApiClient().get(f"{SHOP}/membership/tiers").json() == []
    assert not Membership.objects.exists() and not CheckIn.objects.exists()


def test_checkout_quote_and_order_take_points(program, owner, customer_login, sku, address):
    customer, token = customer_login("alice")
    api = ApiClient(token)
    give_points(owner, customer, 1000)
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "points": 800}
    quote = api.post(f"{SHOP}/checkout/quote", body).json()
    assert (quote["points_used"], quote["points_amount"], quote["payable_amount"]) == (800, 800, 5200)
    assert balance(customer) == 1000  # a quote spends nothing
    response = api.post(f"{SHOP}/orders", body)
    assert response.status_code == 201, response.content
    assert response.json()["payable_amount"] == 5200
    assert balance(customer) == 200
