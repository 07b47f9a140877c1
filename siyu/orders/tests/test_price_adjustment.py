"""改价: an unpaid order's price changes within the floor, with a reason and an audit row, and the
payment then charges exactly the new amount."""

from __future__ import annotations

import pytest

from siyu.core.errors import InvalidInput, PermissionDenied
from siyu.orders.errors import OrderNotAdjustable, PriceBelowFloor
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import Order, OrderLine, OrderStatus, Payment, PaymentStatus, Refund
from siyu.orders.presentation import for_order
from siyu.orders.services import payments
from siyu.orders.services.adjustments import adjust_order_price, price_room
from siyu.promotions.models import PricingPolicy
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.flows import pay, place
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(customer, address, sku, make_product) -> Order:
    """Two lines: 2 x ¥50 (cost ¥25) and 1 x ¥30 (cost ¥15): ¥130 of goods, free shipping."""
    other = make_product("Tea cups", price=3000).skus.get()
    return place(customer, [(sku.pk, 2), (other.pk, 1)], address=address)


def notice(payment: Payment) -> None:
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    payments.receive_notification(gateway="sandbox", body=body, headers=headers)


def test_a_discount_is_spread_over_the_lines_and_audited(owner, order):
    assert (order.goods_amount, order.shipping_fee, order.payable_amount) == (13_000, 0, 13_000)

    adjust_order_price(staff=owner, order_id=order.pk, discount=1_001, shipping_fee=500, reason="老客户")

    order.refresh_from_db()
    assert (order.price_adjustment, order.discount_amount, order.shipping_fee, order.payable_amount) == (
        1_001,
        1_001,
        500,
        12_499,
    )
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    assert [(li.price_adjustment, li.discount_amount, li.paid_amount) for li in lines] == [
        (770, 770, 9_230),  # 10000 / 13000 of 1001, the largest remainder
        (231, 231, 2_769),
    ]
    audit = AuditEntry.objects.get(action="order.adjust_price")
    assert (audit.before, audit.after) == (
        {"payable": 13_000, "discount": 0, "shipping_fee": 0},
        {"payable": 12_499, "discount": 1_001, "shipping_fee": 500, "reason": "老客户"},
    )
    event = order.events.get(kind="price_adjusted")
    assert event.data == {"payable": 12_499, "reason": "老客户", "previous_payable": 13_000}
    account = for_order(Order.objects.prefetch_related("lines", "redemptions").get(pk=order.pk))
    assert [(d.rule_id, d.amount, d.label_zh) for d in account.discounts] == [
        ("price_adjustment", 1_001, "商家改价")
    ]
    assert account.payable_amount == account.goods_amount - 1_001 + account.shipping_payable == 12_499

    # A second adjustment replaces the first; zero gives the original price back.
    adjust_order_price(staff=owner, order_id=order.pk, discount=0, shipping_fee=0, reason="算错了")
    order.refresh_from_db()
    assert (order.discount_amount, order.payable_amount) == (0, 13_000)
    assert list(OrderLine.objects.filter(order=order).values_list("paid_amount", "price_adjustment")) == [
        (10_000, 0),
        (3_000, 0),
    ]


def test_the_floor_is_the_merchants_pricing_policy(owner, order, merchant):
    PricingPolicy.objects.create(merchant=merchant, floor_min_cost_bp=12_000)  # never below 120% of cost
    room = price_room(order)
    assert (room.goods, room.floor, room.max_discount) == (13_000, 7_800, 5_200)  # 1.2 x (5000 + 1500)

    before = tenant_rows(merchant)
    with pytest.raises(PriceBelowFloor) as below:
        adjust_order_price(staff=owner, order_id=order.pk, discount=5_201, shipping_fee=0, reason="清仓")
    assert below.value.detail == {"discount": 5_201, "max_discount": 5_200, "floor": 7_800}
    assert changed(before, tenant_rows(merchant)) == []

    adjust_order_price(staff=owner, order_id=order.pk, discount=5_200, shipping_fee=0, reason="清仓")
    assert list(
        OrderLine.objects.filter(order=order).order_by("id").values_list("paid_amount", flat=True)
    ) == [
        6_000,
        1_800,
    ]


def test_without_a_policy_the_order_still_costs_at_least_one_fen(owner, order, merchant):
    before = tenant_rows(merchant)
    with pytest.raises(PriceBelowFloor) as refused:
        adjust_order_price(staff=owner, order_id=order.pk, discount=13_000, shipping_fee=0, reason="送的")
    assert refused.value.detail == {"payable": 0, "min": 1}
    assert changed(before, tenant_rows(merchant)) == []
    adjust_order_price(staff=owner, order_id=order.pk, discount=12_999, shipping_fee=0, reason="送的")
    assert Order.objects.get(pk=order.pk).payable_amount == 1


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"discount": -1}, {"discount": "0 or more"}),
        ({"shipping_fee": 1_000_001}, {"shipping_fee": "between 0 and 1000000"}),
        ({"reason": "  "}, {"reason": "1 to 200 characters"}),
        ({"discount": 0, "shipping_fee": 0}, {"discount": "unchanged", "shipping_fee": "unchanged"}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(owner, order, merchant, changes, detail):
    before = tenant_rows(merchant)
    args = {"discount": 100, "shipping_fee": 0, "reason": "x", **changes}
    with pytest.raises(InvalidInput) as refused:
        adjust_order_price(staff=owner, order_id=order.pk, **args)
    assert refused.value.detail == detail
    assert changed(before, tenant_rows(merchant)) == []


@pytest.mark.parametrize("role", [Role.GUIDE, Role.SERVICE, Role.ANALYST, Role.OUTLET_MANAGER])
def test_roles_without_the_permission_are_refused(make_staff, order, merchant, role):
    staff = make_staff(role)
    before = tenant_rows(merchant)
    with pytest.raises(PermissionDenied):
        adjust_order_price(staff=staff, order_id=order.pk, discount=100, shipping_fee=0, reason="x")
    assert changed(before, tenant_rows(merchant)) == []


def test_a_paid_order_cannot_be_adjusted(owner, customer, order, merchant):
    pay(customer, order)
    before = tenant_rows(merchant)
    with pytest.raises(OrderNotAdjustable):
        adjust_order_price(staff=owner, order_id=order.pk, discount=100, shipping_fee=0, reason="x")
    assert changed(before, tenant_rows(merchant)) == []


def test_the_customer_pays_the_adjusted_amount_and_a_payment_at_the_old_amount_is_given_back(
    owner, customer, order
):
    old = payments.start_payment(
        customer=customer, order_id=order.pk, gateway="sandbox", idempotency_key="h5:o"
    )
    assert old.payment.amount == 13_000

    adjust_order_price(staff=owner, order_id=order.pk, discount=3_000, shipping_fee=0, reason="团购价")

    old.payment.refresh_from_db()
    assert (old.payment.status, old.payment.idempotency_key) == (PaymentStatus.CLOSED, None)
    # The customer paid the old amount in the gateway before the price changed: it is given back.
    notice(old.payment)
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PENDING_PAYMENT, 0)
    assert list(Refund.objects.values_list("payment_id", "amount")) == [(old.payment.pk, 13_000)]
    # Paying again with the same key opens a payment for the new amount, and it pays the order.
    new = payments.start_payment(
        customer=customer, order_id=order.pk, gateway="sandbox", idempotency_key="h5:o"
    )
    assert (new.payment.pk != old.payment.pk, new.payment.amount) == (True, 10_000)
    notice(new.payment)
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10_000)
