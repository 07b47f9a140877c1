"""Request and response shapes of the audience admin API (tags, tag rules, segments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from siyu.api.schemas import ObjectId
from siyu.audience.services.segments import MAX_SEGMENT_ISSUE

TagGroupKindIn = Literal[
    "basic", "member_tier", "consumption", "lifecycle", "preference", "manual", "survey", "campaign"
]
RULE_DOC = "The audience rule language (docs/segments.md): all/any/not groups of conditions"


class TagGroupIn(Schema):
    kind: TagGroupKindIn
    name: str = Field(..., min_length=1, max_length=32)
    sort_order: int = Field(0, ge=-10_000, le=10_000)


class TagGroupPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=32)
    sort_order: int | None = Field(None, ge=-10_000, le=10_000)


class TagGroupOut(Schema):
    id: int
    kind: str
    name: str
    sort_order: int


class TagIn(Schema):
    group_id: ObjectId
    name: str = Field(..., min_length=1, max_length=32)
    description: str = Field("", max_length=200)


class TagPatch(Schema):
    group_id: ObjectId | None = None
    name: str | None = Field(None, min_length=1, max_length=32)
    description: str | None = Field(None, max_length=200)


class TagOut(Schema):
    id: int
    group_id: int
    group_name: str
    group_kind: str
    name: str
    description: str
    automatic: bool


class TagCustomersIn(Schema):
    customer_ids: list[ObjectId] | None = Field(None, min_length=1, max_length=10_000)
    segment_id: ObjectId | None = Field(None, description="every member of this segment instead of ids")


class TagAddedOut(Schema):
    added: int


class TagRemovedOut(Schema):
    removed: int


class CustomerTagIn(Schema):
    tag_id: ObjectId


class CustomerTagOut(Schema):
    tag_id: int
    name: str
    group_id: int
    group_name: str
    group_kind: str
    source: str
    tagged_by_id: int | None
    tagged_at: datetime


class TagRuleIn(Schema):
    tag_id: ObjectId
    rule: dict[str, Any] = Field(..., description=RULE_DOC)
    is_active: bool = True


class TagRulePatch(Schema):
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC)
    is_active: bool | None = None


class TagRuleOut(Schema):
    id: int
    tag_id: int
    tag_name: str
    rule: dict[str, Any]
    is_active: bool
    last_run_at: datetime | None
    last_matched: int


class TagRuleRunOut(Schema):
    added: int
    removed: int
    matched: int


class SegmentIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    description: str = Field("", max_length=200)
    kind: Literal["dynamic", "static"] = "dynamic"
    rule: dict[str, Any] = Field(..., description=RULE_DOC)


class SegmentPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=64)
    description: str | None = Field(None, max_length=200)
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC + " (dynamic segments only)")


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    rule: dict[str, Any]
    member_count: int
    computed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AudienceRuleIn(Schema):
    rule: dict[str, Any] = Field(..., description=RULE_DOC)


class AudienceCustomerOut(Schema):
    id: int
    nickname: str
    gender: str
    province: str
    city: str
    phone: str = Field(..., description="masked (138****5678) for every role; reveal-phone shows it")
    registered_at: datetime


class SegmentPreviewOut(Schema):
    count: int
    sample: list[AudienceCustomerOut]


class SegmentSnapshotIn(Schema):
    name: str = Field("", max_length=64, description="default: the segment's name and the time")


class SegmentIssueCouponIn(Schema):
    template_id: ObjectId
    batch_key: str = Field("", max_length=40, description="replaying the same key issues nothing twice")
    first_n: int | None = Field(
        None,
        ge=1,
        le=MAX_SEGMENT_ISSUE,
        description="issue only to the first N members by customer id. Omitted: all or nothing; when "
        "fewer coupons are left than members the answer is 409 coupon_quantity_short with "
        "detail {requested, remaining}",
    )


class SegmentIssueCouponOut(Schema):
    members: int
    issued: int
    replayed: int
    skipped_customer_ids: list[int]
