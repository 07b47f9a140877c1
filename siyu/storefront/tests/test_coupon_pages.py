"""Coupon centre, claiming, codes, the wallet, and the best coupons pre-selected at checkout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.members.services import save_address
from siyu.orders.models import Order
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.models import Coupon, CouponHolding, CouponStatus, CouponTemplate
from siyu.promotions.services import coupons as coupon_services
from siyu.tenancy.models import Role
from siyu.testing.factories import make_merchant

pytestmark = pytest.mark.django_db


def _template(staff, **fields) -> CouponTemplate:
    defaults = {
        "title": "Tea",
        "kind": "amount",
        "amount": 2000,
        "threshold": 10000,
        "validity": "after_claim",
        "valid_days": 7,
    }
    return coupon_services.create_template(staff=staff, **{**defaults, **fields})


def test_centre_lists_claimable_coupons_with_engine_labels(merchant, owner, django_assert_max_num_queries):
    _template(owner)
    _template(owner, kind="percent", amount=0, rate_bp=8500, threshold=0, max_discount=3000)
    _template(owner, claimable=False)
    _template(owner, claim_starts_at=timezone.now() + timedelta(days=1))
    with django_assert_max_num_queries(3):
        response = Client().get("/shop/tea/coupons/")
    html = response.content.decode()
    assert html.count('data-testid="offer"') == 2
    assert "满100减20券" in html
    assert "8.5折券(最高减¥30.00)" in html


def test_claim_then_limit_then_wallet(merchant, owner, shopper):
    client, customer = shopper
    template = _template(owner, per_customer_limit=1)
    response = client.post(f"/shop/tea/coupons/{template.pk}/claim/")
    assert response["Location"] == "/shop/tea/coupons/"
    coupon = Coupon.objects.get()
    assert (coupon.customer_id, coupon.status, coupon.source) == (customer.pk, CouponStatus.UNUSED, "centre")
    assert 'data-testid="claim"' not in client.get("/shop/tea/coupons/").content.decode()
    again = client.post(f"/shop/tea/coupons/{template.pk}/claim/")
    assert again.status_code == 409
    assert b'data-code="coupon_limit_reached"' in again.content
    assert Coupon.objects.count() == 1
    template.refresh_from_db()
    assert template.issued == 1
    wallet = client.get("/shop/tea/me/coupons/").content.decode()
    assert wallet.count('data-testid="held"') == 1
    assert 'data-testid="coupon-count">1<' in client.get("/shop/tea/me/").content.decode()


def test_claim_needs_login_and_refuses_another_shops_template(merchant, owner, shopper, make_staff):
    client, _customer = shopper
    coffee = make_merchant("coffee")
    theirs = _template(make_staff(Role.OWNER, m=coffee))
    assert Client().post(f"/shop/tea/coupons/{theirs.pk}/claim/").status_code == 302
    response = client.post(f"/shop/tea/coupons/{theirs.pk}/claim/")
    assert response.status_code == 404
    assert not Coupon.objects.exists()
    assert not CouponHolding.objects.exists()
    assert 'data-testid="offer"' not in client.get("/shop/tea/coupons/").content.decode()


def test_redeem_a_code(merchant, owner, shopper):
    client, customer = shopper
    template = _template(owner, claimable=False, code_mode="shared")
    coupon_services.create_codes(staff=owner, template_id=template.pk, code="TEA2025")
    bad = client.post("/shop/tea/coupons/redeem/", {"code": "NOPE"})
    assert bad.status_code == 404
    assert b'data-code="coupon_code_invalid"' in bad.content
    assert not Coupon.objects.exists()
    response = client.post("/shop/tea/coupons/redeem/", {"code": "tea2025"})
    assert response["Location"] == "/shop/tea/me/coupons/"
    assert Coupon.objects.get().customer_id == customer.pk


def test_checkout_preselects_the_best_coupon_and_the_order_uses_it(merchant, owner, make_product, shopper):
    client, customer = shopper
    small = _template(owner, amount=1000, threshold=5000)
    big = _template(owner, amount=2000, threshold=10000)
    for t in (small, big):
        coupon_services.claim_coupon(customer=customer, template_id=t.pk)
    small_coupon = Coupon.objects.get(template=small)
    big_coupon = Coupon.objects.get(template=big)
    address = save_address(
        customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d"
    )
    add_to_cart(customer=customer, sku_id=make_product(price=6000).skus.get().pk, quantity=2)
    html = client.get("/shop/tea/checkout/").content.decode()
    assert f'name="coupon" value="{big_coupon.pk}" checked' in html
    assert re.search(rf'name="coupon" value="{small_coupon.pk}" +data-testid', html)  # offered, unchecked
    assert 'data-testid="payable">¥100.00<' in html  # ¥120 - ¥20, free shipping
    # The customer switches to the smaller coupon, then places the order with it.
    query = {"fulfilment": "delivery", "address": address.pk, "coupons_set": "1", "coupon": small_coupon.pk}
    html = client.get("/shop/tea/checkout/", query).content.decode()
    assert 'data-testid="payable">¥110.00<' in html
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    client.post("/shop/tea/checkout/", {**query, "token": token})
    order = Order.objects.get()
    assert (order.discount_amount, order.payable_amount) == (1000, 11000)
    small_coupon.refresh_from_db()
    big_coupon.refresh_from_db()
    assert (small_coupon.status, big_coupon.status) == (CouponStatus.LOCKED, CouponStatus.UNUSED)


def test_checkout_with_no_coupon_chosen_uses_none(merchant, owner, make_product, shopper):
    client, customer = shopper
    coupon_services.claim_coupon(customer=customer, template_id=_template(owner).pk)
    save_address(customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d")
    add_to_cart(customer=customer, sku_id=make_product(price=6000).skus.get().pk, quantity=2)
    html = client.get("/shop/tea/checkout/", {"coupons_set": "1"}).content.decode()
    assert 'data-testid="payable">¥120.00<' in html
    assert " checked" not in html.split('data-testid="coupons"')[1].split("</section>")[0]
