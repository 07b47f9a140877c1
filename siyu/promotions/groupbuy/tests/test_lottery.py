"""拼团抽奖: the draw is reproducible from the stored seed; losers are refunded and consoled."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyu.orders.models import Order
from siyu.promotions.groupbuy.lottery import draw_winners
from siyu.promotions.groupbuy.models import ConsolationReward, TeamMember, TeamStatus
from siyu.promotions.groupbuy.services import rewards, teams
from siyu.testing.factories import delivery_to
from siyu.testing.flows import pay


def test_draw_is_a_pure_function_of_pool_and_seed():
    assert draw_winners([5, 3, 9, 1], 2, seed=42) == draw_winners([1, 9, 3, 5], 2, seed=42)
    assert draw_winners([3, 1], 5, seed=1) == [1, 3]
    assert draw_winners([3, 1], 0, seed=1) == []
    seeds = {tuple(draw_winners(range(1, 11), 3, seed=s)) for s in range(50)}
    assert len(seeds) > 10  # the seed matters


@given(
    ids=st.sets(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=60),
    winners=st.integers(min_value=0, max_value=70),
    seed=st.integers(min_value=0, max_value=2**62),
)
def test_draw_picks_exactly_k_distinct_members(ids, winners, seed):
    drawn = draw_winners(sorted(ids), winners, seed)
    assert len(drawn) == min(winners, len(ids))
    assert set(drawn) <= ids and drawn == sorted(set(drawn))
    assert drawn == draw_winners(sorted(ids, reverse=True), winners, seed)


def _fill(group_buy, sku, shoppers) -> list[TeamMember]:
    (a, a_addr, _), *others = shoppers
    leader = teams.open_team(
        customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(a_addr)
    )
    pay(a, leader.order)
    for customer, address, _token in others:
        member = teams.join_team(
            customer=customer,
            team_id=leader.team_id,
            sku_id=sku.pk,
            quantity=1,
            delivery=delivery_to(address),
        )
        pay(customer, member.order)
    return list(TeamMember.objects.filter(team_id=leader.team_id).order_by("pk"))


@pytest.mark.django_db
def test_formed_lottery_team_keeps_the_drawn_winners_and_refunds_the_others(make_group_buy, shopper, sku):
    group_buy = make_group_buy(group_size=4, lottery=True, lottery_winners=1)
    members = _fill(group_buy, sku, [shopper(c) for c in "abcd"])

    team = members[0].team
    team.refresh_from_db()
    assert team.status == TeamStatus.FORMED and team.lottery_seed is not None
    expected = draw_winners([m.pk for m in members], 1, team.lottery_seed)
    assert team.lottery_winner_ids == expected
    results = {
        m.pk: (m.lottery_result, m.status, m.order.status, m.order.hold_reason, m.order.refunded_amount)
        for m in TeamMember.objects.select_related("order").filter(team=team)
    }
    for member in members:
        if member.pk in expected:
            assert results[member.pk] == ("won", "paid", "paid", "", 0)
        else:
            paid = Order.objects.get(pk=member.order_id).paid_amount
            assert results[member.pk] == ("lost", "refunded", "closed", "", paid)
    assert ConsolationReward.objects.count() == 0  # no consolation coupon configured


@pytest.mark.django_db
def test_lottery_losers_get_the_consolation_coupon(
    make_group_buy, shopper, sku, django_capture_on_commit_callbacks
):
    coupon_models = pytest.importorskip("siyu.promotions.models")
    pytest.importorskip("siyu.promotions.services.coupons")
    template = coupon_models.CouponTemplate.objects.create(
        merchant=sku.merchant,
        title="Better luck",
        kind="amount",
        amount=500,
        validity="after_claim",
        valid_days=7,
    )
    group_buy = make_group_buy(
        group_size=3, lottery=True, lottery_winners=1, consolation_coupon_template_id=template.pk
    )

    with django_capture_on_commit_callbacks(execute=True):
        members = _fill(group_buy, sku, [shopper(c) for c in "abc"])

    losers = [
        m for m in TeamMember.objects.filter(pk__in=[m.pk for m in members]) if m.lottery_result == "lost"
    ]
    assert len(losers) == 2
    rows = ConsolationReward.objects.order_by("pk")
    assert [(r.member_id, r.status, r.coupon_template_id) for r in rows] == [
        (m.pk, "issued", template.pk) for m in losers
    ]
    coupons = coupon_models.Coupon.objects.filter(template=template).order_by("customer_id")
    assert [(c.customer_id, c.source) for c in coupons] == sorted(
        (m.customer_id, "group_lottery") for m in losers
    )
    assert rewards.issue_pending_rewards() == 0  # nothing left to retry
