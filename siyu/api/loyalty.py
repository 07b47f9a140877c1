"""Membership: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/). Rules: docs/membership.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Header, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import MerchantSlug, ObjectId
from siyu.core.errors import NotFound
from siyu.members.loyalty import selectors
from siyu.members.loyalty.models import CheckIn, Membership, MemberTier, PointsEntry
from siyu.members.loyalty.services import admin, checkins, ledger
from siyu.members.models import Customer
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: membership"], auth=CustomerBearer())
admin_router = Router(tags=["admin: membership"], auth=staff_auth)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
READ_ERRORS = {403: ErrorOut, 404: ErrorOut}
MAX_POINTS = 10**9


# ---- schemas ----------------------------------------------------------------------------------------


class MemberTierIn(Schema):
    code: str = Field(..., pattern=r"^[a-z0-9_-]{1,32}$", description="the key member-price promotions use")
    name: str = Field(..., min_length=1, max_length=32)
    rank: int = Field(..., ge=0, le=1000, description="higher is better")
    growth_threshold: int = Field(..., ge=0, le=MAX_POINTS, description="growth that reaches the tier")
    keep_threshold: int = Field(0, ge=0, le=MAX_POINTS, description="growth per downgrade period to keep it")
    discount_bp: int = Field(10_000, ge=1, le=10_000, description="share of the price paid; 10000 = none")
    free_shipping: bool = False
    birthday_template_id: ObjectId | None = Field(None, description="coupon template issued on birthdays")
    points_multiplier_bp: int = Field(10_000, ge=0, le=100_000, description="15000 = 1.5x points")
    upgrade_points: int = Field(0, ge=0, le=1_000_000, description="points given on reaching the tier")
    upgrade_template_id: ObjectId | None = Field(None, description="coupon template given on reaching it")


class MemberTierPatch(Schema):
    code: str | None = Field(None, pattern=r"^[a-z0-9_-]{1,32}$")
    name: str | None = Field(None, min_length=1, max_length=32)
    rank: int | None = Field(None, ge=0, le=1000)
    growth_threshold: int | None = Field(None, ge=0, le=MAX_POINTS)
    keep_threshold: int | None = Field(None, ge=0, le=MAX_POINTS)
    discount_bp: int | None = Field(None, ge=1, le=10_000)
    free_shipping: bool | None = None
    birthday_template_id: ObjectId | None = None
    points_multiplier_bp: int | None = Field(None, ge=0, le=100_000)
    upgrade_points: int | None = Field(None, ge=0, le=1_000_000)
    upgrade_template_id: ObjectId | None = None


class MemberTierOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    growth_threshold: int
    keep_threshold: int
    discount_bp: int
    free_shipping: bool
    birthday_template_id: int | None
    points_multiplier_bp: int
    upgrade_points: int
    upgrade_template_id: int | None


class StreakRewardIn(Schema):
    day: int = Field(..., ge=1, le=366, description="day of the streak (within the cycle)")
    points: int = Field(0, ge=0, le=1_000_000)
    growth: int = Field(0, ge=0, le=1_000_000)
    coupon_template_id: ObjectId | None = None


class LoyaltySettingsPatch(Schema):
    enabled: bool | None = None
    earn_points_per_yuan: int | None = Field(None, ge=0, le=10_000)
    redeem_points_per_yuan: int | None = Field(None, ge=1, le=1_000_000)
    redeem_max_share_bp: int | None = Field(None, ge=0, le=10_000)
    redeem_step_fen: int | None = Field(None, ge=1, le=100_000)
    points_valid_days: int | None = Field(None, ge=1, le=3650, description="null: points never expire")
    growth_per_yuan: int | None = Field(None, ge=0, le=10_000)
    check_in_points: int | None = Field(None, ge=0, le=1_000_000)
    check_in_growth: int | None = Field(None, ge=0, le=1_000_000)
    streak_cycle_days: int | None = Field(None, ge=0, le=366)
    streak_rewards: list[StreakRewardIn] | None = Field(None, max_length=31)
    downgrade_enabled: bool | None = None
    downgrade_period_days: int | None = Field(None, ge=1, le=3650)


class StreakRewardOut(Schema):
    day: int
    points: int
    growth: int
    coupon_template_id: int | None


class LoyaltySettingsOut(Schema):
    enabled: bool
    earn_points_per_yuan: int
    redeem_points_per_yuan: int
    redeem_max_share_bp: int
    redeem_step_fen: int
    points_valid_days: int | None
    growth_per_yuan: int
    check_in_points: int
    check_in_growth: int
    streak_cycle_days: int
    streak_rewards: list[StreakRewardOut]
    downgrade_enabled: bool
    downgrade_period_days: int


class PointsEntryOut(Schema):
    id: int
    kind: str
    delta: int
    balance_after: int
    shortfall: int
    order_id: int | None
    expires_at: datetime | None
    note: str
    created_at: datetime


class MembershipOut(Schema):
    enabled: bool = Field(..., description="false: the shop runs no membership programme")
    tier: MemberTierOut | None
    next_tier: MemberTierOut | None
    growth_value: int
    growth_missing: int = Field(..., description="growth still needed for the next tier")
    points_balance: int
    points_worth: int = Field(..., description="fen the balance pays at checkout (before the share cap)")
    points_expiring: int = Field(..., description="points that expire before expiring_before unless spent")
    expiring_before: datetime | None
    streak: int
    checked_in_today: bool
    next_check_in_points: int


class CheckInOut(Schema):
    on: date
    streak: int
    points: int
    growth: int
    coupon_id: int | None
    points_balance: int


class PointsAdjustIn(Schema):
    delta: int = Field(..., ge=-admin.MAX_ADJUST, le=admin.MAX_ADJUST, description="non-zero")
    reason: str = Field(..., min_length=1, max_length=200)


class MemberAdminOut(MembershipOut):
    customer_id: int


class TierCountOut(Schema):
    tier: MemberTierOut
    members: int


class TierCountsOut(Schema):
    tiers: list[TierCountOut]
    no_tier: int = Field(..., description="members below every tier")


def _tier_out(t: MemberTier | None) -> dict[str, Any] | None:
    return None if t is None else {f: getattr(t, f) for f in MemberTierOut.model_fields}


def _membership_out(view: selectors.MembershipView) -> dict[str, Any]:
    return {
        **{f: getattr(view, f) for f in MembershipOut.model_fields if f not in {"tier", "next_tier"}},
        "tier": _tier_out(view.tier),
        "next_tier": _tier_out(view.next_tier),
    }


def _entry_out(e: PointsEntry) -> dict[str, Any]:
    return {f: getattr(e, f) for f in PointsEntryOut.model_fields}


def _check_in_out(c: CheckIn, balance: int) -> dict[str, Any]:
    return {
        "on": c.on,
        "streak": c.streak,
        "points": c.points,
        "growth": c.growth,
        "coupon_id": c.coupon_id,
        "points_balance": balance,
    }


# ---- staff ----------------------------------------------------------------------------------------


@admin_router.get("/loyalty/tiers", response={200: list[MemberTierOut], 403: ErrorOut})
def list_tiers(request: StaffRequest):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return [_tier_out(t) for t in ledger.tiers(request.staff.merchant_id)]


@admin_router.post("/loyalty/tiers", response={201: MemberTierOut, **ERRORS})
def create_tier(request: StaffRequest, payload: MemberTierIn):
    """A tier; members whose growth already reaches it move up at once."""
    return 201, _tier_out(admin.create_tier(staff=request.staff, **payload.dict()))


@admin_router.get("/loyalty/tiers/{tier_id}", response={200: MemberTierOut, **READ_ERRORS})
def get_tier(request: StaffRequest, tier_id: ObjectId):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _tier_out(admin.get_tier(merchant_id=request.staff.merchant_id, tier_id=tier_id))


@admin_router.patch("/loyalty/tiers/{tier_id}", response={200: MemberTierOut, **ERRORS})
def update_tier(request: StaffRequest, tier_id: ObjectId, payload: MemberTierPatch):
    return _tier_out(
        admin.update_tier(staff=request.staff, tier_id=tier_id, **payload.dict(exclude_unset=True))
    )


@admin_router.delete("/loyalty/tiers/{tier_id}", response={204: None, **ERRORS})
def delete_tier(request: StaffRequest, tier_id: ObjectId):
    """Only a tier nobody holds or ever held."""
    admin.delete_tier(staff=request.staff, tier_id=tier_id)
    return 204, None


@admin_router.get("/loyalty/settings", response={200: LoyaltySettingsOut, 403: ErrorOut})
def get_settings(request: StaffRequest):
    """The membership rules (the defaults, ``enabled`` false, until first saved)."""
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return admin.settings_view(selectors.settings_or_default(request.staff.merchant_id))


@admin_router.patch("/loyalty/settings", response={200: LoyaltySettingsOut, **ERRORS})
def update_settings(request: StaffRequest, payload: LoyaltySettingsPatch):
    """Change the rules; the first save sets the programme up (enabled unless said otherwise)."""
    changes = payload.dict(exclude_unset=True)
    row = admin.update_settings(staff=request.staff, **changes)
    return admin.settings_view(row)


def _customer(request: StaffRequest, customer_id: int, perm: Perm) -> Customer:
    require(request.staff, perm)
    customer = Customer.objects.for_merchant(request.staff.merchant_id).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    return customer


def _member_out(customer: Customer) -> dict[str, Any]:
    return {**_membership_out(selectors.membership_view(customer=customer)), "customer_id": customer.pk}


@admin_router.get("/loyalty/members/{customer_id}", response={200: MemberAdminOut, **READ_ERRORS})
def get_member(request: StaffRequest, customer_id: ObjectId):
    return _member_out(_customer(request, customer_id, Perm.CUSTOMERS_VIEW))


@admin_router.get(
    "/loyalty/members/{customer_id}/points", response={200: Page[PointsEntryOut], **READ_ERRORS}
)
def member_points(request: StaffRequest, customer_id: ObjectId, page: Query[PageParams]):
    """A member's points ledger, newest first."""
    customer = _customer(request, customer_id, Perm.CUSTOMERS_VIEW)
    qs = selectors.points_entries(merchant_id=customer.merchant_id, customer_id=customer.pk)
    return paginate(qs, page, _entry_out)


@admin_router.post(
    "/loyalty/members/{customer_id}/points-adjustments",
    response={201: MemberAdminOut, 200: MemberAdminOut, **ERRORS},
)
def adjust_points(
    request: StaffRequest,
    customer_id: ObjectId,
    payload: PointsAdjustIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
):
    """Add (positive) or take away (negative) points with a reason; audited. A replayed
    ``Idempotency-Key`` changes nothing and answers 200."""
    entry = admin.adjust_points(
        staff=request.staff,
        customer_id=customer_id,
        delta=payload.delta,
        reason=payload.reason,
        idempotency_key=idempotency_key or None,
    )
    customer = Customer.objects.get(pk=customer_id)
    return (201 if entry is not None else 200), _member_out(customer)


@admin_router.get("/loyalty/tier-counts", response={200: TierCountsOut, 403: ErrorOut})
def tier_counts(request: StaffRequest):
    """Members per tier."""
    require(request.staff, Perm.CUSTOMERS_VIEW)
    rows, none = selectors.tier_counts(merchant_id=request.staff.merchant_id)
    return {"tiers": [{"tier": _tier_out(t), "members": n} for t, n in rows], "no_tier": none}


# ---- shop -----------------------------------------------------------------------------------------


@shop_router.get("/membership/tiers", response=list[MemberTierOut], auth=ShopVisitor())
def shop_tiers(request: ShopRequest, merchant: MerchantSlug):
    """The shop's tiers and their benefits, lowest first."""
    if ledger.program(request.merchant.pk) is None:
        return []
    return [_tier_out(t) for t in ledger.tiers(request.merchant.pk)]


@shop_router.get("/membership", response=MembershipOut)
def my_membership(request: ShopRequest, merchant: MerchantSlug):
    """My tier, growth and what the next tier needs, points and what expires within 30 days."""
    return _membership_out(selectors.membership_view(customer=request.customer))


@shop_router.get("/membership/points", response=Page[PointsEntryOut])
def my_points(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """My points ledger, newest first."""
    qs = selectors.points_entries(merchant_id=request.customer.merchant_id, customer_id=request.customer.pk)
    return paginate(qs, page, _entry_out)


@shop_router.post("/membership/check-ins", response={201: CheckInOut, 200: CheckInOut, 409: ErrorOut})
def check_in(request: ShopRequest, merchant: MerchantSlug):
    """Check in for today: 201 the first time, 200 with the same check-in after that."""
    result = checkins.check_in(customer=request.customer)
    balance = Membership.objects.filter(customer=request.customer).values_list("points_balance", flat=True)
    return (201 if result.created else 200), _check_in_out(result.check_in, balance.first() or 0)
