"""Reads of memberships for the shop API, the storefront's member centre and the admin API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from siyu.members.loyalty.models import (
    GrowthEntry,
    LoyaltySettings,
    Membership,
    MemberTier,
    PointsEntry,
    TierChange,
)
from siyu.members.loyalty.services import ledger
from siyu.members.loyalty.services.checkins import streak_reward
from siyu.members.loyalty.services.expiry import expiring_points
from siyu.members.models import Customer

EXPIRING_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class MembershipView:
    """A customer's membership as they see it. ``enabled`` False: the shop runs no programme."""

    enabled: bool
    tier: MemberTier | None = None
    next_tier: MemberTier | None = None
    growth_value: int = 0
    points_balance: int = 0
    points_expiring: int = 0
    expiring_before: datetime | None = None
    streak: int = 0  # the streak still alive (0 once a day was missed)
    checked_in_today: bool = False
    next_check_in_points: int = 0
    redeem_points_per_yuan: int = 100
    recent: list[PointsEntry] = field(default_factory=list)

    @property
    def growth_missing(self) -> int:
        """Growth still needed for the next tier (0 at the top)."""
        return max(self.next_tier.growth_threshold - self.growth_value, 0) if self.next_tier else 0

    @property
    def progress_percent(self) -> int:
        """How far from the current tier's threshold to the next one (100 at the top)."""
        if self.next_tier is None:
            return 100
        start = self.tier.growth_threshold if self.tier else 0
        span = self.next_tier.growth_threshold - start
        return min(max((self.growth_value - start) * 100 // span, 0), 100) if span > 0 else 100

    @property
    def points_worth(self) -> int:
        """What the balance would pay, in fen (before the per-order share cap)."""
        return self.points_balance * 100 // self.redeem_points_per_yuan


def current_streak(membership: Membership | None, today: date) -> int:
    if membership is None or membership.last_check_in_on is None:
        return 0
    return membership.streak if membership.last_check_in_on >= today - timedelta(days=1) else 0


def membership_view(*, customer: Customer, now: datetime | None = None, recent: int = 0) -> MembershipView:
    """Tier, next tier and what is missing, points and what expires within 30 days, the streak and
    what tomorrow's check-in gives, and the ``recent`` latest points entries."""
    now = now or timezone.now()
    settings = ledger.program(customer.merchant_id)
    if settings is None:
        return MembershipView(enabled=False)
    tiers = ledger.tiers(customer.merchant_id)
    row = Membership.objects.filter(customer=customer).first()
    growth = row.growth_value if row else 0
    tier = (
        next((t for t in tiers if row and t.pk == row.tier_id), None)
        if row
        else ledger.tier_for_growth(tiers, 0)
    )
    above = [t for t in tiers if tier is None or t.rank > tier.rank]
    today = timezone.localdate(now)
    streak = current_streak(row, today)
    checked_in = bool(row and row.last_check_in_on == today)
    next_streak = streak + 1 if not checked_in else streak
    reward = streak_reward(settings, max(next_streak, 1))
    entries = (
        list(PointsEntry.objects.filter(merchant_id=customer.merchant_id, customer=customer)[:recent])
        if recent and row
        else []
    )
    return MembershipView(
        enabled=True,
        tier=tier,
        next_tier=above[0] if above else None,
        growth_value=growth,
        points_balance=row.points_balance if row else 0,
        points_expiring=expiring_points(
            merchant_id=customer.merchant_id, customer_id=customer.pk, within=EXPIRING_WITHIN, now=now
        )
        if row and row.points_balance
        else 0,
        expiring_before=now + EXPIRING_WITHIN,
        streak=streak,
        checked_in_today=checked_in,
        next_check_in_points=settings.check_in_points + reward.points,
        redeem_points_per_yuan=settings.redeem_points_per_yuan,
        recent=entries,
    )


def has_points(*, customer: Customer) -> bool:
    return Membership.objects.filter(customer=customer, points_balance__gt=0).exists()


def points_entries(*, merchant_id: int, customer_id: int) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(merchant_id=merchant_id, customer_id=customer_id).order_by("-id")


def staff_points_entries(*, merchant_id: int, customer_id: int) -> QuerySet[PointsEntry]:
    """The points ledger with who adjusted each entry (the console shows the staff member)."""
    return points_entries(merchant_id=merchant_id, customer_id=customer_id).select_related("staff")


def tier_counts(*, merchant_id: int) -> tuple[list[tuple[MemberTier, int]], int]:
    """Members per tier (every tier, 0 included) and members with no tier: one grouped query."""
    counts: dict[int | None, int] = dict(
        Membership.objects.filter(merchant_id=merchant_id)
        .values("tier_id")
        .annotate(n=Count("id"))
        .values_list("tier_id", "n")
    )
    tiers = ledger.tiers(merchant_id)
    return [(t, counts.get(t.pk, 0)) for t in tiers], counts.get(None, 0)


def settings_or_default(merchant_id: int) -> LoyaltySettings:
    """The stored rules, or the defaults a first save would store (``enabled`` False: not set up)."""
    row = LoyaltySettings.objects.for_merchant(merchant_id).first()
    return row if row is not None else LoyaltySettings(merchant_id=merchant_id, enabled=False)


# ---- the console's 会员 pages -----------------------------------------------------------------------


def tiers_with_counts(*, merchant_id: int) -> tuple[list[tuple[MemberTier, int]], int]:
    """Every tier (its coupon templates joined) with its members, and the members below every tier,
    in three queries. A customer with no membership row yet counts in the tier growth 0 reaches."""
    rows = list(
        MemberTier.objects.for_merchant(merchant_id)
        .select_related("birthday_template", "upgrade_template")
        .order_by("rank")
    )
    counts: dict[int | None, int] = dict(
        Membership.objects.filter(merchant_id=merchant_id, customer__merged_into__isnull=True)
        .values("tier_id")
        .annotate(n=Count("id"))
        .values_list("tier_id", "n")
    )
    not_yet = (
        Customer.objects.for_merchant(merchant_id)
        .filter(merged_into__isnull=True, membership__isnull=True)
        .count()
    )
    entry = ledger.tier_for_growth(rows, 0)
    found = [(t, counts.get(t.pk, 0) + (not_yet if t == entry else 0)) for t in rows]
    return found, counts.get(None, 0) + (not_yet if entry is None else 0)


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    tier: str = ""  # a tier id, "none" (below every tier) or "" for everyone
    sort: str = ""  # "growth", "points" (most first) or "" (newest first)


def member_list(
    *, merchant_id: int, filters: MemberFilters, all_tiers: list[MemberTier]
) -> QuerySet[Customer]:
    """Customers as members, newest first, with their membership joined (one query a page).

    Every customer is a member: one with no membership row yet is in the tier that growth 0 reaches
    (or below every tier), so the tier filter counts them there too."""
    qs = (
        Customer.objects.for_merchant(merchant_id)
        .filter(merged_into__isnull=True)
        .select_related("membership")
    )
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(nickname__icontains=q) | Q(phone=q))
    entry = ledger.tier_for_growth(all_tiers, 0)
    if filters.tier == "none":
        held = Q(membership__isnull=False, membership__tier__isnull=True)
        qs = qs.filter(held | Q(membership__isnull=True) if entry is None else held)
    elif filters.tier:
        tier_id = int(filters.tier)
        held = Q(membership__tier_id=tier_id)
        qs = qs.filter(
            held | Q(membership__isnull=True) if entry is not None and entry.pk == tier_id else held
        )
    if filters.sort in SORTS:
        return qs.order_by(F(SORTS[filters.sort]).desc(nulls_last=True), "-id")
    return qs.order_by("-id")


SORTS = {"growth": "membership__growth_value", "points": "membership__points_balance"}


@dataclass(frozen=True)
class MemberRow:
    customer: Customer
    tier: MemberTier | None
    growth_value: int
    points_balance: int


def member_rows(customers: list[Customer], all_tiers: list[MemberTier]) -> list[MemberRow]:
    """A page of ``member_list`` as rows, with no further query."""
    by_id = {t.pk: t for t in all_tiers}
    entry = ledger.tier_for_growth(all_tiers, 0)
    rows = []
    for c in customers:
        m: Membership | None = getattr(c, "membership", None)
        if m is None:
            rows.append(MemberRow(c, entry, 0, 0))
        else:
            rows.append(
                MemberRow(c, by_id.get(m.tier_id) if m.tier_id else None, m.growth_value, m.points_balance)
            )
    return rows


def growth_entries(*, merchant_id: int, customer_id: int) -> QuerySet[GrowthEntry]:
    return (
        GrowthEntry.objects.filter(merchant_id=merchant_id, customer_id=customer_id)
        .select_related("staff")
        .order_by("-id")
    )


def tier_changes(*, merchant_id: int, customer_id: int, recent: int = 10) -> list[TierChange]:
    return list(
        TierChange.objects.filter(merchant_id=merchant_id, customer_id=customer_id)
        .select_related("from_tier", "to_tier")
        .order_by("-id")[:recent]
    )


def shop_tiers(*, merchant_id: int) -> list[MemberTier]:
    """The tiers, lowest first, with their coupon templates joined (what the benefits name)."""
    return list(
        MemberTier.objects.for_merchant(merchant_id)
        .select_related("birthday_template", "upgrade_template")
        .order_by("rank")
    )
