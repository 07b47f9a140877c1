"""Teams through checkout and payment: seats, holds, formation, cancellation, expiry, virtual fill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.orders.errors import OrderOnHold
from siyu.orders.models import Order, OrderStatus, Refund
from siyu.orders.services import lifecycle
from siyu.promotions.groupbuy import tasks
from siyu.promotions.groupbuy.errors import (
    AlreadyInTeam,
    GroupBuyNotLive,
    GroupBuyPickupOnly,
    GroupBuyQuantityInvalid,
    TeamFull,
    TeamNotJoinable,
)
from siyu.promotions.groupbuy.models import MemberStatus, Team, TeamMember, TeamStatus
from siyu.promotions.groupbuy.playbook import GROUP_BUYS
from siyu.promotions.groupbuy.services import teams
from siyu.promotions.groupbuy.services.teams import Delivery
from siyu.promotions.kit.services import set_status
from siyu.tenancy.models import Role
from siyu.testing.factories import delivery_to
from siyu.testing.flows import pay

pytestmark = pytest.mark.django_db


def _open(customer, address, group_buy, sku, **kw):
    return teams.open_team(
        customer=customer,
        group_buy_id=group_buy.pk,
        sku_id=sku.pk,
        quantity=1,
        delivery=delivery_to(address),
        **kw,
    )


def _join(customer, address, team, sku, **kw):
    return teams.join_team(
        customer=customer, team_id=team.pk, sku_id=sku.pk, quantity=1, delivery=delivery_to(address), **kw
    )


def _state(team: Team) -> tuple:
    team.refresh_from_db()
    return team.status, team.seats_taken, team.paid_count


def test_team_forms_on_the_last_payment_and_every_hold_is_released(make_group_buy, shopper, sku, make_staff):
    group_buy = make_group_buy()
    (a, a_addr, _), (b, b_addr, _), (c, c_addr, _) = shopper("a"), shopper("b"), shopper("c")

    leader = _open(a, a_addr, group_buy, sku)
    team = leader.team
    order_a = leader.order
    assert (order_a.hold_reason, order_a.goods_amount, order_a.payable_amount) == (
        "group_forming",
        5000,
        3500,
    )
    line = order_a.lines.get()
    assert (line.kind, line.activity_kind, line.activity_id) == ("activity", "group_buy", team.pk)
    assert (line.quantity, line.paid_amount, line.discount_amount) == (1, 2500, 2500)
    assert (leader.is_leader, leader.status, _state(team)) == (True, MemberStatus.PENDING, ("opening", 1, 0))

    with pytest.raises(TeamNotJoinable):  # nobody joins before the leader has paid
        _join(b, b_addr, team, sku)
    assert Order.objects.count() == 1

    pay(a, order_a)
    assert _state(team) == ("forming", 1, 1)

    member_b = _join(b, b_addr, team, sku)
    assert (member_b.order.payable_amount, member_b.is_leader) == (4000, False)  # group price 3000 + shipping
    pay(b, member_b.order)
    assert _state(team) == ("forming", 2, 2)
    member_b.order.refresh_from_db()
    assert (member_b.order.status, member_b.order.hold_reason) == (OrderStatus.PAID, "group_forming")
    operator = make_staff(Role.OPERATOR)
    with pytest.raises(OrderOnHold):  # no shipping while the team forms
        lifecycle.ship_order(
            staff=operator, order_id=member_b.order.pk, carrier="SF", tracking_number="SF1234567890123"
        )

    member_c = _join(c, c_addr, team, sku)
    pay(c, member_c.order)

    team.refresh_from_db()
    assert (team.status, team.paid_count, team.formed_at is not None) == (TeamStatus.FORMED, 3, True)
    assert list(Order.objects.order_by("pk").values_list("status", "hold_reason")) == [("paid", "")] * 3
    assert list(TeamMember.objects.order_by("pk").values_list("status", flat=True)) == ["paid"] * 3
    lifecycle.ship_order(
        staff=operator, order_id=member_b.order.pk, carrier="SF", tracking_number="SF1234567890123"
    )
    assert Order.objects.get(pk=member_b.order.pk).status == OrderStatus.SHIPPED
    assert Order.objects.get(pk=order_a.pk).events.filter(kind="hold_released").count() == 1


def test_a_full_team_refuses_the_next_member_and_changes_nothing(make_group_buy, shopper, sku):
    group_buy = make_group_buy(group_size=2)
    (a, a_addr, _), (b, b_addr, _), (c, c_addr, _) = shopper("a"), shopper("b"), shopper("c")
    team = _open(a, a_addr, group_buy, sku).team
    pay(a, team.members.get().order)
    _join(b, b_addr, team, sku)  # unpaid, but holds the last seat

    with pytest.raises(TeamFull):
        _join(c, c_addr, team, sku)

    assert _state(team) == ("forming", 2, 1)
    assert Order.objects.filter(customer=c).count() == 0
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 1  # only b's unpaid unit is held


def test_a_member_joins_once_and_holds_one_open_team_per_group_buy(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    (a, a_addr, _), (b, b_addr, _) = shopper("a"), shopper("b")
    team = _open(a, a_addr, group_buy, sku).team
    pay(a, team.members.get().order)
    _join(b, b_addr, team, sku)

    with pytest.raises(AlreadyInTeam):
        _join(b, b_addr, team, sku)
    with pytest.raises(AlreadyInTeam):  # nor open a second team of the same group buy meanwhile
        _open(b, b_addr, group_buy, sku)
    with pytest.raises(AlreadyInTeam):  # the leader cannot join their own team
        _join(a, a_addr, team, sku)

    assert Team.objects.count() == 1
    assert Order.objects.count() == 2
    assert _state(team) == ("forming", 2, 1)


def test_an_unpaid_members_cancelled_order_frees_the_seat(make_group_buy, shopper, sku):
    group_buy = make_group_buy(group_size=2)
    (a, a_addr, _), (b, b_addr, _), (c, c_addr, _) = shopper("a"), shopper("b"), shopper("c")
    team = _open(a, a_addr, group_buy, sku).team
    pay(a, team.members.get().order)
    member_b = _join(b, b_addr, team, sku)
    Order.objects.filter(pk=member_b.order_id).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert lifecycle.cancel_unpaid_orders() == 1

    member_b.refresh_from_db()
    assert (member_b.status, _state(team)) == (MemberStatus.CANCELLED, ("forming", 1, 1))
    member_c = _join(c, c_addr, team, sku)
    pay(c, member_c.order)
    assert _state(team) == ("formed", 2, 2)


def test_a_leader_who_never_pays_ends_the_team(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    a, a_addr, _ = shopper("a")
    leader = _open(a, a_addr, group_buy, sku)

    lifecycle.cancel_order(order=leader.order, actor=a, reason="changed_mind")

    team = leader.team
    team.refresh_from_db()
    assert (team.status, team.fail_reason, team.seats_taken) == (TeamStatus.FAILED, "leader_cancelled", 0)
    # The customer may open a new team now.
    assert _open(a, a_addr, group_buy, sku).team.status == TeamStatus.OPENING


def test_an_unfilled_team_fails_at_its_deadline_and_every_member_is_refunded(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    (a, a_addr, _), (b, b_addr, _) = shopper("a"), shopper("b")
    team = _open(a, a_addr, group_buy, sku).team
    order_a = pay(a, team.members.get().order)
    order_b = pay(b, _join(b, b_addr, team, sku).order)
    assert teams.expire_teams() == 0  # not due yet
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    result = tasks.expire_group_buy_teams.enqueue()

    assert result.return_value == 1
    team.refresh_from_db()
    assert (team.status, team.fail_reason, team.failed_at is not None) == (TeamStatus.FAILED, "expired", True)
    rows = Order.objects.filter(pk__in=[order_a.pk, order_b.pk]).order_by("pk")
    assert list(rows.values_list("status", "paid_amount", "refunded_amount", "hold_reason")) == [
        ("closed", 3500, 3500, ""),
        ("closed", 4000, 4000, ""),
    ]
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [3500, 4000]
    assert list(TeamMember.objects.values_list("status", flat=True)) == ["refunded", "refunded"]
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 0)
    assert teams.expire_teams() == 0  # settled teams are not touched again
    assert Refund.objects.count() == 2


def test_expiry_waits_for_a_member_still_paying(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    (a, a_addr, _), (b, b_addr, _) = shopper("a"), shopper("b")
    team = _open(a, a_addr, group_buy, sku).team
    pay(a, team.members.get().order)
    member_b = _join(b, b_addr, team, sku)
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert teams.expire_teams() == 0
    assert _state(team) == ("forming", 2, 1)

    pay(b, member_b.order)  # paid in time for its own order: counted, and now the team can be settled
    assert teams.expire_teams() == 1
    assert _state(team) == ("failed", 2, 2)
    assert Order.objects.get(pk=member_b.order_id).status == OrderStatus.CLOSED


def test_virtual_fill_forms_an_unfilled_team_at_its_deadline(make_group_buy, shopper, sku):
    group_buy = make_group_buy(virtual_fill=True)
    a, a_addr, _ = shopper("a")
    team = _open(a, a_addr, group_buy, sku).team
    order_a = pay(a, team.members.get().order)
    Team.objects.filter(pk=team.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert teams.expire_teams() == 1

    team.refresh_from_db()
    assert (team.status, team.paid_count, team.virtual_members) == (TeamStatus.FORMED, 1, 2)
    order_a.refresh_from_db()
    assert (order_a.status, order_a.hold_reason) == (OrderStatus.PAID, "")


def test_a_refunded_member_gives_the_seat_back_while_forming(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    (a, a_addr, _), (b, b_addr, _) = shopper("a"), shopper("b")
    team = _open(a, a_addr, group_buy, sku).team
    pay(a, team.members.get().order)
    order_b = pay(b, _join(b, b_addr, team, sku).order)

    lifecycle.refund_and_close(order=order_b, actor=None, reason="customer_request")

    assert _state(team) == ("forming", 1, 1)
    assert TeamMember.objects.get(order=order_b).status == MemberStatus.REFUNDED


def test_pickup_only_group_buy_refuses_delivery_and_hands_over_once_formed(
    make_group_buy, shopper, sku, outlet, make_staff
):
    group_buy = make_group_buy(group_size=2, pickup_only=True)
    (a, a_addr, _), (b, _b_addr, _) = shopper("a"), shopper("b")
    with pytest.raises(GroupBuyPickupOnly):
        _open(a, a_addr, group_buy, sku)
    assert Team.objects.count() == 0 and Order.objects.count() == 0

    set_stock(merchant=outlet.merchant, sku=sku, outlet=outlet, on_hand=10)
    at_outlet = Delivery(fulfilment="pickup", pickup_outlet_id=outlet.pk)
    leader = teams.open_team(
        customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=1, delivery=at_outlet
    )
    order_a = pay(a, leader.order)
    assert order_a.payable_amount == 2500  # no shipping fee for pickup
    clerk = make_staff(Role.OUTLET_MANAGER, outlets=[outlet])
    with pytest.raises(OrderOnHold):
        lifecycle.verify_pickup(staff=clerk, code=order_a.pickup_code)

    member = teams.join_team(
        customer=b, team_id=leader.team_id, sku_id=sku.pk, quantity=1, delivery=at_outlet
    )
    pay(b, member.order)

    picked = lifecycle.verify_pickup(staff=clerk, code=order_a.pickup_code)
    assert picked.status == OrderStatus.DELIVERED


def test_quantity_window_and_pause_are_enforced(make_group_buy, shopper, sku, owner):
    group_buy = make_group_buy(max_per_member=2)
    a, a_addr, _ = shopper("a")
    with pytest.raises(GroupBuyQuantityInvalid):
        teams.open_team(
            customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=3, delivery=delivery_to(a_addr)
        )
    set_status(GROUP_BUYS, "pause", staff=owner, activity_id=group_buy.pk)
    with pytest.raises(GroupBuyNotLive):
        _open(a, a_addr, group_buy, sku)
    assert Team.objects.count() == 0 and Order.objects.count() == 0

    set_status(GROUP_BUYS, "resume", staff=owner, activity_id=group_buy.pk)
    member = teams.open_team(
        customer=a, group_buy_id=group_buy.pk, sku_id=sku.pk, quantity=2, delivery=delivery_to(a_addr)
    )
    assert (member.quantity, member.order.lines.get().paid_amount) == (2, 5000)


def test_open_team_replays_its_idempotency_key(make_group_buy, shopper, sku):
    group_buy = make_group_buy()
    a, a_addr, _ = shopper("a")

    first = _open(a, a_addr, group_buy, sku, idempotency_key="k-1")
    again = _open(a, a_addr, group_buy, sku, idempotency_key="k-1")

    assert (again.pk, again.team_id, again.order_id) == (first.pk, first.team_id, first.order_id)
    assert (Team.objects.count(), Order.objects.count()) == (1, 1)


def test_a_team_opened_near_the_end_has_until_the_end(make_group_buy, shopper, sku):
    ends_at = timezone.now() + timedelta(hours=2)
    group_buy = make_group_buy(ends_at=ends_at, time_limit_hours=24)
    a, a_addr, _ = shopper("a")

    team = _open(a, a_addr, group_buy, sku).team

    assert team.expires_at == ends_at
