"""Ids inside a rule must be the merchant's own: another shop's tag id is refused, never matched.

One query per kind of id the rule names (none for a rule that names no ids).
"""

from __future__ import annotations

from collections import defaultdict

from siyu.audience.models import Tag
from siyu.audience.rules import spec
from siyu.audience.rules.nodes import (
    CouponsCond,
    EventCond,
    FieldCond,
    Node,
    OrdersCond,
    TagCond,
    WeComGroupCond,
    walk,
)
from siyu.audience.rules.parse import refuse
from siyu.catalog.models import Category, Product, Sku
from siyu.promotions.models import CouponTemplate
from siyu.wechat.wecom_groups.models import WeComGroup


def referenced_ids(rule: Node) -> dict[str, list[tuple[int, str]]]:
    """``{"tag": [(12, "rule.all[0]"), ...], "product": [...], ...}``: every id with where it is named."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for node in walk(rule):
        if isinstance(node, TagCond):
            found["tag"] += [(i, f"{node.path}.tag") for i in node.tag_ids]
        elif isinstance(node, FieldCond) and spec.FIELDS[node.field].id_kind and node.value is not None:
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            found[spec.FIELDS[node.field].id_kind] += [(v, f"{node.path}.value") for v in values]
        elif isinstance(node, EventCond):
            for key, value in node.where:
                if key in spec.EVENT_WHERE_IDS:
                    found[spec.EVENT_WHERE_IDS[key]].append((value, f"{node.path}.where.{key}"))
        elif isinstance(node, OrdersCond):
            if node.product_id:
                found["product"].append((node.product_id, f"{node.path}.orders.product"))
            if node.category_id:
                found["category"].append((node.category_id, f"{node.path}.orders.category"))
        elif isinstance(node, WeComGroupCond):
            found["wecom_group"] += [(i, f"{node.path}.wecom_group") for i in node.group_ids]
        elif isinstance(node, CouponsCond) and node.template_id:
            found["coupon_template"].append((node.template_id, f"{node.path}.coupons.template"))
    return found


def _model(kind: str):
    return {
        "tag": Tag,
        "product": Product,
        "sku": Sku,
        "category": Category,
        "coupon_template": CouponTemplate,
        "wecom_group": WeComGroup,
    }[kind]


def check_references(rule: Node, *, merchant_id: int, own_tag_id: int | None = None) -> None:
    """Refuse (``unknown_id`` at its path) any id that is not this merchant's; ``own_tag_id`` is the
    tag a tag rule sets, which its own rule may not name."""
    for kind, named in sorted(referenced_ids(rule).items()):
        if kind == "tag" and own_tag_id is not None:
            for value, path in named:
                if value == own_tag_id:
                    refuse(path, "self_reference")
        wanted = {value for value, _path in named}
        found = set(
            _model(kind).objects.filter(merchant_id=merchant_id, pk__in=wanted).values_list("pk", flat=True)
        )
        for value, path in named:
            if value not in found:
                refuse(path, "unknown_id", kind=kind, id=value)
