"""Reads behind the customer data pages (tags, segments, value models, membership), scoped by merchant.

Each function reads a fixed number of queries, whatever the number of tags, segments or customers.
Tags, segments and value rows are the audience apps' models; their writes go through their services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from siyu.audience import selectors as audience
from siyu.audience.models import CustomerTag, Segment, Tag, TagGroup, TagGroupKind, TagRule
from siyu.audience.rules import spec
from siyu.audience.values import selectors as values
from siyu.audience.values.models import CustomerValue, LifecycleStage, RfmClass, ValueTier
from siyu.catalog.models import Category
from siyu.events.models import EventKind
from siyu.members.loyalty.selectors import MembershipView, membership_view
from siyu.members.models import Channel, Customer, Gender, Source
from siyu.members.scope import customers_visible_to
from siyu.promotions.models import Coupon, CouponTemplate
from siyu.tenancy.models import Staff
from siyu.wechat.wecom_groups.models import WeComGroup


@dataclass
class GroupRow:
    group: TagGroup
    tags: list[Tag] = field(default_factory=list)


def tag_groups_with_counts(merchant_id: int) -> list[GroupRow]:
    """Every group with its tags, each tag with ``customers`` (carriers) and ``automatic`` (has a rule).

    Three queries: groups, tags (with the rule flag), and one grouped count of carriers per tag.
    """
    groups = list(TagGroup.objects.for_merchant(merchant_id).order_by("sort_order", "id"))
    tags = list(
        Tag.objects.for_merchant(merchant_id)
        .annotate(automatic=Exists(TagRule.objects.filter(tag=OuterRef("pk"))))
        .order_by("group_id", "id")
    )
    counts = dict(
        CustomerTag.objects.for_merchant(merchant_id)
        .order_by()
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    )
    rows = {g.pk: GroupRow(g) for g in groups}
    for tag in tags:
        tag.customers = counts.get(tag.pk, 0)  # type: ignore[attr-defined]
        if tag.group_id in rows:
            rows[tag.group_id].tags.append(tag)
    return list(rows.values())


def tag_rules(merchant_id: int) -> list[TagRule]:
    """The automatic tag rules with their tag and group, each with ``rule_json`` to show (one query)."""
    rows = list(TagRule.objects.for_merchant(merchant_id).select_related("tag__group").order_by("id"))
    for row in rows:
        row.rule_json = json.dumps(row.rule, ensure_ascii=False)  # type: ignore[attr-defined]
    return rows


def tag_options(merchant_id: int, *, manual_only: bool = False) -> list[tuple[str, list[tuple[int, str]]]]:
    """The merchant's tags grouped for a ``<select>``: ``[(group name, [(tag id, tag name)])]`` (one query).

    ``manual_only`` leaves out the tags an automatic rule keeps (staff cannot set those by hand).
    """
    qs = Tag.objects.for_merchant(merchant_id).select_related("group")
    if manual_only:
        qs = qs.exclude(Exists(TagRule.objects.filter(tag=OuterRef("pk"))))
    grouped: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for tag in qs.order_by("group__sort_order", "group_id", "id"):
        grouped.setdefault(tag.group_id, (tag.group.name, []))[1].append((tag.pk, tag.name))
    return list(grouped.values())


def group_kind_choices() -> list[tuple[str, Any]]:
    return list(TagGroupKind.choices)


def segments(merchant_id: int) -> QuerySet[Segment]:
    """Segments newest first, with who made them (one query per page)."""
    return Segment.objects.for_merchant(merchant_id).select_related("created_by").order_by("-id")


def coupon_template_choices(merchant_id: int) -> list[tuple[int, str]]:
    """Coupon templates that can still be issued (active), newest first, for a hand-off picker."""
    rows = CouponTemplate.objects.for_merchant(merchant_id).filter(status="active").order_by("-id")
    return [(t.pk, t.title) for t in rows.only("pk", "title")]


# ---- the segment builder -----------------------------------------------------------------------------

# Profile and value-model fields the builder offers as "field" rows, with the operators it shows.
BUILDER_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gender", ("eq", "ne")),
    ("first_touch_source", ("eq", "ne")),
    ("province", ("eq", "ne", "contains", "is_set", "is_not_set")),
    ("city", ("eq", "ne", "contains", "is_set", "is_not_set")),
    ("district", ("eq", "ne", "contains", "is_set", "is_not_set")),
    ("first_touch_campaign", ("eq", "contains", "is_set", "is_not_set")),
    ("phone", ("is_set", "is_not_set")),
    ("age", ("gte", "lte", "gt", "lt", "eq")),
    ("birthday", ("month_in", "is_set", "is_not_set")),
    ("registered_at", ("within_days", "older_than_days")),
    ("is_blocked", ("eq",)),
    ("order_count", ("gte", "lte", "eq", "gt", "lt")),
    ("paid_total", ("gte", "lte", "gt", "lt")),
    ("recency_days", ("lte", "gte", "is_set", "is_not_set")),
    ("r_score", ("gte", "lte", "eq")),
    ("f_score", ("gte", "lte", "eq")),
    ("m_score", ("gte", "lte", "eq")),
    ("favourite_category_id", ("eq", "ne", "is_set", "is_not_set")),
    ("discount_order_share_bp", ("gte", "lte")),
    ("preferred_hour", ("eq", "gte", "lte", "is_set", "is_not_set")),
    ("last_order_at", ("within_days", "older_than_days", "is_set", "is_not_set")),
    ("last_engaged_at", ("within_days", "older_than_days", "is_set", "is_not_set")),
)


def _field_labels() -> dict[str, str]:
    return {
        "gender": _("Gender"),
        "first_touch_source": _("First-touch source"),
        "province": _("Province"),
        "city": _("City"),
        "district": _("District"),
        "first_touch_campaign": _("First-touch campaign"),
        "phone": _("Phone number"),
        "age": _("Age"),
        "birthday": _("Birthday"),
        "registered_at": _("Registered"),
        "is_blocked": _("Blocked"),
        "order_count": _("Paid orders (all time)"),
        "paid_total": _("Net spend, yuan (all time)"),
        "recency_days": _("Days since last order"),
        "r_score": _("R score (1-5)"),
        "f_score": _("F score (1-5)"),
        "m_score": _("M score (1-5)"),
        "favourite_category_id": _("Favourite category"),
        "discount_order_share_bp": _("Orders with a discount, %"),
        "preferred_hour": _("Preferred hour (0-23)"),
        "last_order_at": _("Last order"),
        "last_engaged_at": _("Last engaged"),
    }


def _op_labels() -> dict[str, str]:
    return {
        "eq": _("is"),
        "ne": _("is not"),
        "gt": _("more than"),
        "gte": _("at least"),
        "lt": _("less than"),
        "lte": _("at most"),
        "contains": _("contains"),
        "is_set": _("is filled in"),
        "is_not_set": _("is empty"),
        "month_in": _("falls in month"),
        "within_days": _("within the last (days)"),
        "older_than_days": _("more than (days) ago"),
    }


def builder_options(merchant_id: int) -> dict[str, Any]:
    """What the segment builder's pickers offer: fields, operators, choices, the merchant's tags,
    categories and coupon templates, and the builder's own words (translated). Three queries."""
    labels = _field_labels()
    categories = [
        [c.pk, c.name] for c in Category.objects.for_merchant(merchant_id).order_by("sort_order", "id")
    ]
    choices: dict[str, list[list[Any]]] = {
        "gender": [[v, str(label)] for v, label in Gender.choices],
        "first_touch_source": [[v, str(label)] for v, label in Source.choices],
        "favourite_category_id": categories,
        "is_blocked": [[True, _("yes")], [False, _("no")]],
    }
    fields = []
    for name, ops in BUILDER_FIELDS:
        field_spec = spec.FIELDS[name]
        kind = field_spec.type
        if name == "favourite_category_id":
            kind = "enum_id"
        fields.append(
            {
                "name": name,
                "label": labels[name],
                "type": kind,
                "ops": list(ops),
                "choices": choices.get(name, []),
                "yuan": name == "paid_total",
                "percent": name == "discount_order_share_bp",
            }
        )
    tags = [
        [tag_id, f"{group} / {name}"] for group, rows in tag_options(merchant_id) for tag_id, name in rows
    ]
    templates = coupon_templates_any(merchant_id)
    return {
        "fields": fields,
        "ops": _op_labels(),
        "tags": tags,
        "rfm_class": [[v, str(label)] for v, label in RfmClass.choices],
        "lifecycle_stage": [[v, str(label)] for v, label in LifecycleStage.choices],
        "value_tier": [[v, str(label)] for v, label in ValueTier.choices],
        "event_kinds": [[v, str(label)] for v, label in EventKind.choices],
        "channels": [[v, str(label)] for v, label in Channel.choices],
        "wecom_groups": wecom_group_options(merchant_id),
        "coupon_statuses": [[s, _coupon_status_label(s)] for s in spec.COUPON_STATUSES],
        "coupon_templates": templates,
        "months": [[m, str(m)] for m in range(1, 13)],
        "words": {
            "types": {
                "field": _("Profile or value field"),
                "tag": _("Tag"),
                "rfm_class": _("RFM class"),
                "lifecycle_stage": _("Lifecycle stage"),
                "value_tier": _("Value tier"),
                "semi_private": _("Semi-private member"),
                "loyalty_rung": _("Loyalty ladder rung"),
                "event": _("Behaviour events"),
                "orders": _("Orders or spend"),
                "coupons": _("Coupons"),
                "reachable": _("Reachable on channel"),
                "wecom_group": _("WeCom group"),
                "wecom_contact": _("Is a WeCom contact"),
            },
            "in_group": _("is in the group"),
            "not_in_group": _("is not in the group"),
            "has": _("has"),
            "has_not": _("does not have"),
            "yes": _("yes"),
            "no": _("no"),
            "count": _("count"),
            "spend": _("spend (yuan)"),
            "any_template": _("any coupon"),
            "times": _("times"),
            "within": _("within days (blank = ever)"),
            "remove": _("Remove"),
            "empty": _("Add a condition to see who matches."),
            "manual": _("This rule is edited as JSON: the builder cannot show it."),
        },
    }


def wecom_group_options(merchant_id: int) -> list[list[Any]]:
    """The live WeCom customer groups a rule may name, newest first."""
    rows = WeComGroup.objects.for_merchant(merchant_id).filter(dismissed_at__isnull=True).order_by("-id")
    return [[g.pk, g.name or g.chat_id] for g in rows.only("pk", "name", "chat_id")]


def coupon_templates_any(merchant_id: int) -> list[list[Any]]:
    rows = CouponTemplate.objects.for_merchant(merchant_id).order_by("-id").only("pk", "title")
    return [[t.pk, t.title] for t in rows]


def _coupon_status_label(status: str) -> str:
    return {
        "unused": _("unused"),
        "usable": _("usable now"),
        "expired": _("expired"),
        "locked": _("in an unpaid order"),
        "used": _("used"),
        "voided": _("voided"),
        "any": _("in any state"),
    }[status]


# ---- the customer 360 additions ----------------------------------------------------------------------


@dataclass
class CustomerData:
    """The customer data platform's view of one customer: value model, tags, membership, coupons."""

    customer: Customer
    value: CustomerValue | None
    favourite_category: str
    tags: list[CustomerTag]
    membership: MembershipView
    coupons: list[Coupon]


RECENT_POINTS = 10
COUPONS_SHOWN = 20


def customer_data(staff: Staff, customer_id: int) -> CustomerData | None:
    """One customer's value row, tags, membership (tier, growth, points, last 10 ledger entries) and the
    coupons they hold; None when the customer is not one the staff member may see. Fixed queries."""
    merchant_id = staff.merchant_id
    customer = customers_visible_to(staff).filter(pk=customer_id).first()
    if customer is None:
        return None
    value = values.value_for(customer)
    favourite = ""
    if value is not None and value.favourite_category_id:
        found = Category.objects.for_merchant(merchant_id).filter(pk=value.favourite_category_id).first()
        favourite = found.name if found else ""
    tags = list(audience.customer_tags(merchant_id=merchant_id, customer_id=customer.pk))
    coupons = list(
        Coupon.objects.for_merchant(merchant_id)
        .filter(customer=customer, status__in=("unused", "locked"))
        .select_related("template")
        .order_by("valid_until", "-id")[:COUPONS_SHOWN]
    )
    return CustomerData(
        customer=customer,
        value=value,
        favourite_category=favourite,
        tags=tags,
        membership=membership_view(customer=customer, recent=RECENT_POINTS),
        coupons=coupons,
    )


def customer_tag_rows(staff: Staff, customer_id: int) -> tuple[Customer, list[CustomerTag]] | None:
    """A customer and the tags they carry (two queries), or None when not one the staff member may see."""
    merchant_id = staff.merchant_id
    customer = customers_visible_to(staff).filter(pk=customer_id).first()
    if customer is None:
        return None
    return customer, list(audience.customer_tags(merchant_id=merchant_id, customer_id=customer.pk))


def value_distribution(merchant_id: int) -> dict[str, Any]:
    """Customers per RFM class, lifecycle stage, value tier and ladder rung (the values selectors)."""
    return values.distribution(merchant_id)
