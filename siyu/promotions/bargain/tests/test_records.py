"""Bargain records: start, help to the floor in exactly N helps, buy once through checkout, expiry."""

from __future__ import annotations

from datetime import timedelta
from itertools import accumulate

import pytest
from django.utils import timezone

from siyu.core.errors import NotFound
from siyu.members.services import login_with_code
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import lifecycle
from siyu.promotions.bargain import tasks
from siyu.promotions.bargain.errors import (
    BargainAlreadyHelped,
    BargainClosed,
    BargainInProgress,
    BargainLimitReached,
    BargainNotLive,
    BargainNotReady,
    BargainSelfHelp,
    BargainSoldOut,
)
from siyu.promotions.bargain.models import Bargain, BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.playbook import BARGAINS
from siyu.promotions.bargain.services import records
from siyu.promotions.kit.services import set_status
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay

pytestmark = pytest.mark.django_db


def _helped(record: BargainRecord, helpers) -> BargainRecord:
    for helper in helpers:
        records.help_bargain(helper=helper, record_id=record.pk)
    record.refresh_from_db()
    return record


def _buy(customer, address, record, **kw) -> Order:
    return records.buy_bargain(customer=customer, record_id=record.pk, address_id=address.pk, **kw)


def test_start_plans_the_cuts_and_refuses_a_second_open_record(make_bargain, shopper):
    bargain = make_bargain()
    a, _addr, _ = shopper("a")
    before = timezone.now()

    record = records.start_bargain(customer=a, bargain_id=bargain.pk)

    assert (record.status, record.start_price, record.floor_price, record.current_price) == (
        "ongoing",
        5000,
        1000,
        5000,
    )
    assert (len(record.cuts), sum(record.cuts), record.helps_done) == (3, 4000, 0)
    assert before + timedelta(hours=24) <= record.expires_at <= timezone.now() + timedelta(hours=24)
    with pytest.raises(BargainInProgress):
        records.start_bargain(customer=a, bargain_id=bargain.pk)
    assert BargainRecord.objects.count() == 1


def test_helps_take_the_planned_cuts_and_the_last_one_lands_on_the_floor(make_bargain, shopper):
    bargain = make_bargain()
    a, _addr, _ = shopper("a")
    record = records.start_bargain(customer=a, bargain_id=bargain.pk)
    friends = [shopper(code)[0] for code in ("f1", "f2", "f3", "f4")]

    prices = []
    for friend in friends[:3]:
        help_ = records.help_bargain(helper=friend, record_id=record.pk)
        record.refresh_from_db()
        prices.append(record.current_price)
        assert help_.cut == record.cuts[help_.seq - 1]
    assert prices == [5000 - done for done in accumulate(record.cuts)]
    assert (record.status, record.current_price, record.helps_done) == (RecordStatus.SUCCEEDED, 1000, 3)
    assert record.succeeded_at is not None

    with pytest.raises(BargainClosed):
        records.help_bargain(helper=friends[3], record_id=record.pk)
    assert BargainHelp.objects.count() == 3


def test_no_self_help_no_second_help_no_help_from_another_shop(make_bargain, shopper, make_product):
    bargain = make_bargain()
    a, _addr, _ = shopper("a")
    friend = shopper("f")[0]
    record = records.start_bargain(customer=a, bargain_id=bargain.pk)
    with pytest.raises(BargainSelfHelp):
        records.help_bargain(helper=a, record_id=record.pk)
    records.help_bargain(helper=friend, record_id=record.pk)
    with pytest.raises(BargainAlreadyHelped):
        records.help_bargain(helper=friend, record_id=record.pk)
    stranger = login_with_code(merchant=make_merchant("other"), code="f").customer
    with pytest.raises(NotFound):
        records.help_bargain(helper=stranger, record_id=record.pk)

    record.refresh_from_db()
    assert (record.helps_done, record.current_price) == (1, 5000 - record.cuts[0])


def test_buy_at_the_floor_once_through_checkout(make_bargain, shopper):
    bargain = make_bargain(per_customer_limit=1)
    a, a_addr, _ = shopper("a")
    record = records.start_bargain(customer=a, bargain_id=bargain.pk)
    with pytest.raises(BargainNotReady):
        _buy(a, a_addr, record)
    _helped(record, [shopper(c)[0] for c in ("f1", "f2", "f3")])

    order = _buy(a, a_addr, record, idempotency_key="bargain-1")

    assert (order.goods_amount, order.payable_amount, order.hold_reason) == (
        5000,
        2000,
        "",
    )  # 1000 + shipping
    line = order.lines.get()
    assert (line.kind, line.activity_kind, line.activity_id, line.paid_amount) == (
        "activity",
        "bargain",
        record.pk,
        1000,
    )
    record.refresh_from_db()
    assert (record.status, record.order_id) == (RecordStatus.ORDERED, order.pk)
    assert Bargain.objects.get().sold == 1
    assert _buy(a, a_addr, record, idempotency_key="bargain-1").pk == order.pk  # a replay, not a second order
    with pytest.raises(BargainNotReady):
        _buy(a, a_addr, record)
    with pytest.raises(BargainLimitReached):
        records.start_bargain(customer=a, bargain_id=bargain.pk)
    assert Order.objects.count() == 1

    pay(a, order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_a_cancelled_unpaid_order_gives_the_record_and_the_quota_back(make_bargain, shopper):
    bargain = make_bargain(quota=1)
    a, a_addr, _ = shopper("a")
    record = _helped(
        records.start_bargain(customer=a, bargain_id=bargain.pk), [shopper(c)[0] for c in ("x", "y", "z")]
    )
    order = _buy(a, a_addr, record)

    lifecycle.cancel_order(order=order, actor=a, reason="changed_mind")

    record.refresh_from_db()
    assert (record.status, record.order_id, Bargain.objects.get().sold) == (RecordStatus.SUCCEEDED, None, 0)
    again = _buy(a, a_addr, record)
    assert again.pk != order.pk and Bargain.objects.get().sold == 1


def test_the_quota_is_never_oversold(make_bargain, shopper):
    bargain = make_bargain(quota=1, helpers_needed=1)
    (a, a_addr, _), (b, b_addr, _) = shopper("a"), shopper("b")
    helper = shopper("h")[0]
    rec_a = _helped(records.start_bargain(customer=a, bargain_id=bargain.pk), [helper])
    rec_b = _helped(records.start_bargain(customer=b, bargain_id=bargain.pk), [helper])
    _buy(a, a_addr, rec_a)

    with pytest.raises(BargainSoldOut):
        _buy(b, b_addr, rec_b)

    rec_b.refresh_from_db()
    assert (rec_b.status, rec_b.order_id) == (RecordStatus.SUCCEEDED, None)  # the refused order rolled back
    assert Order.objects.filter(customer=b).count() == 0
    assert Bargain.objects.get().sold == 1
    with pytest.raises(BargainSoldOut):
        records.start_bargain(customer=shopper("c")[0], bargain_id=bargain.pk)


def test_records_expire_and_can_then_be_neither_helped_nor_bought(make_bargain, shopper):
    bargain = make_bargain(helpers_needed=1)
    (a, a_addr, _), (b, _b_addr, _) = shopper("a"), shopper("b")
    open_record = records.start_bargain(customer=a, bargain_id=bargain.pk)
    done = _helped(records.start_bargain(customer=b, bargain_id=bargain.pk), [shopper("h")[0]])
    past = timezone.now() - timedelta(seconds=1)
    BargainRecord.objects.update(expires_at=past)

    with pytest.raises(BargainClosed):
        records.help_bargain(helper=shopper("h2")[0], record_id=open_record.pk)
    with pytest.raises(BargainNotReady):
        _buy(b, a_addr, done)
    assert tasks.expire_bargain_records.enqueue().return_value == 2
    assert set(BargainRecord.objects.values_list("status", flat=True)) == {RecordStatus.EXPIRED}
    assert records.expire_records() == 0
    # An expired attempt does not count against the customer: they may start again.
    assert records.start_bargain(customer=a, bargain_id=bargain.pk).status == RecordStatus.ONGOING


def test_a_paused_bargain_takes_no_new_records_or_helps(make_bargain, shopper, owner):
    bargain = make_bargain()
    a, _addr, _ = shopper("a")
    record = records.start_bargain(customer=a, bargain_id=bargain.pk)
    set_status(BARGAINS, "pause", staff=owner, activity_id=bargain.pk)

    with pytest.raises(BargainNotLive):
        records.help_bargain(helper=shopper("f")[0], record_id=record.pk)
    with pytest.raises(BargainNotLive):
        records.start_bargain(customer=shopper("b")[0], bargain_id=bargain.pk)
    record.refresh_from_db()
    assert (record.helps_done, BargainRecord.objects.count()) == (0, 1)


def test_zero_yuan_bargain_picked_up_at_an_outlet_costs_nothing(make_bargain, shopper, outlet, sku):
    from siyu.inventory.services import set_stock

    set_stock(merchant=outlet.merchant, sku=sku, outlet=outlet, on_hand=5)
    bargain = make_bargain(floor_price=0, helpers_needed=2)
    a, _addr, _ = shopper("a")
    record = _helped(
        records.start_bargain(customer=a, bargain_id=bargain.pk), [shopper("f1")[0], shopper("f2")[0]]
    )
    assert (record.current_price, sum(record.cuts)) == (0, 5000)

    order = records.buy_bargain(
        customer=a, record_id=record.pk, fulfilment="pickup", pickup_outlet_id=outlet.pk
    )

    assert (order.goods_amount, order.discount_amount, order.payable_amount) == (5000, 5000, 0)
