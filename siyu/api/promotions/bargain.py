"""Bargains: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.schemas import MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import order_dict
from siyu.orders.models import Order, OrderLine
from siyu.promotions.bargain import selectors
from siyu.promotions.bargain.models import Bargain, BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.playbook import BARGAINS
from siyu.promotions.bargain.services import activities, records
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: bargain"], auth=CustomerBearer())
admin_router = Router(tags=["admin: bargain"], auth=staff_auth)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_FEN = 10**9
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=64)


# ---- shapes -------------------------------------------------------------------------------------


class BargainIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    sku_id: ObjectId
    starts_at: datetime
    ends_at: datetime
    floor_price: int = Field(..., ge=0, le=MAX_FEN, description="fen; 0 makes it a 0元购")
    helpers_needed: int = Field(..., ge=1, le=100)
    hours_to_finish: int = Field(..., ge=1, le=168)
    quota: int | None = Field(None, ge=1, le=10**7, description="orders allowed in all; omit for no cap")
    per_customer_limit: int = Field(1, ge=1, le=99)


class BargainPatch(PatchIn):
    NULLABLE = frozenset({"quota"})  # null clears: no limit / the default

    name: str | None = Field(None, min_length=1, max_length=64)
    sku_id: ObjectId | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    floor_price: int | None = Field(None, ge=0, le=MAX_FEN)
    helpers_needed: int | None = Field(None, ge=1, le=100)
    hours_to_finish: int | None = Field(None, ge=1, le=168)
    quota: int | None = Field(None, ge=1, le=10**7)
    per_customer_limit: int | None = Field(None, ge=1, le=99)


class BargainOut(Schema):
    id: int
    name: str
    status: str
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    image: str
    starts_at: datetime
    ends_at: datetime
    start_price: int
    floor_price: int
    helpers_needed: int
    hours_to_finish: int
    quota: int | None
    sold: int
    per_customer_limit: int


class HelpOut(Schema):
    seq: int
    nickname: str
    avatar_url: str
    cut: int
    created_at: datetime


class RecordOut(Schema):
    id: int
    bargain: BargainOut
    owner_nickname: str
    is_mine: bool
    start_price: int
    floor_price: int
    current_price: int
    helpers_needed: int
    helps_done: int
    helps_left: int
    status: str
    expires_at: datetime
    succeeded_at: datetime | None
    order_id: int | None
    helps: list[HelpOut]


class StaffHelpOut(HelpOut):
    helper_id: int


class StaffRecordOut(RecordOut):
    customer_id: int
    seed: int
    cuts: list[int]
    helps: list[StaffHelpOut]  # type: ignore[assignment]


class HelpResultOut(Schema):
    cut: int
    seq: int
    record: RecordOut


class BargainBuyIn(Schema):
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)


class BargainStatsOut(Schema):
    bargain_id: int
    records: int = Field(..., description="bargains started")
    participants: int = Field(..., description="customers who started one")
    helps: int
    helpers: int = Field(..., description="distinct customers who helped")
    ongoing: int
    reached_floor: int
    expired: int
    ordered: int
    sold: int
    orders: int = Field(..., description="paid orders through this bargain")
    gmv: int = Field(..., description="fen paid for the bargained units, less refunds")
    discount_cost: int = Field(..., description="fen of discount on the units kept")


class BargainFilter(Schema):
    status: ActivityStatus | None = None


class RecordFilter(Schema):
    status: RecordStatus | None = None


# ---- rendering ----------------------------------------------------------------------------------


def bargain_dict(bargain: Bargain) -> dict[str, Any]:
    product = bargain.sku.product
    data = {
        name: getattr(bargain, name)
        for name in BargainOut.model_fields
        if name not in {"product_id", "product_name", "specs", "image"}
    }
    data.update(
        product_id=product.pk,
        product_name=product.name,
        specs=bargain.sku.specs,
        image=(product.images or [""])[0],
    )
    return data


def _help_dict(help_: BargainHelp, staff: bool) -> dict[str, Any]:
    data = {
        "seq": help_.seq,
        "nickname": help_.helper.nickname,
        "avatar_url": help_.helper.avatar_url,
        "cut": help_.cut,
        "created_at": help_.created_at,
    }
    if staff:
        data["helper_id"] = help_.helper_id
    return data


def record_dict(
    record: BargainRecord, *, viewer_id: int | None = None, staff: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.pk,
        "bargain": bargain_dict(record.bargain),
        "owner_nickname": record.customer.nickname,
        "is_mine": record.customer_id == viewer_id,
        "start_price": record.start_price,
        "floor_price": record.floor_price,
        "current_price": record.current_price,
        "helpers_needed": record.helpers_needed,
        "helps_done": record.helps_done,
        "helps_left": record.helpers_needed - record.helps_done,
        "status": record.status,
        "expires_at": record.expires_at,
        "succeeded_at": record.succeeded_at,
        "order_id": record.order_id if staff or record.customer_id == viewer_id else None,
        "helps": [_help_dict(h, staff) for h in record.helps.all()],
    }
    if staff:
        data.update(customer_id=record.customer_id, seed=record.seed, cuts=record.cuts)
    return data


def _record(merchant_id: int, record_id: int) -> BargainRecord:
    return selectors.records(merchant_id).get_owned(record_id)


# ---- shop ---------------------------------------------------------------------------------------


@shop_router.get("/bargains", response=Page[BargainOut], auth=ShopVisitor())
def shop_list_bargains(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """Bargains running now, ending soonest first."""
    return paginate(selectors.live_bargains(request.merchant.pk, timezone.now()), page, bargain_dict)


@shop_router.get("/bargains/{bargain_id}", response={200: BargainOut, 404: ErrorOut}, auth=ShopVisitor())
def shop_get_bargain(request: ShopRequest, merchant: MerchantSlug, bargain_id: ObjectId):
    return bargain_dict(selectors.live_bargains(request.merchant.pk, timezone.now()).get_owned(bargain_id))


@shop_router.post("/bargains/{bargain_id}/records", response={201: RecordOut, **ERRORS})
def shop_start_bargain(request: ShopRequest, merchant: MerchantSlug, bargain_id: ObjectId):
    """发起砍价: start bargaining; share the record with friends so they help."""
    record = records.start_bargain(customer=request.customer, bargain_id=bargain_id)
    return 201, record_dict(_record(request.merchant.pk, record.pk), viewer_id=request.customer.pk)


@shop_router.get("/bargain-records", response=Page[RecordOut])
def shop_my_records(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """The customer's own bargains, newest first."""
    qs = selectors.records(request.merchant.pk).filter(customer=request.customer).order_by("-pk")
    return paginate(qs, page, lambda r: record_dict(r, viewer_id=request.customer.pk))


@shop_router.get("/bargain-records/{record_id}", response={200: RecordOut, 404: ErrorOut}, auth=ShopVisitor())
def shop_get_record(request: ShopRequest, merchant: MerchantSlug, record_id: ObjectId):
    """A bargain's page (the link its owner shares): price so far and who helped."""
    viewer = request.customer.pk if request.customer else None
    return record_dict(_record(request.merchant.pk, record_id), viewer_id=viewer)


@shop_router.post("/bargain-records/{record_id}/help", response={200: HelpResultOut, **ERRORS})
def shop_help(request: ShopRequest, merchant: MerchantSlug, record_id: ObjectId):
    """帮砍: cut a friend's price (once per friend; not one's own)."""
    help_ = records.help_bargain(helper=request.customer, record_id=record_id)
    record = _record(request.merchant.pk, record_id)
    return {"cut": help_.cut, "seq": help_.seq, "record": record_dict(record, viewer_id=request.customer.pk)}


@shop_router.post("/bargain-records/{record_id}/order", response={201: OrderOut, **ERRORS})
def shop_buy(
    request: ShopRequest,
    merchant: MerchantSlug,
    record_id: ObjectId,
    payload: BargainBuyIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """Buy at the floor price once the helps reached it; pay the order as any other."""
    order = records.buy_bargain(
        customer=request.customer,
        record_id=record_id,
        fulfilment=payload.fulfilment,
        address_id=payload.address_id,
        pickup_outlet_id=payload.pickup_outlet_id,
        note=payload.note,
        idempotency_key=idempotency_key,
    )
    order = (
        Order.objects.filter(pk=order.pk)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .get()
    )
    return 201, order_dict(order)


# ---- admin --------------------------------------------------------------------------------------


def _create(staff: Staff, payload: BargainIn) -> Bargain:
    return activities.create_bargain(staff=staff, data=activities.BargainInput(**payload.dict()))


def _update(staff: Staff, bargain_id: int, payload: BargainPatch) -> None:
    activities.update_bargain(staff=staff, bargain_id=bargain_id, changes=payload.dict(exclude_unset=True))


def _listed(qs: QuerySet[Bargain], filters: BargainFilter) -> QuerySet[Bargain]:
    qs = qs.order_by("-pk")
    return qs.filter(status=filters.status) if filters.status else qs


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=BARGAINS,
        path="/bargains",
        id_name="bargain_id",
        out=BargainOut,
        create_in=BargainIn,
        patch_in=BargainPatch,
        filters=BargainFilter,
        stats_out=BargainStatsOut,
        staff_rows=selectors.bargains,
        render=lambda bargain, now: bargain_dict(bargain),
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("bargain", prefix="admin_"),
        docs={
            "update": "Change the fields sent. The SKU, floor price and helpers are fixed once a record has "
            "started.",
            "pause": "No new records and no helps; records at their floor can still be bought until their "
            "deadline.",
        },
    ),
    module=__name__,
)


@admin_router.get(
    "/bargains/{bargain_id}/records", response={200: Page[StaffRecordOut], 403: ErrorOut, 404: ErrorOut}
)
def admin_list_records(
    request: StaffRequest, bargain_id: ObjectId, filters: Query[RecordFilter], page: Query[PageParams]
):
    require(request.staff, Perm.PROMOTIONS_VIEW)
    bargain = Bargain.objects.for_merchant(request.staff.merchant_id).get_owned(bargain_id)
    qs = selectors.records(request.staff.merchant_id).filter(bargain=bargain).order_by("-pk")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, lambda r: record_dict(r, staff=True))
