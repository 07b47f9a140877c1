"""Points: earned on payment (times the tier's multiplier), spent at checkout through the engine's
points step, given back on cancellation and refund, taken back on refund, expired FIFO."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.members.loyalty.errors import PointsInsufficient
from siyu.members.loyalty.models import GrowthEntry, Membership, PointsEntry, PointsKind
from siyu.members.loyalty.services import admin, expiry, ledger
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import aftersales, checkout, lifecycle
from siyu.orders.services.aftersales import AfterSaleLineRequest as L
from siyu.testing.flows import give_points
from siyu.testing.snapshots import balance, entries, ledger_sum

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # `make test-clock` runs it at fixed instants


def test_no_programme_earns_nothing(customer, sku, order_for):
    order_for(customer, [(sku.pk, 2)])
    assert not Membership.objects.exists() and not PointsEntry.objects.exists()


def test_paid_order_earns_points_and_growth_on_goods_net_of_shipping(program, customer, sku, order_for):
    order = order_for(customer, [(sku.pk, 1)])  # ¥50 + ¥10 shipping
    assert order.payable_amount == 6000
    entry = PointsEntry.objects.get(customer=customer)
    assert (entry.kind, entry.delta, entry.balance_after, entry.order_id) == ("earn", 50, 50, order.pk)
    assert abs(entry.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    membership = Membership.objects.get(customer=customer)
    assert (membership.points_balance, membership.growth_value) == (50, 50)
    assert list(GrowthEntry.objects.values_list("kind", "delta", "growth_after")) == [("order", 50, 50)]


def test_unpaid_order_earns_nothing_and_a_replayed_signal_writes_nothing(program, customer, sku, order_for):
    order = order_for(customer, [(sku.pk, 2)], paid=False)
    assert not PointsEntry.objects.exists()
    order = order_for(customer, [(sku.pk, 2)])
    from siyu.members.loyalty.services.orders import earn_for_order

    earn_for_order(order)  # the order_paid signal again
    assert entries(customer) == [("earn", 100, 100, 0)]
    assert GrowthEntry.objects.count() == 1


def test_tier_multiplier_scales_points_not_growth(tiers, customer, owner, make_product, order_for):
    big = make_product("Gift box", price=100_000).skus.get()  # ¥1000: reaches gold
    order_for(customer, [(big.pk, 1)])
    membership = Membership.objects.select_related("tier").get(customer=customer)
    assert (membership.tier.code, membership.growth_value, membership.points_balance) == ("gold", 1000, 1000)
    small = make_product("Tea", price=5000).skus.get()
    order = order_for(customer, [(small.pk, 2)])  # gold: 9折 -> ¥90, free shipping
    assert (order.payable_amount, order.shipping_fee) == (9000, 0)
    earn = PointsEntry.objects.get(order=order)
    assert (earn.delta, earn.note) == (135, "x1.5")  # 90 x 1.5
    assert GrowthEntry.objects.get(order=order).delta == 90


def test_redeem_uses_the_engine_share_cap_and_step(program, customer, owner, make_product, order_for):
    give_points(owner, customer, 3000)  # worth ¥30
    sku = make_product(price=3333).skus.get()
    priced, _ = checkout.quote(
        customer=customer,
        request=checkout.CheckoutRequest(lines=[checkout.LineRequest(sku.pk, 1)], points=3000),
    )
    # half of ¥33.33 is ¥16.66, whole yuan only: ¥16 for 1600 points
    assert (priced.result.points_amount, priced.result.points_used) == (1600, 1600)
    order = order_for(customer, [(sku.pk, 1)], points=3000, paid=False)
    assert order.payable_amount == 3333 - 1600 + 1000
    assert order.pricing["points_used"] == 1600
    assert entries(customer) == [("adjust", 3000, 3000, 0), ("redeem", -1600, 1400, 0)]
    assert PointsEntry.objects.get(kind="redeem").order_id == order.pk


def test_points_asked_for_cap_the_spend_and_zero_spends_none(program, customer, owner, sku, order_for):
    give_points(owner, customer, 3000)
    assert order_for(customer, [(sku.pk, 1)], points=1000, paid=False).pricing["points_used"] == 1000
    assert order_for(customer, [(sku.pk, 1)], paid=False).pricing["points_used"] == 0
    assert balance(customer) == 2000 == ledger_sum(customer)


def test_a_spend_the_balance_no_longer_covers_refuses_the_order_and_changes_nothing(
    program, customer, owner, sku, order_for
):
    give_points(owner, customer, 3000)
    priced, _ = checkout.quote(
        customer=customer,
        request=checkout.CheckoutRequest(lines=[checkout.LineRequest(sku.pk, 1)], points=3000),
    )
    assert priced.result.points_used == 2500
    Membership.objects.filter(customer=customer).update(points_balance=2000)  # spent meanwhile
    from siyu.members.loyalty.services.orders import redeem_for_order

    order = Order.objects.create(
        merchant=customer.merchant,
        number="O-T1",
        customer=customer,
        goods_amount=5000,
        payable_amount=2500,
        expires_at=timezone.now(),
    )
    with pytest.raises(PointsInsufficient):
        redeem_for_order(order=order, points=2500)
    assert balance(customer) == 2000
    assert not PointsEntry.objects.filter(kind="redeem").exists()


def test_cancelled_unpaid_order_gives_its_points_back_once(program, customer, owner, sku, order_for):
    give_points(owner, customer, 3000)
    order = order_for(customer, [(sku.pk, 1)], points=3000, paid=False)  # ¥25 of ¥50 in points
    assert balance(customer) == 500
    lifecycle.cancel_order(order=order, actor=customer, reason="customer_cancelled")
    from siyu.members.loyalty.services.orders import return_for_cancel

    return_for_cancel(order)  # the signal again
    assert entries(customer) == [
        ("adjust", 3000, 3000, 0),
        ("redeem", -2500, 500, 0),
        ("redeem_return", 2500, 3000, 0),
    ]


def _refund(customer, owner, order, lines=None):
    r = aftersales.request_after_sale(
        customer=customer, order_id=order.pk, kind="refund_only", reason="late", lines=lines
    )
    aftersales.approve_after_sale(staff=owner, after_sale_id=r.pk)
    return r


def test_partial_refunds_reverse_pro_rata_and_the_last_takes_the_rest(
    program, customer, owner, make_product, order_for
):
    a = make_product("A", price=3333).skus.get()
    b = make_product("B", price=1000).skus.get()
    order = order_for(customer, [(a.pk, 3), (b.pk, 1)])  # ¥109.99, free shipping
    assert entries(customer) == [("earn", 109, 109, 0)]
    line_a = order.lines.get(sku=a)
    _refund(customer, owner, order, [L(line_a.pk, 1)])  # 3333 of 10999
    assert entries(customer)[-1] == ("refund_reverse", -33, 76, 0)  # 109 x 3333 // 10999
    assert Membership.objects.get(customer=customer).growth_value == 76
    _refund(customer, owner, order)  # everything left
    assert entries(customer)[-1] == ("refund_reverse", -76, 0, 0)
    assert list(GrowthEntry.objects.order_by("id").values_list("kind", "delta", "growth_after")) == [
        ("order", 109, 109),
        ("refund_reverse", -33, 76),
        ("refund_reverse", -76, 0),
    ]
    assert balance(customer) == 0 == ledger_sum(customer)


def test_refund_of_points_already_spent_takes_what_is_left_and_records_the_shortfall(
    program, customer, owner, sku, order_for
):
    order = order_for(customer, [(sku.pk, 2)])  # earns 100
    admin.adjust_points(staff=owner, customer_id=customer.pk, delta=-70, reason="spent elsewhere")
    _refund(customer, owner, order)
    assert entries(customer) == [
        ("earn", 100, 100, 0),
        ("adjust", -70, 30, 0),
        ("refund_reverse", -30, 0, 70),
    ]
    assert balance(customer) == 0 == ledger_sum(customer)


def test_refund_of_a_paid_order_returns_spent_points_pro_rata(program, customer, owner, sku, order_for):
    give_points(owner, customer, 3000)
    order = order_for(customer, [(sku.pk, 2)], points=3000)  # ¥100 goods, ¥30 in points, ¥70 cash
    assert (order.payable_amount, order.status) == (7000, OrderStatus.PAID)
    line = order.lines.get()
    _refund(customer, owner, order, [L(line.pk, 1)])  # half the goods
    assert entries(customer) == [
        ("adjust", 3000, 3000, 0),
        ("redeem", -3000, 0, 0),
        ("earn", 70, 70, 0),
        ("redeem_return", 1500, 1570, 0),
        ("refund_reverse", -35, 1535, 0),
    ]
    _refund(customer, owner, order)
    assert entries(customer)[-2:] == [("redeem_return", 1500, 3035, 0), ("refund_reverse", -35, 3000, 0)]
    assert balance(customer) == 3000 == ledger_sum(customer)


def test_refund_and_close_reverses_everything(program, customer, owner, sku, order_for):
    order = order_for(customer, [(sku.pk, 1)])
    lifecycle.refund_and_close(order=order, actor=owner, reason="group failed")
    assert entries(customer) == [("earn", 50, 50, 0), ("refund_reverse", -50, 0, 0)]


def _lot(customer, points, at, days):
    move = ledger.Movement(customer.merchant_id, customer.pk, PointsKind.EARN, f"lot:{points}:{at}", at)
    ledger.credit_points(move, points, expires_at=at + timedelta(days=days))


def _spend(customer, points, at):
    ledger.debit_points(
        ledger.Movement(customer.merchant_id, customer.pk, PointsKind.REDEEM, f"s:{at}", at), points
    )


def test_expiry_takes_what_the_earliest_lots_still_hold(program, customer):
    t0 = timezone.now() - timedelta(days=30)
    _lot(customer, 100, t0, 10)  # expires day 10
    _lot(customer, 50, t0 + timedelta(days=5), 10)  # expires day 15
    _spend(customer, 30, t0 + timedelta(days=6))  # taken from the first lot
    assert expiry.expire_merchant_points(merchant_id=customer.merchant_id, now=t0 + timedelta(days=9)) == 0
    assert expiry.expire_merchant_points(merchant_id=customer.merchant_id, now=t0 + timedelta(days=11)) == 70
    assert balance(customer) == 50
    assert expiry.expire_merchant_points(merchant_id=customer.merchant_id, now=t0 + timedelta(days=12)) == 0
    assert expiry.expire_merchant_points(merchant_id=customer.merchant_id, now=t0 + timedelta(days=16)) == 50
    assert [e for e in entries(customer) if e[0] == "expire"] == [
        ("expire", -70, 50, 0),
        ("expire", -50, 0, 0),
    ]
    assert balance(customer) == 0 == ledger_sum(customer)


def test_spends_beyond_the_first_lot_leave_less_to_expire(program, customer):
    t0 = timezone.now() - timedelta(days=30)
    _lot(customer, 100, t0, 10)
    _lot(customer, 50, t0 + timedelta(days=5), 10)
    _spend(customer, 120, t0 + timedelta(days=6))  # the whole first lot and 20 of the second
    assert expiry.expire_merchant_points(merchant_id=customer.merchant_id, now=t0 + timedelta(days=11)) == 0
    assert expiry.expire_points(now=t0 + timedelta(days=16)) == 30
    assert balance(customer) == 0 == ledger_sum(customer)


def test_expiring_soon_counts_lots_due_within_the_window(program, customer):
    now = timezone.now()
    _lot(customer, 100, now - timedelta(days=340), 365)  # expires in 25 days
    _lot(customer, 40, now, 365)
    assert (
        expiry.expiring_points(
            merchant_id=customer.merchant_id, customer_id=customer.pk, within=timedelta(days=30), now=now
        )
        == 100
    )
