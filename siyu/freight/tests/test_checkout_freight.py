"""Freight templates through the shop API's checkout: exact fees by region, piece and weight, free
conditions, several templates in one order, the flat fee as fallback, and excluded regions refused."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.catalog.models import Sku
from siyu.freight import services
from siyu.members.services import save_address
from siyu.orders.models import Order
from siyu.testing.clients import ApiClient, h5_login
from siyu.testing.freight import piece_template, weight_template
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
SHOP = "/api/v1/shop/tea"
SHANGHAI = {"province_code": "310000", "city_code": "310100", "district_code": "310101"}
URUMQI = {"province_code": "650000", "city_code": "650100", "district_code": "650102"}
LHASA = {"province_code": "540000", "city_code": "540100", "district_code": "540102"}


@pytest.fixture
def world(owner, make_product, customer_login):
    tea = make_product("龙井", price=5000)
    rice = make_product("大米", price=3000)
    socks = make_product("袜子", price=2000)
    Sku.objects.filter(product=rice).update(weight_grams=2500)
    piece = piece_template(owner, [tea])
    weight = weight_template(owner, [rice])
    _customer, token = customer_login("alice")
    shop = ApiClient(token)
    addresses = {}
    for name, codes in (("shanghai", SHANGHAI), ("urumqi", URUMQI), ("lhasa", LHASA)):
        made = shop.post(
            f"{SHOP}/addresses", {"recipient": "王", "phone": "13800000000", "detail": "1号", **codes}
        )
        assert made.status_code == 201, made.content
        addresses[name] = made.json()["id"]
    skus = {p.name: p.skus.get().pk for p in (tea, rice, socks)}
    return {"shop": shop, "addresses": addresses, "skus": skus, "piece": piece, "weight": weight}


def quote(world, where: str, **units: int):
    lines = [{"sku_id": world["skus"][name], "quantity": qty} for name, qty in units.items()]
    return world["shop"].post(
        f"{SHOP}/checkout/quote", {"lines": lines, "address_id": world["addresses"][where], "coupon_ids": []}
    )


def fee(world, where: str, **units: int) -> int:
    response = quote(world, where, **units)
    assert response.status_code == 200, response.content
    return response.json()["shipping_fee"]


@pytest.mark.parametrize(
    ("where", "units", "expected"),
    [
        ("shanghai", {"龙井": 1}, 800),
        ("shanghai", {"龙井": 3}, 800 + 2 * 300),  # by piece: first piece, two more
        ("urumqi", {"龙井": 3}, 2000 + 2 * 1000),  # Xinjiang's own rule
        ("urumqi", {"龙井": 5}, 0),  # Xinjiang's rule: free from 5 pieces
        ("shanghai", {"大米": 2}, 1000 + 4 * 500),  # by weight: 5 kg = the first kg, 4 more
        ("shanghai", {"大米": 10}, 0),  # by weight: ¥300.00 of rice ships free
        ("shanghai", {"龙井": 1, "大米": 1}, 1000 + 2 * 500 + 300),  # rice leads; tea pays its additional fee
        ("shanghai", {"袜子": 2}, 1000),  # no template: the merchant's flat fee
        ("shanghai", {"袜子": 5}, 0),  # ... and its free-shipping threshold (¥99.00)
        ("lhasa", {"袜子": 1}, 1000),  # Tibet is excluded by the tea's template, not by the flat fee
    ],
)
def test_the_quote_charges_what_the_templates_say(world, where, units, expected):
    assert fee(world, where, **units) == expected


def test_the_order_stores_the_fee_and_the_payable_amount(world):
    lines = [{"sku_id": world["skus"]["龙井"], "quantity": 3}]
    created = world["shop"].post(
        f"{SHOP}/orders",
        {"lines": lines, "address_id": world["addresses"]["urumqi"], "coupon_ids": []},
        headers={"Idempotency-Key": "freight-1"},
    )
    assert created.status_code == 201, created.content
    order = Order.objects.get(pk=created.json()["id"])
    assert (order.goods_amount, order.shipping_fee, order.payable_amount) == (15000, 4000, 19000)
    assert (order.shipping_address["province_code"], order.shipping_address["city"]) == (
        "650000",
        "乌鲁木齐市",
    )


def test_products_without_a_template_use_the_default_template(world, owner):
    piece = world["piece"]
    services.update_template(
        staff=owner,
        template_id=piece.pk,
        name=piece.name,
        basis=piece.basis,
        charge=piece.charge(),
        is_default=True,
        excluded_regions=piece.excluded_regions,
    )
    assert fee(world, "shanghai", 袜子=2) == 800 + 300
    assert fee(world, "shanghai", 袜子=2, 龙井=1) == 800 + 2 * 300  # one group: the same template


def test_an_excluded_region_refuses_the_order_and_changes_nothing(world, merchant):
    refused = quote(world, "lhasa", 龙井=1, 袜子=1)
    assert refused.status_code == 400
    assert refused.json()["code"] == "region_not_deliverable"
    assert refused.json()["detail"] == {"sku_ids": [world["skus"]["龙井"]], "region": "540102"}
    zh = ApiClient(world["shop"].token, language="zh-hans").post(
        f"{SHOP}/checkout/quote",
        {
            "lines": [{"sku_id": world["skus"]["龙井"], "quantity": 1}],
            "address_id": world["addresses"]["lhasa"],
        },
    )
    assert zh.json()["message"] == "部分商品无法配送到该地址所在地区。"

    before = tenant_rows(merchant)
    placed = world["shop"].post(
        f"{SHOP}/orders",
        {
            "lines": [{"sku_id": world["skus"]["龙井"], "quantity": 1}],
            "address_id": world["addresses"]["lhasa"],
        },
        headers={"Idempotency-Key": "freight-2"},
    )
    assert (placed.status_code, placed.json()["code"]) == (400, "region_not_deliverable")
    assert changed(before, tenant_rows(merchant)) == []
    assert not Order.objects.filter(merchant=merchant).exists()


def test_pickup_orders_pay_no_freight(world, outlet):
    lines = [{"sku_id": world["skus"]["龙井"], "quantity": 3}]
    response = world["shop"].post(
        f"{SHOP}/checkout/quote", {"lines": lines, "fulfilment": "pickup", "pickup_outlet_id": outlet.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["shipping_fee"] == 0


def test_the_shop_checkout_page_shows_the_fee_and_the_refusal(owner, make_product, merchant):
    tea = make_product("龙井", price=5000)
    piece_template(owner, [tea])
    client = Client(headers={"Accept-Language": "zh-hans"})
    customer = h5_login(client, merchant, "bob")
    urumqi = save_address(customer=customer, recipient="B", phone="1390000", detail="1号", **URUMQI)
    lhasa = save_address(customer=customer, recipient="B", phone="1390000", detail="2号", **LHASA)
    sku = tea.skus.get().pk

    page = client.get(f"/shop/tea/checkout/?sku={sku}&qty=3&address={urumqi.pk}")
    assert page.status_code == 200
    assert texts(page.content.decode(), "shipping") == ["¥40.00"]

    refused = client.get(f"/shop/tea/checkout/?sku={sku}&qty=1&address={lhasa.pk}")
    assert refused.status_code == 400
    assert texts(refused.content.decode(), "error") == ["部分商品无法配送到该地址所在地区。"]
