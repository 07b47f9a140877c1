"""Segments: saved audiences. Create/update/delete (validated, audited), preview a rule without saving,
freeze a static snapshot, refresh the cached counts, and hand a segment to targeted coupon issuing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Window
from django.utils import timezone

from siyu.audience.errors import DuplicateName, SegmentEmpty, SegmentTooLarge, StaticSegmentFrozen
from siyu.audience.models import Segment, SegmentKind, SegmentMember
from siyu.audience.rules import customers_matching, validate_rule
from siyu.audience.selectors import get_segment, segment_customers
from siyu.audience.sql import insert_for_customers
from siyu.core.errors import InvalidInput
from siyu.members.scope import customers_visible_to
from siyu.promotions.services.coupons import (
    MAX_TARGETED,
    check_targeted_quantity,
    get_template,
    issue_to_customers,
)
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

PREVIEW_SAMPLE = 10
SAMPLE_FIELDS = ("id", "nickname", "gender", "province", "city", "phone", "registered_at")
# A hand-off issues coupon by coupon (the one issuing path keeps every limit): bounded per request.
MAX_SEGMENT_ISSUE = 5 * MAX_TARGETED


def _fields(segment: Segment) -> dict[str, Any]:
    return {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "rule": segment.rule,
    }


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(detail={"name": "required"})
    return value


def _snapshot_name(source_name: str, at: dt.datetime) -> str:
    """The default name of a snapshot: the source's name, shortened to fit the column, and the time."""
    suffix = f" @ {at:%Y-%m-%d %H:%M:%S}"
    limit = Segment._meta.get_field("name").max_length or 64
    return source_name[: limit - len(suffix)] + suffix


def _save(segment: Segment, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            segment.save(update_fields=update_fields) if update_fields else segment.save()
    except IntegrityError as exc:
        raise DuplicateName(detail={"name": segment.name}) from exc


def _freeze(segment: Segment, source: Any, now: dt.datetime) -> None:
    """Fill a new static segment with the customers of ``source`` (one INSERT ... SELECT)."""
    segment.member_count = insert_for_customers(
        SegmentMember, {"merchant": segment.merchant_id, "segment": segment.pk, "added_at": now}, source
    )
    segment.computed_at = now
    segment.save(update_fields=["member_count", "computed_at"])


def _count(segment: Segment, now: dt.datetime) -> None:
    segment.member_count = segment_customers(segment, now=now).count()
    segment.computed_at = now
    segment.save(update_fields=["member_count", "computed_at"])


@transaction.atomic
def create_segment(
    *, staff: Staff, name: str, rule: Any, kind: str = SegmentKind.DYNAMIC, description: str = ""
) -> Segment:
    """Save a rule as a segment; a static one freezes its members now, a dynamic one counts them."""
    require(staff, Perm.CUSTOMERS_EDIT)
    if kind not in SegmentKind.values:
        raise InvalidInput(detail={"kind": f"one of {SegmentKind.values}"})
    node = validate_rule(rule, merchant_id=staff.merchant_id)
    segment = Segment(
        merchant_id=staff.merchant_id,
        name=_name(name),
        description=(description or "").strip(),
        rule=rule,
        kind=kind,
        created_by=staff,
    )
    _save(segment)
    now = timezone.now()
    if kind == SegmentKind.STATIC:
        _freeze(segment, customers_matching(node, merchant_id=staff.merchant_id, now=now), now)
    else:
        _count(segment, now)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.create",
        obj=segment,
        after={**_fields(segment), "member_count": segment.member_count},
    )
    return segment


@transaction.atomic
def update_segment(*, staff: Staff, segment_id: int, **changes: Any) -> Segment:
    """Rename, describe, or (dynamic segments only) change the rule; the count is refreshed."""
    require(staff, Perm.CUSTOMERS_EDIT)
    segment = get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    before = _fields(segment)
    if changes.get("name") is not None:
        segment.name = _name(changes["name"])
    if changes.get("description") is not None:
        segment.description = changes["description"].strip()
    if changes.get("rule") is not None and changes["rule"] != segment.rule:
        if segment.kind == SegmentKind.STATIC:
            raise StaticSegmentFrozen(detail={"segment_id": segment.pk})
        validate_rule(changes["rule"], merchant_id=staff.merchant_id)
        segment.rule = changes["rule"]
    _save(segment, update_fields=["name", "description", "rule", "updated_at"])
    if segment.kind == SegmentKind.DYNAMIC:
        _count(segment, timezone.now())
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.update",
        obj=segment,
        before=before,
        after=_fields(segment),
    )
    return segment


@transaction.atomic
def delete_segment(*, staff: Staff, segment_id: int) -> None:
    require(staff, Perm.CUSTOMERS_EDIT)
    segment = get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.delete",
        obj=segment,
        before={**_fields(segment), "member_count": segment.member_count},
    )
    segment.delete()


def preview_rule(*, staff: Staff, rule: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """How many customers a rule matches now, and the newest ten: one SQL statement (after the id checks).

    The count rides on the sample rows as ``COUNT(*) OVER ()``, so no second query is needed.
    """
    require(staff, Perm.CUSTOMERS_VIEW)
    node = validate_rule(rule, merchant_id=staff.merchant_id)
    # Counted and sampled within the staff member's scope: a guide previews their own customers.
    qs = customers_visible_to(
        staff, customers_matching(node, merchant_id=staff.merchant_id, now=now or timezone.now())
    )
    rows = list(
        qs.annotate(_total=Window(Count("pk")))
        .order_by("-id")
        .values(*SAMPLE_FIELDS, "_total")[:PREVIEW_SAMPLE]
    )
    count = rows[0]["_total"] if rows else 0
    return {"count": count, "sample": [{k: r[k] for k in SAMPLE_FIELDS} for r in rows]}


@transaction.atomic
def snapshot_segment(*, staff: Staff, segment_id: int, name: str = "") -> Segment:
    """A new static segment holding who is in ``segment`` right now (one INSERT ... SELECT)."""
    require(staff, Perm.CUSTOMERS_EDIT)
    source = get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    now = timezone.now()
    local = timezone.localtime(now)
    snapshot = Segment(
        merchant_id=staff.merchant_id,
        name=_name(name) if name else _snapshot_name(source.name, local),
        description=source.description,
        rule=source.rule,
        kind=SegmentKind.STATIC,
        created_by=staff,
    )
    _save(snapshot)
    _freeze(snapshot, segment_customers(source, now=now), now)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.snapshot",
        obj=snapshot,
        after={"source_id": source.pk, "member_count": snapshot.member_count},
    )
    return snapshot


def refresh_segment_counts(
    *, merchant_id: int | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """The periodic job: recount every dynamic segment (one COUNT each) and stamp ``computed_at``."""
    now = now or timezone.now()
    segments = Segment.objects.filter(kind=SegmentKind.DYNAMIC).order_by("merchant_id", "id")
    if merchant_id is not None:
        segments = segments.filter(merchant_id=merchant_id)
    refreshed = 0
    for segment in segments:
        _count(segment, now)
        refreshed += 1
    return {"segments": refreshed}


@transaction.atomic
def issue_coupon_to_segment(
    *, staff: Staff, segment_id: int, template_id: int, batch_key: str = "", first_n: int | None = None
) -> dict[str, Any]:
    """定向发券 to a segment: one coupon of the template to each member, all or nothing.

    If the template has fewer coupons left than members still to serve, nothing is issued and
    ``CouponQuantityShort`` says how many are left (``detail``: requested, remaining). The caller may
    then choose ``first_n``: only the first N members by customer id are served (a stable order, so
    a replay of the same batch serves the same people).

    The members are read once, then handed to ``issue_to_customers`` in chunks of its ``MAX_TARGETED``
    inside one transaction: if anything fails in a later chunk, the earlier ones roll back too. A
    segment larger than ``MAX_SEGMENT_ISSUE`` is refused unless ``first_n`` brings it within.
    ``batch_key`` makes a replay issue nothing twice (as in ``issue_to_customers``).
    """
    require(staff, Perm.CUSTOMERS_VIEW)
    require(staff, Perm.PROMOTIONS_EDIT)
    if first_n is not None and not 1 <= first_n <= MAX_SEGMENT_ISSUE:
        raise InvalidInput(detail={"first_n": f"between 1 and {MAX_SEGMENT_ISSUE}"})
    segment = get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    ids = list(
        segment_customers(segment).order_by("pk").values_list("pk", flat=True)[: MAX_SEGMENT_ISSUE + 1]
    )
    if not ids:
        raise SegmentEmpty(detail={"segment_id": segment.pk})
    members = len(ids)
    if first_n is not None:
        ids = ids[:first_n]
    if len(ids) > MAX_SEGMENT_ISSUE:
        raise SegmentTooLarge(detail={"segment_id": segment.pk, "limit": MAX_SEGMENT_ISSUE})
    key = f"seg{segment.pk}:{batch_key}" if batch_key else ""
    # The whole hand-off is checked against what is left before the first chunk, with the template
    # locked, so the refusal names the segment's numbers rather than one chunk's.
    template = get_template(merchant_id=staff.merchant_id, template_id=template_id, lock=True)
    check_targeted_quantity(template=template, customer_ids=ids, batch_key=key)
    totals: dict[str, Any] = {"members": members, "issued": 0, "replayed": 0, "skipped_customer_ids": []}
    for start in range(0, len(ids), MAX_TARGETED):
        result = issue_to_customers(
            staff=staff,
            template_id=template_id,
            customer_ids=ids[start : start + MAX_TARGETED],
            batch_key=key,
        )
        totals["issued"] += result["issued"]
        totals["replayed"] += result["replayed"]
        totals["skipped_customer_ids"] += result["skipped_customer_ids"]
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="segment.issue_coupon",
        obj=segment,
        after={
            "template_id": template_id,
            "first_n": first_n,
            **{k: v for k, v in totals.items() if k != "skipped_customer_ids"},
        },
    )
    return totals
