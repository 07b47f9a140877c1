"""好友助力 routes: staff run campaigns; customers start records, share them and help friends."""

from __future__ import annotations

from datetime import datetime
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
    MAX_FEN,
    REWARD_KIND,
    SHOP_ERRORS,
    CampaignPersonOut,
    CampaignStatusFilter,
    person,
)
from siyu.api.schemas import MerchantSlug, ObjectId
from siyu.core.models import TenantQuerySet
from siyu.promotions.campaigns.models import AssistCampaign, AssistRecord
from siyu.promotions.campaigns.playbook import ASSISTS
from siyu.promotions.campaigns.services import assist
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: campaigns"], auth=CustomerBearer())
admin_router = Router(tags=["admin: campaigns"], auth=staff_auth)


class AssistIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    starts_at: datetime
    ends_at: datetime
    assists_needed: int = Field(..., ge=1, le=100)
    hours: int = Field(..., ge=1, le=720, description="how long a record collects helps")
    reward_kind: str = Field(..., pattern=REWARD_KIND)
    reward_value: int = Field(..., ge=1, le=MAX_FEN, description="coupon value in fen, or points")
    coupon_template_id: ObjectId | None = None
    new_helpers_only: bool = False
    reward_stock: int | None = Field(None, ge=1, le=10**7, description="rewards to give; omit for unlimited")


class AssistPatch(PatchIn):
    NULLABLE = frozenset({"reward_stock"})  # null clears: no limit / the default

    name: str | None = Field(None, min_length=1, max_length=64)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    assists_needed: int | None = Field(None, ge=1, le=100)
    hours: int | None = Field(None, ge=1, le=720)
    new_helpers_only: bool | None = None
    reward_stock: int | None = Field(None, ge=1, le=10**7)


class AssistOut(Schema):
    id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    assists_needed: int
    hours: int
    reward_kind: str
    reward_value: int
    coupon_template_id: int | None
    new_helpers_only: bool
    reward_stock: int | None
    records_started: int


class AssistRecordOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    status: str
    initiator: CampaignPersonOut
    assists_needed: int
    assists_count: int
    assists_left: int
    expires_at: datetime
    unlocked_at: datetime | None
    reward_kind: str
    reward_value: int
    helpers: list[CampaignPersonOut]
    helped_by_me: bool


class StaffAssistRecordOut(Schema):
    id: int
    initiator_id: int
    status: str
    assists_needed: int
    assists_count: int
    expires_at: datetime
    created_at: datetime
    unlocked_at: datetime | None
    helper_ids: list[int]


class AssistRecordFilter(Schema):
    status: str | None = Field(None, pattern="^(ongoing|unlocked|expired)$")


class AssistStatsOut(Schema):
    assist_id: int
    participants: int = Field(..., description="initiators and helpers")
    initiators: int
    helpers: int
    helps: int
    records: dict[str, int]
    orders: int = Field(..., description="paid orders of participants during the campaign")
    gmv: int
    rewards: int = Field(..., description="records unlocked")
    reward_kind: str
    reward_cost: int = Field(
        ..., description="fen of coupon value, or points, the unlocked rewards are worth"
    )


def _record_out(record: AssistRecord, me) -> dict[str, Any]:
    helps = sorted(record.helps.all(), key=lambda h: h.pk)
    return {
        "id": record.pk,
        "campaign_id": record.campaign_id,
        "campaign_name": record.campaign.name,
        "status": record.status,
        "initiator": person(record.initiator, me),
        "assists_needed": record.assists_needed,
        "assists_count": record.assists_count,
        "assists_left": record.assists_needed - record.assists_count,
        "expires_at": record.expires_at,
        "unlocked_at": record.unlocked_at,
        "reward_kind": record.campaign.reward_kind,
        "reward_value": record.campaign.reward_value,
        "helpers": [person(h.helper, me) for h in helps],
        "helped_by_me": me is not None and any(h.helper_id == me.pk for h in helps),
    }


def _record(merchant_id: int, record_id: int, me) -> dict[str, Any]:
    record = (
        AssistRecord.objects.for_merchant(merchant_id)
        .select_related("campaign", "initiator")
        .prefetch_related("helps__helper")
        .get_owned(record_id)
    )
    return _record_out(record, me)


# ---- staff ----------------------------------------------------------------------------------------


def _create(staff: Staff, payload: AssistIn) -> AssistCampaign:
    return assist.create_assist(staff=staff, **payload.dict())


def _update(staff: Staff, assist_id: int, payload: AssistPatch) -> None:
    assist.update_assist(staff=staff, campaign_id=assist_id, changes=payload.dict(exclude_unset=True))


def _listed(qs: QuerySet[AssistCampaign], filters: CampaignStatusFilter) -> QuerySet[AssistCampaign]:
    return qs.filter(status=filters.status) if filters.status else qs


def _rows(merchant_id: int) -> TenantQuerySet:
    return AssistCampaign.objects.for_merchant(merchant_id)


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=ASSISTS,
        path="/campaigns/assists",
        id_name="assist_id",
        out=AssistOut,
        create_in=AssistIn,
        patch_in=AssistPatch,
        filters=CampaignStatusFilter,
        stats_out=AssistStatsOut,
        staff_rows=_rows,
        render=lambda campaign, now: campaign,
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("assist"),
    ),
    module=__name__,
)


def _get(request: StaffRequest, assist_id: int) -> AssistCampaign:
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _rows(request.staff.merchant_id).get_owned(assist_id)


@admin_router.get(
    "/campaigns/assists/{assist_id}/records",
    response={200: Page[StaffAssistRecordOut], 403: ErrorOut, 404: ErrorOut},
)
def list_records(
    request: StaffRequest, assist_id: ObjectId, filters: Query[AssistRecordFilter], page: Query[PageParams]
):
    campaign = _get(request, assist_id)
    qs = (
        AssistRecord.objects.for_merchant(campaign.merchant_id)
        .filter(campaign=campaign)
        .prefetch_related("helps")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)

    def render(r: AssistRecord) -> dict[str, Any]:
        return {
            **{f: getattr(r, f) for f in StaffAssistRecordOut.model_fields if f != "helper_ids"},
            "helper_ids": [h.helper_id for h in sorted(r.helps.all(), key=lambda h: h.pk)],
        }

    return paginate(qs, page, render)


# ---- shop -----------------------------------------------------------------------------------------


@shop_router.get("/campaigns/assists", response=list[AssistOut], auth=ShopVisitor())
def running_assists(request: ShopRequest, merchant: MerchantSlug):
    """Assist campaigns running now."""
    now = timezone.now()
    return list(
        AssistCampaign.objects.for_merchant(request.merchant).filter(
            status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
        )
    )


@shop_router.post("/campaigns/assists/{assist_id}/records", response={201: AssistRecordOut, **SHOP_ERRORS})
def start_assist(request: ShopRequest, merchant: MerchantSlug, assist_id: ObjectId):
    """Start collecting helps; share the record's id with friends."""
    record = assist.start_assist(customer=request.customer, campaign_id=assist_id)
    return 201, _record(request.customer.merchant_id, record.pk, request.customer)


@shop_router.get(
    "/campaigns/assist-records/{assist_record_id}", response={200: AssistRecordOut, 404: ErrorOut}
)
def get_record(request: ShopRequest, merchant: MerchantSlug, assist_record_id: ObjectId):
    """A record as its initiator or a friend opening the shared link sees it."""
    return _record(request.customer.merchant_id, assist_record_id, request.customer)


@shop_router.post(
    "/campaigns/assist-records/{assist_record_id}/help", response={200: AssistRecordOut, **SHOP_ERRORS}
)
def help_record(request: ShopRequest, merchant: MerchantSlug, assist_record_id: ObjectId):
    assist.help_assist(helper=request.customer, record_id=assist_record_id)
    return _record(request.customer.merchant_id, assist_record_id, request.customer)


@shop_router.get("/campaigns/my-assist-records", response=list[AssistRecordOut])
def my_records(request: ShopRequest, merchant: MerchantSlug):
    records = (
        AssistRecord.objects.for_merchant(request.customer.merchant_id)
        .filter(initiator=request.customer)
        .select_related("campaign", "initiator")
        .prefetch_related("helps__helper")[:50]
    )
    return [_record_out(r, request.customer) for r in records]
