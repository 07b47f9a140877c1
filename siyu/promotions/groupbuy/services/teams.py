"""Teams (团): opening and joining through checkout, and what each member's order does to its team.

Locks are taken order -> team, the way the payment path takes them (the payment locks the order,
then its ``on_paid`` order hook locks the team), so a payment, a cancellation and a join of the
same team queue up instead of deadlocking. The expiry sweep only fails a team once no member is
still paying (``seats_taken == paid_count``), and refunds its members in transactions of their own
after the team's has committed, so it never holds a team while waiting for an order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import IdempotencyConflict, InvalidInput, SiyuError
from siyu.events.models import EventKind
from siyu.events.services import record_server_event
from siyu.members.models import Customer
from siyu.orders.models import Fulfilment, Order
from siyu.orders.services import checkout
from siyu.orders.services.lifecycle import refund_and_close, release_hold
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.engine.types import ActivityKind, ActivityPrice
from siyu.promotions.groupbuy.errors import (
    AlreadyInTeam,
    GroupBuyNotLive,
    GroupBuyPickupOnly,
    GroupBuyQuantityInvalid,
    GroupBuySkuInvalid,
    TeamFull,
    TeamNotJoinable,
)
from siyu.promotions.groupbuy.lottery import draw_winners, new_seed
from siyu.promotions.groupbuy.models import (
    LIVE_MEMBER,
    ConsolationReward,
    GroupBuy,
    GroupBuySku,
    LotteryResult,
    MemberStatus,
    Team,
    TeamMember,
    TeamStatus,
)
from siyu.promotions.groupbuy.services import rewards

log = logging.getLogger(__name__)

KIND = ActivityKind.GROUP_BUY.value
HOLD_REASON = "group_forming"
OPEN = (TeamStatus.OPENING, TeamStatus.FORMING)


@dataclass(frozen=True)
class Delivery:
    """Where a member's order goes: delivery to an address or pickup at an outlet."""

    fulfilment: str = Fulfilment.DELIVERY
    address_id: int | None = None
    pickup_outlet_id: int | None = None
    note: str = ""


# ---- checks shared by the routes and the provider -----------------------------------------------


def _check_live(group_buy: GroupBuy, now: datetime) -> None:
    if not group_buy.is_live(now):
        raise GroupBuyNotLive(detail={"group_buy_id": group_buy.pk, "status": group_buy.status})


def _group_sku(group_buy: GroupBuy, sku_id: int) -> GroupBuySku:
    row = GroupBuySku.objects.filter(group_buy=group_buy, sku_id=sku_id).first()
    if row is None:
        raise GroupBuySkuInvalid(detail={"group_buy_id": group_buy.pk, "sku_id": sku_id})
    return row


def _check_quantity(group_buy: GroupBuy, quantity: int) -> None:
    if not 1 <= quantity <= group_buy.max_per_member:
        raise GroupBuyQuantityInvalid(detail={"quantity": quantity, "max": group_buy.max_per_member})


def _check_fulfilment(group_buy: GroupBuy, fulfilment: str) -> None:
    if group_buy.pickup_only and fulfilment != Fulfilment.PICKUP:
        raise GroupBuyPickupOnly(detail={"group_buy_id": group_buy.pk})


def _opens_as_leader(team: Team, customer: Customer) -> bool:
    return team.status == TeamStatus.OPENING and team.leader_id == customer.pk and team.seats_taken == 0


def _check_joinable(team: Team, customer: Customer, now: datetime) -> None:
    if team.status != TeamStatus.FORMING or team.expires_at <= now:
        raise TeamNotJoinable(detail={"team_id": team.pk, "status": team.status})
    if team.seats_taken >= team.size:
        raise TeamFull(detail={"team_id": team.pk, "size": team.size})
    if TeamMember.objects.filter(team=team, customer=customer, status__in=LIVE_MEMBER).exists():
        raise AlreadyInTeam(detail={"team_id": team.pk})


def _check_no_other_open_team(customer: Customer, group_buy: GroupBuy, team: Team) -> None:
    other = (
        TeamMember.objects.filter(
            customer=customer, team__group_buy=group_buy, status__in=LIVE_MEMBER, team__status__in=OPEN
        )
        .exclude(team=team)
        .values_list("team_id", flat=True)
        .first()
    )
    if other is not None:
        raise AlreadyInTeam(detail={"team_id": other})


# ---- the activity provider's two calls ----------------------------------------------------------


def quote_seat(
    *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
) -> ActivityQuote:
    """Price a seat in team ``ref.id``: the leader price for the leader opening it, else the group price."""
    team = Team.objects.for_merchant(customer.merchant_id).select_related("group_buy").get_owned(ref.id)
    group_buy = team.group_buy
    _check_live(group_buy, now)
    _check_quantity(group_buy, quantity)
    row = _group_sku(group_buy, sku.pk)
    leader = _opens_as_leader(team, customer)
    if not leader:
        _check_joinable(team, customer, now)
    price = min(row.price_for(leader=leader), sku.price)
    rule = ActivityPrice(
        id=ref.rule_id, kind=ActivityKind.GROUP_BUY, sku_id=sku.pk, price=price, quantity=quantity
    )
    return ActivityQuote(rule=rule, hold_reason=HOLD_REASON)


def reserve_seat(*, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
    """Take a seat in team ``ref.id`` for ``order``, in the order's transaction.

    The team row is locked and every rule checked again under the lock, so the Nth seat goes to
    exactly one order however many join at once. The customer row is locked first so one customer
    cannot open two teams of the same group buy at once.
    """
    now = timezone.now()
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    team = (
        Team.objects.for_merchant(order.merchant_id)
        .select_for_update(of=("self",))
        .select_related("group_buy")
        .get_owned(ref.id)
    )
    group_buy = team.group_buy
    _check_live(group_buy, now)
    _check_quantity(group_buy, quantity)
    _group_sku(group_buy, sku.pk)
    _check_fulfilment(group_buy, order.fulfilment)
    leader = _opens_as_leader(team, customer)
    if not leader:
        _check_joinable(team, customer, now)
    _check_no_other_open_team(customer, group_buy, team)
    if TeamMember.objects.filter(order=order).exists():
        raise InvalidInput(detail={"activity": ref.rule_id, "reason": "one group per order"})
    try:
        with transaction.atomic():
            TeamMember.objects.create(
                merchant_id=order.merchant_id,
                team=team,
                customer=customer,
                order=order,
                sku=sku,
                quantity=quantity,
                is_leader=leader,
            )
    except IntegrityError as exc:  # the constraint behind the checks above
        raise AlreadyInTeam(detail={"team_id": team.pk}) from exc
    team.seats_taken += 1
    team.save(update_fields=["seats_taken"])
    record_server_event(
        merchant_id=order.merchant_id,
        customer_id=customer.pk,
        kind=EventKind.GROUP_JOINED,
        key=f"order:{order.pk}",
        properties={"team_id": team.pk, "group_buy_id": group_buy.pk, "order_id": order.pk, "leader": leader},
        occurred_at=now,
    )


# ---- customer use cases -------------------------------------------------------------------------


class _Replayed(Exception):
    """Raised inside open_team's transaction to drop the new team when checkout replayed an order."""

    def __init__(self, order: Order) -> None:
        self.order = order


def _replay(customer: Customer, idempotency_key: str | None, *, matches) -> TeamMember | None:
    if not idempotency_key:
        return None
    order = Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, idempotency_key=idempotency_key
    ).first()
    if order is None:
        return None
    member = TeamMember.objects.select_related("team").filter(order=order).first()
    if member is None or not matches(member):
        raise IdempotencyConflict(detail={"order_number": order.number})
    return member


def _place(
    customer: Customer, team: Team, sku_id: int, quantity: int, delivery: Delivery, key: str | None
) -> tuple[Order, bool]:
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, quantity, ActivityRef(KIND, team.pk))],
        fulfilment=delivery.fulfilment,
        address_id=delivery.address_id,
        pickup_outlet_id=delivery.pickup_outlet_id,
        note=delivery.note,
        source="group_buy",
    )
    return checkout.place_order(customer=customer, request=request, idempotency_key=key)


def open_team(
    *,
    customer: Customer,
    group_buy_id: int,
    sku_id: int,
    quantity: int,
    delivery: Delivery,
    idempotency_key: str | None = None,
) -> TeamMember:
    """开团: open a team as its leader and place the leader's order (held until the team forms).

    Others may join once the leader has paid, until the team's deadline: ``time_limit_hours`` after
    opening, but no later than the activity's end. A replayed idempotency key returns the first team.
    """
    found = _replay(
        customer, idempotency_key, matches=lambda m: m.is_leader and m.team.group_buy_id == group_buy_id
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            now = timezone.now()
            group_buy = GroupBuy.objects.for_merchant(customer.merchant_id).get_owned(group_buy_id)
            _check_live(group_buy, now)
            _check_quantity(group_buy, quantity)
            _group_sku(group_buy, sku_id)
            _check_fulfilment(group_buy, delivery.fulfilment)
            team = Team.objects.create(
                merchant_id=customer.merchant_id,
                group_buy=group_buy,
                leader=customer,
                size=group_buy.group_size,
                expires_at=min(now + timedelta(hours=group_buy.time_limit_hours), group_buy.ends_at),
            )
            order, created = _place(customer, team, sku_id, quantity, delivery, idempotency_key)
            if not created:
                raise _Replayed(order)
    except _Replayed as replayed:
        member = TeamMember.objects.select_related("team").filter(order=replayed.order).first()
        if member is None:
            raise IdempotencyConflict(detail={"order_number": replayed.order.number}) from None
        return member
    return TeamMember.objects.select_related("team").get(order=order)


def join_team(
    *,
    customer: Customer,
    team_id: int,
    sku_id: int,
    quantity: int,
    delivery: Delivery,
    idempotency_key: str | None = None,
) -> TeamMember:
    """参团: take a seat in a forming team and place the member's order (held until the team forms)."""
    found = _replay(customer, idempotency_key, matches=lambda m: m.team_id == team_id)
    if found is not None:
        return found
    team = Team.objects.for_merchant(customer.merchant_id).select_related("group_buy").get_owned(team_id)
    now = timezone.now()
    _check_live(team.group_buy, now)
    _check_joinable(team, customer, now)
    _check_fulfilment(team.group_buy, delivery.fulfilment)
    order, _created = _place(customer, team, sku_id, quantity, delivery, idempotency_key)
    return TeamMember.objects.select_related("team").get(order=order)


# ---- what members' orders do to their team (called by the group buy's order hooks) -------------


def _locked_team(team_id: int) -> Team:
    return Team.objects.select_for_update(of=("self",)).select_related("group_buy").get(pk=team_id)


def on_order_paid(order: Order) -> None:
    """A member paid: count it; the leader's payment opens the team to others, the last one forms it."""
    member = TeamMember.objects.filter(order_id=order.pk).first()
    if member is None or member.status != MemberStatus.PENDING:
        return
    team = _locked_team(member.team_id)
    now = timezone.now()
    TeamMember.objects.filter(pk=member.pk).update(status=MemberStatus.PAID, paid_at=now)
    if team.status == TeamStatus.OPENING:
        Team.machine.advance(team, TeamStatus.FORMING, paid_count=team.paid_count + 1)
    elif team.status == TeamStatus.FORMING:
        team.paid_count += 1
        team.save(update_fields=["paid_count"])
    else:  # a seat held past the team's end cannot exist (expiry waits for it); settle it anyway
        if team.status == TeamStatus.FORMED:
            release_hold(order=order, reason=HOLD_REASON)
        else:
            refund_and_close(order=order, actor=None, reason="group_failed")
        return
    if team.paid_count >= team.size:
        form_team(team)


def on_order_cancelled(order: Order) -> None:
    """An unpaid member's order was cancelled (e.g. payment timeout): free the seat. A team whose
    leader never paid is over."""
    member = TeamMember.objects.filter(order_id=order.pk).first()
    if member is None or member.status != MemberStatus.PENDING:
        return
    team = _locked_team(member.team_id)
    TeamMember.objects.filter(pk=member.pk).update(status=MemberStatus.CANCELLED)
    seats = team.seats_taken - 1
    if team.status == TeamStatus.OPENING:
        Team.machine.advance(
            team, TeamStatus.FAILED, stamp="failed_at", fail_reason="leader_cancelled", seats_taken=seats
        )
    else:
        team.seats_taken = seats
        team.save(update_fields=["seats_taken"])


def on_order_closed(order: Order) -> None:
    """A paid member's order was refunded in full: the member is out; a team still forming gets the
    seat back."""
    member = TeamMember.objects.filter(order_id=order.pk).first()
    if member is None or member.status != MemberStatus.PAID:
        return
    team = _locked_team(member.team_id)
    TeamMember.objects.filter(pk=member.pk).update(status=MemberStatus.REFUNDED)
    if team.status in OPEN:
        team.seats_taken -= 1
        team.paid_count -= 1
        team.save(update_fields=["seats_taken", "paid_count"])


def form_team(team: Team) -> None:
    """成团: the team (locked by the caller) is full of paid members, or virtually filled. Release
    every member's order to ship; in a lottery, only the drawn winners' (the others are refunded)."""
    group_buy = team.group_buy
    members = list(
        TeamMember.objects.filter(team=team, status=MemberStatus.PAID).select_related("order").order_by("pk")
    )
    ids = [m.pk for m in members]
    seed = new_seed() if group_buy.lottery else None
    winners = set(draw_winners(ids, group_buy.lottery_winners, seed) if seed is not None else ids)
    Team.machine.advance(
        team,
        TeamStatus.FORMED,
        stamp="formed_at",
        lottery_seed=seed,
        lottery_winner_ids=sorted(winners) if seed is not None else [],
        paid_count=team.paid_count,
        virtual_members=team.virtual_members,
    )
    for member in members:
        if member.pk in winners:
            if seed is not None:
                TeamMember.objects.filter(pk=member.pk).update(lottery_result=LotteryResult.WON)
            release_hold(order=member.order, reason=HOLD_REASON)
            continue
        TeamMember.objects.filter(pk=member.pk).update(lottery_result=LotteryResult.LOST)
        refund_and_close(order=member.order, actor=None, reason="group_lottery_lost")
        if group_buy.consolation_coupon_template_id is not None:
            reward = ConsolationReward.objects.create(
                merchant_id=team.merchant_id,
                member=member,
                customer_id=member.customer_id,
                coupon_template_id=group_buy.consolation_coupon_template_id,
            )
            transaction.on_commit(partial(rewards.issue_consolation, reward.pk))


# ---- the expiry sweep ---------------------------------------------------------------------------


@transaction.atomic
def settle_expired_team(team_id: int, *, now: datetime) -> bool:
    """Fail (or, with virtual fill, form) one team past its deadline. False if it is not due, or a
    member is still paying: that order pays or times out first, and the next sweep settles the team."""
    team = (
        Team.objects.select_for_update(of=("self",))
        .select_related("group_buy")
        .filter(pk=team_id, status__in=OPEN, expires_at__lte=now)
        .first()
    )
    if team is None or team.seats_taken != team.paid_count:
        return False
    if team.status == TeamStatus.FORMING and team.group_buy.virtual_fill and team.paid_count >= 1:
        team.virtual_members = team.size - team.paid_count
        form_team(team)
        return True
    Team.machine.advance(team, TeamStatus.FAILED, stamp="failed_at", fail_reason="expired")
    return True


def refund_failed_member(member_id: int) -> bool:
    """Refund and close a paid member's order of a failed team (one transaction per member)."""
    with transaction.atomic():
        member = (
            TeamMember.objects.select_related("order")
            .filter(pk=member_id, status=MemberStatus.PAID, team__status=TeamStatus.FAILED)
            .first()
        )
        if member is None:
            return False
        refund_and_close(order=member.order, actor=None, reason="group_failed")
    return True


def expire_teams(*, now: datetime | None = None, batch: int = 200) -> int:
    """Settle teams past their deadline, then refund every paid member of a failed team. Safe to
    re-run and to run on several workers: each step is a compare-and-set or skips settled rows."""
    now = now or timezone.now()
    due = list(
        Team.objects.filter(status__in=OPEN, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    settled = 0
    for team_id in due:
        try:
            settled += settle_expired_team(team_id, now=now)
        except SiyuError:
            log.exception("group buy team %s could not be settled", team_id)
    owed = TeamMember.objects.filter(team__status=TeamStatus.FAILED, status=MemberStatus.PAID)
    for member_id in owed.order_by("pk").values_list("pk", flat=True)[: batch * 10]:
        try:
            refund_failed_member(member_id)
        except SiyuError:
            log.exception("group buy member %s could not be refunded", member_id)
    rewards.issue_pending_rewards(batch=batch)
    return settled
