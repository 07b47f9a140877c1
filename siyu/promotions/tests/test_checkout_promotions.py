"""Checkout priced by the engine with stored promotions, coupons, gifts, the floor and activities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from siyu.core.errors import InvalidTransition
from siyu.inventory.models import StockLevel
from siyu.orders.errors import OrderOnHold
from siyu.orders.models import Order, OrderLine
from siyu.orders.services import checkout, lifecycle
from siyu.promotions import activities, services
from siyu.promotions.engine import ActivityKind, ActivityPrice
from siyu.promotions.errors import CouponUnavailable
from siyu.promotions.models import Coupon, GiftStock, Redemption
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db


def _request(lines, address, **kw):
    return checkout.CheckoutRequest(
        lines=[checkout.LineRequest(*line) for line in lines], address_id=address.pk, **kw
    )


def _place(customer, lines, address, **kw) -> Order:
    order, _ = checkout.place_order(customer=customer, request=_request(lines, address, **kw))
    return order


def _reserved(sku) -> int:
    return StockLevel.objects.get(sku=sku, outlet__isnull=True).reserved


def test_spend_tier_discount_is_split_over_lines_and_booked(owner, customer, address, make_product):
    a = make_product(price=5000).skus.get()
    b = make_product(price=3000).skus.get()
    promo = services.create_promotion(
        staff=owner,
        title="店庆",
        kind="tiered",
        config={"tiers": [{"threshold": 10000, "reduce": 2000}]},
    )
    order = _place(customer, [(a.pk, 2), (b.pk, 1)], address)
    lines = {line.sku_id: line for line in order.lines.all()}
    assert (order.goods_amount, order.discount_amount, order.shipping_fee, order.payable_amount) == (
        13000,
        2000,
        0,
        11000,
    )
    assert (lines[a.pk].discount_amount, lines[b.pk].discount_amount) == (1538, 462)
    assert sum(line.paid_amount for line in lines.values()) == 11000
    assert Redemption.objects.filter(promotion=promo).aggregate(s=Sum("amount"))["s"] == 2000
    assert order.pricing["adjustments"][0]["label_zh"] == "店庆: 满100减20"


def test_best_coupon_is_chosen_locked_then_used(make_template, customer, address, sku):
    small = make_template(title="满100减20", amount=2000, threshold=10000)
    big = make_template(title="满200减50", amount=5000, threshold=20000)
    best = make_template(title="满100减30", amount=3000, threshold=10000)
    held = {t.pk: services.claim_coupon(customer=customer, template_id=t.pk) for t in (small, big, best)}
    quote, _ = checkout.quote(customer=customer, request=_request([(sku.pk, 3)], address))
    assert quote.result.chosen_coupon_ids == (f"coupon:{held[best.pk].pk}",)
    order = _place(customer, [(sku.pk, 3)], address)
    assert (order.discount_amount, order.payable_amount) == (3000, 12000)
    coupon = Coupon.objects.get(pk=held[best.pk].pk)
    assert (coupon.status, coupon.order_id) == ("locked", order.pk)
    pay(customer, order)
    coupon.refresh_from_db()
    best.refresh_from_db()
    assert (coupon.status, best.used) == ("used", 1)
    assert Coupon.objects.filter(status="unused").count() == 2


def test_no_coupons_when_asked_for_none(make_template, customer, address, sku):
    services.claim_coupon(customer=customer, template_id=make_template().pk)
    order = _place(customer, [(sku.pk, 3)], address, coupon_ids=())
    assert (order.discount_amount, Coupon.objects.get().status) == (0, "unused")


def test_unusable_coupon_refuses_the_order_and_changes_nothing(make_template, customer, address, sku):
    coupon = services.claim_coupon(
        customer=customer, template_id=make_template(threshold=50000, amount=100).pk
    )
    with pytest.raises(CouponUnavailable) as exc:
        _place(customer, [(sku.pk, 1)], address, coupon_ids=(coupon.pk,))
    assert exc.value.detail == {"coupon_ids": [coupon.pk]}
    coupon.refresh_from_db()
    assert (Order.objects.count(), coupon.status, _reserved(sku)) == (0, "unused", 0)


def test_someone_elses_coupon_is_refused(make_template, customer, customer_login, address, sku):
    bob = customer_login("bob")[0]
    coupon = services.claim_coupon(customer=bob, template_id=make_template().pk)
    with pytest.raises(CouponUnavailable):
        _place(customer, [(sku.pk, 3)], address, coupon_ids=(coupon.pk,))
    assert Coupon.objects.get(pk=coupon.pk).status == "unused"


def test_cancelling_an_unpaid_order_returns_its_coupon(make_template, customer, address, sku):
    coupon = services.claim_coupon(customer=customer, template_id=make_template().pk)
    order = _place(customer, [(sku.pk, 3)], address)
    lifecycle.cancel_order(order=order, actor=customer, reason="changed mind")
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == ("unused", None)
    assert list(Redemption.objects.filter(order=order).values_list("rule_id", "amount", "active")) == [
        (f"coupon:{coupon.pk}", 2000, False),
        ("shipping:merchant", 1000, False),
    ]
    again = _place(customer, [(sku.pk, 3)], address)
    assert again.discount_amount == 2000


def test_gift_with_purchase_takes_gift_stock_and_returns_it(
    owner, customer, customer_login, address, make_product
):
    sku = make_product(price=5000).skus.get()
    gift = make_product(name="Tea cup", price=1500).skus.get()
    promo = services.create_promotion(
        staff=owner,
        title="满100送杯",
        kind="tiered",
        config={"tiers": [{"threshold": 10000, "gifts": [{"sku_id": gift.pk, "quantity": 1}]}]},
        gift_stock={gift.pk: 1},
    )
    first = _place(customer, [(sku.pk, 2)], address)
    gift_line = first.lines.get(kind="gift")
    assert (gift_line.sku_id, gift_line.unit_price, gift_line.paid_amount, first.payable_amount) == (
        gift.pk,
        0,
        0,
        10000,
    )
    assert (GiftStock.objects.get(promotion=promo).remaining, _reserved(gift)) == (0, 1)
    bob = customer_login("bob")[0]
    from siyu.members.services import save_address

    bob_address = save_address(
        customer=bob, recipient="B", phone="13900000000", province="P", city="C", detail="D"
    )
    no_gift = _place(bob, [(sku.pk, 2)], bob_address)
    assert not no_gift.lines.filter(kind="gift").exists()
    assert "gift_out_of_stock" in [n["reason"] for n in no_gift.pricing["not_applied"]]
    lifecycle.cancel_order(order=first, actor=customer, reason="x")
    assert (GiftStock.objects.get(promotion=promo).remaining, _reserved(gift)) == (1, 0)


def test_floor_caps_a_discount_at_cost(owner, customer, address, make_product):
    sku = make_product(price=5000).skus.get()  # cost 2500
    services.update_pricing_policy(staff=owner, floor_min_cost_bp=10_000)
    services.create_promotion(
        staff=owner, title="3折", kind="limited_time_discount", config={"rate_bp": 3000}
    )
    order = _place(customer, [(sku.pk, 2)], address)
    assert (order.goods_amount, order.discount_amount) == (10000, 5000)
    assert order.pricing["applied"][0]["capped_by_floor"] == 2000


def test_limited_time_discount_per_customer_limit_counts_earlier_orders(
    owner, customer, address, make_product
):
    sku = make_product(price=5000).skus.get()
    services.create_promotion(
        staff=owner,
        title="限时8折",
        kind="limited_time_discount",
        config={"rate_bp": 8000, "per_customer_limit": 1},
        ends_at=timezone.now() + timedelta(days=1),
    )
    first = _place(customer, [(sku.pk, 2)], address)
    assert first.discount_amount == 1000  # one unit at 8折
    second = _place(customer, [(sku.pk, 1)], address)
    assert second.discount_amount == 0
    lifecycle.cancel_order(order=first, actor=customer, reason="x")
    third = _place(customer, [(sku.pk, 1)], address)
    assert third.discount_amount == 1000


def test_add_on_offer_adds_a_line_at_its_price(owner, customer, address, make_product):
    sku = make_product(price=5000).skus.get()
    extra = make_product(name="Tea towel", price=2900).skus.get()
    promo = services.create_promotion(
        staff=owner,
        title="加1元换购",
        kind="add_on",
        config={"threshold": 10000, "sku_id": extra.pk, "price": 100},
    )
    order = _place(customer, [(sku.pk, 2)], address, add_ons={promo.pk: 1})
    add_on = order.lines.get(kind="add_on")
    assert (add_on.sku_id, add_on.goods_amount, add_on.paid_amount, _reserved(extra)) == (
        extra.pk,
        2900,
        100,
        1,
    )


def test_promotion_config_is_validated_by_the_engine(owner):
    from siyu.core.errors import InvalidInput
    from siyu.promotions.models import Promotion

    with pytest.raises(InvalidInput) as exc:
        services.create_promotion(staff=owner, title="x", kind="tiered", config={"tiers": []})
    assert exc.value.detail == {"config.tiers": "a list of 1 to 10 items"}
    with pytest.raises(InvalidInput):
        services.create_promotion(staff=owner, title="x", kind="nth_item", config={"nth": 1})
    assert Promotion.objects.count() == 0


class _TestActivity:
    """A provider as the playbooks implement it: a fixed price for up to ``quota`` units."""

    kind = "test_activity"
    quota = 2
    reserved: list[int] = []

    def quote(self, *, customer, ref, sku, quantity, now):
        from siyu.core.errors import InvalidInput

        if quantity > self.quota:
            raise InvalidInput(detail={"quota": self.quota})
        rule = ActivityPrice(
            id=ref.rule_id, kind=ActivityKind.FLASH_SALE, sku_id=sku.pk, price=1000, quantity=quantity
        )
        return activities.ActivityQuote(rule=rule, hold_reason="test_hold")

    def reserve(self, *, customer, ref, order, sku, quantity):
        self.reserved.append(order.pk)


@pytest.fixture
def test_activity():
    provider = _TestActivity()
    provider.reserved = []
    activities.register(provider)
    yield provider
    activities._PROVIDERS.pop(provider.kind)


def test_activity_units_get_their_own_line_and_hold_the_order(test_activity, owner, customer, address, sku):
    ref = activities.ActivityRef("test_activity", 7)
    order = _place(customer, [(sku.pk, 2, ref), (sku.pk, 1)], address)
    lines = sorted(order.lines.values_list("kind", "activity_kind", "activity_id", "quantity", "paid_amount"))
    assert lines == [("activity", "test_activity", 7, 2, 2000), ("regular", "", None, 1, 5000)]
    assert (order.hold_reason, test_activity.reserved, _reserved(sku)) == ("test_hold", [order.pk], 3)
    pay(customer, order)
    with pytest.raises(OrderOnHold):
        lifecycle.ship_order(staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123")
    assert lifecycle.release_hold(order=order, reason="test_hold") is True
    shipped = lifecycle.ship_order(
        staff=owner, order_id=order.pk, carrier="SF", tracking_number="SF1234567890123"
    )
    assert shipped.status == "shipped"


def test_activity_refusal_creates_nothing(test_activity, customer, address, sku):
    from siyu.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _place(customer, [(sku.pk, 3, activities.ActivityRef("test_activity", 7))], address)
    assert (Order.objects.count(), _reserved(sku)) == (0, 0)


def test_unknown_activity_kind_is_invalid(customer, address, sku):
    from siyu.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _place(customer, [(sku.pk, 1, activities.ActivityRef("no_such_kind", 1))], address)


def test_refund_and_close_returns_everything(customer, address, sku):
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    closed = lifecycle.refund_and_close(order=order, actor=None, reason="group_failed")
    level = StockLevel.objects.get(sku=sku, outlet__isnull=True)
    assert (closed.status, closed.refunded_amount, closed.paid_amount) == ("closed", 10000, 10000)
    assert list(
        OrderLine.objects.filter(order=order).values_list("refunded_quantity", "refunded_amount")
    ) == [(2, 10000)]
    assert (level.on_hand, level.reserved) == (100, 0)
    assert lifecycle.refund_and_close(order=closed, actor=None, reason="again").refunded_amount == 10000
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    with pytest.raises(InvalidTransition):
        lifecycle.refund_and_close(order=unpaid, actor=None, reason="x")


def test_payment_counts_used_coupons_on_their_templates_in_pk_order(owner, customer, address, make_product):
    """Two payments touching the same templates must lock them in one order, or they can deadlock."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from siyu.orders.gateways.sandbox import SandboxGateway
    from siyu.orders.services import payments
    from siyu.promotions.models import CouponTemplate

    sku = make_product(price=5000).skus.get()
    until = timezone.now() + timedelta(days=3)
    goods = services.create_template(staff=owner, title="减5元", kind="amount", amount=500, valid_until=until)
    shipping = services.create_template(
        staff=owner, title="免运费", kind="shipping", amount=1000, valid_until=until
    )
    picked = tuple(services.claim_coupon(customer=customer, template_id=t.pk).pk for t in (goods, shipping))
    order = _place(customer, [(sku.pk, 1)], address, coupon_ids=picked)
    assert order.payable_amount == 4500
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)

    with CaptureQueriesContext(connection) as queries:
        payments.receive_notification(gateway="sandbox", body=body, headers=headers)

    touched = [
        int(m.group(1))
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "promotions_coupontemplate"')
        and (m := re.search(r'"promotions_coupontemplate"\."id" = (\d+)', q["sql"]))
    ]
    assert touched == [goods.pk, shipping.pk]
    assert list(CouponTemplate.objects.order_by("pk").values_list("used", flat=True)) == [1, 1]
    assert sorted(Coupon.objects.values_list("status", flat=True)) == ["used", "used"]
