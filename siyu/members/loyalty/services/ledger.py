"""The ledgers' write primitives: every points or growth movement goes through here.

Each writes one entry with a per-merchant idempotency key and moves the membership's cached
balance in the same transaction. Credits are plain ``F() + n`` UPDATEs; a debit that must be paid
in full is a conditional ``UPDATE ... WHERE points_balance >= n`` (two concurrent spends of the
last points: one wins, the other is refused); a debit that may fall short (a refund taking back
points already spent) locks the row, takes what is there and records the shortfall. The balance
written to the entry is read back while the UPDATE's row lock is held, so it is exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from siyu.core.errors import SiyuError
from siyu.members.loyalty.errors import PointsInsufficient
from siyu.members.loyalty.models import (
    GrowthEntry,
    LoyaltySettings,
    Membership,
    MemberTier,
    PointsEntry,
    PointsKind,
    TierChange,
)
from siyu.members.models import Customer
from siyu.promotions.services.coupons import issue_coupon
from siyu.tenancy.models import Staff

log = logging.getLogger(__name__)


def program(merchant_id: int) -> LoyaltySettings | None:
    """The merchant's membership rules, or None when the programme is not set up or switched off."""
    row = LoyaltySettings.objects.for_merchant(merchant_id).first()
    return row if row is not None and row.enabled else None


def tiers(merchant_id: int) -> list[MemberTier]:
    """The merchant's tiers, lowest rank first (thresholds rise with the rank)."""
    return list(MemberTier.objects.for_merchant(merchant_id).order_by("rank"))


def tier_for_growth(all_tiers: list[MemberTier], growth: int) -> MemberTier | None:
    """The highest tier whose threshold ``growth`` reaches."""
    reached = [t for t in all_tiers if t.growth_threshold <= growth]
    return reached[-1] if reached else None


def ensure_membership(*, merchant_id: int, customer_id: int, now: datetime) -> Membership:
    """The customer's membership, created on first use in the tier that growth 0 reaches."""
    row = Membership.objects.filter(customer_id=customer_id).select_related("tier").first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Membership.objects.create(
                merchant_id=merchant_id,
                customer_id=customer_id,
                tier=tier_for_growth(tiers(merchant_id), 0),
                tier_since=now,
            )
    except IntegrityError:  # a concurrent first use created it
        return Membership.objects.select_related("tier").get(customer_id=customer_id)


def lot_expiry(settings: LoyaltySettings | None, now: datetime) -> datetime | None:
    if settings is None or settings.points_valid_days is None:
        return None
    return now + timedelta(days=settings.points_valid_days)


def _balance(membership_id: int) -> int:
    return Membership.objects.filter(pk=membership_id).values_list("points_balance", flat=True).get()


def _taken(model: type[PointsEntry] | type[GrowthEntry], merchant_id: int, key: str) -> bool:
    return model.objects.filter(merchant_id=merchant_id, idempotency_key=key).exists()


@dataclass(frozen=True)
class Movement:
    """What a ledger write is: the customer, the kind, its key, and where it came from."""

    merchant_id: int
    customer_id: int
    kind: str
    key: str
    now: datetime
    order_id: int | None = None
    note: str = ""
    staff: Staff | None = None


def credit_points(move: Movement, points: int, *, expires_at: datetime | None) -> PointsEntry | None:
    """Add ``points`` as a lot expiring at ``expires_at``. None when there is nothing to add or the
    key was already written (a replayed order hook or task)."""
    if points <= 0 or _taken(PointsEntry, move.merchant_id, move.key):
        return None
    membership = ensure_membership(merchant_id=move.merchant_id, customer_id=move.customer_id, now=move.now)
    try:
        with transaction.atomic():
            Membership.objects.filter(pk=membership.pk).update(points_balance=F("points_balance") + points)
            return _points_entry(move, points, _balance(membership.pk), expires_at=expires_at)
    except IntegrityError:
        return None  # a concurrent replay wrote the key first; its UPDATE stands, ours is undone


def debit_points(move: Movement, points: int) -> PointsEntry | None:
    """Take ``points`` in full or refuse with ``PointsInsufficient``, changing nothing."""
    if points <= 0 or _taken(PointsEntry, move.merchant_id, move.key):
        return None
    with transaction.atomic():
        taken = Membership.objects.filter(
            customer_id=move.customer_id, merchant_id=move.merchant_id, points_balance__gte=points
        ).update(points_balance=F("points_balance") - points)
        if taken != 1:
            raise PointsInsufficient(detail={"points": points})
        membership_id = (
            Membership.objects.filter(customer_id=move.customer_id).values_list("pk", flat=True).get()
        )
        return _points_entry(move, -points, _balance(membership_id))


def debit_points_partly(move: Movement, points: int) -> PointsEntry | None:
    """Take up to ``points``; what the balance cannot cover is recorded as the entry's shortfall."""
    if points <= 0 or _taken(PointsEntry, move.merchant_id, move.key):
        return None
    membership = ensure_membership(merchant_id=move.merchant_id, customer_id=move.customer_id, now=move.now)
    try:
        with transaction.atomic():
            balance = (
                Membership.objects.select_for_update()
                .filter(pk=membership.pk)
                .values_list("points_balance", flat=True)
                .get()
            )
            take = min(points, balance)
            if take:
                Membership.objects.filter(pk=membership.pk).update(points_balance=F("points_balance") - take)
            return _points_entry(move, -take, balance - take, shortfall=points - take)
    except IntegrityError:
        return None


def _points_entry(
    move: Movement, delta: int, balance: int, *, expires_at: datetime | None = None, shortfall: int = 0
) -> PointsEntry:
    return PointsEntry.objects.create(
        merchant_id=move.merchant_id,
        customer_id=move.customer_id,
        kind=move.kind,
        delta=delta,
        balance_after=balance,
        shortfall=shortfall,
        order_id=move.order_id,
        expires_at=expires_at if delta > 0 else None,
        idempotency_key=move.key[:80],
        note=move.note[:200],
        staff=move.staff,
    )


def add_growth(move: Movement, delta: int) -> GrowthEntry | None:
    """Move growth by ``delta`` (a negative one stops at zero) and upgrade the tier if growth now
    reaches a higher one. None when there is nothing to move or the key was already written."""
    if delta == 0 or _taken(GrowthEntry, move.merchant_id, move.key):
        return None
    membership = ensure_membership(merchant_id=move.merchant_id, customer_id=move.customer_id, now=move.now)
    try:
        with transaction.atomic():
            growth = (
                Membership.objects.select_for_update()
                .filter(pk=membership.pk)
                .values_list("growth_value", flat=True)
                .get()
            )
            delta = max(delta, -growth)
            if delta:
                Membership.objects.filter(pk=membership.pk).update(growth_value=F("growth_value") + delta)
            entry = GrowthEntry.objects.create(
                merchant_id=move.merchant_id,
                customer_id=move.customer_id,
                kind=move.kind,
                delta=delta,
                growth_after=growth + delta,
                order_id=move.order_id,
                idempotency_key=move.key[:80],
                note=move.note[:200],
                staff=move.staff,
            )
    except IntegrityError:
        return None
    if delta > 0:
        upgrade(membership_id=membership.pk, now=move.now)
    return entry


def upgrade(*, membership_id: int, now: datetime, reason: str = "upgrade") -> MemberTier | None:
    """Move the member up to the highest tier their growth reaches (never down) and give the upgrade
    gifts of every tier climbed. Returns the new tier."""
    row = Membership.objects.select_for_update(of=("self",)).select_related("tier").get(pk=membership_id)
    all_tiers = tiers(row.merchant_id)
    target = tier_for_growth(all_tiers, row.growth_value)
    if target is None or (row.tier is not None and target.rank <= row.tier.rank):
        return None
    Membership.objects.filter(pk=row.pk).update(tier=target, tier_since=now, tier_evaluated_at=None)
    TierChange.objects.create(
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        from_tier=row.tier,
        to_tier=target,
        reason=reason,
        growth_value=row.growth_value,
    )
    low = row.tier.rank if row.tier is not None else -1
    for tier in all_tiers:
        if low < tier.rank <= target.rank:
            give_upgrade_gift(row, tier, now)
    return target


def give_upgrade_gift(membership: Membership, tier: MemberTier, now: datetime) -> None:
    """The tier's upgrade gift (升级礼): its points and its coupon, once per customer and tier.

    Keys ``upgrade:<customer>:<tier>`` (points) and claim key ``upgrade:<tier>`` (coupon) make a member
    who drops and climbs back, or a replayed hook, get nothing twice. A coupon template that is used
    up or paused gives no coupon; the upgrade and the points still stand. Moves made by a tier edit
    (``retier_members``) give no gifts: they are the merchant's doing, set-based, not an achievement.
    """
    if tier.upgrade_points:
        move = Movement(
            membership.merchant_id,
            membership.customer_id,
            PointsKind.UPGRADE,
            f"upgrade:{membership.customer_id}:{tier.pk}",
            now,
            note=tier.name,
        )
        credit_points(move, tier.upgrade_points, expires_at=lot_expiry(program(membership.merchant_id), now))
    template = tier.upgrade_template
    if template is None:
        return
    customer = Customer.objects.get(pk=membership.customer_id)
    try:
        issue_coupon(
            template=template,
            customer=customer,
            source="tier_upgrade",
            claim_key=f"upgrade:{tier.pk}",
            now=now,
        )
    except SiyuError as exc:
        log.info("upgrade coupon %s not issued to %s: %s", template.pk, customer.pk, exc.code)
