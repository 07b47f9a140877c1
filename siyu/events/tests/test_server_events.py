"""Server-side milestones are events too: order placed/paid/refunded, coupon claimed/used, group joined."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.events.models import Event, EventKind
from siyu.events.services import server_event_id
from siyu.orders.services import lifecycle
from siyu.promotions.errors import CouponLimitReached
from siyu.promotions.services import coupons
from siyu.testing.flows import pay, place


@pytest.fixture
def template(owner):
    return coupons.create_template(
        staff=owner,
        title="立减10元",
        kind="amount",
        amount=1000,
        threshold=0,
        validity="fixed",
        valid_until=timezone.now() + timedelta(days=30),
    )


def kinds(customer) -> list[str]:
    return list(Event.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True))


def test_an_order_records_placed_paid_and_refunded(customer, address, sku, owner):
    order = place(customer, [(sku.pk, 2)], address=address)
    assert kinds(customer) == [EventKind.ORDER_CREATED]
    pay(customer, order)
    lifecycle.refund_and_close(order=order, actor=owner, reason="test")
    assert kinds(customer) == [EventKind.ORDER_CREATED, EventKind.ORDER_PAID, EventKind.REFUND]
    paid = Event.objects.get(kind=EventKind.ORDER_PAID)
    assert paid.event_id == server_event_id(order.merchant_id, EventKind.ORDER_PAID, f"order:{order.pk}")
    assert paid.properties == {
        "order_id": order.pk,
        "number": order.number,
        "payable": 10000,
        "order_source": "",
        "paid": 10000,
    }
    refund = Event.objects.get(kind=EventKind.REFUND)
    assert (refund.properties["amount"], refund.properties["after_sale_id"], refund.device) == (
        10000,
        None,
        "server",
    )
    assert Event.objects.filter(merchant=order.merchant).exclude(customer=customer).count() == 0


def test_a_coupon_records_claimed_and_used(customer, address, make_product, template):
    coupon = coupons.claim_coupon(customer=customer, template_id=template.pk)
    claimed = Event.objects.get(kind=EventKind.COUPON_CLAIMED)
    assert (claimed.customer_id, claimed.properties) == (
        customer.pk,
        {"coupon_id": coupon.pk, "template_id": template.pk, "via": "centre"},
    )
    product = make_product(price=5000)
    order = place(customer, [(product.skus.get().pk, 1)], address=address)
    assert not Event.objects.filter(kind=EventKind.COUPON_USED).exists()  # locked, not used, until paid
    pay(customer, order)
    used = Event.objects.get(kind=EventKind.COUPON_USED)
    assert used.properties == {"coupon_id": coupon.pk, "template_id": template.pk, "order_id": order.pk}


def test_a_refused_claim_records_nothing(customer, template):
    coupons.claim_coupon(customer=customer, template_id=template.pk)
    with pytest.raises(CouponLimitReached):
        coupons.claim_coupon(customer=customer, template_id=template.pk)
    assert Event.objects.filter(kind=EventKind.COUPON_CLAIMED).count() == 1


def test_joining_a_group_buy_records_it(merchant, owner, customer, address, sku):
    from siyu.promotions.groupbuy.services import teams
    from siyu.promotions.groupbuy.services.activities import GroupBuyInput, GroupBuySkuInput, create_group_buy

    now = timezone.now()
    group = create_group_buy(
        staff=owner,
        data=GroupBuyInput(
            name="两人团",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
            group_size=2,
            time_limit_hours=24,
            skus=[GroupBuySkuInput(sku.pk, group_price=3000, leader_price=2500)],
        ),
    )
    member = teams.open_team(
        customer=customer,
        group_buy_id=group.pk,
        sku_id=sku.pk,
        quantity=1,
        delivery=teams.Delivery(address_id=address.pk),
        idempotency_key="k1",
    )
    joined = Event.objects.get(kind=EventKind.GROUP_JOINED)
    assert (joined.customer_id, joined.properties) == (
        customer.pk,
        {"team_id": member.team_id, "group_buy_id": group.pk, "order_id": member.order_id, "leader": True},
    )
