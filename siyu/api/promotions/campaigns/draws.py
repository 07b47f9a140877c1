"""支付抽奖 and 盲盒 routes: staff run the campaigns and audit draws; customers draw their chances,
see the odds and buy boxes through checkout."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.promotions.campaigns.schemas import (
    ERRORS,
    MAX_FEN,
    SHOP_ERRORS,
    BlindBoxOrderIn,
    CampaignStatusFilter,
    IdempotencyKey,
)
from siyu.api.schemas import MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import order_dict
from siyu.core.models import TenantQuerySet
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.campaigns.models import Draw, DrawCampaign, DrawKind
from siyu.promotions.campaigns.playbook import BLIND_BOXES, LOTTERIES
from siyu.promotions.campaigns.providers import BLIND_BOX
from siyu.promotions.campaigns.services import draws, pools
from siyu.promotions.campaigns.services.pools import PrizeInput
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.kit.playbook import Playbook
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: campaigns"], auth=CustomerBearer())
admin_router = Router(tags=["admin: campaigns"], auth=staff_auth)


class CampaignPrizeIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    kind: str = Field(..., pattern="^(item|coupon|points|nothing)$")
    weight_bp: int = Field(..., ge=1, le=10_000, description="probability in basis points while in stock")
    stock: int | None = Field(None, ge=0, le=10**7, description="omit for unlimited (lottery only)")
    value: int = Field(0, ge=0, le=MAX_FEN, description="coupon value in fen, points, or goods value in fen")
    coupon_template_id: ObjectId | None = None
    sku_id: ObjectId | None = Field(None, description="the goods a goods prize ships")

    def input(self) -> PrizeInput:
        return PrizeInput(**self.dict())


class LotteryIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    min_order_amount: int = Field(..., ge=0, le=MAX_FEN, description="fen paid for one chance")
    chance_days: int = Field(7, ge=1, le=90)
    prizes: list[CampaignPrizeIn] = Field(..., min_length=1, max_length=20)


class LotteryPatch(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_order_amount: int | None = Field(None, ge=0, le=MAX_FEN)
    chance_days: int | None = Field(None, ge=1, le=90)
    prizes: list[CampaignPrizeIn] | None = Field(None, min_length=1, max_length=20)


class BlindBoxIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    sku_id: ObjectId = Field(..., description="the box as sold in the shop")
    box_price: int = Field(..., ge=1, le=MAX_FEN)
    per_customer_limit: int | None = Field(None, ge=1, le=999)
    prizes: list[CampaignPrizeIn] = Field(..., min_length=1, max_length=20)


class BlindBoxPatch(PatchIn):
    NULLABLE = frozenset({"per_customer_limit"})  # null clears: no limit / the default

    name: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    box_price: int | None = Field(None, ge=1, le=MAX_FEN)
    per_customer_limit: int | None = Field(None, ge=1, le=999)
    prizes: list[CampaignPrizeIn] | None = Field(None, min_length=1, max_length=20)


class CampaignPrizeOut(Schema):
    id: int
    name: str
    kind: str
    value: int
    weight_bp: int
    stock_total: int | None
    stock_left: int | None
    coupon_template_id: int | None
    sku_id: int | None


class DrawCampaignOut(Schema):
    id: int
    kind: str
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    min_order_amount: int
    chance_days: int
    sku_id: int | None
    box_price: int
    per_customer_limit: int | None
    box_quota: int
    boxes_taken: int
    miss_bp: int = Field(..., description="lottery: the chance of no prize while every prize is in stock")
    prizes: list[CampaignPrizeOut]
    secret: str = Field(..., description="shown once the campaign ended, so anyone can check the seeds")


class CampaignDrawOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    kind: str
    order_id: int
    unit: int
    status: str
    expires_at: datetime | None
    drawn_at: datetime | None
    prize: CampaignPrizeOut | None
    seed: str
    roll: str


class StaffCampaignDrawOut(CampaignDrawOut):
    customer_id: int
    pool: dict[str, Any]


class CampaignDrawFilter(Schema):
    status: str | None = Field(None, pattern="^(pending|drawn|void|returned)$")


class DrawAuditOut(Schema):
    draw_id: int
    ok: bool
    seed_matches: bool = Field(..., description="the seed is HMAC-SHA256(campaign secret, 'draw:<id>')")
    recorded_prize_id: int | None
    recomputed_prize_id: int | None
    roll: str
    recomputed_roll: str


class PrizeStockAuditOut(Schema):
    prize_id: int
    stock_total: int | None
    stock_left: int | None
    held: int
    ok: bool


class DrawStatsOut(Schema):
    campaign_id: int
    participants: int
    orders: int = Field(..., description="paid orders with a chance (lottery) or boxes (blind box)")
    gmv: int = Field(..., description="lottery: those orders' paid amount; blind box: the boxes' paid amount")
    discount_cost: int = Field(..., description="blind box: the discount on the boxes against the SKU price")
    units: int = 0
    draws: dict[str, int]
    prizes: list[dict[str, Any]]
    prize_cost: dict[str, int] = Field(..., description="coupon fen, points, goods fen of the prizes won")
    stock_audit: list[PrizeStockAuditOut]


def _campaign_out(campaign: DrawCampaign) -> dict[str, Any]:
    prizes = sorted(campaign.prizes.all(), key=lambda p: (p.position, p.pk))
    weights = sum(p.weight_bp for p in prizes)
    return {
        **{
            f: getattr(campaign, f)
            for f in DrawCampaignOut.model_fields
            if f not in {"miss_bp", "prizes", "secret"}
        },
        "miss_bp": max(10_000 - weights, 0) if campaign.kind == DrawKind.PAY_LOTTERY else 0,
        "prizes": prizes,
        "secret": campaign.secret if campaign.status == ActivityStatus.ENDED else "",
    }


def _draw_out(draw: Draw, *, staff: bool = False) -> dict[str, Any]:
    data = {
        "id": draw.pk,
        "campaign_id": draw.campaign_id,
        "campaign_name": draw.campaign.name,
        "kind": draw.campaign.kind,
        "order_id": draw.order_id,
        "unit": draw.unit,
        "status": draw.status,
        "expires_at": draw.expires_at,
        "drawn_at": draw.drawn_at,
        "prize": draw.prize,
        "seed": draw.seed,
        "roll": draw.roll,
    }
    if staff:
        data.update(customer_id=draw.customer_id, pool=draw.pool)
    return data


def _campaigns(merchant_id: int, kind: str) -> TenantQuerySet:
    return DrawCampaign.objects.for_merchant(merchant_id).filter(kind=kind).prefetch_related("prizes")


def _get(request: StaffRequest, campaign_id: int, kind: str) -> DrawCampaign:
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _campaigns(request.staff.merchant_id, kind).get_owned(campaign_id)


def _draws(request: StaffRequest, campaign_id: int, kind: str, filters: CampaignDrawFilter, page: PageParams):
    campaign = _get(request, campaign_id, kind)
    qs = (
        Draw.objects.for_merchant(campaign.merchant_id)
        .filter(campaign=campaign)
        .select_related("campaign", "prize")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-id"), page, lambda d: _draw_out(d, staff=True))


def _listed(qs: QuerySet[DrawCampaign], filters: CampaignStatusFilter) -> QuerySet[DrawCampaign]:
    return qs.filter(status=filters.status) if filters.status else qs


def _update(kind: str, staff: Staff, campaign_id: int, payload: Schema) -> None:
    changes = payload.dict(exclude_unset=True)
    prizes = changes.pop("prizes", None)
    pools.update_draw_campaign(
        staff=staff,
        campaign_id=campaign_id,
        kind=kind,
        changes=changes,
        prizes=None if prizes is None else [PrizeInput(**p) for p in prizes],
    )


def _routes(kind: str, playbook: Playbook, **spec: Any) -> ActivityRoutes:
    """A lottery's or a blind box's admin routes: the same bodies, the kind told apart."""
    return ActivityRoutes(
        playbook=playbook,
        out=DrawCampaignOut,
        filters=CampaignStatusFilter,
        stats_out=DrawStatsOut,
        staff_rows=partial(_campaigns, kind=kind),
        render=lambda campaign, now: _campaign_out(campaign),
        listed=_listed,
        update=partial(_update, kind),
        **spec,
    )


# ---- staff: lotteries -----------------------------------------------------------------------------

LOTTERY = DrawKind.PAY_LOTTERY


def _create_lottery(staff: Staff, payload: LotteryIn) -> DrawCampaign:
    data = payload.dict(exclude={"prizes"})
    return pools.create_lottery(staff=staff, prizes=[p.input() for p in payload.prizes], **data)


activity_routes(
    admin_router,
    _routes(
        LOTTERY,
        LOTTERIES,
        path="/campaigns/lotteries",
        id_name="lottery_id",
        create_in=LotteryIn,
        patch_in=LotteryPatch,
        create=_create_lottery,
        names=route_names("lottery", plural="lotteries"),
    ),
    module=__name__,
)


@admin_router.get(
    "/campaigns/lotteries/{lottery_id}/draws",
    response={200: Page[StaffCampaignDrawOut], 403: ErrorOut, 404: ErrorOut},
)
def lottery_draws(
    request: StaffRequest, lottery_id: ObjectId, filters: Query[CampaignDrawFilter], page: Query[PageParams]
):
    return _draws(request, lottery_id, LOTTERY, filters, page)


# ---- staff: blind boxes ---------------------------------------------------------------------------

BOX = DrawKind.BLIND_BOX


def _create_blind_box(staff: Staff, payload: BlindBoxIn) -> DrawCampaign:
    data = payload.dict(exclude={"prizes"})
    return pools.create_blind_box(staff=staff, prizes=[p.input() for p in payload.prizes], **data)


activity_routes(
    admin_router,
    _routes(
        BOX,
        BLIND_BOXES,
        path="/campaigns/blind-boxes",
        id_name="blind_box_id",
        create_in=BlindBoxIn,
        patch_in=BlindBoxPatch,
        create=_create_blind_box,
        names=route_names("blind_box", plural="blind_boxes"),
    ),
    module=__name__,
)


@admin_router.get(
    "/campaigns/blind-boxes/{blind_box_id}/draws",
    response={200: Page[StaffCampaignDrawOut], 403: ErrorOut, 404: ErrorOut},
)
def blind_box_draws(
    request: StaffRequest, blind_box_id: ObjectId, filters: Query[CampaignDrawFilter], page: Query[PageParams]
):
    return _draws(request, blind_box_id, BOX, filters, page)


@admin_router.get("/campaigns/draws/{draw_id}/audit", response={200: DrawAuditOut, **ERRORS})
def audit_draw(request: StaffRequest, draw_id: ObjectId):
    """Recompute a draw from its recorded seed and pool: ``ok`` when the same prize comes out."""
    result = draws.audit_draw(staff=request.staff, draw_id=draw_id)
    return {**result.__dict__, "ok": result.ok}


# ---- shop -----------------------------------------------------------------------------------------


def _running(merchant, kind: str) -> list[dict[str, Any]]:
    now = timezone.now()
    qs = _campaigns(merchant.pk, kind).filter(
        status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    )
    return [_campaign_out(c) for c in qs]


@shop_router.get("/campaigns/lotteries", response=list[DrawCampaignOut], auth=ShopVisitor())
def running_lotteries(request: ShopRequest, merchant: MerchantSlug):
    """Pay-and-draw lotteries running now, with their prizes, odds and stock."""
    return _running(request.merchant, LOTTERY)


@shop_router.get("/campaigns/blind-boxes", response=list[DrawCampaignOut], auth=ShopVisitor())
def running_blind_boxes(request: ShopRequest, merchant: MerchantSlug):
    """Blind boxes on sale now, with every prize's odds and how many are left."""
    return _running(request.merchant, BOX)


@shop_router.get(
    "/campaigns/blind-boxes/{blind_box_id}",
    response={200: DrawCampaignOut, 404: ErrorOut},
    auth=ShopVisitor(),
)
def get_box(request: ShopRequest, merchant: MerchantSlug, blind_box_id: ObjectId):
    return _campaign_out(_campaigns(request.merchant.pk, BOX).get_owned(blind_box_id))


@shop_router.post(
    "/campaigns/blind-boxes/{blind_box_id}/orders", response={201: OrderOut, 200: OrderOut, **SHOP_ERRORS}
)
def buy_boxes(
    request: ShopRequest,
    merchant: MerchantSlug,
    blind_box_id: ObjectId,
    payload: BlindBoxOrderIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """Order boxes at the box price; the prizes are drawn when the order is paid."""
    campaign = _campaigns(request.customer.merchant_id, BOX).get_owned(blind_box_id)
    assert campaign.sku_id is not None
    order, created = checkout.place_order(
        customer=request.customer,
        request=checkout.CheckoutRequest(
            lines=[
                checkout.LineRequest(campaign.sku_id, payload.quantity, ActivityRef(BLIND_BOX, campaign.pk))
            ],
            fulfilment=payload.fulfilment,
            address_id=payload.address_id,
            pickup_outlet_id=payload.pickup_outlet_id,
            note=payload.note,
            source="blind_box",
        ),
        idempotency_key=idempotency_key or None,
    )
    return (201 if created else 200), order_dict(_order(order.pk))


def _order(order_id: int) -> Order:
    return Order.objects.prefetch_related("lines").get(pk=order_id)


@shop_router.get("/campaigns/draws", response=Page[CampaignDrawOut])
def my_draws(
    request: ShopRequest, merchant: MerchantSlug, filters: Query[CampaignDrawFilter], page: Query[PageParams]
):
    """The customer's lottery chances and blind-box prizes, newest first."""
    qs = (
        Draw.objects.for_merchant(request.customer.merchant_id)
        .filter(customer=request.customer)
        .select_related("campaign", "prize")
        .order_by("-id")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, _draw_out)


@shop_router.post("/campaigns/draws/{draw_id}/draw", response={200: CampaignDrawOut, **SHOP_ERRORS})
def draw(request: ShopRequest, merchant: MerchantSlug, draw_id: ObjectId):
    """Use a lottery chance."""
    draws.draw_lottery(customer=request.customer, draw_id=draw_id)
    row = Draw.objects.select_related("campaign", "prize").get(pk=draw_id)
    return _draw_out(row)
