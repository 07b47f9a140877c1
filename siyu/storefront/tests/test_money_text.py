"""Money on the storefront reads one way everywhere: ¥ and two decimals (¥92.10, never ¥92.1)."""

from __future__ import annotations

import pytest

from siyu.members.services import save_address
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.services import coupons as coupon_services
from siyu.promotions.services import create_promotion
from siyu.testing.pages import texts

pytestmark = pytest.mark.django_db


def test_checkout_hints_labels_and_coupon_reasons_write_two_decimals(merchant, owner, make_product, shopper):
    client, customer = shopper
    save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")
    create_promotion(
        staff=owner,
        title="春茶",
        kind="tiered",
        config={"basis": "amount", "tiers": [{"threshold": 20000, "reduce": 2000}]},
    )
    template = coupon_services.create_template(
        staff=owner,
        title="茶券",
        kind="percent",
        rate_bp=8500,
        threshold=15050,
        max_discount=3000,
        validity="after_claim",
        valid_days=7,
    )
    coupon_services.claim_coupon(customer=customer, template_id=template.pk)
    add_to_cart(customer=customer, sku_id=make_product("西湖龙井", price=4810).skus.get().pk, quantity=2)

    html = client.get("/shop/tea/checkout/").content.decode()
    assert texts(html, "hint") == [
        "再买¥2.80可包邮",
        "再买¥54.30可用茶券: 满150.50打8.5折券(最高减¥30.00)",
        "再买¥103.80可减¥20.00",
    ]
    assert texts(html, "coupon-unusable") == ["茶券: 满150.50打8.5折券(最高减¥30.00) 还差¥54.30达到门槛"]

    english = client.get("/shop/tea/checkout/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert texts(english, "hint") == [
        "Spend ¥2.80 more to get free shipping",
        "Spend ¥54.30 more to use your 茶券: 15% off over ¥150.50 coupon (up to ¥30.00)",
        "Spend ¥103.80 more to get ¥20.00 off",
    ]
