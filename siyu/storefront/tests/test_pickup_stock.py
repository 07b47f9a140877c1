"""Self-pickup: at checkout each outlet's stock of the cart's lines is shown, and the outlet chosen
for the shopper (there, and for a pickup-only group buy) is one that has everything; when none has,
the page says what is short where."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from siyu.inventory.models import StockLevel
from siyu.orders.models import CartItem, Order
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy
from siyu.tenancy.models import Outlet
from siyu.testing.pages import form_token, texts

pytestmark = pytest.mark.django_db


def _checked_outlet(html: str) -> int:
    found = re.findall(r'name="outlet" value="(\d+)" checked', html)
    assert len(found) == 1, found
    return int(found[0])


@pytest.fixture
def cart(merchant, make_product, shopper):
    """Two 龙井 and one 普洱 in the cart; 新天地 has no 龙井, 静安寺 has everything."""
    client, customer = shopper
    longjing = make_product("龙井", price=4800).skus.get()
    puer = make_product("普洱", price=3600).skus.get()
    xintiandi = Outlet.objects.create(merchant=merchant, code="A", name="新天地店", supports_pickup=True)
    jingan = Outlet.objects.create(merchant=merchant, code="B", name="静安寺店", supports_pickup=True)
    for outlet, sku, on_hand in [(xintiandi, puer, 5), (jingan, longjing, 2), (jingan, puer, 1)]:
        StockLevel.objects.create(merchant=merchant, sku=sku, outlet=outlet, on_hand=on_hand)
    add_to_cart(customer=customer, sku_id=longjing.pk, quantity=2)
    add_to_cart(customer=customer, sku_id=puer.pk, quantity=1)
    return SimpleNamespace(client=client, customer=customer, xintiandi=xintiandi, jingan=jingan, puer=puer)


def test_checkout_chooses_the_outlet_that_has_everything_and_the_order_goes_through(cart):
    client, jingan = cart.client, cart.jingan
    html = client.get("/shop/tea/checkout/", {"fulfilment": "pickup"}).content.decode()
    assert texts(html, "outlet-choice") == ["新天地店 缺货 龙井：剩 0 件，需 2 件", "静安寺店 有货"]
    assert _checked_outlet(html) == jingan.pk
    assert texts(html, "pickup-short") == []
    english = client.get("/shop/tea/checkout/", {"fulfilment": "pickup"}, HTTP_ACCEPT_LANGUAGE="en")
    assert texts(english.content.decode(), "outlet-choice") == [
        "新天地店 Not all in stock 龙井: 0 left, 2 wanted",
        "静安寺店 In stock",
    ]

    response = client.post("/shop/tea/checkout/", {"token": form_token(html), "fulfilment": "pickup"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.fulfilment, order.pickup_outlet_id) == ("pickup", jingan.pk)
    assert dict(StockLevel.objects.filter(outlet=jingan).values_list("sku__product__name", "reserved")) == {
        "龙井": 2,
        "普洱": 1,
    }


def test_when_no_outlet_has_everything_the_page_says_what_is_short_where(cart):
    client, xintiandi, jingan = cart.client, cart.xintiandi, cart.jingan
    add_to_cart(customer=cart.customer, sku_id=cart.puer.pk, quantity=1)  # 2 普洱 now
    html = client.get("/shop/tea/checkout/", {"fulfilment": "pickup"}).content.decode()
    assert texts(html, "pickup-short") == ["没有哪家门店备齐了全部商品：请看各门店缺什么，或改选快递配送。"]
    assert texts(html, "outlet-choice") == [
        "新天地店 缺货 龙井：剩 0 件，需 2 件",
        "静安寺店 缺货 普洱：剩 1 件，需 2 件",
    ]
    assert _checked_outlet(html) == xintiandi.pk
    before = list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved"))
    response = client.post(
        "/shop/tea/checkout/", {"token": form_token(html), "fulfilment": "pickup", "outlet": jingan.pk}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-code="out_of_stock"' in page
    assert texts(page, "outlet-choice")[1] == "静安寺店 缺货 普洱：剩 1 件，需 2 件"
    assert _checked_outlet(page) == jingan.pk
    assert not Order.objects.exists()
    assert list(StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved")) == before
    assert CartItem.objects.count() == 2


def test_a_pickup_only_team_is_opened_at_an_outlet_that_has_the_units(merchant, owner, make_product, shopper):
    client, leader = shopper
    sku = make_product("乌龙", price=5000).skus.get()
    empty = Outlet.objects.create(merchant=merchant, code="A", name="新天地店", supports_pickup=True)
    stocked = Outlet.objects.create(merchant=merchant, code="B", name="静安寺店", supports_pickup=True)
    StockLevel.objects.create(merchant=merchant, sku=sku, outlet=empty, on_hand=0)
    StockLevel.objects.create(merchant=merchant, sku=sku, outlet=stocked, on_hand=3)
    now = timezone.now()
    gb = create_group_buy(
        staff=owner,
        data=GroupBuyInput(
            name="到店自提团",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            group_size=2,
            time_limit_hours=24,
            pickup_only=True,
            skus=[GroupBuySkuInput(sku.pk, group_price=3000)],
        ),
    )
    response = client.post(f"/shop/tea/group-buys/{gb.pk}/open/", {"sku": sku.pk, "qty": 1, "token": "t1"})
    assert response.status_code == 302 and response["Location"].startswith("/sandbox-pay/")
    order = Order.objects.get(customer=leader)
    assert (order.fulfilment, order.pickup_outlet_id) == ("pickup", stocked.pk)
    assert StockLevel.objects.get(outlet=stocked).reserved == 1
