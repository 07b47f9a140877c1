"""The parsed rule: a small tree of frozen dataclasses, built only by ``parse.parse_rule``.

Every node keeps the JSON path it came from, so a later check (ids of another merchant) can name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Compare:
    """``{"op": "gte", "value": 3}``; ``between`` holds an inclusive ``(low, high)``."""

    op: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]
    path: str


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]
    path: str


@dataclass(frozen=True)
class Not:
    child: Node
    path: str


@dataclass(frozen=True)
class FieldCond:
    """A profile column (``members.Customer``) or a value-model column (``values.CustomerValue``)."""

    field: str
    op: str
    value: Any
    path: str


@dataclass(frozen=True)
class TagCond:
    """Carries any of ``tag_ids`` (``has``), or none of them (``not has``)."""

    tag_ids: tuple[int, ...]
    has: bool
    path: str


@dataclass(frozen=True)
class EventCond:
    kind: str
    count: Compare
    within_days: int | None
    where: tuple[tuple[str, Any], ...]
    path: str


@dataclass(frozen=True)
class OrdersCond:
    """Paid, not fully refunded orders; with ``product``/``category``, only the lines of those."""

    count: Compare | None
    spend: Compare | None
    within_days: int | None
    product_id: int | None
    category_id: int | None
    path: str


@dataclass(frozen=True)
class CouponsCond:
    status: str
    template_id: int | None
    count: Compare
    within_days: int | None
    path: str


@dataclass(frozen=True)
class ReachableCond:
    channel: str
    path: str


@dataclass(frozen=True)
class WeComGroupCond:
    """Is a member of any of the WeCom customer groups ``group_ids`` (``member``), or of none of them."""

    group_ids: tuple[int, ...]
    member: bool
    path: str


@dataclass(frozen=True)
class WeComContactCond:
    """Is (or is not) a WeCom external contact of the corp: has a ``wecom_external_userid`` identity."""

    is_contact: bool
    path: str


@dataclass(frozen=True)
class ConsentCond:
    channel: str
    opted_in: bool
    path: str


Node = (
    AllOf
    | AnyOf
    | Not
    | FieldCond
    | TagCond
    | EventCond
    | OrdersCond
    | CouponsCond
    | ReachableCond
    | ConsentCond
    | WeComGroupCond
    | WeComContactCond
)


def walk(node: Node):
    """Every node of the tree, depth first."""
    yield node
    if isinstance(node, (AllOf, AnyOf)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)
