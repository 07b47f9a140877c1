"""Coupons and promotions over HTTP.

``shop_router`` (under /api/v1/shop/{merchant}/): the coupon centre, claiming, codes, my coupons.
``admin_router`` (under /api/v1/admin/): coupon templates, codes, targeted issuing, promotions,
the pricing policy, and the stats of each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import MerchantSlug, ObjectId
from siyu.promotions import selectors
from siyu.promotions import services as svc
from siyu.promotions.models import Coupon, CouponTemplate, PricingPolicy, Promotion
from siyu.promotions.services.coupons import get_template
from siyu.promotions.services.promotions import get_promotion
from siyu.tenancy import throttle
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: coupons"], auth=CustomerBearer())
admin_router = Router(tags=["admin: promotions"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
Fen = Field(..., ge=0, le=10**8)
Stage = Literal["activity", "item", "order", "coupon"]


# ---- schemas -----------------------------------------------------------------------------------


class PromotionScopeIn(Schema):
    sku_ids: list[ObjectId] = Field([], max_length=1000)
    product_ids: list[ObjectId] = Field([], max_length=1000)
    category_ids: list[ObjectId] = Field([], max_length=1000)
    roles: list[str] = Field([], max_length=20)
    exclude_sku_ids: list[ObjectId] = Field([], max_length=1000)
    exclude_product_ids: list[ObjectId] = Field([], max_length=1000)
    exclude_roles: list[str] = Field([], max_length=20)


class CouponTemplateIn(Schema):
    title: str = Field(..., min_length=1, max_length=64)
    kind: Literal["amount", "percent", "shipping"]
    amount: int = Field(0, ge=0, le=10**8)
    rate_bp: int = Field(10_000, ge=1, le=10_000)
    max_discount: int | None = Field(None, ge=1, le=10**8)
    threshold: int = Field(0, ge=0, le=10**9)
    scope: PromotionScopeIn | None = None
    new_customers_only: bool = False
    validity: Literal["fixed", "after_claim"] = "fixed"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = Field(None, ge=1, le=3650)
    total_quantity: int | None = Field(None, ge=1, le=10**8)
    per_customer_limit: int = Field(1, ge=1, le=100)
    claimable: bool = True
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    code_mode: Literal["none", "shared", "unique"] = "none"
    triggers: list[Literal["register", "follow", "first_order", "share"]] = Field([], max_length=4)
    stack_group: str = Field("", max_length=16)
    stacks_with_groups: list[str] | None = Field(None, max_length=10)
    stacks_with_stages: list[Stage] = Field([], max_length=4)


class CouponTemplatePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=64)
    total_quantity: int | None = Field(None, ge=1, le=10**8)
    per_customer_limit: int | None = Field(None, ge=1, le=100)
    claimable: bool | None = None
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    valid_until: datetime | None = None
    triggers: list[Literal["register", "follow", "first_order", "share"]] | None = Field(None, max_length=4)


class CouponTemplateOut(Schema):
    id: int
    title: str
    kind: str
    amount: int
    rate_bp: int
    max_discount: int | None
    threshold: int
    scope: dict[str, Any]
    new_customers_only: bool
    validity: str
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_quantity: int | None
    issued: int
    used: int
    per_customer_limit: int
    claimable: bool
    claim_starts_at: datetime | None
    claim_ends_at: datetime | None
    code_mode: str
    triggers: list[str]
    status: str


class CouponCentreItemOut(Schema):
    template: CouponTemplateOut
    held: int
    left: int | None


class CouponOut(Schema):
    id: int
    template_id: int
    title: str
    kind: str
    amount: int
    rate_bp: int
    max_discount: int | None
    threshold: int
    status: str
    valid_from: datetime | None
    valid_until: datetime | None
    source: str
    order_id: int | None
    claimed_at: datetime
    used_at: datetime | None


class ActivityStatusIn(Schema):
    status: Literal["active", "paused", "ended"]


class CouponCodesIn(Schema):
    count: int = Field(1, ge=1, le=10_000)
    code: str = Field("", max_length=32)


class CouponCodeOut(Schema):
    code: str
    single_use: bool
    redeemed: int


class CouponRedeemIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)


class CouponIssueIn(Schema):
    customer_ids: list[ObjectId] = Field(..., min_length=1, max_length=10_000)
    batch_key: str = Field("", max_length=40, description="replaying the same key issues nothing twice")


class CouponIssueOut(Schema):
    issued: int
    replayed: int
    skipped_customer_ids: list[int]


class PromotionStatsOut(Schema):
    orders: int
    customers: int
    gmv: int
    refunded: int
    discount_cost: int


class CouponTemplateStatsOut(PromotionStatsOut):
    issued: int
    left: int
    holders: int
    unused: int
    locked: int
    used: int


class PromotionIn(Schema):
    title: str = Field(..., min_length=1, max_length=64)
    kind: Literal[
        "limited_time_discount",
        "member_price",
        "nth_item",
        "buy_n_get_m",
        "bundle",
        "tiered",
        "add_on",
        "free_shipping",
    ]
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    priority: int = Field(100, ge=0, le=10_000)
    stacks_with: list[Stage] | None = Field(None, max_length=4)
    exclusive_group: str | None = Field(None, max_length=16)
    audience: dict[str, Any] = Field(
        {}, description="tiers, new_customers_only, returning_only, segments, tags"
    )
    scope: PromotionScopeIn | None = None
    config: dict[str, Any] = Field(..., description="the kind's own fields: see docs/pricing.md")
    gift_stock: dict[int, int] = Field({}, description="gift SKU id -> units this promotion may give")


class PromotionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    priority: int | None = Field(None, ge=0, le=10_000)
    audience: dict[str, Any] | None = None
    scope: PromotionScopeIn | None = None
    config: dict[str, Any] | None = None
    gift_stock: dict[int, int] | None = None


class PromotionOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    starts_at: datetime | None
    ends_at: datetime | None
    priority: int
    stacks_with: list[str] | None
    exclusive_group: str | None
    audience: dict[str, Any]
    scope: dict[str, Any]
    config: dict[str, Any]
    gift_stock: dict[int, int]


class PricingPolicyIn(Schema):
    floor_min_cost_bp: int | None = Field(None, ge=0, le=100_000)
    floor_min_list_bp: int | None = Field(None, ge=0, le=10_000)
    max_goods_coupons: int = Field(1, ge=0, le=10)
    max_shipping_coupons: int = Field(1, ge=0, le=10)


class PricingPolicyOut(Schema):
    floor_min_cost_bp: int | None
    floor_min_list_bp: int | None
    max_goods_coupons: int
    max_shipping_coupons: int


# ---- shaping -----------------------------------------------------------------------------------


def _template_out(t: CouponTemplate) -> dict[str, Any]:
    return {name: getattr(t, name) for name in CouponTemplateOut.model_fields} | {
        "triggers": list(t.triggers or [])
    }


def _coupon_out(c: Coupon) -> dict[str, Any]:
    t = c.template
    return {
        "id": c.pk,
        "template_id": t.pk,
        "title": t.title,
        "kind": t.kind,
        "amount": t.amount,
        "rate_bp": t.rate_bp,
        "max_discount": t.max_discount,
        "threshold": t.threshold,
        "status": c.status,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "source": c.source,
        "order_id": c.order_id,
        "claimed_at": c.claimed_at,
        "used_at": c.used_at,
    }


def _promotion_out(p: Promotion) -> dict[str, Any]:
    return {
        **{name: getattr(p, name) for name in PromotionOut.model_fields if name != "gift_stock"},
        "gift_stock": {g.sku_id: g.remaining for g in p.gift_stock.all()},
    }


def _scope(scope: PromotionScopeIn | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {k: v for k, v in scope.model_dump().items() if v}


# ---- shop --------------------------------------------------------------------------------------


@shop_router.get("/coupons/centre", response=list[CouponCentreItemOut])
def coupon_centre(request: ShopRequest, merchant: MerchantSlug):
    """领券中心: coupons offered now, and how many of each the customer already holds."""
    return [
        {
            "template": _template_out(t),
            "held": held,
            "left": None if t.total_quantity is None else t.total_quantity - t.issued,
        }
        for t, held in selectors.coupon_centre(request.customer, timezone.now())
    ]


@shop_router.post("/coupons/centre/{template_id}/claim", response={200: CouponOut, **ERRORS})
def claim(
    request: ShopRequest,
    merchant: MerchantSlug,
    template_id: ObjectId,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
):
    coupon = svc.claim_coupon(customer=request.customer, template_id=template_id, claim_key=idempotency_key)
    return _coupon_out(coupon)


@shop_router.post("/coupons/redeem-code", response={200: CouponOut, 429: ErrorOut, **ERRORS})
@throttle.guard(throttle.COUPON_CODE)
def redeem(request: ShopRequest, merchant: MerchantSlug, payload: CouponRedeemIn):
    return _coupon_out(svc.redeem_code(customer=request.customer, code=payload.code))


@shop_router.get("/coupons", response=Page[CouponOut])
def my_coupons(
    request: ShopRequest,
    merchant: MerchantSlug,
    page: Query[PageParams],
    status: Literal["unused", "locked", "used", "expired"] | None = None,
):
    qs = selectors.customer_coupons(request.customer, status=status, now=timezone.now())
    return paginate(qs, page, _coupon_out)


# ---- admin: coupons ----------------------------------------------------------------------------


@admin_router.get("/coupon-templates", response=Page[CouponTemplateOut])
def list_templates(
    request: StaffRequest, page: Query[PageParams], status: Literal["active", "paused", "ended"] | None = None
):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    qs = CouponTemplate.objects.for_merchant(request.staff.merchant_id)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, page, _template_out)


@admin_router.post("/coupon-templates", response={201: CouponTemplateOut, **ERRORS})
def create_template(request: StaffRequest, payload: CouponTemplateIn):
    fields = payload.model_dump()
    fields["scope"] = _scope(payload.scope) or {}
    return 201, _template_out(svc.create_template(staff=request.staff, **fields))


@admin_router.get("/coupon-templates/{template_id}", response={200: CouponTemplateOut, **ERRORS})
def get_template_route(request: StaffRequest, template_id: ObjectId):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _template_out(get_template(merchant_id=request.staff.merchant_id, template_id=template_id))


@admin_router.patch("/coupon-templates/{template_id}", response={200: CouponTemplateOut, **ERRORS})
def update_template(request: StaffRequest, template_id: ObjectId, payload: CouponTemplatePatch):
    changes = payload.model_dump(exclude_unset=True)
    return _template_out(svc.update_template(staff=request.staff, template_id=template_id, **changes))


@admin_router.post("/coupon-templates/{template_id}/status", response={200: CouponTemplateOut, **ERRORS})
def template_status(request: StaffRequest, template_id: ObjectId, payload: ActivityStatusIn):
    template = svc.set_template_status(staff=request.staff, template_id=template_id, status=payload.status)
    return _template_out(template)


@admin_router.post("/coupon-templates/{template_id}/codes", response={201: list[CouponCodeOut], **ERRORS})
def create_codes(request: StaffRequest, template_id: ObjectId, payload: CouponCodesIn):
    rows = svc.create_codes(
        staff=request.staff, template_id=template_id, count=payload.count, code=payload.code
    )
    return 201, [{"code": r.code, "single_use": r.single_use, "redeemed": r.redeemed} for r in rows]


@admin_router.post("/coupon-templates/{template_id}/issue", response={200: CouponIssueOut, **ERRORS})
def issue(request: StaffRequest, template_id: ObjectId, payload: CouponIssueIn):
    """定向发券: one coupon to each listed customer (all or nothing on the quantity left)."""
    return svc.issue_to_customers(
        staff=request.staff,
        template_id=template_id,
        customer_ids=payload.customer_ids,
        batch_key=payload.batch_key,
    )


@admin_router.get("/coupon-templates/{template_id}/stats", response={200: CouponTemplateStatsOut, **ERRORS})
def template_stats(request: StaffRequest, template_id: ObjectId):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return selectors.template_stats(
        get_template(merchant_id=request.staff.merchant_id, template_id=template_id)
    )


# ---- admin: promotions -------------------------------------------------------------------------


@admin_router.get("/promotions", response=Page[PromotionOut])
def list_promotions(
    request: StaffRequest, page: Query[PageParams], status: Literal["active", "paused", "ended"] | None = None
):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    qs = Promotion.objects.for_merchant(request.staff.merchant_id).prefetch_related("gift_stock")
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, page, _promotion_out)


@admin_router.post("/promotions", response={201: PromotionOut, **ERRORS})
def create_promotion(request: StaffRequest, payload: PromotionIn):
    fields = payload.model_dump(exclude={"gift_stock"})
    fields["scope"] = _scope(payload.scope) or {}
    row = svc.create_promotion(staff=request.staff, gift_stock=payload.gift_stock, **fields)
    return 201, _promotion_out(row)


@admin_router.get("/promotions/{promotion_id}", response={200: PromotionOut, **ERRORS})
def get_promotion_route(request: StaffRequest, promotion_id: ObjectId):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _promotion_out(get_promotion(merchant_id=request.staff.merchant_id, promotion_id=promotion_id))


@admin_router.patch("/promotions/{promotion_id}", response={200: PromotionOut, **ERRORS})
def update_promotion(request: StaffRequest, promotion_id: ObjectId, payload: PromotionPatch):
    changes = payload.model_dump(exclude_unset=True, exclude={"gift_stock", "scope"})
    if payload.scope is not None:
        changes["scope"] = _scope(payload.scope)
    row = svc.update_promotion(
        staff=request.staff, promotion_id=promotion_id, gift_stock=payload.gift_stock, **changes
    )
    return _promotion_out(row)


@admin_router.post("/promotions/{promotion_id}/status", response={200: PromotionOut, **ERRORS})
def promotion_status(request: StaffRequest, promotion_id: ObjectId, payload: ActivityStatusIn):
    row = svc.set_promotion_status(staff=request.staff, promotion_id=promotion_id, status=payload.status)
    return _promotion_out(row)


@admin_router.get("/promotions/{promotion_id}/stats", response={200: PromotionStatsOut, **ERRORS})
def promotion_stats(request: StaffRequest, promotion_id: ObjectId):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    row = get_promotion(merchant_id=request.staff.merchant_id, promotion_id=promotion_id)
    return selectors.promotion_stats(row.merchant_id, row.rule_id)


@admin_router.get("/pricing-policy", response={200: PricingPolicyOut, **ERRORS})
def get_policy(request: StaffRequest):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    policy = PricingPolicy.objects.for_merchant(request.staff.merchant_id).first() or PricingPolicy()
    return {name: getattr(policy, name) for name in PricingPolicyOut.model_fields}


@admin_router.put("/pricing-policy", response={200: PricingPolicyOut, **ERRORS})
def put_policy(request: StaffRequest, payload: PricingPolicyIn):
    policy = svc.update_pricing_policy(staff=request.staff, **payload.model_dump())
    return {name: getattr(policy, name) for name in PricingPolicyOut.model_fields}
