"""The audience rule language: JSON -> validated tree -> one SQL query over the merchant's customers.

``validate_rule`` checks shape and ids (refusing with the JSON path); ``customers_matching`` returns the
queryset. docs/segments.md is the reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from siyu.audience.rules.compiler import Context, compile_rule
from siyu.audience.rules.nodes import Node
from siyu.audience.rules.parse import parse_rule
from siyu.audience.rules.references import check_references, referenced_ids
from siyu.members.models import Customer

__all__ = ["Context", "Node", "customers_matching", "parse_rule", "referenced_ids", "validate_rule"]


def validate_rule(data: Any, *, merchant_id: int, own_tag_id: int | None = None, root: str = "rule") -> Node:
    """The parsed rule, after checking every id it names is this merchant's (``InvalidRule`` if not)."""
    node = parse_rule(data, root=root)
    check_references(node, merchant_id=merchant_id, own_tag_id=own_tag_id)
    return node


def customers_matching(rule: Node, *, merchant_id: int, now: dt.datetime | None = None) -> QuerySet:
    """The merchant's customers the rule matches, as one lazy queryset (nothing runs until read)."""

    ctx = Context(merchant_id=merchant_id, now=now or timezone.now())
    # A customer merged into another is an empty husk kept as history: never an audience member.
    customers = Customer.objects.for_merchant(merchant_id).filter(merged_into__isnull=True)
    return customers.filter(compile_rule(rule, ctx))
