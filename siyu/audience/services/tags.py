"""Tag groups and tags (staff-managed), and tagging customers by hand: one or many, by ids or by segment.

Tagging many customers is one ``INSERT ... SELECT`` (or one ``DELETE``) and one audit row, however
many customers it touches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from siyu.audience.errors import DuplicateName, TagInUse, TagIsAutomatic
from siyu.audience.models import CustomerTag, Segment, Tag, TagGroup, TagGroupKind, TagRule, TagSource
from siyu.audience.rules import parse_rule, referenced_ids
from siyu.audience.selectors import get_segment, get_tag, get_tag_group, segment_customers
from siyu.audience.sql import insert_for_customers
from siyu.core.errors import InvalidInput, NotFound
from siyu.members.models import Customer
from siyu.members.scope import customers_visible_to
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

# The tag families of seed 003 (常见小程序标签分类), made for each merchant the first time it asks.
DEFAULT_GROUPS: tuple[tuple[str, str], ...] = (
    (TagGroupKind.BASIC, "基础标签"),
    (TagGroupKind.MEMBER_TIER, "会员等级"),
    (TagGroupKind.CONSUMPTION, "消费标签"),
    (TagGroupKind.LIFECYCLE, "生命周期"),
    (TagGroupKind.PREFERENCE, "偏好标签"),
    (TagGroupKind.MANUAL, "手动标签"),
    (TagGroupKind.SURVEY, "问卷标签"),
    (TagGroupKind.CAMPAIGN, "活动标签"),
)
MAX_BULK_IDS = 10_000
AUDIT_IDS = 200  # customer ids kept in one audit row; the count is always complete


def seed_default_tag_groups(*, merchant_id: int) -> int:
    """Create the default groups for a merchant that has none yet (idempotent); return how many."""
    if TagGroup.objects.for_merchant(merchant_id).exists():
        return 0
    rows = [
        TagGroup(merchant_id=merchant_id, kind=kind, name=name, sort_order=i * 10)
        for i, (kind, name) in enumerate(DEFAULT_GROUPS)
    ]
    # A concurrent first visit seeds the same names: the unique name constraint keeps one of each.
    return len(TagGroup.objects.bulk_create(rows, ignore_conflicts=True))


def _name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(detail={field: "required"})
    return value


def _save(obj: Any, *, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            obj.save(update_fields=update_fields) if update_fields else obj.save()
    except IntegrityError as exc:
        raise DuplicateName(detail={"name": obj.name}) from exc


# ---- groups ------------------------------------------------------------------------------------------


@transaction.atomic
def create_tag_group(*, staff: Staff, kind: str, name: str, sort_order: int = 0) -> TagGroup:
    require(staff, Perm.CUSTOMERS_EDIT)
    if kind not in TagGroupKind.values:
        raise InvalidInput(detail={"kind": f"one of {TagGroupKind.values}"})
    group = TagGroup(
        merchant_id=staff.merchant_id, kind=kind, name=_name(name, "name"), sort_order=sort_order
    )
    _save(group)
    record_audit(
        staff=staff, merchant=staff.merchant, action="tag_group.create", obj=group, after=snapshot(group)
    )
    return group


@transaction.atomic
def update_tag_group(*, staff: Staff, group_id: int, **changes: Any) -> TagGroup:
    require(staff, Perm.CUSTOMERS_EDIT)
    group = get_tag_group(merchant_id=staff.merchant_id, group_id=group_id)
    before = snapshot(group)
    if "name" in changes:
        group.name = _name(changes["name"], "name")
    if "sort_order" in changes:
        group.sort_order = changes["sort_order"]
    _save(group, update_fields=["name", "sort_order"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tag_group.update",
        obj=group,
        before=before,
        after=snapshot(group),
    )
    return group


@transaction.atomic
def delete_tag_group(*, staff: Staff, group_id: int) -> None:
    require(staff, Perm.CUSTOMERS_EDIT)
    group = get_tag_group(merchant_id=staff.merchant_id, group_id=group_id)
    tags = Tag.objects.filter(group=group).count()
    if tags:
        raise TagInUse(detail={"group_id": group.pk, "tags": tags})
    record_audit(
        staff=staff, merchant=staff.merchant, action="tag_group.delete", obj=group, before=snapshot(group)
    )
    group.delete()


# ---- tags --------------------------------------------------------------------------------------------


@transaction.atomic
def create_tag(*, staff: Staff, group_id: int, name: str, description: str = "") -> Tag:
    require(staff, Perm.CUSTOMERS_EDIT)
    group = get_tag_group(merchant_id=staff.merchant_id, group_id=group_id)
    tag = Tag(
        merchant_id=staff.merchant_id, group=group, name=_name(name, "name"), description=description.strip()
    )
    _save(tag)
    record_audit(staff=staff, merchant=staff.merchant, action="tag.create", obj=tag, after=snapshot(tag))
    return tag


@transaction.atomic
def update_tag(*, staff: Staff, tag_id: int, **changes: Any) -> Tag:
    require(staff, Perm.CUSTOMERS_EDIT)
    tag = get_tag(merchant_id=staff.merchant_id, tag_id=tag_id)
    before = snapshot(tag)
    if "group_id" in changes:
        tag.group = get_tag_group(merchant_id=staff.merchant_id, group_id=changes["group_id"])
    if "name" in changes:
        tag.name = _name(changes["name"], "name")
    if "description" in changes:
        tag.description = (changes["description"] or "").strip()
    _save(tag, update_fields=["group", "name", "description"])
    record_audit(
        staff=staff, merchant=staff.merchant, action="tag.update", obj=tag, before=before, after=snapshot(tag)
    )
    return tag


def rules_naming_tag(*, merchant_id: int, tag_id: int) -> dict[str, list[int]]:
    """Segments and tag rules (other than the tag's own) whose rule names the tag."""
    found: dict[str, list[int]] = {"segment_ids": [], "tag_rule_ids": []}
    sources: list[tuple[str, QuerySet]] = [
        ("segment_ids", Segment.objects.for_merchant(merchant_id).values_list("pk", "rule")),
        (
            "tag_rule_ids",
            TagRule.objects.for_merchant(merchant_id).exclude(tag_id=tag_id).values_list("pk", "rule"),
        ),
    ]
    for key, rows in sources:
        for pk, rule in rows:
            if any(i == tag_id for i, _path in referenced_ids(parse_rule(rule)).get("tag", [])):
                found[key].append(pk)
    return found


@transaction.atomic
def delete_tag(*, staff: Staff, tag_id: int) -> None:
    """Delete a tag, the customers' rows of it and its rule; refused while a segment or rule names it."""
    require(staff, Perm.CUSTOMERS_EDIT)
    tag = get_tag(merchant_id=staff.merchant_id, tag_id=tag_id, lock=True)
    users = rules_naming_tag(merchant_id=staff.merchant_id, tag_id=tag.pk)
    if users["segment_ids"] or users["tag_rule_ids"]:
        raise TagInUse(detail=users)
    carriers = CustomerTag.objects.filter(tag=tag).count()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tag.delete",
        obj=tag,
        before={**snapshot(tag), "customers": carriers},
    )
    tag.delete()


# ---- tagging customers -------------------------------------------------------------------------------


def _target(
    merchant_id: int, customer_ids: Sequence[int] | None, segment_id: int | None, staff: Staff | None = None
) -> tuple[QuerySet, dict[str, Any]]:
    """The customers a bulk action names: listed ids (all must be the merchant's, and in the staff
    member's scope: a guide tags only their own customers) or a segment's members (in scope)."""
    if (customer_ids is None) == (segment_id is None):
        raise InvalidInput(detail={"customer_ids": "give customer_ids or segment_id, not both"})
    if segment_id is not None:
        segment = get_segment(merchant_id=merchant_id, segment_id=segment_id)
        members = segment_customers(segment)
        return (customers_visible_to(staff, members) if staff else members), {"segment_id": segment.pk}
    ids = sorted(set(customer_ids or ()))
    if not ids or len(ids) > MAX_BULK_IDS:
        raise InvalidInput(detail={"customer_ids": f"1 to {MAX_BULK_IDS} customers"})
    customers: QuerySet[Customer] = Customer.objects.for_merchant(merchant_id).filter(pk__in=ids)
    if staff is not None:
        customers = customers_visible_to(staff, customers)
    unknown = sorted(set(ids) - set(customers.values_list("pk", flat=True)))
    if unknown:
        raise NotFound(detail={"customer_ids": unknown[:20]})
    return customers, {"customer_ids": ids[:AUDIT_IDS]}


def _manual_tag(merchant_id: int, tag_id: int, source: str) -> Tag:
    if source not in TagSource.values or source == TagSource.RULE:
        raise InvalidInput(detail={"source": "manual, import, campaign or survey"})
    tag = get_tag(merchant_id=merchant_id, tag_id=tag_id, lock=True)
    if TagRule.objects.filter(tag=tag).exists():
        raise TagIsAutomatic(detail={"tag_id": tag.pk})
    return tag


@transaction.atomic
def tag_customers(
    *,
    staff: Staff | None,
    merchant: Merchant | None = None,
    tag_id: int,
    customer_ids: Sequence[int] | None = None,
    segment_id: int | None = None,
    source: str = TagSource.MANUAL,
) -> dict[str, int]:
    """Give a tag to customers (by ids, or every member of a segment) who do not carry it yet.

    Staff need ``customers.edit``; an import, campaign or survey passes ``staff=None`` and its merchant.
    Returns ``{"added": n}``; customers who already carry the tag are left as they are.
    """
    if staff is not None:
        require(staff, Perm.CUSTOMERS_EDIT)
        merchant = staff.merchant
    assert merchant is not None, "a merchant is needed when no staff member acts"
    tag = _manual_tag(merchant.pk, tag_id, source)
    customers, named = _target(merchant.pk, customer_ids, segment_id, staff)
    added = insert_for_customers(
        CustomerTag,
        {
            "merchant": merchant.pk,
            "tag": tag.pk,
            "source": source,
            "tagged_by": staff.pk if staff else None,
            "tagged_at": timezone.now(),
        },
        customers,
        ignore_conflicts=True,
    )
    record_audit(
        staff=staff,
        merchant=merchant,
        action="tag.add",
        obj=tag,
        after={**named, "source": source, "added": added},
    )
    return {"added": added}


@transaction.atomic
def untag_customers(
    *, staff: Staff, tag_id: int, customer_ids: Sequence[int] | None = None, segment_id: int | None = None
) -> dict[str, int]:
    """Take a tag off customers (by ids, or every member of a segment): one DELETE, one audit row."""
    require(staff, Perm.CUSTOMERS_EDIT)
    tag = _manual_tag(staff.merchant_id, tag_id, TagSource.MANUAL)
    customers, named = _target(staff.merchant_id, customer_ids, segment_id, staff)
    removed, _ = CustomerTag.objects.filter(
        tag=tag, customer_id__in=customers.order_by().values("pk")
    ).delete()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="tag.remove",
        obj=tag,
        after={**named, "removed": removed},
    )
    return {"removed": removed}
