"""Coupons and promotions through HTTP: staff set them up, customers claim and check out with them."""

from __future__ import annotations

import pytest

from siyu.orders.models import Order
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.testing.flows import pay

pytestmark = pytest.mark.django_db
ADMIN = "/api/v1/admin"
SHOP = "/api/v1/shop/tea"


def _template(staff_api, **fields) -> dict:
    body = {
        "title": "满100减20",
        "kind": "amount",
        "amount": 2000,
        "threshold": 10000,
        "validity": "after_claim",
        "valid_days": 7,
    }
    response = staff_api.post(f"{ADMIN}/coupon-templates", body | fields)
    assert response.status_code == 201, response.content
    return response.json()


def test_staff_create_customer_claims_and_the_best_coupon_is_preselected(staff_api, shop_api, sku, address):
    template = _template(staff_api, total_quantity=10)
    centre = shop_api.get(f"{SHOP}/coupons/centre").json()
    assert [(c["template"]["id"], c["held"], c["left"]) for c in centre] == [(template["id"], 0, 10)]
    claimed = shop_api.post(
        f"{SHOP}/coupons/centre/{template['id']}/claim", headers={"Idempotency-Key": "k1"}
    )
    replay = shop_api.post(f"{SHOP}/coupons/centre/{template['id']}/claim", headers={"Idempotency-Key": "k1"})
    assert (claimed.status_code, replay.json()["id"]) == (200, claimed.json()["id"])
    quote = shop_api.post(
        f"{SHOP}/checkout/quote", {"lines": [{"sku_id": sku.pk, "quantity": 3}], "address_id": address.pk}
    )
    body = quote.json()
    assert (body["goods_amount"], body["discount_amount"], body["payable_amount"]) == (15000, 2000, 13000)
    assert body["chosen_coupon_ids"] == [claimed.json()["id"]]
    assert [(c["coupon_id"], c["usable"], c["chosen"], c["value"]) for c in body["coupons"]] == [
        (claimed.json()["id"], True, True, 2000)
    ]
    placed = shop_api.post(
        f"{SHOP}/orders", {"lines": [{"sku_id": sku.pk, "quantity": 3}], "address_id": address.pk}
    )
    assert placed.status_code == 201
    order = pay(Order.objects.get(pk=placed.json()["id"]).customer, Order.objects.get(pk=placed.json()["id"]))
    mine = shop_api.get(f"{SHOP}/coupons", {"status": "used"}).json()
    assert [(c["id"], c["order_id"]) for c in mine["items"]] == [(claimed.json()["id"], order.pk)]
    stats = staff_api.get(f"{ADMIN}/coupon-templates/{template['id']}/stats").json()
    assert {
        k: stats[k] for k in ("issued", "left", "used", "orders", "customers", "gmv", "discount_cost")
    } == {
        "issued": 1,
        "left": 9,
        "used": 1,
        "orders": 1,
        "customers": 1,
        "gmv": 13000,
        "discount_cost": 2000,
    }


def test_hint_tells_how_much_more_to_spend(staff_api, shop_api, sku, address):
    response = staff_api.post(
        f"{ADMIN}/promotions",
        {"title": "店庆", "kind": "tiered", "config": {"tiers": [{"threshold": 20000, "reduce": 5000}]}},
    )
    assert response.status_code == 201, response.content
    quote = shop_api.post(f"{SHOP}/checkout/quote", {"lines": [{"sku_id": sku.pk, "quantity": 3}]}).json()
    assert [(h["gap_amount"], h["text_zh"]) for h in quote["hints"]] == [(5000, "再买¥50.00可减¥50.00")]


def test_bad_template_is_refused_with_the_field_and_nothing_saved(staff_api):
    response = staff_api.post(
        f"{ADMIN}/coupon-templates",
        {"title": "x", "kind": "amount", "amount": 0, "valid_until": "2099-01-01T00:00:00Z"},
    )
    assert (response.status_code, response.json()["code"], response.json()["detail"]) == (
        400,
        "invalid_input",
        {"amount": "between 1 and 100000000 fen"},
    )
    assert CouponTemplate.objects.count() == 0


def test_sold_out_claim_says_so_in_chinese_by_default(staff_api, customer_login):
    from siyu.testing.clients import ApiClient

    template = _template(staff_api, total_quantity=1)
    first = ApiClient(customer_login("a")[1])
    second = ApiClient(customer_login("b")[1], language="zh-hans")
    assert first.post(f"{SHOP}/coupons/centre/{template['id']}/claim").status_code == 200
    refused = second.post(f"{SHOP}/coupons/centre/{template['id']}/claim")
    assert (refused.status_code, refused.json()["code"]) == (409, "coupon_sold_out")
    assert refused.json()["message"] == "这张券已经被领完了。"
    assert Coupon.objects.count() == 1


def test_targeted_issue_and_codes(staff_api, customer_login):
    alice, bob = customer_login("a")[0], customer_login("b")[0]
    template = _template(staff_api, claimable=False)
    issued = staff_api.post(
        f"{ADMIN}/coupon-templates/{template['id']}/issue", {"customer_ids": [alice.pk, bob.pk]}
    )
    assert issued.json() == {"issued": 2, "replayed": 0, "skipped_customer_ids": []}
    coded = _template(staff_api, code_mode="unique", claimable=False)
    codes = staff_api.post(f"{ADMIN}/coupon-templates/{coded['id']}/codes", {"count": 3})
    assert codes.status_code == 201 and len({c["code"] for c in codes.json()}) == 3


def test_guides_cannot_create_promotions(make_staff, shop_api):
    from siyu.tenancy.models import Role
    from siyu.tenancy.services import issue_staff_token
    from siyu.testing.clients import ApiClient

    guide = ApiClient(issue_staff_token(staff=make_staff(role=Role.GUIDE)))
    response = guide.post(f"{ADMIN}/promotions", {"title": "x", "kind": "nth_item", "config": {}})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
