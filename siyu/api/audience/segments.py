"""Tags, automatic tag rules and segments over HTTP (``admin_router``, under /api/v1/admin/).

Reading needs ``customers.view``, writing ``customers.edit``, and handing a segment to targeted coupon
issuing ``promotions.edit``. Every id in a path, a body or a rule is looked up within the caller's
merchant: another merchant's id is a 404 (in a rule, an ``invalid_rule`` naming its path).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import StreamingHttpResponse
from ninja import Query, Router

from siyu.api.audience.schemas import (
    AudienceCustomerOut,
    AudienceRuleIn,
    CustomerTagIn,
    CustomerTagOut,
    SegmentIn,
    SegmentIssueCouponIn,
    SegmentIssueCouponOut,
    SegmentOut,
    SegmentPatch,
    SegmentPreviewOut,
    SegmentSnapshotIn,
    TagAddedOut,
    TagCustomersIn,
    TagGroupIn,
    TagGroupOut,
    TagGroupPatch,
    TagIn,
    TagOut,
    TagPatch,
    TagRemovedOut,
    TagRuleIn,
    TagRuleOut,
    TagRulePatch,
    TagRuleRunOut,
)
from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import ObjectId, OkOut
from siyu.audience import selectors
from siyu.audience import services as svc
from siyu.audience.models import CustomerTag, Segment, Tag, TagGroup, TagRule
from siyu.members.scope import customers_visible_to
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

admin_router = Router(tags=["admin: tags and segments"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# ---- shaping -----------------------------------------------------------------------------------------


def _group_out(g: TagGroup) -> dict[str, Any]:
    return {"id": g.pk, "kind": g.kind, "name": g.name, "sort_order": g.sort_order}


def _tag_out(t: Tag, automatic: bool | None = None) -> dict[str, Any]:
    if automatic is None:
        automatic = getattr(t, "automatic", None)
        if automatic is None:
            automatic = TagRule.objects.filter(tag=t).exists()
    return {
        "id": t.pk,
        "group_id": t.group_id,
        "group_name": t.group.name,
        "group_kind": t.group.kind,
        "name": t.name,
        "description": t.description,
        "automatic": automatic,
    }


def _customer_tag_out(row: CustomerTag) -> dict[str, Any]:
    tag = row.tag
    return {
        "tag_id": tag.pk,
        "name": tag.name,
        "group_id": tag.group_id,
        "group_name": tag.group.name,
        "group_kind": tag.group.kind,
        "source": row.source,
        "tagged_by_id": row.tagged_by_id,
        "tagged_at": row.tagged_at,
    }


def _rule_out(r: TagRule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "tag_id": r.tag_id,
        "tag_name": r.tag.name,
        "rule": r.rule,
        "is_active": r.is_active,
        "last_run_at": r.last_run_at,
        "last_matched": r.last_matched,
    }


def _segment_out(s: Segment) -> dict[str, Any]:
    return {name: getattr(s, name) for name in SegmentOut.model_fields} | {"id": s.pk}


def _person(staff: Staff):
    """Shape a customer (model or values dict) for staff, with the phone masked (every role: the full
    number is the audited ``reveal-phone`` route's; docs/guides.md)."""

    def render(c: Any) -> dict[str, Any]:
        get = c.get if isinstance(c, dict) else lambda k: getattr(c, "pk" if k == "id" else k)
        phone = get("phone")
        return {
            "id": get("id"),
            "nickname": get("nickname"),
            "gender": get("gender"),
            "province": get("province"),
            "city": get("city"),
            "phone": svc.mask_phone(phone),
            "registered_at": get("registered_at"),
        }

    return render


# ---- tag groups and tags -----------------------------------------------------------------------------


@admin_router.get("/tag-groups", response={200: list[TagGroupOut], 403: ErrorOut})
def list_tag_groups(request: StaffRequest):
    """The merchant's tag groups (the eight default families are made on first sight)."""
    require(request.staff, Perm.CUSTOMERS_VIEW)
    svc.seed_default_tag_groups(merchant_id=request.staff.merchant_id)
    return [_group_out(g) for g in TagGroup.objects.for_merchant(request.staff.merchant_id)]


@admin_router.post("/tag-groups", response={201: TagGroupOut, **ERRORS})
def create_tag_group(request: StaffRequest, payload: TagGroupIn):
    return 201, _group_out(svc.create_tag_group(staff=request.staff, **payload.model_dump()))


@admin_router.patch("/tag-groups/{group_id}", response={200: TagGroupOut, **ERRORS})
def update_tag_group(request: StaffRequest, group_id: ObjectId, payload: TagGroupPatch):
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _group_out(svc.update_tag_group(staff=request.staff, group_id=group_id, **changes))


@admin_router.delete("/tag-groups/{group_id}", response={200: OkOut, **ERRORS})
def delete_tag_group(request: StaffRequest, group_id: ObjectId):
    svc.delete_tag_group(staff=request.staff, group_id=group_id)
    return {"ok": True}


@admin_router.get("/tags", response={200: Page[TagOut], 403: ErrorOut})
def list_tags(request: StaffRequest, page: Query[PageParams], group_id: ObjectId | None = None):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    qs = (
        Tag.objects.for_merchant(request.staff.merchant_id)
        .select_related("group")
        .annotate(automatic=Exists(TagRule.objects.filter(tag=OuterRef("pk"))))
        .order_by("group__sort_order", "group_id", "id")
    )
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    return paginate(qs, page, _tag_out)


@admin_router.post("/tags", response={201: TagOut, **ERRORS})
def create_tag(request: StaffRequest, payload: TagIn):
    return 201, _tag_out(svc.create_tag(staff=request.staff, **payload.model_dump()), automatic=False)


@admin_router.patch("/tags/{tag_id}", response={200: TagOut, **ERRORS})
def update_tag(request: StaffRequest, tag_id: ObjectId, payload: TagPatch):
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _tag_out(svc.update_tag(staff=request.staff, tag_id=tag_id, **changes))


@admin_router.delete("/tags/{tag_id}", response={200: OkOut, **ERRORS})
def delete_tag(request: StaffRequest, tag_id: ObjectId):
    """Delete a tag and every customer's row of it; refused (409) while a segment or tag rule names it."""
    svc.delete_tag(staff=request.staff, tag_id=tag_id)
    return {"ok": True}


@admin_router.post("/tags/{tag_id}/customers", response={200: TagAddedOut, **ERRORS})
def tag_customers(request: StaffRequest, tag_id: ObjectId, payload: TagCustomersIn):
    """Tag customers by hand, by ids or every member of a segment (set-based, one audit row)."""
    return svc.tag_customers(
        staff=request.staff, tag_id=tag_id, customer_ids=payload.customer_ids, segment_id=payload.segment_id
    )


@admin_router.post("/tags/{tag_id}/customers/remove", response={200: TagRemovedOut, **ERRORS})
def untag_customers(request: StaffRequest, tag_id: ObjectId, payload: TagCustomersIn):
    return svc.untag_customers(
        staff=request.staff, tag_id=tag_id, customer_ids=payload.customer_ids, segment_id=payload.segment_id
    )


@admin_router.get("/customers/{customer_id}/tags", response={200: list[CustomerTagOut], **ERRORS})
def customer_tags(request: StaffRequest, customer_id: ObjectId):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    customer = selectors.get_customer(
        merchant_id=request.staff.merchant_id, customer_id=customer_id, staff=request.staff
    )
    rows = selectors.customer_tags(merchant_id=request.staff.merchant_id, customer_id=customer.pk)
    return [_customer_tag_out(r) for r in rows]


@admin_router.post("/customers/{customer_id}/tags", response={200: TagAddedOut, **ERRORS})
def tag_one_customer(request: StaffRequest, customer_id: ObjectId, payload: CustomerTagIn):
    return svc.tag_customers(staff=request.staff, tag_id=payload.tag_id, customer_ids=[customer_id])


@admin_router.delete("/customers/{customer_id}/tags/{tag_id}", response={200: TagRemovedOut, **ERRORS})
def untag_one_customer(request: StaffRequest, customer_id: ObjectId, tag_id: ObjectId):
    return svc.untag_customers(staff=request.staff, tag_id=tag_id, customer_ids=[customer_id])


# ---- tag rules ---------------------------------------------------------------------------------------


@admin_router.get("/tag-rules", response={200: Page[TagRuleOut], 403: ErrorOut})
def list_tag_rules(request: StaffRequest, page: Query[PageParams]):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    qs = TagRule.objects.for_merchant(request.staff.merchant_id).select_related("tag")
    return paginate(qs, page, _rule_out)


@admin_router.post("/tag-rules", response={201: TagRuleOut, **ERRORS})
def create_tag_rule(request: StaffRequest, payload: TagRuleIn):
    return 201, _rule_out(svc.create_tag_rule(staff=request.staff, **payload.model_dump()))


@admin_router.get("/tag-rules/{rule_id}", response={200: TagRuleOut, **ERRORS})
def get_tag_rule(request: StaffRequest, rule_id: ObjectId):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    return _rule_out(selectors.get_tag_rule(merchant_id=request.staff.merchant_id, rule_id=rule_id))


@admin_router.patch("/tag-rules/{rule_id}", response={200: TagRuleOut, **ERRORS})
def update_tag_rule(request: StaffRequest, rule_id: ObjectId, payload: TagRulePatch):
    changes = payload.model_dump(exclude_unset=True)
    return _rule_out(svc.update_tag_rule(staff=request.staff, rule_id=rule_id, **changes))


@admin_router.delete("/tag-rules/{rule_id}", response={200: TagRemovedOut, **ERRORS})
def delete_tag_rule(request: StaffRequest, rule_id: ObjectId):
    """Delete the rule and the tags it set."""
    return {"removed": svc.delete_tag_rule(staff=request.staff, rule_id=rule_id)}


@admin_router.post("/tag-rules/{rule_id}/run", response={200: TagRuleRunOut, **ERRORS})
def run_tag_rule(request: StaffRequest, rule_id: ObjectId):
    return svc.run_tag_rule(staff=request.staff, rule_id=rule_id)


# ---- segments ----------------------------------------------------------------------------------------


@admin_router.get("/segments", response={200: Page[SegmentOut], 403: ErrorOut})
def list_segments(request: StaffRequest, page: Query[PageParams]):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    return paginate(Segment.objects.for_merchant(request.staff.merchant_id), page, _segment_out)


@admin_router.post("/segments", response={201: SegmentOut, **ERRORS})
def create_segment(request: StaffRequest, payload: SegmentIn):
    return 201, _segment_out(svc.create_segment(staff=request.staff, **payload.model_dump()))


@admin_router.post("/segments/preview", response={200: SegmentPreviewOut, **ERRORS})
def preview_segment(request: StaffRequest, payload: AudienceRuleIn):
    """How many customers a rule matches now, and the newest ten, without saving anything."""
    result = svc.preview_rule(staff=request.staff, rule=payload.rule)
    return {"count": result["count"], "sample": [_person(request.staff)(r) for r in result["sample"]]}


@admin_router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def get_segment(request: StaffRequest, segment_id: ObjectId):
    require(request.staff, Perm.CUSTOMERS_VIEW)
    return _segment_out(selectors.get_segment(merchant_id=request.staff.merchant_id, segment_id=segment_id))


@admin_router.patch("/segments/{segment_id}", response={200: SegmentOut, **ERRORS})
def update_segment(request: StaffRequest, segment_id: ObjectId, payload: SegmentPatch):
    changes = payload.model_dump(exclude_unset=True)
    return _segment_out(svc.update_segment(staff=request.staff, segment_id=segment_id, **changes))


@admin_router.delete("/segments/{segment_id}", response={200: OkOut, **ERRORS})
def delete_segment(request: StaffRequest, segment_id: ObjectId):
    svc.delete_segment(staff=request.staff, segment_id=segment_id)
    return {"ok": True}


@admin_router.get("/segments/{segment_id}/members", response={200: Page[AudienceCustomerOut], **ERRORS})
def segment_members(request: StaffRequest, segment_id: ObjectId, page: Query[PageParams]):
    """Who is in the segment now (dynamic: the rule evaluated now), newest customers first."""
    require(request.staff, Perm.CUSTOMERS_VIEW)
    segment = selectors.get_segment(merchant_id=request.staff.merchant_id, segment_id=segment_id)
    members = customers_visible_to(request.staff, selectors.segment_customers(segment))
    return paginate(members, page, _person(request.staff))


@admin_router.post("/segments/{segment_id}/snapshot", response={201: SegmentOut, **ERRORS})
def snapshot_segment(request: StaffRequest, segment_id: ObjectId, payload: SegmentSnapshotIn):
    """Freeze who is in the segment now as a new static segment."""
    return 201, _segment_out(
        svc.snapshot_segment(staff=request.staff, segment_id=segment_id, name=payload.name)
    )


@admin_router.get(
    "/segments/{segment_id}/export.csv",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "CSV (UTF-8 with BOM)", "content": {"text/csv": {}}}}},
)
def export_segment(request: StaffRequest, segment_id: ObjectId):
    """The members as CSV, streamed; full phones only for ``customers.view_phone`` (audited)."""
    segment = svc.start_export(staff=request.staff, segment_id=segment_id)
    response = StreamingHttpResponse(
        svc.csv_lines(staff=request.staff, segment=segment), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
    return response


@admin_router.post("/segments/{segment_id}/issue-coupon", response={200: SegmentIssueCouponOut, **ERRORS})
def issue_coupon(request: StaffRequest, segment_id: ObjectId, payload: SegmentIssueCouponIn):
    """定向发券: one coupon of the template to every member of the segment (all or nothing), or to
    the first ``first_n`` members by customer id."""
    return svc.issue_coupon_to_segment(
        staff=request.staff,
        segment_id=segment_id,
        template_id=payload.template_id,
        batch_key=payload.batch_key,
        first_n=payload.first_n,
    )
