"""Real threads against PostgreSQL: no team over-fills, and it forms exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.orders.models import Order
from siyu.promotions.groupbuy.models import Team, TeamMember, TeamStatus
from siyu.promotions.groupbuy.services import teams
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.factories import delivery_to
from siyu.testing.flows import pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _forming_team(make_group_buy, shopper, sku, size: int) -> Team:
    group_buy = make_group_buy(group_size=size)
    a, a_addr, _ = shopper("leader")
    leader = teams.open_team(
        customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(a_addr)
    )
    pay(a, leader.order)
    return leader.team


def test_twenty_joiners_for_two_seats_take_exactly_two(make_group_buy, shopper, sku):
    team = _forming_team(make_group_buy, shopper, sku, size=3)
    joiners = [shopper(f"j{i}") for i in range(20)]

    def join(i: int):
        customer, address, _ = joiners[i]
        member = teams.join_team(
            customer=customer, team_id=team.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(address)
        )
        return member.pk

    results = run_together(20, join)

    assert Counter("ok" if isinstance(r, int) else r for r in results) == {"ok": 2, "team_full": 18}
    team.refresh_from_db()
    assert (team.seats_taken, team.paid_count) == (3, 1)
    assert TeamMember.objects.filter(team=team).count() == 3
    assert Order.objects.count() == 3


def test_the_last_two_payments_together_form_the_team_once(make_group_buy, shopper, sku):
    team = _forming_team(make_group_buy, shopper, sku, size=3)
    members = []
    for code in ("b", "c"):
        customer, address, _ = shopper(code)
        members.append(
            (
                customer,
                teams.join_team(
                    customer=customer,
                    team_id=team.pk,
                    sku_id=sku.pk,
                    quantity=1,
                    delivery=delivery_to(address),
                ).order,
            )
        )

    run_together(2, lambda i: pay(*members[i]).status)

    team.refresh_from_db()
    assert (team.status, team.paid_count) == (TeamStatus.FORMED, 3)
    assert set(Order.objects.values_list("status", "hold_reason")) == {("paid", "")}
    assert Order.objects.get(pk=members[0][1].pk).events.filter(kind="hold_released").count() == 1


def test_expiry_racing_the_last_payment_leaves_one_outcome(make_group_buy, shopper, sku):
    team = _forming_team(make_group_buy, shopper, sku, size=2)
    customer, address, _ = shopper("b")
    order = teams.join_team(
        customer=customer, team_id=team.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(address)
    ).order
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    results = run_together(2, lambda i: pay(customer, order).status if i == 0 else teams.expire_teams())

    assert results[0] == "paid"
    team.refresh_from_db()
    # The sweep never fails a team while a member is paying; the payment then fills it.
    assert (team.status, team.paid_count) == (TeamStatus.FORMED, 2)
    assert set(Order.objects.values_list("status", "hold_reason")) == {("paid", "")}
