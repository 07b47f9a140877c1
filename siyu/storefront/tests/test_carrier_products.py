"""Carrier products (a presale's deposit, a blind box) are sold only through their activity.

Neither the shop API nor the storefront lists them among the products, and the cart and an
ordinary checkout line refuse them with ``sold_only_by_activity``, changing nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.catalog.carriers import ordinary_products
from siyu.catalog.models import Product
from siyu.inventory.models import StockLevel
from siyu.orders.models import CartItem, Order
from siyu.promotions.campaigns.services import pools
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.presale.services import admin as presale_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers(owner, make_product) -> dict[str, Product]:
    """An ordinary tea, the goods of a presale and its deposit, and a blind box."""
    now = timezone.now()
    tea = make_product("Plain tea", price=3000)
    goods = make_product("New season tea", price=20_000, stock=50)
    deposit = make_product("Deposit: new season tea", price=5000, stock=100)
    box = make_product("Mystery box", price=5900, stock=100)
    presale_admin.create_presale(
        staff=owner,
        name="Spring tea presale",
        sku_id=goods.skus.get().pk,
        deposit_sku_id=deposit.skus.get().pk,
        deposit=5000,
        deduction=8000,
        deposit_starts_at=now - timedelta(hours=1),
        deposit_ends_at=now + timedelta(days=1),
        balance_starts_at=now + timedelta(days=2),
        balance_ends_at=now + timedelta(days=3),
        ship_date=(now + timedelta(days=5)).date(),
    )
    pools.create_blind_box(
        staff=owner,
        name="Figure box",
        sku_id=box.skus.get().pk,
        box_price=3900,
        prizes=[PrizeInput(name="Common", kind="item", weight_bp=10_000, stock=8)],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
    )
    return {"tea": tea, "goods": goods, "deposit": deposit, "box": box}


def _stock() -> list[tuple[int, int, int]]:
    return sorted(StockLevel.objects.values_list("sku_id", "on_hand", "reserved"))


def test_the_shop_api_lists_no_carrier_and_will_not_show_one(shop_api, carriers):
    listed = shop_api.get("/api/v1/shop/tea/products?limit=50").json()

    assert sorted(p["name"] for p in listed["items"]) == ["New season tea", "Plain tea"]
    assert listed["count"] == 2
    for name in ("deposit", "box"):
        response = shop_api.get(f"/api/v1/shop/tea/products/{carriers[name].pk}")
        assert response.status_code == 404
    assert shop_api.get(f"/api/v1/shop/tea/products/{carriers['tea'].pk}").status_code == 200


@pytest.mark.parametrize("name", ["deposit", "box"])
def test_the_shop_api_cart_and_checkout_refuse_a_carrier_as_ordinary_goods(
    shop_api, customer, address, carriers, name
):
    sku_id = carriers[name].skus.get().pk
    stock = _stock()

    added = shop_api.post("/api/v1/shop/tea/cart/items", {"sku_id": sku_id, "quantity": 1})
    quoted = shop_api.post("/api/v1/shop/tea/checkout/quote", {"lines": [{"sku_id": sku_id, "quantity": 1}]})
    ordered = shop_api.post(
        "/api/v1/shop/tea/orders", {"lines": [{"sku_id": sku_id, "quantity": 1}], "address_id": address.pk}
    )

    for response in (added, quoted, ordered):
        assert response.status_code == 409
        body = response.json()
        assert (body["code"], body["detail"]) == ("sold_only_by_activity", {"sku_id": sku_id})
        assert body["message"] == "This item is sold only through its presale or blind box."
    assert CartItem.objects.count() == 0
    assert Order.objects.count() == 0
    assert _stock() == stock


def test_a_carrier_already_in_the_cart_is_refused_at_checkout(shop_api, customer, address, carriers):
    CartItem.objects.create(
        merchant_id=customer.merchant_id, customer=customer, sku=carriers["box"].skus.get(), quantity=1
    )
    response = shop_api.post(
        "/api/v1/shop/tea/orders", {"address_id": address.pk}, headers={"Accept-Language": "zh-hans"}
    )

    assert response.status_code == 409
    assert response.json()["message"] == "该商品只能通过预售或盲盒活动购买。"
    assert Order.objects.count() == 0


def test_the_storefront_lists_no_carrier(merchant, carriers):
    client = Client()
    for page in ("/shop/tea/", "/shop/tea/search/?q=e", "/shop/tea/categories/"):
        html = client.get(page).content.decode()
        assert "Plain tea" in html or page.endswith("categories/")
        assert "Deposit: new season tea" not in html
        assert "Mystery box" not in html
    for name in ("deposit", "box"):  # a shared link to one says where it is sold
        response = client.get(f"/shop/tea/p/{carriers[name].pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 409
        error = 'data-code="sold_only_by_activity">该商品只能通过预售或盲盒活动购买。<'
        assert error in response.content.decode()
    assert client.get("/shop/tea/p/999999/").status_code == 404
    assert Product.objects.filter(ordinary_products()).count() == 2


def test_the_storefront_cart_refuses_a_carrier(shopper, carriers):
    client, _customer = shopper
    box_sku = carriers["box"].skus.get().pk

    response = client.post("/shop/tea/cart/add/", {"sku": box_sku, "qty": "1"})

    assert response.status_code == 409
    assert 'data-code="sold_only_by_activity"' in response.content.decode()
    assert CartItem.objects.count() == 0


def test_the_storefront_buy_now_of_a_carrier_shows_the_error_and_places_nothing(shopper, carriers):
    client, _customer = shopper
    deposit_sku = carriers["deposit"].skus.get().pk

    response = client.get(f"/shop/tea/checkout/?sku={deposit_sku}&qty=1")

    assert 'data-code="sold_only_by_activity"' in response.content.decode()
    assert Order.objects.count() == 0
