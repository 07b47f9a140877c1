"""Staff use cases: tiers, the merchant's membership rules, and points and growth adjustments (audited)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import InvalidInput, NotFound
from siyu.members.loyalty.errors import (
    GrowthInsufficient,
    LoyaltyNotEnabled,
    PointsGrantOverLimit,
    TierConflict,
    TierInUse,
)
from siyu.members.loyalty.models import (
    FULL_RATE,
    GrowthEntry,
    GrowthKind,
    LoyaltySettings,
    Membership,
    MemberTier,
    PointsEntry,
    PointsKind,
    TierChange,
)
from siyu.members.loyalty.services import ledger
from siyu.members.loyalty.services.expiry import _chunks
from siyu.members.models import Customer
from siyu.promotions.models import CouponTemplate
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

TIER_FIELDS = [
    "code",
    "name",
    "rank",
    "growth_threshold",
    "keep_threshold",
    "discount_bp",
    "free_shipping",
    "birthday_template",
    "points_multiplier_bp",
    "upgrade_points",
    "upgrade_template",
]
TEMPLATE_FIELDS = {"birthday_template_id": "birthday_template", "upgrade_template_id": "upgrade_template"}
SETTINGS_FIELDS = [
    "enabled",
    "earn_points_per_yuan",
    "redeem_points_per_yuan",
    "redeem_max_share_bp",
    "redeem_step_fen",
    "points_valid_days",
    "growth_per_yuan",
    "check_in_points",
    "check_in_growth",
    "streak_cycle_days",
    "streak_rewards",
    "downgrade_enabled",
    "downgrade_period_days",
]
MAX_ADJUST = 10_000_000
MAX_REWARD = 1_000_000


def get_tier(*, merchant_id: int, tier_id: int, lock: bool = False) -> MemberTier:
    qs = MemberTier.objects.for_merchant(merchant_id).filter(pk=tier_id)
    tier = (qs.select_for_update() if lock else qs).first()
    if tier is None:
        raise NotFound(detail={"tier_id": tier_id})
    return tier


def _template(merchant_id: int, template_id: int | None, field: str) -> CouponTemplate | None:
    if template_id is None:
        return None
    template = CouponTemplate.objects.for_merchant(merchant_id).filter(pk=template_id).first()
    if template is None:
        raise NotFound(detail={field: template_id})
    return template


def _check_tier(tier: MemberTier) -> None:
    problems = {}
    if not tier.name.strip():
        problems["name"] = "required"
    if not 1 <= tier.discount_bp <= FULL_RATE:
        problems["discount_bp"] = f"between 1 and {FULL_RATE} (the share paid)"
    if not 0 <= tier.points_multiplier_bp <= 10 * FULL_RATE:
        problems["points_multiplier_bp"] = f"between 0 and {10 * FULL_RATE}"
    if not 0 <= tier.upgrade_points <= MAX_REWARD:
        problems["upgrade_points"] = f"between 0 and {MAX_REWARD}"
    if problems:
        raise InvalidInput(detail=problems)
    others = MemberTier.objects.for_merchant(tier.merchant_id).exclude(pk=tier.pk)
    if others.filter(Q(code=tier.code) | Q(rank=tier.rank)).exists():
        raise TierConflict(detail={"code": tier.code, "rank": tier.rank})
    below = others.filter(rank__lt=tier.rank, growth_threshold__gte=tier.growth_threshold).exists()
    above = others.filter(rank__gt=tier.rank, growth_threshold__lte=tier.growth_threshold).exists()
    if below or above:
        raise TierConflict(detail={"growth_threshold": tier.growth_threshold, "rank": tier.rank})


def _tier_view(tier: MemberTier) -> dict[str, Any]:
    templates = set(TEMPLATE_FIELDS.values())
    return snapshot(tier, [f for f in TIER_FIELDS if f not in templates]) | {
        by_id: getattr(tier, by_id) for by_id in TEMPLATE_FIELDS
    }


def _apply(tier: MemberTier, fields: dict[str, Any]) -> None:
    templates = set(TEMPLATE_FIELDS.values())
    unknown = set(fields) - {*TIER_FIELDS, *TEMPLATE_FIELDS} - templates
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    fields = dict(fields)
    for by_id, name in TEMPLATE_FIELDS.items():
        if by_id in fields:
            fields[name] = _template(tier.merchant_id, fields.pop(by_id), by_id)
    for name, value in fields.items():
        if value is None and name not in templates:
            raise InvalidInput(detail={name: "may not be null"})
        setattr(tier, name, value)


@transaction.atomic
def create_tier(*, staff: Staff, **fields: Any) -> MemberTier:
    """A new tier; members whose growth already reaches it move up at once."""
    require(staff, Perm.MEMBERS_EDIT)
    tier = MemberTier(merchant_id=staff.merchant_id)
    _apply(tier, fields)
    _check_tier(tier)
    tier.save()
    record_audit(staff=staff, merchant=staff.merchant, action="tier.create", obj=tier, after=_tier_view(tier))
    retier_members(merchant_id=staff.merchant_id, now=timezone.now())
    return tier


@transaction.atomic
def update_tier(*, staff: Staff, tier_id: int, **changes: Any) -> MemberTier:
    """Change a tier. A lower threshold moves members up at once; a higher one moves nobody down
    (that is the downgrade evaluation's job)."""
    require(staff, Perm.MEMBERS_EDIT)
    tier = get_tier(merchant_id=staff.merchant_id, tier_id=tier_id, lock=True)
    before = _tier_view(tier)
    _apply(tier, changes)
    _check_tier(tier)
    tier.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tier.update",
        obj=tier,
        before=before,
        after=_tier_view(tier),
    )
    retier_members(merchant_id=staff.merchant_id, now=timezone.now())
    return tier


@transaction.atomic
def delete_tier(*, staff: Staff, tier_id: int) -> None:
    """Delete a tier nobody holds or ever held (its history must stay readable)."""
    require(staff, Perm.MEMBERS_EDIT)
    tier = get_tier(merchant_id=staff.merchant_id, tier_id=tier_id, lock=True)
    used = (
        Membership.objects.filter(tier=tier).exists()
        or TierChange.objects.filter(Q(from_tier=tier) | Q(to_tier=tier)).exists()
    )
    if used:
        raise TierInUse(detail={"tier_id": tier_id})
    record_audit(
        staff=staff, merchant=staff.merchant, action="tier.delete", obj=tier, before=_tier_view(tier)
    )
    tier.delete()


def retier_members(*, merchant_id: int, now: datetime) -> int:
    """Move every member up to the highest tier their growth reaches (after a tier edit), set-based:
    per tier, highest first, one UPDATE and one bulk insert of tier changes per chunk."""
    moved = 0
    for tier in reversed(ledger.tiers(merchant_id)):
        qs = Membership.objects.filter(
            merchant_id=merchant_id, growth_value__gte=tier.growth_threshold
        ).filter(Q(tier__isnull=True) | Q(tier__rank__lt=tier.rank))
        rows = list(qs.order_by("pk").values_list("pk", "customer_id", "tier_id", "growth_value"))
        for chunk in _chunks(rows):
            Membership.objects.filter(pk__in=[r[0] for r in chunk]).update(
                tier=tier, tier_since=now, tier_evaluated_at=None
            )
            TierChange.objects.bulk_create(
                TierChange(
                    merchant_id=merchant_id,
                    customer_id=customer_id,
                    from_tier_id=from_tier,
                    to_tier=tier,
                    reason="tier_edit",
                    growth_value=growth,
                )
                for _pk, customer_id, from_tier, growth in chunk
            )
        moved += len(rows)
    return moved


def _check_rewards(merchant_id: int, rewards: Any) -> list[dict[str, Any]]:
    if not isinstance(rewards, list) or len(rewards) > 31:
        raise InvalidInput(detail={"streak_rewards": "a list of at most 31 days"})
    clean, days = [], set()
    for row in rewards:
        day = row.get("day") if isinstance(row, dict) else None
        if not isinstance(day, int) or not 1 <= day <= 366 or day in days:
            raise InvalidInput(detail={"streak_rewards.day": "distinct days between 1 and 366"})
        days.add(day)
        item: dict[str, int | None] = {"day": day}
        for key in ("points", "growth"):
            value = row.get(key) or 0
            if not isinstance(value, int) or not 0 <= value <= MAX_REWARD:
                raise InvalidInput(detail={f"streak_rewards.{key}": f"between 0 and {MAX_REWARD}"})
            item[key] = value
        template = _template(merchant_id, row.get("coupon_template_id"), "streak_rewards.coupon_template_id")
        item["coupon_template_id"] = template.pk if template else None
        clean.append(item)
    return sorted(clean, key=lambda r: r["day"])


def _check_settings(s: LoyaltySettings) -> None:
    problems = {}
    if s.redeem_points_per_yuan < 1:
        problems["redeem_points_per_yuan"] = "at least 1"
    if s.redeem_step_fen < 1:
        problems["redeem_step_fen"] = "at least 1"
    if not 0 <= s.redeem_max_share_bp <= FULL_RATE:
        problems["redeem_max_share_bp"] = f"between 0 and {FULL_RATE}"
    if s.points_valid_days is not None and s.points_valid_days < 1:
        problems["points_valid_days"] = "at least 1, or null for never"
    if s.downgrade_period_days < 1:
        problems["downgrade_period_days"] = "at least 1"
    if problems:
        raise InvalidInput(detail=problems)


def settings_view(s: LoyaltySettings) -> dict[str, Any]:
    return {f: getattr(s, f) for f in SETTINGS_FIELDS}


@transaction.atomic
def update_settings(*, staff: Staff, **changes: Any) -> LoyaltySettings:
    """Set the merchant's membership rules; the first call sets the programme up."""
    require(staff, Perm.MEMBERS_EDIT)
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    nulls = sorted(k for k, v in changes.items() if v is None and k != "points_valid_days")
    if nulls:
        raise InvalidInput(detail={k: "may not be null" for k in nulls})
    row = LoyaltySettings.objects.for_merchant(staff.merchant_id).select_for_update().first()
    created = row is None
    row = row or LoyaltySettings(merchant_id=staff.merchant_id)
    before = None if created else settings_view(row)
    if "streak_rewards" in changes:
        changes["streak_rewards"] = _check_rewards(staff.merchant_id, changes["streak_rewards"])
    for name, value in changes.items():
        setattr(row, name, value)
    _check_settings(row)
    row.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="loyalty.settings",
        obj=row,
        before=before,
        after=settings_view(row),
    )
    return row


def _check_grant_limit(staff: Staff, delta: int, now: datetime) -> None:
    """Refuse a grant above what the staff member's role may give at once or in the merchant's day.

    The staff row is locked first, so two grants by one person cannot both fit under the daily cap.
    """
    per_adjustment, per_day = settings.SIYU_POINTS_GRANT_LIMITS.get(staff.role, (0, 0))
    if delta > per_adjustment:
        raise PointsGrantOverLimit(
            _("Your role may grant at most %(limit)d points in one adjustment. Ask an operator or the owner.")
            % {"limit": per_adjustment},
            detail={"delta": delta, "per": "adjustment", "limit": per_adjustment},
        )
    if per_day is None:
        return
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    zone = ZoneInfo(staff.merchant.timezone)
    day_start = timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    granted = (
        PointsEntry.objects.filter(
            merchant_id=staff.merchant_id,
            staff=staff,
            kind=PointsKind.ADJUST,
            delta__gt=0,
            created_at__gte=day_start,
        ).aggregate(total=Sum("delta"))["total"]
        or 0
    )
    if granted + delta > per_day:
        left = max(per_day - granted, 0)
        raise PointsGrantOverLimit(
            _(
                "Your role may grant at most %(limit)d points a day and %(left)d are left today. "
                "Ask an operator or the owner."
            )
            % {"limit": per_day, "left": left},
            detail={"delta": delta, "per": "day", "limit": per_day, "granted_today": granted},
        )


@transaction.atomic
def adjust_points(
    *, staff: Staff, customer_id: int, delta: int, reason: str, idempotency_key: str | None = None
) -> PointsEntry | None:
    """Add or take away a customer's points by hand, with a reason, audited. A negative adjustment
    beyond the balance is refused (``PointsInsufficient``), a grant beyond the role's limits
    (``settings.SIYU_POINTS_GRANT_LIMITS``, per adjustment and per day) ``PointsGrantOverLimit``.
    Replaying a key changes nothing."""
    require(staff, Perm.CUSTOMERS_EDIT)
    customer, reason = _adjusted_customer(staff, customer_id, delta, reason)
    rules = ledger.program(staff.merchant_id)
    if rules is None:
        raise LoyaltyNotEnabled()
    now = timezone.now()
    key = f"adjust:{idempotency_key or uuid.uuid4().hex}"
    replayed = PointsEntry.objects.filter(merchant_id=staff.merchant_id, idempotency_key=key).exists()
    if delta > 0 and not replayed:
        _check_grant_limit(staff, delta, now)
    move = ledger.Movement(
        staff.merchant_id, customer.pk, PointsKind.ADJUST, key, now, note=reason, staff=staff
    )
    if delta > 0:
        entry = ledger.credit_points(move, delta, expires_at=ledger.lot_expiry(rules, now))
    else:
        entry = ledger.debit_points(move, -delta)
    if entry is not None:
        membership = Membership.objects.get(customer=customer)
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="points.adjust",
            obj=membership,
            before={"points_balance": entry.balance_after - entry.delta},
            after={"points_balance": entry.balance_after, "delta": entry.delta, "reason": reason},
        )
    return entry


def _adjusted_customer(staff: Staff, customer_id: int, delta: int, reason: str) -> tuple[Customer, str]:
    customer = Customer.objects.for_merchant(staff.merchant_id).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise InvalidInput(detail={"reason": "required, at most 200 characters"})
    if delta == 0 or abs(delta) > MAX_ADJUST:
        raise InvalidInput(detail={"delta": f"non-zero, at most {MAX_ADJUST} either way"})
    return customer, reason


@transaction.atomic
def adjust_growth(
    *, staff: Staff, customer_id: int, delta: int, reason: str, idempotency_key: str | None = None
) -> GrowthEntry | None:
    """Add or take away a customer's growth by hand, with a reason, audited.

    Growth that rises moves the member up at once (with the upgrade gifts, as any upgrade); growth
    taken away never moves them down (only the downgrade evaluation does, as with refunds). Taking
    more than the member has is refused (``GrowthInsufficient``). Replaying a key changes nothing.
    """
    require(staff, Perm.MEMBERS_EDIT)
    customer, reason = _adjusted_customer(staff, customer_id, delta, reason)
    if ledger.program(staff.merchant_id) is None:
        raise LoyaltyNotEnabled()
    now = timezone.now()
    key = f"adjust:{idempotency_key or uuid.uuid4().hex}"
    if GrowthEntry.objects.filter(merchant_id=staff.merchant_id, idempotency_key=key).exists():
        return None
    membership = ledger.ensure_membership(merchant_id=staff.merchant_id, customer_id=customer.pk, now=now)
    growth = (
        Membership.objects.select_for_update().filter(pk=membership.pk).values_list("growth_value", flat=True)
    )
    before = growth.get()
    if before + delta < 0:
        raise GrowthInsufficient(detail={"delta": delta, "growth_value": before})
    move = ledger.Movement(
        staff.merchant_id, customer.pk, GrowthKind.ADJUST, key, now, note=reason, staff=staff
    )
    entry = ledger.add_growth(move, delta)
    if entry is not None:
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="growth.adjust",
            obj=membership,
            before={"growth_value": before},
            after={"growth_value": entry.growth_after, "delta": entry.delta, "reason": reason},
        )
    return entry
