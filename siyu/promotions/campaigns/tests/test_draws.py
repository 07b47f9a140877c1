"""支付抽奖 and 盲盒 through checkout, payment and refunds: chances, seeded draws, stock, audits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.orders.models import OrderEvent
from siyu.orders.services import lifecycle
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.drawing import Pool, derive_seed, pick
from siyu.promotions.campaigns.errors import BoxesSoldOut, BoxLimitReached, DrawUnavailable, PrizePoolLocked
from siyu.promotions.campaigns.models import CampaignReward, Draw, DrawCampaign, Prize
from siyu.promotions.campaigns.playbook import LOTTERIES
from siyu.promotions.campaigns.services import draws, pools
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.kit.services import set_status
from siyu.testing.flows import pay, place, place_activity

pytestmark = pytest.mark.django_db


# ---- pay-and-draw lottery --------------------------------------------------------------------------


def test_a_paid_order_over_the_threshold_earns_one_chance(make_lottery, customer, sku, address, now):
    lottery = make_lottery()
    small = pay(customer, place(customer, [(sku.pk, 1)], address=address))  # 5000 + 1000 shipping
    big = pay(customer, place(customer, [(sku.pk, 2)], address=address))  # 10000, free shipping
    unpaid = place(customer, [(sku.pk, 3)], address=address)

    chances = list(Draw.objects.values_list("campaign_id", "order_id", "status"))
    assert small.paid_amount == 6000 and big.paid_amount == 10000
    assert sorted(chances) == sorted([(lottery.pk, small.pk, "pending"), (lottery.pk, big.pk, "pending")])
    assert not Draw.objects.filter(order=unpaid).exists()
    chance = Draw.objects.get(order=big)
    assert chance.expires_at is not None and chance.expires_at > now + timedelta(days=6)


def test_below_threshold_earns_nothing(make_lottery, customer, sku, address):
    make_lottery(min_order_amount=20_000)
    pay(customer, place(customer, [(sku.pk, 1)], address=address))
    assert Draw.objects.count() == 0


def test_drawing_records_seed_pool_and_roll_and_audits(make_lottery, customer, sku, address, owner):
    lottery = make_lottery()
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    chance = Draw.objects.get(order=order)

    drawn = draws.draw_lottery(customer=customer, draw_id=chance.pk)

    assert drawn.status == "drawn"
    assert drawn.seed == derive_seed(lottery.secret, f"draw:{chance.pk}")
    outcome = pick(drawn.seed, Pool.from_json(drawn.pool))
    assert drawn.prize_id == outcome.prize_id
    assert drawn.roll == f"{outcome.roll}/10000"
    result = draws.audit_draw(staff=owner, draw_id=chance.pk)
    assert result.ok and result.recomputed_prize_id == drawn.prize_id
    with pytest.raises(DrawUnavailable):
        draws.draw_lottery(customer=customer, draw_id=chance.pk)


def test_audit_catches_a_tampered_draw(make_lottery, customer, sku, address, owner):
    make_lottery()
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    drawn = draws.draw_lottery(customer=customer, draw_id=Draw.objects.get(order=order).pk)
    other = Prize.objects.exclude(pk=drawn.prize_id).order_by("pk").first()
    Draw.objects.filter(pk=drawn.pk).update(prize=other)

    result = draws.audit_draw(staff=owner, draw_id=drawn.pk)

    assert not result.ok
    assert result.recomputed_prize_id == drawn.prize_id != result.recorded_prize_id


def test_prize_stock_runs_out_and_the_draw_renormalises(owner, window, customer, sku, address):
    lottery = pools.create_lottery(
        staff=owner,
        name="All or nothing",
        min_order_amount=0,
        prizes=[PrizeInput(name="Only one", kind="points", value=10, weight_bp=10_000, stock=1)],
        **window,
    )
    orders = [pay(customer, place(customer, [(sku.pk, 2)], address=address)) for _ in range(3)]
    results = [draws.draw_lottery(customer=customer, draw_id=Draw.objects.get(order=o).pk) for o in orders]

    prize = Prize.objects.get(campaign=lottery)
    assert [r.prize_id for r in results] == [prize.pk, None, None]
    assert results[1].pool == {"entries": [[prize.pk, 10_000, False]], "miss_bp": 0}
    assert results[1].roll == "0/0"
    assert prize.stock_left == 0
    assert CampaignReward.objects.count() == 1
    assert all(s.ok for s in draws.audit_stock(lottery))


def test_chances_lapse_and_paused_lotteries_hold_draws(make_lottery, owner, customer, sku, address, now):
    lottery = make_lottery(chance_days=1)
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    chance = Draw.objects.get(order=order)
    set_status(LOTTERIES, "pause", staff=owner, activity_id=lottery.pk)
    from siyu.promotions.campaigns.errors import CampaignNotRunning

    with pytest.raises(CampaignNotRunning):
        draws.draw_lottery(customer=customer, draw_id=chance.pk)
    set_status(LOTTERIES, "resume", staff=owner, activity_id=lottery.pk)
    with pytest.raises(DrawUnavailable):
        draws.draw_lottery(customer=customer, draw_id=chance.pk, now=now + timedelta(days=2))
    assert draws.void_lapsed_chances(now=now + timedelta(days=2)) == 1
    assert Draw.objects.get().status == "void"


def test_refund_before_drawing_voids_the_chance_and_after_drawing_returns_the_prize(
    make_lottery, customer, sku, address
):
    make_lottery()
    first = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    second = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    drawn = draws.draw_lottery(customer=customer, draw_id=Draw.objects.get(order=second).pk)
    stock_before = {p.pk: p.stock_left for p in Prize.objects.all()}

    lifecycle.refund_and_close(order=first, actor=None, reason="test")
    lifecycle.refund_and_close(order=second, actor=None, reason="test")

    assert Draw.objects.get(order=first).status == "void"
    assert Draw.objects.get(order=second).status == "returned"
    for prize in Prize.objects.all():
        back = 1 if prize.pk == drawn.prize_id and prize.stock_total is not None else 0
        assert prize.stock_left == (None if stock_before[prize.pk] is None else stock_before[prize.pk] + back)
    assert not CampaignReward.objects.filter(status="pending").exists()


# ---- blind box -----------------------------------------------------------------------------------


def test_blind_box_order_draws_on_payment(make_blind_box, customer, box_sku, address, owner):
    box = make_blind_box()
    order = place_activity(customer, box_sku.pk, 2, ActivityRef("blind_box", box.pk), address=address)

    assert order.payable_amount == 2 * 3900 + 1000
    line = order.lines.get()
    assert (line.activity_kind, line.activity_id, line.unit_price, line.paid_amount) == (
        "blind_box",
        box.pk,
        5900,
        7800,
    )
    assert list(Draw.objects.order_by("unit").values_list("unit", "status")) == [
        (1, "pending"),
        (2, "pending"),
    ]
    assert DrawCampaign.objects.get().boxes_taken == 2

    pay(customer, order)

    boxes = list(Draw.objects.order_by("unit"))
    assert [b.status for b in boxes] == ["drawn", "drawn"]
    assert all(b.prize_id is not None for b in boxes)
    assert all(draws.audit_draw(staff=owner, draw_id=b.pk).ok for b in boxes)
    assert sum(p.stock_left for p in Prize.objects.all()) == 8
    assert all(s.ok for s in draws.audit_stock(box))
    event = OrderEvent.objects.get(order=order, kind="blind_box_drawn")
    assert [p["draw"] for p in event.data["prizes"]] == [b.pk for b in boxes]


def test_cancelled_unpaid_box_order_draws_nothing_and_frees_the_boxes(
    make_blind_box, customer, box_sku, address
):
    box = make_blind_box()
    order = place_activity(customer, box_sku.pk, 3, ActivityRef("blind_box", box.pk), address=address)

    lifecycle.cancel_order(order=order, actor=customer, reason="changed mind")

    assert list(Draw.objects.values_list("status", flat=True)) == ["void"] * 3
    assert DrawCampaign.objects.get().boxes_taken == 0
    assert sum(p.stock_left for p in Prize.objects.all()) == 10


def test_refunded_box_order_puts_the_prizes_back(make_blind_box, customer, box_sku, address):
    box = make_blind_box()
    order = pay(
        customer, place_activity(customer, box_sku.pk, 2, ActivityRef("blind_box", box.pk), address=address)
    )

    lifecycle.refund_and_close(order=order, actor=None, reason="out of stock")

    assert list(Draw.objects.values_list("status", flat=True)) == ["returned", "returned"]
    assert sum(p.stock_left for p in Prize.objects.all()) == 10
    assert DrawCampaign.objects.get().boxes_taken == 0
    assert all(s.ok for s in draws.audit_stock(box))


def test_boxes_cannot_oversell_the_prize_stock(make_blind_box, customer, customer_login, box_sku, address):
    box = make_blind_box()
    place_activity(customer, box_sku.pk, 9, ActivityRef("blind_box", box.pk), address=address)
    from siyu.members.services import save_address

    bob = customer_login("bob")[0]
    bob_address = save_address(
        customer=bob, recipient="b", phone="13800000001", province="p", city="c", detail="d"
    )

    with pytest.raises(BoxesSoldOut):
        place_activity(bob, box_sku.pk, 2, ActivityRef("blind_box", box.pk), address=bob_address)
    assert DrawCampaign.objects.get().boxes_taken == 9
    assert Draw.objects.filter(customer=bob).count() == 0
    place_activity(bob, box_sku.pk, 1, ActivityRef("blind_box", box.pk), address=bob_address)
    assert DrawCampaign.objects.get().boxes_taken == 10


def test_per_customer_limit(make_blind_box, customer, box_sku, address):
    box = make_blind_box(per_customer_limit=2)
    place_activity(customer, box_sku.pk, 2, ActivityRef("blind_box", box.pk), address=address)
    with pytest.raises(BoxLimitReached):
        place_activity(customer, box_sku.pk, 1, ActivityRef("blind_box", box.pk), address=address)
    assert Draw.objects.count() == 2


def test_blind_box_rules(owner, window, box_sku, make_blind_box):
    from siyu.core.errors import InvalidInput
    from siyu.promotions.errors import ActivityConflict

    bad = [PrizeInput(name="a", kind="item", weight_bp=5000, stock=1)]  # weights must sum to 10000
    with pytest.raises(InvalidInput):
        pools.create_blind_box(staff=owner, name="x", sku_id=box_sku.pk, box_price=100, prizes=bad, **window)
    unlimited = [PrizeInput(name="a", kind="item", weight_bp=10_000, stock=None)]
    with pytest.raises(InvalidInput):
        pools.create_blind_box(
            staff=owner, name="x", sku_id=box_sku.pk, box_price=100, prizes=unlimited, **window
        )
    with pytest.raises(InvalidInput):
        make_blind_box(box_price=5901)  # dearer than the box SKU itself
    box = make_blind_box()
    assert box.box_quota == 10
    with pytest.raises(InvalidInput):
        pools.update_draw_campaign(
            staff=owner, campaign_id=box.pk, kind="blind_box", changes={"box_price": 6000}
        )
    with pytest.raises(ActivityConflict):
        make_blind_box()
    assert DrawCampaign.objects.count() == 1


def test_prize_pool_is_locked_once_boxes_sold(make_blind_box, owner, customer, box_sku, address):
    box = make_blind_box()
    new = [PrizeInput(name="Only", kind="item", weight_bp=10_000, stock=3)]
    pools.update_draw_campaign(staff=owner, campaign_id=box.pk, kind="blind_box", changes={}, prizes=new)
    assert DrawCampaign.objects.get().box_quota == 3
    place_activity(customer, box_sku.pk, 1, ActivityRef("blind_box", box.pk), address=address)

    with pytest.raises(PrizePoolLocked):
        pools.update_draw_campaign(staff=owner, campaign_id=box.pk, kind="blind_box", changes={}, prizes=new)
    assert list(Prize.objects.values_list("name", "stock_total")) == [("Only", 3)]
