"""Checkout and the order pages show one account of a priced order: the same lines, discounts,
shipping and its waiver, 共优惠 and payable, whether read from the quote or from the stored order."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.members.services import save_address
from siyu.orders.models import Order
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.models import Redemption
from siyu.promotions.services import coupons as coupon_services
from siyu.promotions.services import create_promotion
from siyu.testing.flows import pay
from siyu.testing.pages import form_token, texts

pytestmark = pytest.mark.django_db

ZH = [
    "商品 ¥120.00",
    "店庆: 满100减10 -¥10.00",
    "新客: 无门槛减5券 -¥5.00",
    "运费 ¥10.00",
    "满99包邮 -¥10.00",
    "共优惠 -¥25.00",
]
EN = [
    "Goods ¥120.00",
    "店庆: ¥10.00 off over ¥100.00 -¥10.00",
    "新客: ¥5.00 off coupon -¥5.00",
    "Shipping ¥10.00",
    "Free shipping over ¥99.00 -¥10.00",
    "You save -¥25.00",
]


@pytest.fixture
def basket(merchant, owner, make_product, shopper) -> tuple[Client, Order | None]:
    """Two ¥60 teas in the cart, 满100减10 running, a ¥5 coupon held: free shipping from ¥99."""
    client, customer = shopper
    save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")
    create_promotion(
        staff=owner,
        title="店庆",
        kind="tiered",
        config={"basis": "amount", "tiers": [{"threshold": 10000, "reduce": 1000}]},
    )
    template = coupon_services.create_template(
        staff=owner, title="新客", kind="amount", amount=500, validity="after_claim", valid_days=7
    )
    coupon_services.claim_coupon(customer=customer, template_id=template.pk)
    add_to_cart(customer=customer, sku_id=make_product("龙井", price=6000).skus.get().pk, quantity=2)
    return client, customer


def test_checkout_and_order_detail_show_the_same_account_including_free_shipping(basket):
    client, customer = basket
    html = client.get("/shop/tea/checkout/").content.decode()
    assert texts(html, "priced-row") == ZH
    assert texts(html, "priced-line") == ["龙 龙井 × 2 ¥120.00"]
    assert texts(html, "payable") == ["¥105.00"]
    english = client.get("/shop/tea/checkout/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert texts(english, "priced-row") == EN

    response = client.post("/shop/tea/checkout/", {"token": form_token(html), "fulfilment": "delivery"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.discount_amount, order.shipping_fee, order.payable_amount) == (1500, 0, 10500)
    for state in ("unpaid", "paid"):
        page = client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
        assert texts(page, "priced-row") == [*ZH, "实付款 ¥105.00"], state
        assert texts(page, "priced-line") == ["龙 龙井 × 2 ¥120.00"], state
        english = client.get(f"/shop/tea/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert texts(english, "priced-row") == [*EN, "To pay ¥105.00"], state
        if state == "unpaid":
            pay(customer, order)
    listed = client.get("/shop/tea/orders/").content.decode()
    assert texts(listed, "order-foot") == ["共优惠 ¥25.00 实付款 ¥105.00"]


def test_an_order_without_redemption_rows_still_adds_up(basket):
    """An order whose discounts have no rows (imported, or from before rows were kept) shows its
    discount as one plain line, and its payable as charged."""
    client, _customer = basket
    html = client.get("/shop/tea/checkout/").content.decode()
    client.post("/shop/tea/checkout/", {"token": form_token(html), "fulfilment": "delivery"})
    order = Order.objects.get()
    Redemption.objects.filter(order=order).delete()
    Order.objects.filter(pk=order.pk).update(pricing={})
    page = client.get(f"/shop/tea/orders/{order.pk}/").content.decode()
    assert texts(page, "priced-row") == [
        "商品 ¥120.00",
        "优惠 -¥15.00",
        "运费 免费",
        "共优惠 -¥15.00",
        "实付款 ¥105.00",
    ]
