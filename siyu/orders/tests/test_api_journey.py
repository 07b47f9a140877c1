"""The whole buying journey through the HTTP API, as a mini-program and a console would call it."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.inventory.models import StockLevel
from siyu.orders.models import Order
from siyu.tenancy.models import AuditEntry, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db
SHOP = "/api/v1/shop/tea"


def test_customer_buys_and_staff_ship(merchant, make_product, make_staff):
    tea = make_product("明前龙井", price=12800, stock=5, skus=2, roles=["flagship"])
    sku = tea.skus.order_by("id").first()

    anonymous = ApiClient()
    listing = anonymous.get(f"{SHOP}/products", {"q": "龙井"})
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    product = listing.json()["items"][0]
    assert (product["price_from"], product["roles"], len(product["skus"])) == (12800, ["flagship"], 2)
    assert "cost" not in product["skus"][0]

    login = anonymous.post(f"{SHOP}/auth/login", {"code": "wx-code-1", "source": "moments"})
    assert login.status_code == 200
    shop = ApiClient(login.json()["token"])

    cart = shop.post(f"{SHOP}/cart/items", {"sku_id": sku.pk, "quantity": 2})
    assert cart.json()["selected_goods_amount"] == 25600
    address = shop.post(
        f"{SHOP}/addresses",
        {
            "recipient": "李雷",
            "phone": "13912345678",
            "province": "浙江",
            "city": "杭州",
            "detail": "西湖区龙井路1号",
        },
    )
    assert address.status_code == 201

    quote = shop.post(f"{SHOP}/checkout/quote", {"address_id": address.json()["id"]})
    assert (quote.json()["goods_amount"], quote.json()["shipping_fee"], quote.json()["payable_amount"]) == (
        25600,
        0,
        25600,
    )

    created = shop.post(
        f"{SHOP}/orders", {"address_id": address.json()["id"]}, headers={"Idempotency-Key": "chk-1"}
    )
    assert created.status_code == 201, created.content
    order = created.json()
    assert (order["status"], order["payable_amount"], order["lines"][0]["quantity"]) == (
        "pending_payment",
        25600,
        2,
    )
    assert shop.get(f"{SHOP}/cart").json()["items"] == []  # checked-out rows leave the cart

    replay = shop.post(
        f"{SHOP}/orders", {"address_id": address.json()["id"]}, headers={"Idempotency-Key": "chk-1"}
    )
    assert replay.status_code == 200 and replay.json()["id"] == order["id"]

    payment = shop.post(f"{SHOP}/orders/{order['id']}/payments", {"gateway": "sandbox"})
    assert payment.status_code == 201
    assert payment.json()["url"] == f"/sandbox-pay/{payment.json()['payment_number']}/"
    cashier = Client()
    assert cashier.post(payment.json()["url"]).status_code == 200
    assert shop.get(f"{SHOP}/orders/{order['id']}").json()["status"] == "paid"

    operator = ApiClient(issue_staff_token(staff=make_staff(Role.OPERATOR)))
    listed = operator.get("/api/v1/admin/orders", {"status": "paid"})
    assert [o["number"] for o in listed.json()["items"]] == [order["number"]]
    shipped = operator.post(
        f"/api/v1/admin/orders/{order['id']}/ship", {"carrier": "顺丰", "tracking_number": "SF1000000000100"}
    )
    assert shipped.status_code == 200
    assert [e["kind"] for e in shipped.json()["events"]] == ["created", "payment_started", "paid", "shipped"]
    assert shop.get(f"{SHOP}/orders/{order['id']}").json()["tracking_number"] == "SF1000000000100"

    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (3, 0)
    assert AuditEntry.objects.filter(action="order.ship").count() == 1


def test_errors_have_one_shape_in_both_languages(merchant, shop_api, sku, address):
    shop_api.language = "zh-hans"
    zh = shop_api.post(
        f"{SHOP}/orders", {"lines": [{"sku_id": sku.pk, "quantity": 101}], "address_id": address.pk}
    )
    shop_api.language = "en"
    en = shop_api.post(
        f"{SHOP}/orders", {"lines": [{"sku_id": sku.pk, "quantity": 101}], "address_id": address.pk}
    )
    assert zh.status_code == en.status_code == 409
    assert zh.json() == {
        "code": "out_of_stock",
        "message": "库存不足。",
        "detail": {"sku_id": sku.pk, "requested": 101},
    }
    assert en.json()["message"] == "Not enough stock."
    assert Order.objects.count() == 0

    bad = shop_api.post(f"{SHOP}/orders", {"lines": [{"sku_id": 0, "quantity": 1}]})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    assert ApiClient().get(f"{SHOP}/orders").json()["code"] == "not_authenticated"


def test_roles_limit_what_staff_can_do(merchant, make_product, make_staff):
    product = make_product(status="draft")
    analyst = ApiClient(issue_staff_token(staff=make_staff(Role.ANALYST)))
    assert analyst.get("/api/v1/admin/products").status_code == 200
    refused = analyst.post(
        "/api/v1/admin/products/bulk-status", {"product_ids": [product.pk], "status": "on_sale"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    product.refresh_from_db()
    assert product.status == "draft"
    operator = ApiClient(issue_staff_token(staff=make_staff(Role.OPERATOR)))
    assert (
        operator.post(
            "/api/v1/admin/products/bulk-status", {"product_ids": [product.pk], "status": "on_sale"}
        ).status_code
        == 200
    )
    product.refresh_from_db()
    assert product.status == "on_sale"
    assert operator.get("/api/v1/admin/staff").status_code == 403


def test_staff_token_login(merchant, make_staff):
    staff = make_staff(Role.SERVICE)
    ok = ApiClient().post(
        "/api/v1/admin/auth/token", {"username": staff.user.username, "password": "pw-123456"}
    )
    assert ok.status_code == 201
    me = ApiClient(ok.json()["token"]).get("/api/v1/admin/me")
    assert (me.json()["role"], me.json()["merchant"]) == ("service", "tea")
    assert "aftersales.handle" in me.json()["permissions"]
    bad = ApiClient().post("/api/v1/admin/auth/token", {"username": staff.user.username, "password": "nope"})
    assert bad.status_code == 401


def test_low_stock_list(merchant, make_product, staff_api):
    make_product("plenty", stock=100)
    low = make_product("scarce", stock=3).skus.get()
    response = staff_api.get("/api/v1/admin/stock/low")
    assert [(r["sku_id"], r["available"]) for r in response.json()["items"]] == [(low.pk, 3)]


def test_an_order_placed_with_a_known_channel_records_it(shop_api, sku, address):
    created = shop_api.post(
        f"{SHOP}/orders",
        {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "source": "live"},
    )

    assert created.status_code == 201, created.content
    assert list(Order.objects.values_list("number", "source")) == [(created.json()["number"], "live")]


@pytest.mark.parametrize("source", ["tiktok", "group_buy", "import", "unknown"])
def test_an_order_source_that_is_not_a_channel_is_refused_and_nothing_is_created(
    shop_api, merchant, sku, address, source
):
    from siyu.testing.snapshots import changed, tenant_rows

    before = tenant_rows(merchant)

    refused = shop_api.post(
        f"{SHOP}/orders",
        {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "source": source},
    )

    assert refused.status_code == 400, refused.content
    allowed = [
        "ads",
        "article",
        "community",
        "h5",
        "live",
        "moments",
        "mp_code",
        "outlet",
        "promo_link",
        "referral",
        "search",
    ]
    assert refused.json() == {
        "code": "unknown_source",
        "message": "This order source is unknown. Use one of the allowed channels, or none.",
        "detail": {"source": source, "allowed": allowed},
    }
    assert changed(before, tenant_rows(merchant)) == []
    quote = shop_api.post(f"{SHOP}/checkout/quote", {"address_id": address.pk, "source": source})
    assert (quote.status_code, quote.json()["code"]) == (400, "unknown_source")
