"""Customer 360 and the shopping guides' notes over HTTP (staff only).

``GET /api/v1/admin/customers/{id}/360`` answers with the whole picture of one customer;
``/notes`` lists and adds 1:1 consultation records. Reads need customers.view, notes customers.edit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import LocalTime, ObjectId
from siyu.audience import profile
from siyu.audience.models import GuideNote, NoteKind
from siyu.members.privacy import mask_phone

admin_router = Router(tags=["admin: customer 360"], auth=staff_auth)


class IdentityOut(Schema):
    kind: str
    value: str


class FirstTouchOut(Schema):
    source: str
    campaign: str


class TouchOut(FirstTouchOut):
    at: datetime | None


class TagBriefOut(Schema):
    tag_id: int
    name: str
    group: str
    group_kind: str
    source: str
    tagged_at: datetime


class ValueBriefOut(Schema):
    rfm_class: str
    r_score: int
    f_score: int
    m_score: int
    lifecycle_stage: str
    value_tier: str
    loyalty_rung: int
    is_semi_private: bool
    recency_days: int | None
    favourite_category_id: int | None
    discount_order_share_bp: int
    coupon_use_share_bp: int
    preferred_hour: int | None
    computed_at: datetime


class PointsEntryBriefOut(Schema):
    kind: str
    delta: int
    balance_after: int
    created_at: datetime


class MembershipBriefOut(Schema):
    enabled: bool
    tier: str | None
    next_tier: str | None
    growth_value: int
    growth_missing: int
    points_balance: int
    points_expiring: int
    streak: int
    recent_points: list[PointsEntryBriefOut]


class CouponBriefOut(Schema):
    id: int
    template_id: int
    name: str
    status: str
    valid_until: datetime | None


class SpendOut(Schema):
    orders: int
    paid: int
    refunded: int
    net: int
    first_paid_at: datetime | None
    last_paid_at: datetime | None


class OrderBriefOut(Schema):
    id: int
    number: str
    status: str
    payable_amount: int
    source: str
    created_at: datetime


class EventBriefOut(Schema):
    kind: str
    occurred_at: datetime
    source: str
    properties: dict[str, Any]


class NoteOut(Schema):
    id: int
    kind: str
    body: str
    staff_id: int | None
    staff_name: str
    created_at: datetime


class Customer360Out(Schema):
    id: int
    nickname: str
    guide_id: int | None
    gender: str
    birthday: date | None
    province: str
    city: str
    phone: str | None
    registered_at: datetime
    is_blocked: bool
    quiet_hours: list[LocalTime] | None
    identities: list[IdentityOut]
    contact_preferences: dict[str, bool]
    merged_customer_ids: list[int]
    first_touch: FirstTouchOut
    last_touch: TouchOut
    referrer_id: int | None
    tags: list[TagBriefOut]
    value: ValueBriefOut | None
    membership: MembershipBriefOut
    coupons_unused: int
    coupons_used: int
    coupons: list[CouponBriefOut]
    spend: SpendOut
    orders: list[OrderBriefOut]
    events: list[EventBriefOut]
    notes: list[NoteOut]


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=profile.NOTE_MAX)
    kind: Literal[tuple(NoteKind.values)] = NoteKind.CONSULTATION  # type: ignore[valid-type]


def _note(n: GuideNote) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "body": n.body,
        "staff_id": n.staff_id,
        "staff_name": n.staff.display_name if n.staff else "",
        "created_at": n.created_at,
    }


def _masked(kind: str, value: str) -> str:
    """Openids and unionids are credentials of a sort: show their ends only; a phone is masked as
    everywhere (138****1234)."""
    if kind == "phone":
        return mask_phone(value)
    return value if len(value) <= 8 else f"{value[:4]}…{value[-4:]}"


def _out(p: profile.Customer360) -> dict[str, Any]:
    c = p.customer
    m = p.membership
    v = p.value
    return {
        "id": c.pk,
        "nickname": c.nickname,
        "guide_id": c.guide_id,
        "gender": c.gender,
        "birthday": c.birthday,
        "province": c.province,
        "city": c.city,
        "phone": mask_phone(c.phone) or None,  # the full number: POST .../reveal-phone (audited)
        "registered_at": c.registered_at,
        "is_blocked": c.is_blocked,
        "quiet_hours": [c.quiet_hours_start, c.quiet_hours_end]
        if c.quiet_hours_start and c.quiet_hours_end
        else None,
        "identities": [{"kind": i.kind, "value": _masked(i.kind, i.value)} for i in c.identities.all()],
        "contact_preferences": {pref.channel: pref.opted_in for pref in c.contact_preferences.all()},
        "merged_customer_ids": [merge.merged_id for merge in p.merged_from],
        "first_touch": {"source": c.first_touch_source, "campaign": c.first_touch_campaign},
        "last_touch": {
            "source": c.last_touch_source,
            "campaign": c.last_touch_campaign,
            "at": c.last_touch_at,
        },
        "referrer_id": c.referrer_id,
        "tags": [
            {
                "tag_id": t.tag_id,
                "name": t.tag.name,
                "group": t.tag.group.name,
                "group_kind": t.tag.group.kind,
                "source": t.source,
                "tagged_at": t.tagged_at,
            }
            for t in p.tags
        ],
        "value": v,
        "membership": {
            "enabled": m.enabled,
            "tier": m.tier.name if m.tier else None,
            "next_tier": m.next_tier.name if m.next_tier else None,
            "growth_value": m.growth_value,
            "growth_missing": m.growth_missing,
            "points_balance": m.points_balance,
            "points_expiring": m.points_expiring,
            "streak": m.streak,
            "recent_points": m.recent,
        },
        "coupons_unused": p.coupons_unused,
        "coupons_used": p.coupons_used,
        "coupons": [
            {
                "id": cp.pk,
                "template_id": cp.template_id,
                "name": cp.template.title,
                "status": cp.status,
                "valid_until": cp.valid_until,
            }
            for cp in p.coupons
        ],
        "spend": {
            "orders": p.spend.orders,
            "paid": p.spend.paid,
            "refunded": p.spend.refunded,
            "net": p.spend.net,
            "first_paid_at": p.spend.first_paid_at,
            "last_paid_at": p.spend.last_paid_at,
        },
        "orders": p.orders,
        "events": p.events,
        "notes": [_note(n) for n in p.notes],
    }


@admin_router.get(
    "/customers/{customer_id}/360", response={200: Customer360Out, 403: ErrorOut, 404: ErrorOut}
)
def get_customer_360(request: StaffRequest, customer_id: ObjectId):
    """Profile, identities, attribution, tags, value models, membership, coupons, orders, timeline, notes."""
    return _out(profile.customer_360(staff=request.staff, customer_id=customer_id))


@admin_router.get(
    "/customers/{customer_id}/notes", response={200: Page[NoteOut], 403: ErrorOut, 404: ErrorOut}
)
def list_notes(request: StaffRequest, customer_id: ObjectId, page: Query[PageParams]):
    return paginate(profile.notes(staff=request.staff, customer_id=customer_id).order_by("-id"), page, _note)


@admin_router.post(
    "/customers/{customer_id}/notes", response={201: NoteOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def add_note(request: StaffRequest, customer_id: ObjectId, payload: NoteIn):
    """A shopping guide's 1:1 consultation record (append-only)."""
    note = profile.add_note(
        staff=request.staff, customer_id=customer_id, body=payload.body, kind=payload.kind
    )
    return 201, _note(note)
