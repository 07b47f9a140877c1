"""Reach admin routes (``admin_router``, under /api/v1/admin/reach/).

Reading needs ``reach.view``; writing and sending ``reach.send`` (checked by the services). Every id
is looked up within the caller's merchant: another merchant's id is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.schemas import ObjectId
from siyu.members.models import Channel
from siyu.reach import selectors, services
from siyu.reach.models import (
    Broadcast,
    BroadcastChannel,
    ChannelSetting,
    Message,
    MessageTemplate,
)
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

admin_router = Router(tags=["admin: reach"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# ---- schemas -----------------------------------------------------------------------------------------


class TemplateIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    channel: Literal[tuple(Channel.values)]  # type: ignore[valid-type]
    provider_template: str = Field(
        "", max_length=128, description="The provider's template (WeChat template id, SMS template code)"
    )
    fields: dict[str, Any] = Field(default_factory=dict)
    page: str = Field("", max_length=255)
    link_url: str = Field("", max_length=500)


class TemplatePatch(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=64)
    provider_template: str | None = Field(None, max_length=128)
    fields: dict[str, Any] | None = None
    page: str | None = Field(None, max_length=255)
    link_url: str | None = Field(None, max_length=500)


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    external_id: str
    fields: dict[str, Any]
    page: str
    link_url: str
    status: str


class PreviewIn(Schema):
    customer_id: ObjectId


class ChannelSettingIn(Schema):
    enabled: bool
    rate_per_minute: int = Field(600, ge=1, le=1_000_000)
    concurrency: int = Field(2, ge=1, le=32)
    daily_cap: int | None = Field(None, ge=1, le=100)
    weekly_cap: int | None = Field(None, ge=1, le=700)
    config: dict[str, Any] | None = None
    secrets: dict[str, str] | None = None


class ChannelSettingOut(Schema):
    channel: str
    enabled: bool
    rate_per_minute: int
    concurrency: int
    daily_cap: int | None
    weekly_cap: int | None
    config: dict[str, Any]
    secrets_set: list[str]
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str


class PolicyIn(Schema):
    daily_cap: int = Field(ge=1, le=100)
    weekly_cap: int = Field(ge=1, le=700)
    default_hour: int = Field(20, ge=0, le=23)
    tighten_for_tolerance: bool = True


class PolicyOut(PolicyIn):
    pass


SendTimeName = Literal["now", "at", "preferred_hour"]
OverBudgetName = Literal["skip", "defer"]


class BroadcastIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    segment_id: ObjectId
    template_ids: list[ObjectId] = Field(min_length=1, max_length=7)
    send_time: SendTimeName = "now"
    send_at: datetime | None = None
    window_days: int = Field(1, ge=1, le=14)
    over_budget: OverBudgetName = "skip"
    priority: int = Field(50, ge=-1000, le=1000)
    holdout_bp: int = Field(0, ge=0, le=5000)
    coupon_template_id: ObjectId | None = None


class BroadcastPatch(PatchIn):
    NULLABLE = frozenset({"send_at", "coupon_template_id"})
    name: str | None = Field(None, min_length=1, max_length=64)
    segment_id: ObjectId | None = None
    template_ids: list[ObjectId] | None = Field(None, min_length=1, max_length=7)
    send_time: SendTimeName | None = None
    send_at: datetime | None = None
    window_days: int | None = Field(None, ge=1, le=14)
    over_budget: OverBudgetName | None = None
    priority: int | None = Field(None, ge=-1000, le=1000)
    holdout_bp: int | None = Field(None, ge=0, le=5000)
    coupon_template_id: ObjectId | None = None


class BroadcastOut(Schema):
    id: int
    name: str
    status: str
    segment_id: int
    template_ids: list[int]
    send_time: str
    send_at: datetime | None
    window_days: int
    over_budget: str
    priority: int
    holdout_bp: int
    holdout_seed: str
    coupon_template_id: int | None
    audience_size: int
    planned_at: datetime | None
    finished_at: datetime | None


class BroadcastPreviewIn(Schema):
    segment_id: ObjectId
    template_ids: list[ObjectId] = Field(min_length=1, max_length=7)
    holdout_bp: int = Field(0, ge=0, le=5000)
    send_time: SendTimeName = "now"


class MessageOut(Schema):
    id: int
    customer_id: int
    broadcast_id: int | None
    origin: str
    channel: str
    template_id: int | None
    status: str
    reason: str
    priority: int
    transactional: bool
    send_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    clicked_at: datetime | None
    unsubscribed_at: datetime | None
    provider_id: str
    attempts: int
    error: str


class MessageFilter(Schema):
    broadcast_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    status: str | None = Field(None, max_length=12)


# ---- shaping -----------------------------------------------------------------------------------------


def _template_out(t: MessageTemplate) -> dict[str, Any]:
    return {
        f: getattr(t, f)
        for f in ("id", "name", "channel", "external_id", "fields", "page", "link_url", "status")
    }


def _setting_out(s: ChannelSetting) -> dict[str, Any]:
    return {
        **{
            f: getattr(s, f)
            for f in (
                "channel",
                "enabled",
                "rate_per_minute",
                "concurrency",
                "daily_cap",
                "weekly_cap",
                "config",
                "last_success_at",
                "last_error_at",
                "last_error",
            )
        },
        "secrets_set": sorted(s.secrets()) if s.sealed_secrets else [],
    }


def _broadcast_out(b: Broadcast) -> dict[str, Any]:
    fields = (
        "id",
        "name",
        "status",
        "segment_id",
        "send_time",
        "send_at",
        "window_days",
        "over_budget",
        "priority",
        "holdout_bp",
        "holdout_seed",
        "coupon_template_id",
        "audience_size",
        "planned_at",
        "finished_at",
    )
    out = {f: getattr(b, f) for f in fields}
    out["template_ids"] = list(
        BroadcastChannel.objects.filter(broadcast=b)
        .order_by("position")
        .values_list("template_id", flat=True)
    )
    return out


def _message_out(m: Message) -> dict[str, Any]:
    return {f: getattr(m, f) for f in MessageOut.model_fields}


# ---- templates ---------------------------------------------------------------------------------------


@admin_router.get("/reach/templates", response={200: Page[TemplateOut], 403: ErrorOut})
def list_templates(request: StaffRequest, page: Query[PageParams]):
    require(request.staff, Perm.REACH_VIEW)
    return paginate(MessageTemplate.objects.for_merchant(request.staff.merchant_id), page, _template_out)


@admin_router.post("/reach/templates", response={201: TemplateOut, **ERRORS})
def create_template(request: StaffRequest, payload: TemplateIn):
    body = payload.model_dump()
    body["external_id"] = body.pop("provider_template")
    return 201, _template_out(services.save_template(staff=request.staff, **body))


@admin_router.get("/reach/templates/{template_id}", response={200: TemplateOut, **ERRORS})
def get_template(request: StaffRequest, template_id: ObjectId):
    require(request.staff, Perm.REACH_VIEW)
    return _template_out(
        services.get_template(merchant_id=request.staff.merchant_id, template_id=template_id)
    )


@admin_router.patch("/reach/templates/{template_id}", response={200: TemplateOut, **ERRORS})
def update_template(request: StaffRequest, template_id: ObjectId, payload: TemplatePatch):
    require(request.staff, Perm.REACH_SEND)
    t = services.get_template(merchant_id=request.staff.merchant_id, template_id=template_id)
    merged = {f: getattr(t, f) for f in ("name", "channel", "external_id", "fields", "page", "link_url")}
    changes = payload.model_dump(exclude_unset=True)
    if "provider_template" in changes:
        changes["external_id"] = changes.pop("provider_template")
    merged.update(changes)
    return _template_out(services.save_template(staff=request.staff, template_id=template_id, **merged))


@admin_router.post("/reach/templates/{template_id}/archive", response={200: TemplateOut, **ERRORS})
def archive_template(request: StaffRequest, template_id: ObjectId):
    return _template_out(services.archive_template(staff=request.staff, template_id=template_id))


@admin_router.post("/reach/templates/{template_id}/preview", response={200: dict[str, Any], **ERRORS})
def preview_template(request: StaffRequest, template_id: ObjectId, payload: PreviewIn):
    return services.preview_template(
        staff=request.staff, template_id=template_id, customer_id=payload.customer_id
    )


# ---- channels and the policy -------------------------------------------------------------------------


@admin_router.get("/reach/channels", response={200: list[ChannelSettingOut], 403: ErrorOut})
def list_channels(request: StaffRequest):
    require(request.staff, Perm.REACH_VIEW)
    return [
        _setting_out(s)
        for s in ChannelSetting.objects.for_merchant(request.staff.merchant_id).order_by("channel")
    ]


@admin_router.put("/reach/channels/{channel}", response={200: ChannelSettingOut, **ERRORS})
def put_channel(
    request: StaffRequest,
    channel: Literal[tuple(Channel.values)],  # type: ignore[valid-type]
    payload: ChannelSettingIn,
):
    return _setting_out(
        services.save_channel_setting(staff=request.staff, channel=channel, **payload.model_dump())
    )


@admin_router.get("/reach/policy", response={200: PolicyOut, 403: ErrorOut})
def get_policy(request: StaffRequest):
    require(request.staff, Perm.REACH_VIEW)
    p = services.fatigue_policy(request.staff.merchant_id)
    return {f: getattr(p, f) for f in ("daily_cap", "weekly_cap", "default_hour", "tighten_for_tolerance")}


@admin_router.put("/reach/policy", response={200: PolicyOut, **ERRORS})
def put_policy(request: StaffRequest, payload: PolicyIn):
    p = services.save_fatigue_policy(staff=request.staff, **payload.model_dump())
    return {f: getattr(p, f) for f in ("daily_cap", "weekly_cap", "default_hour", "tighten_for_tolerance")}


# ---- broadcasts --------------------------------------------------------------------------------------


@admin_router.get("/reach/broadcasts", response={200: Page[BroadcastOut], 403: ErrorOut})
def list_broadcasts(request: StaffRequest, page: Query[PageParams]):
    require(request.staff, Perm.REACH_VIEW)
    return paginate(Broadcast.objects.for_merchant(request.staff.merchant_id), page, _broadcast_out)


@admin_router.post("/reach/broadcasts", response={201: BroadcastOut, **ERRORS})
def create_broadcast(request: StaffRequest, payload: BroadcastIn):
    return 201, _broadcast_out(services.create_broadcast(staff=request.staff, **payload.model_dump()))


@admin_router.post("/reach/broadcasts/preview", response={200: dict[str, Any], **ERRORS})
def preview_broadcast(request: StaffRequest, payload: BroadcastPreviewIn):
    """How the broadcast would land were it started now: reachable per channel, holdout, over budget."""
    require(request.staff, Perm.REACH_VIEW)
    return selectors.broadcast_preview(
        request.staff.merchant_id,
        payload.segment_id,
        payload.template_ids,
        payload.holdout_bp,
        payload.send_time,
        timezone.now(),
    )


@admin_router.get("/reach/broadcasts/{broadcast_id}", response={200: BroadcastOut, **ERRORS})
def get_broadcast(request: StaffRequest, broadcast_id: ObjectId):
    require(request.staff, Perm.REACH_VIEW)
    return _broadcast_out(
        services.get_broadcast(merchant_id=request.staff.merchant_id, broadcast_id=broadcast_id)
    )


@admin_router.patch("/reach/broadcasts/{broadcast_id}", response={200: BroadcastOut, **ERRORS})
def update_broadcast(request: StaffRequest, broadcast_id: ObjectId, payload: BroadcastPatch):
    changes = payload.model_dump(exclude_unset=True)
    return _broadcast_out(
        services.update_broadcast(staff=request.staff, broadcast_id=broadcast_id, **changes)
    )


@admin_router.post("/reach/broadcasts/{broadcast_id}/start", response={200: BroadcastOut, **ERRORS})
def start_broadcast(request: StaffRequest, broadcast_id: ObjectId):
    return _broadcast_out(services.start_broadcast(staff=request.staff, broadcast_id=broadcast_id))


@admin_router.post("/reach/broadcasts/{broadcast_id}/pause", response={200: BroadcastOut, **ERRORS})
def pause_broadcast(request: StaffRequest, broadcast_id: ObjectId):
    return _broadcast_out(services.pause_broadcast(staff=request.staff, broadcast_id=broadcast_id))


@admin_router.post("/reach/broadcasts/{broadcast_id}/resume", response={200: BroadcastOut, **ERRORS})
def resume_broadcast(request: StaffRequest, broadcast_id: ObjectId):
    return _broadcast_out(services.resume_broadcast(staff=request.staff, broadcast_id=broadcast_id))


@admin_router.post("/reach/broadcasts/{broadcast_id}/cancel", response={200: BroadcastOut, **ERRORS})
def cancel_broadcast(request: StaffRequest, broadcast_id: ObjectId):
    return _broadcast_out(services.cancel_broadcast(staff=request.staff, broadcast_id=broadcast_id))


@admin_router.get("/reach/broadcasts/{broadcast_id}/report", response={200: dict[str, Any], **ERRORS})
def broadcast_report(request: StaffRequest, broadcast_id: ObjectId):
    require(request.staff, Perm.REACH_VIEW)
    b = services.get_broadcast(merchant_id=request.staff.merchant_id, broadcast_id=broadcast_id)
    return selectors.broadcast_report(b)


# ---- messages ----------------------------------------------------------------------------------------


@admin_router.get("/reach/messages", response={200: Page[MessageOut], **ERRORS})
def list_messages(request: StaffRequest, filters: Query[MessageFilter], page: Query[PageParams]):
    require(request.staff, Perm.REACH_VIEW)
    qs = selectors.messages(
        request.staff.merchant_id,
        broadcast_id=filters.broadcast_id,
        customer_id=filters.customer_id,
        status=filters.status,
    )
    return paginate(qs, page, _message_out)
