"""Real threads against PostgreSQL: helps, team seats, boxes and prize units never exceed their limits."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from siyu.members.services import login_with_code, save_address
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.models import (
    AssistHelp,
    AssistRecord,
    CampaignReward,
    Draw,
    DrawCampaign,
    Prize,
    SplitMember,
    SplitTeam,
)
from siyu.promotions.campaigns.services import assist, draws, pools, split
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.testing.concurrency import run_together
from siyu.testing.flows import pay, place, place_activity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def _people(merchant, n: int, prefix: str):
    return [login_with_code(merchant=merchant, code=f"{prefix}-{i}").customer for i in range(n)]


def _with_address(customer):
    return customer, save_address(
        customer=customer, recipient="r", phone="13800000000", province="p", city="c", detail="d"
    )


def test_twenty_helpers_for_three_helps_count_three(merchant, make_assist, customer):
    record = assist.start_assist(customer=customer, campaign_id=make_assist(assists_needed=3).pk)
    helpers = _people(merchant, 20, "helper")

    results = run_together(20, lambda i: assist.help_assist(helper=helpers[i], record_id=record.pk).pk)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 3, "assist_closed": 17}
    record = AssistRecord.objects.get()
    assert (record.status, record.assists_count) == ("unlocked", 3)
    assert AssistHelp.objects.count() == 3
    assert CampaignReward.objects.count() == 1


def test_twenty_joiners_for_two_seats_fill_one_team(merchant, make_split, customer):
    team = split.start_team(customer=customer, campaign_id=make_split(team_size=3, pool_amount=999).pk)
    joiners = _people(merchant, 20, "joiner")

    results = run_together(20, lambda i: split.join_team(customer=joiners[i], team_id=team.pk).pk)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 2, "team_closed": 18}
    team = SplitTeam.objects.get()
    assert (team.status, team.member_count) == ("filled", 3)
    shares = list(SplitMember.objects.values_list("share", flat=True))
    assert len(shares) == 3 and sum(shares) == 999


def test_thirty_buyers_for_ten_boxes_buy_ten(merchant, make_blind_box, box_sku):
    box = make_blind_box()  # 8 + 2 prizes: 10 boxes
    buyers = [_with_address(c) for c in _people(merchant, 30, "buyer")]

    def buy(i: int) -> int:
        customer, address = buyers[i]
        order = place_activity(customer, box_sku.pk, 1, ActivityRef("blind_box", box.pk), address=address)
        return pay(customer, order).pk

    results = run_together(30, buy)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 10, "boxes_sold_out": 20}
    assert DrawCampaign.objects.get().boxes_taken == 10
    assert Draw.objects.filter(status="drawn").count() == 10
    assert sorted(Prize.objects.values_list("stock_left", flat=True)) == [0, 0]
    assert all(s.ok for s in draws.audit_stock(box))


def test_ten_draws_for_one_prize_unit_award_it_once(merchant, owner, window, sku):
    lottery = pools.create_lottery(
        staff=owner,
        name="One prize",
        min_order_amount=0,
        prizes=[PrizeInput(name="Only", kind="points", value=1, weight_bp=10_000, stock=1)],
        **window,
    )
    players = [_with_address(c) for c in _people(merchant, 10, "player")]
    chances = []
    for customer, address in players:
        pay(customer, place(customer, [(sku.pk, 1)], address=address))
        chances.append(Draw.objects.get(customer=customer).pk)

    results = run_together(
        10, lambda i: draws.draw_lottery(customer=players[i][0], draw_id=chances[i]).prize_id or "miss"
    )

    prize = Prize.objects.get(campaign=lottery)
    assert Counter(results) == {prize.pk: 1, "miss": 9}
    assert prize.stock_left == 0
    assert CampaignReward.objects.count() == 1
