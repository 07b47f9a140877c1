"""Reads of the audience app: one merchant's tags, tag rules and segments, and who is in a segment."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from siyu.audience.models import CustomerTag, Segment, SegmentKind, SegmentMember, Tag, TagGroup, TagRule
from siyu.audience.rules import customers_matching, parse_rule
from siyu.core.errors import NotFound
from siyu.members.models import Customer
from siyu.members.scope import customers_visible_to
from siyu.tenancy.models import Staff


def get_tag_group(*, merchant_id: int, group_id: int) -> TagGroup:
    group = TagGroup.objects.for_merchant(merchant_id).filter(pk=group_id).first()
    if group is None:
        raise NotFound(detail={"group_id": group_id})
    return group


def get_tag(*, merchant_id: int, tag_id: int, lock: bool = False) -> Tag:
    qs = Tag.objects.for_merchant(merchant_id).select_related("group")
    tag = (qs.select_for_update(of=("self",)) if lock else qs).filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(detail={"tag_id": tag_id})
    return tag


def get_tag_rule(*, merchant_id: int, rule_id: int) -> TagRule:
    row = TagRule.objects.for_merchant(merchant_id).select_related("tag").filter(pk=rule_id).first()
    if row is None:
        raise NotFound(detail={"rule_id": rule_id})
    return row


def get_segment(*, merchant_id: int, segment_id: int) -> Segment:
    segment = Segment.objects.for_merchant(merchant_id).filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(detail={"segment_id": segment_id})
    return segment


def get_customer(*, merchant_id: int, customer_id: int, staff: Staff | None = None) -> Customer:
    """The merchant's customer (in ``staff``'s scope when given: another guide's customer is a 404)."""
    qs = Customer.objects.for_merchant(merchant_id).filter(pk=customer_id)
    customer = (customers_visible_to(staff, qs) if staff is not None else qs).first()
    if customer is None:
        raise NotFound(detail={"customer_id": customer_id})
    return customer


def segment_customers(segment: Segment, *, now: dt.datetime | None = None) -> QuerySet:
    """The segment's customers, newest first: the rule evaluated now (dynamic) or the frozen rows (static)."""
    if segment.kind == SegmentKind.STATIC:
        frozen = SegmentMember.objects.filter(segment=segment, customer=OuterRef("pk"))
        return Customer.objects.for_merchant(segment.merchant_id).filter(Exists(frozen)).order_by("-id")
    rule = parse_rule(segment.rule)  # stored rules were validated when saved
    return customers_matching(rule, merchant_id=segment.merchant_id, now=now or timezone.now()).order_by(
        "-id"
    )


def customer_tags(*, merchant_id: int, customer_id: int) -> QuerySet:
    """The tags a customer carries, with their group, in group order."""
    return (
        CustomerTag.objects.for_merchant(merchant_id)
        .filter(customer_id=customer_id)
        .select_related("tag__group")
        .order_by("tag__group__sort_order", "tag__group_id", "tag_id")
    )
