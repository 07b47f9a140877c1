"""Real threads against PostgreSQL: the last coupon is claimed once, a coupon is used on one order."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from siyu.members.services import login_with_code, save_address
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.promotions import services
from siyu.promotions.models import Coupon, CouponHolding, CouponTemplate
from siyu.testing.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def _template(owner, **fields) -> CouponTemplate:
    return services.create_template(
        staff=owner,
        title="满100减20",
        kind="amount",
        amount=2000,
        threshold=10000,
        valid_until=timezone.now() + timedelta(days=3),
        **fields,
    )


def test_sixty_four_claims_of_the_last_coupon_give_exactly_one(owner, merchant):
    template = _template(owner, total_quantity=1)
    customers = [login_with_code(merchant=merchant, code=f"c{i}").customer for i in range(64)]
    results = run_together(
        64, lambda i: services.claim_coupon(customer=customers[i], template_id=template.pk).pk
    )
    template.refresh_from_db()
    outcomes = Counter("ok" if isinstance(r, int) else r for r in results)
    assert outcomes == {"ok": 1, "coupon_sold_out": 63}
    assert (template.issued, Coupon.objects.filter(template=template).count()) == (1, 1)
    assert sum(CouponHolding.objects.filter(template=template).values_list("count", flat=True)) == 1


def test_one_customer_claiming_twenty_times_at_once_gets_the_limit(owner, merchant):
    template = _template(owner, per_customer_limit=3)
    customer = login_with_code(merchant=merchant, code="greedy").customer
    results = run_together(20, lambda i: services.claim_coupon(customer=customer, template_id=template.pk).pk)
    outcomes = Counter("ok" if isinstance(r, int) else r for r in results)
    assert outcomes == {"ok": 3, "coupon_limit_reached": 17}
    assert Coupon.objects.filter(customer=customer).count() == 3


def test_one_coupon_on_five_concurrent_orders_is_used_once(owner, merchant, make_product):
    sku = make_product(price=5000, stock=100).skus.get()
    customer = login_with_code(merchant=merchant, code="buyer").customer
    address = save_address(
        customer=customer, recipient="A", phone="13800000000", province="P", city="C", detail="D"
    )
    coupon = services.claim_coupon(customer=customer, template_id=_template(owner).pk)

    def buy(i: int) -> int:
        request = checkout.CheckoutRequest(
            lines=[checkout.LineRequest(sku.pk, 3)],
            address_id=address.pk,
            coupon_ids=(coupon.pk,),
            note=str(i),
        )
        return checkout.place_order(customer=customer, request=request)[0].pk

    results = run_together(5, buy)
    outcomes = Counter("ok" if isinstance(r, int) else r for r in results)
    assert outcomes == {"ok": 1, "coupon_unavailable": 4}
    coupon.refresh_from_db()
    [order] = Order.objects.filter(customer=customer)
    assert (coupon.status, coupon.order_id, order.discount_amount) == ("locked", order.pk, 2000)


@pytest.mark.parametrize("limit", [1, 3])
def test_two_replays_of_one_claim_key_at_once_answer_the_same_coupon(owner, merchant, limit):
    from siyu.testing.clients import ApiClient

    template = _template(owner, per_customer_limit=limit, total_quantity=10)
    login = login_with_code(merchant=merchant, code="replayer")
    customer = login.customer
    url = f"/api/v1/shop/{merchant.slug}/coupons/centre/{template.pk}/claim"

    def claim(_i: int) -> tuple[int, object]:
        response = ApiClient(login.token).post(url, headers={"Idempotency-Key": "tap-1"})
        return response.status_code, response.json().get("id")

    results = run_together(2, claim)

    [coupon] = Coupon.objects.filter(customer=customer)
    assert results == [(200, coupon.pk), (200, coupon.pk)]
    assert coupon.claim_key == "tap-1"
    template.refresh_from_db()
    assert template.issued == 1
    assert CouponHolding.objects.get(template=template, customer=customer).count == 1


def test_orders_paid_at_once_with_coupons_of_two_templates_in_either_order_all_count(
    owner, merchant, make_product
):
    from siyu.orders.gateways.sandbox import SandboxGateway
    from siyu.orders.services import payments

    sku = make_product(price=5000, stock=100).skus.get()
    until = timezone.now() + timedelta(days=3)
    goods = services.create_template(staff=owner, title="减5元", kind="amount", amount=500, valid_until=until)
    shipping = services.create_template(
        staff=owner, title="免运费", kind="shipping", amount=1000, valid_until=until
    )
    notices = []
    for i in range(16):
        customer = login_with_code(merchant=merchant, code=f"payer-{i}").customer
        address = save_address(
            customer=customer, recipient="A", phone="13800000000", province="P", city="C", detail="D"
        )
        # Half claim the goods coupon first, half the shipping one: each order's coupons come in a
        # different template order.
        first, second = (goods, shipping) if i % 2 else (shipping, goods)
        coupons = [services.claim_coupon(customer=customer, template_id=t.pk).pk for t in (first, second)]
        request = checkout.CheckoutRequest(
            lines=[checkout.LineRequest(sku.pk, 1)], address_id=address.pk, coupon_ids=tuple(coupons)
        )
        order = checkout.place_order(customer=customer, request=request)[0]
        assert (order.payable_amount, Coupon.objects.filter(order=order, status="locked").count()) == (
            4500,
            2,
        )
        payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
        body, headers = SandboxGateway().build_notification(
            payment_number=payment.number, amount=payment.amount
        )
        notices.append((payment.pk, body, headers))

    def pay(i: int):
        _pk, body, headers = notices[i]
        return payments.receive_notification(gateway="sandbox", body=body, headers=headers).pk

    results = run_together(16, pay)

    assert results == [pk for pk, _b, _h in notices]
    assert list(CouponTemplate.objects.order_by("pk").values_list("used", flat=True)) == [16, 16]
    assert Coupon.objects.filter(status="used").count() == 32
