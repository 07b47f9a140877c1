"""A populated merchant ("world") for the API-wide tests: catalog, staff, customers, orders in many states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from siyu.catalog.models import Category, Product, Sku
from siyu.catalog.services import SkuInput, create_category, create_product
from siyu.inventory.services import set_stock
from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.orders.models import AfterSale, Order
from siyu.orders.services import aftersales, cart, lifecycle
from siyu.orders.tests.flows import pay, place
from siyu.promotions import services as promotions
from siyu.promotions.models import Coupon, CouponTemplate, Promotion
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff, issue_staff_token


@dataclass
class World:
    merchant: Merchant
    outlet: Outlet
    owner: Staff
    staff_token: str
    category: Category
    product: Product
    sku: Sku
    other_sku: Sku
    customer: Customer
    customer_token: str
    address: Address
    unpaid_order: Order
    paid_order: Order
    shipped_order: Order
    pickup_order: Order
    after_sale: AfterSale
    coupon_template: CouponTemplate
    coupon: Coupon
    promotion: Promotion

    @property
    def slug(self) -> str:
        return self.merchant.slug


def build_world(slug: str) -> World:
    """One merchant with everything the API can point at, made through the services."""
    merchant = Merchant.objects.create(
        slug=slug, name=slug.title(), shipping_fee=1000, free_shipping_threshold=9900
    )
    outlet = Outlet.objects.create(merchant=merchant, code="O1", name=f"{slug} outlet", supports_pickup=True)
    owner = create_staff(
        merchant=merchant,
        username=f"{slug}_owner",
        password="pw-123456",
        role=Role.OWNER,
        display_name="Owner",
    )
    category = create_category(merchant=merchant, name="Tea", acting_staff=None)
    product = create_product(
        merchant=merchant,
        name=f"{slug} tea",
        category_id=category.pk,
        skus=[
            SkuInput(code=f"{slug}-1", price=5000, cost=2000, stock=100),
            SkuInput(code=f"{slug}-2", price=3000, cost=1000, stock=100),
        ],
        status="on_sale",
        acting_staff=None,
    )
    sku, other_sku = product.skus.order_by("id")
    set_stock(merchant=merchant, sku=other_sku, outlet=outlet, on_hand=20)
    login = login_with_code(merchant=merchant, code=f"{slug}-alice")
    customer = login.customer
    address = save_address(
        customer=customer,
        recipient="王小明",
        phone="13800000000",
        province="上海",
        city="上海",
        detail="南京东路1号",
    )
    cart.add_to_cart(customer=customer, sku_id=other_sku.pk, quantity=1)
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    paid = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    shipped = pay(customer, place(customer, [(sku.pk, 1), (other_sku.pk, 1)], address=address))
    lifecycle.ship_order(staff=owner, order_id=shipped.pk, carrier="SF", tracking_number=f"SF-{slug}")
    shipped.refresh_from_db()
    pickup = pay(customer, place(customer, [(other_sku.pk, 1)], outlet_id=outlet.pk))
    after_sale = aftersales.request_after_sale(
        customer=customer, order_id=shipped.pk, kind="return_refund", reason="broken"
    )
    template = promotions.create_template(
        staff=owner,
        title=f"{slug} 满100减20",
        kind="amount",
        amount=2000,
        threshold=10000,
        total_quantity=100,
        per_customer_limit=5,
        valid_until=timezone.now() + timedelta(days=30),
    )
    coupon = promotions.claim_coupon(customer=customer, template_id=template.pk)
    promotion = promotions.create_promotion(
        staff=owner,
        title=f"{slug} 加价购",
        kind="add_on",
        config={"threshold": 1000, "sku_id": other_sku.pk, "price": 100},
    )
    return World(
        coupon_template=template,
        coupon=coupon,
        promotion=promotion,
        merchant=merchant,
        outlet=outlet,
        owner=owner,
        staff_token=issue_staff_token(staff=owner),
        category=category,
        product=product,
        sku=sku,
        other_sku=other_sku,
        customer=customer,
        customer_token=login.token,
        address=address,
        unpaid_order=unpaid,
        paid_order=paid,
        shipped_order=shipped,
        pickup_order=pickup,
        after_sale=after_sale,
    )


@pytest.fixture
def wsgi_in_test_transaction():
    """Let a raw WSGI handler run inside the test's transaction, as Django's test client does.

    The handler's request signals would otherwise close the connection that holds the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
