"""JSON -> rule tree, strictly: an unknown key, field, operator or value type is refused with its path.

``parse_rule`` needs no database; ``references.check_references`` then checks that every id the rule
names (tags, products, categories, SKUs, coupon templates) belongs to the merchant.
The refusal is ``InvalidRule`` whose detail is ``{"path": "rule.all[2].count.op", "reason": ...}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NoReturn

from django.utils.translation import gettext_lazy as _

from siyu.audience.errors import InvalidRule
from siyu.audience.rules import spec
from siyu.audience.rules.nodes import (
    AllOf,
    AnyOf,
    Compare,
    ConsentCond,
    CouponsCond,
    EventCond,
    FieldCond,
    Node,
    Not,
    OrdersCond,
    ReachableCond,
    TagCond,
    WeComContactCond,
    WeComGroupCond,
)
from siyu.core.text import lone_surrogate_path

REASONS = {
    "not_an_object": _("%(path)s must be a JSON object."),
    "invalid_text": _("%(path)s holds text that is not valid Unicode (a lone surrogate)."),
    "unknown_condition": _("%(path)s is not a condition this rule language knows."),
    "ambiguous": _("%(path)s names more than one condition; put them in an all or any group."),
    "unknown_key": _("%(path)s is not allowed here."),
    "missing_key": _("%(path)s is required."),
    "unknown_field": _("%(path)s names an unknown field."),
    "unknown_op": _("%(path)s is not an operator this field supports."),
    "bad_value": _("%(path)s has a value of the wrong type or out of range."),
    "empty_group": _("%(path)s must hold at least one condition."),
    "too_deep": _("%(path)s nests groups too deeply."),
    "too_large": _("%(path)s makes the rule too large."),
    "unknown_id": _("%(path)s names something that does not exist in this shop."),
    "self_reference": _("%(path)s is the tag this rule sets; a rule cannot depend on itself."),
}


def refuse(path: str, reason: str, **extra: Any) -> NoReturn:
    """Raise the one error of the rule language (its message names the path, in the request's language)."""
    raise InvalidRule(REASONS[reason] % {"path": path}, detail={"path": path, "reason": reason, **extra})


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Parser:
    def __init__(self) -> None:
        self.conditions = 0

    # ---- helpers ---------------------------------------------------------------------------------

    def obj(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            refuse(path, "not_an_object")
        for key in value:
            if key not in allowed:
                refuse(f"{path}.{key}", "unknown_key", allowed=list(allowed))
        for key in required:
            if key not in value:
                refuse(f"{path}.{key}", "missing_key")
        return value

    def int_in(self, value: Any, path: str, low: int, high: int) -> int:
        if not _is_int(value) or not low <= value <= high:
            refuse(path, "bad_value", expected=f"integer {low}..{high}")
        return int(value)

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or len(value) > spec.MAX_TEXT:
            refuse(path, "bad_value", expected=f"text of at most {spec.MAX_TEXT} characters")
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in choices:
            refuse(path, "bad_value", expected=list(choices))
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            refuse(path, "bad_value", expected="true or false")
        return value

    def date(self, value: Any, path: str) -> dt.date:
        try:
            if isinstance(value, str) and len(value) == 10:
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        refuse(path, "bad_value", expected="a date YYYY-MM-DD")

    def items(self, value: Any, path: str, one) -> tuple:
        if not isinstance(value, list) or not value:
            refuse(path, "bad_value", expected="a non-empty list")
        if len(value) > spec.MAX_LIST:
            refuse(path, "too_large", limit=spec.MAX_LIST)
        return tuple(one(v, f"{path}[{i}]") for i, v in enumerate(value))

    def pair(self, value: Any, path: str, one) -> tuple:
        if not isinstance(value, list) or len(value) != 2:
            refuse(path, "bad_value", expected="[low, high]")
        low, high = one(value[0], f"{path}[0]"), one(value[1], f"{path}[1]")
        if low > high:
            refuse(path, "bad_value", expected="low <= high")
        return (low, high)

    def compare(self, value: Any, path: str, low: int, high: int) -> Compare:
        self.obj(value, path, ("op", "value"), ("op", "value"))
        op = value["op"]
        if op not in spec.COMPARE_OPS:
            refuse(f"{path}.op", "unknown_op", allowed=list(spec.COMPARE_OPS))
        vpath = f"{path}.value"
        if op == "between":
            return Compare(op, self.pair(value["value"], vpath, lambda v, p: self.int_in(v, p, low, high)))
        number = self.int_in(value["value"], vpath, low, high)
        if op == "lt" and number <= low:
            refuse(vpath, "bad_value", expected=f"greater than {low}")  # nothing is below the floor
        return Compare(op, number)

    def days(self, value: Any, path: str) -> int:
        return self.int_in(value, path, 1, spec.MAX_DAYS)

    def count_leaf(self, path: str) -> None:
        self.conditions += 1
        if self.conditions > spec.MAX_CONDITIONS:
            refuse(path, "too_large", limit=spec.MAX_CONDITIONS)

    # ---- nodes -----------------------------------------------------------------------------------

    def node(self, value: Any, path: str, depth: int) -> Node:
        if not isinstance(value, dict):
            refuse(path, "not_an_object")
        keys = [k for k in value if k in spec.TOP_KEYS]
        if not keys:
            if not value:
                refuse(path, "unknown_condition", allowed=list(spec.TOP_KEYS))
            refuse(f"{path}.{next(iter(value))}", "unknown_condition", allowed=list(spec.TOP_KEYS))
        if len(keys) > 1:
            refuse(path, "ambiguous", keys=keys)
        key = keys[0]
        if key in ("all", "any", "not"):
            return self.group(key, value, path, depth)
        self.count_leaf(path)
        return getattr(self, f"cond_{key}" if hasattr(self, f"cond_{key}") else "cond_shortcut")(
            key, value, path
        )

    def group(self, key: str, value: dict, path: str, depth: int) -> Node:
        self.obj(value, path, (key,))
        if depth >= spec.MAX_DEPTH:
            refuse(path, "too_deep", limit=spec.MAX_DEPTH)
        inner = f"{path}.{key}"
        if key == "not":
            return Not(self.node(value["not"], inner, depth + 1), path)
        children = value[key]
        if not isinstance(children, list):
            refuse(inner, "bad_value", expected="a list of conditions")
        if not children:
            refuse(inner, "empty_group")
        if len(children) > spec.MAX_GROUP_SIZE:
            refuse(inner, "too_large", limit=spec.MAX_GROUP_SIZE)
        nodes = tuple(self.node(c, f"{inner}[{i}]", depth + 1) for i, c in enumerate(children))
        return AllOf(nodes, path) if key == "all" else AnyOf(nodes, path)

    def cond_field(self, _key: str, value: dict, path: str) -> Node:
        self.obj(value, path, ("field", "op", "value"), ("field", "op"))
        name = value["field"]
        field = spec.FIELDS.get(name) if isinstance(name, str) else None
        if field is None:
            refuse(f"{path}.field", "unknown_field", allowed=list(spec.FIELDS))
        op = value["op"]
        if not isinstance(op, str) or op not in field.ops:
            refuse(f"{path}.op", "unknown_op", allowed=list(field.ops))
        vpath = f"{path}.value"
        if op in spec.SET_OPS:
            if "value" in value:
                refuse(vpath, "unknown_key")
            return FieldCond(name, op, None, path)
        if "value" not in value:
            refuse(vpath, "missing_key")
        return FieldCond(name, op, self.field_value(field, op, value["value"], vpath), path)

    def field_value(self, field: spec.FieldSpec, op: str, value: Any, path: str) -> Any:
        t = field.type
        if op == "within_days" or op == "older_than_days":
            return self.days(value, path)
        if op == "month_in":
            return self.items(value, path, lambda v, p: self.int_in(v, p, 1, 12))
        if t == spec.BOOL:
            return self.boolean(value, path)
        one: Callable[[Any, str], Any]
        if t == spec.ENUM:
            one = lambda v, p: self.choice(v, p, field.choices)  # noqa: E731
        elif t == spec.TEXT:
            one = self.text
            if op == "contains" and not (isinstance(value, str) and value):
                refuse(path, "bad_value", expected="non-empty text")
        elif t in (spec.DATE, spec.DATETIME):
            one = self.date
        else:  # INT, AGE, ID
            one = lambda v, p: self.int_in(v, p, field.low, field.high)  # noqa: E731
        if op in ("in", "not_in"):
            return self.items(value, path, one)
        if op == "between":
            return self.pair(value, path, one)
        return one(value, path)

    def cond_shortcut(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, (key,))
        inner = f"{path}.{key}"
        field = spec.FIELDS[key]
        if key in spec.LIST_SHORTCUTS:
            raw = value[key] if isinstance(value[key], list) else [value[key]]
            if not isinstance(value[key], (list, str)):
                refuse(inner, "bad_value", expected=list(field.choices))
            return FieldCond(
                key, "in", self.items(raw, inner, lambda v, p: self.choice(v, p, field.choices)), path
            )
        compare = self.compare(value[key], inner, field.low, field.high)
        return FieldCond(key, compare.op, compare.value, path)

    def cond_semi_private(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, (key,))
        return FieldCond("is_semi_private", "eq", self.boolean(value[key], f"{path}.{key}"), path)

    def cond_tag(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, ("tag", "has"))
        inner = f"{path}.tag"
        raw = value["tag"]
        one = lambda v, p: self.int_in(v, p, 1, 2**62)  # noqa: E731
        ids = self.items(raw, inner, one) if isinstance(raw, list) else (one(raw, inner),)
        has = self.boolean(value["has"], f"{path}.has") if "has" in value else True
        return TagCond(tuple(sorted(set(ids))), has, path)

    def cond_event(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, ("event", "count", "within_days", "where"))
        kind = self.choice(value["event"], f"{path}.event", spec.EVENT_KINDS)
        count = self.compare(value["count"], f"{path}.count", 0, spec.MAX_COUNT) if "count" in value else None
        days = self.days(value["within_days"], f"{path}.within_days") if "within_days" in value else None
        where: list[tuple[str, Any]] = []
        if "where" in value:
            wpath = f"{path}.where"
            self.obj(value["where"], wpath, tuple(spec.EVENT_WHERE))
            for name, raw in value["where"].items():
                how, p = spec.EVENT_WHERE[name], f"{wpath}.{name}"
                if how == "property_id":
                    where.append((name, self.int_in(raw, p, 1, 2**62)))
                elif how == "column_enum":
                    where.append((name, self.choice(raw, p, spec.FIELDS["first_touch_source"].choices)))
                else:
                    text = self.text(raw, p)
                    if not text:
                        refuse(p, "bad_value", expected="non-empty text")
                    where.append((name, text))
        return EventCond(kind, count or Compare("gte", 1), days, tuple(sorted(where)), path)

    def cond_orders(self, key: str, value: dict, path: str) -> Node:
        inner = f"{path}.orders"
        self.obj(value, path, ("orders",))
        body = self.obj(value["orders"], inner, ("count", "spend", "within_days", "product", "category"))
        if "product" in body and "category" in body:
            refuse(f"{inner}.category", "unknown_key", expected="product or category, not both")
        count = self.compare(body["count"], f"{inner}.count", 0, spec.MAX_COUNT) if "count" in body else None
        spend = self.compare(body["spend"], f"{inner}.spend", 0, spec.MAX_SPEND) if "spend" in body else None
        return OrdersCond(
            count if count or spend else Compare("gte", 1),
            spend,
            self.days(body["within_days"], f"{inner}.within_days") if "within_days" in body else None,
            self.int_in(body["product"], f"{inner}.product", 1, 2**62) if "product" in body else None,
            self.int_in(body["category"], f"{inner}.category", 1, 2**62) if "category" in body else None,
            path,
        )

    def cond_coupons(self, key: str, value: dict, path: str) -> Node:
        inner = f"{path}.coupons"
        self.obj(value, path, ("coupons",))
        body = self.obj(value["coupons"], inner, ("status", "template", "count", "within_days"))
        return CouponsCond(
            self.choice(body["status"], f"{inner}.status", spec.COUPON_STATUSES)
            if "status" in body
            else "any",
            self.int_in(body["template"], f"{inner}.template", 1, 2**62) if "template" in body else None,
            self.compare(body["count"], f"{inner}.count", 0, spec.MAX_COUNT)
            if "count" in body
            else Compare("gte", 1),
            self.days(body["within_days"], f"{inner}.within_days") if "within_days" in body else None,
            path,
        )

    def cond_reachable(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, ("reachable",))
        return ReachableCond(self.choice(value["reachable"], f"{path}.reachable", spec.CHANNELS), path)

    def cond_consent(self, key: str, value: dict, path: str) -> Node:
        inner = f"{path}.consent"
        self.obj(value, path, ("consent",))
        body = self.obj(value["consent"], inner, ("channel", "opted_in"), ("channel",))
        opted_in = self.boolean(body["opted_in"], f"{inner}.opted_in") if "opted_in" in body else True
        return ConsentCond(self.choice(body["channel"], f"{inner}.channel", spec.CHANNELS), opted_in, path)

    def cond_wecom_group(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, ("wecom_group", "member"))
        inner = f"{path}.wecom_group"
        raw = value["wecom_group"]
        one = lambda v, p: self.int_in(v, p, 1, 2**62)  # noqa: E731
        ids = self.items(raw, inner, one) if isinstance(raw, list) else (one(raw, inner),)
        member = self.boolean(value["member"], f"{path}.member") if "member" in value else True
        return WeComGroupCond(tuple(sorted(set(ids))), member, path)

    def cond_wecom_contact(self, key: str, value: dict, path: str) -> Node:
        self.obj(value, path, (key,))
        return WeComContactCond(self.boolean(value[key], f"{path}.{key}"), path)


def parse_rule(data: Any, *, root: str = "rule") -> Node:
    """The rule tree of ``data``, or ``InvalidRule`` naming the first problem's JSON path."""
    bad = lone_surrogate_path(data, root)
    if bad is not None:
        refuse(bad.encode("utf-8", "backslashreplace").decode("ascii"), "invalid_text")
    return _Parser().node(data, root, 0)
