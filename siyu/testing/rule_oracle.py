"""A slow, obvious evaluation of the audience rules over plain Python data: the property test's oracle.

Written from docs/segments.md, independently of the compiler: it reads the raw JSON (defaults
included), loops over customers and their rows, and compares local calendar dates rather than
instants. Only what the property test generates needs to be here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
VALUE_DEFAULTS = {
    "rfm_class": "",
    "lifecycle_stage": "introduction",
    "value_tier": "newly_activated",
    "is_semi_private": False,
    "loyalty_rung": 0,
    "order_count": 0,
    "recency_days": None,
    "last_order_at": None,
}
REACH = {
    "subscribe_message": {"mp_openid"},
    "official_account": {"oa_openid"},
    "wecom": {"unionid", "wecom_external_userid"},
    "wecom_group": {"unionid", "wecom_external_userid"},
    "sms": {"phone"},
}


@dataclass
class P:
    """One customer and everything of theirs the rules can look at."""

    id: int = 0
    gender: str = "unknown"
    birthday: dt.date | None = None
    province: str = ""
    city: str = ""
    phone: str | None = None
    first_touch_source: str = "unknown"
    registered_at: dt.datetime = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    is_blocked: bool = False
    value: dict[str, Any] | None = None
    tags: set[int] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)  # kind, at, props, source
    orders: list[dict[str, Any]] = field(
        default_factory=list
    )  # paid_at, status, lines: [(product, paid, refunded)]
    coupons: list[dict[str, Any]] = field(
        default_factory=list
    )  # template, status, valid_until, claimed_at, used_at
    identities: set[str] = field(default_factory=set)
    consents: dict[str, bool] = field(default_factory=dict)
    wecom_groups: set[int] = field(default_factory=set)  # WeCom group ids the customer is a member of


@dataclass
class Catalogue:
    product_category: dict[int, int | None]  # product id -> category id
    category_parent: dict[int, int | None]

    def in_category(self, product: int, category: int) -> bool:
        c = self.product_category.get(product)
        while c is not None:
            if c == category:
                return True
            c = self.category_parent[c]
        return False


def compare(x: Any, op: str, v: Any) -> bool:
    if x is None:
        return False
    if op == "between":
        return v[0] <= x <= v[1]
    if op in ("in", "not_in"):
        return (x in v) == (op == "in")
    return {
        "eq": lambda: x == v,
        "ne": lambda: x != v,
        "gt": lambda: x > v,
        "gte": lambda: x >= v,
        "lt": lambda: x < v,
        "lte": lambda: x <= v,
    }[op]()


def _age(birthday: dt.date, today: dt.date) -> int:
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def _date_value(v: Any) -> Any:
    if isinstance(v, list):
        return [dt.date.fromisoformat(x) for x in v]
    return dt.date.fromisoformat(v)


def _field(p: P, name: str, op: str, v: Any, now: dt.datetime) -> bool:
    row = p.value if p.value is not None else {}
    x = row.get(name, VALUE_DEFAULTS[name]) if name in VALUE_DEFAULTS else getattr(p, name, None)
    if name == "age":
        x = _age(p.birthday, now.astimezone(TZ).date()) if p.birthday else None
    if op in ("is_set", "is_not_set"):
        present = x not in (None, "")
        return present if op == "is_set" else not present
    if op == "contains":
        return x is not None and v.lower() in x.lower()
    if op == "month_in":
        return x is not None and x.month in v
    if op == "within_days":
        return x is not None and x >= now - dt.timedelta(days=v)
    if op == "older_than_days":
        return x is not None and x < now - dt.timedelta(days=v)
    if isinstance(x, dt.datetime):
        return compare(x.astimezone(TZ).date(), op, _date_value(v))
    if name == "birthday":
        return compare(x, op, _date_value(v))
    return compare(x, op, v)


def _count(n: int, c: dict[str, Any] | None) -> bool:
    c = c or {"op": "gte", "value": 1}
    return compare(n, c["op"], c["value"])


def _event(p: P, rule: dict[str, Any], now: dt.datetime) -> bool:
    n = 0
    for e in p.events:
        if e["kind"] != rule["event"]:
            continue
        if "within_days" in rule and e["at"] < now - dt.timedelta(days=rule["within_days"]):
            continue
        ok = True
        for key, want in rule.get("where", {}).items():
            if key in ("product_id", "sku_id"):
                ok &= e["props"].get(key) == want
            elif key == "keywords":
                ok &= (
                    want.lower() in str(e["props"].get("keywords", "")).lower()
                    if "keywords" in e["props"]
                    else False
                )
            else:
                ok &= e.get(key, "") == want
        n += ok
    return _count(n, rule.get("count"))


def _orders(p: P, spec: dict[str, Any], now: dt.datetime, cat: Catalogue) -> bool:
    orders = [o for o in p.orders if o["paid_at"] is not None and o["status"] != "closed"]
    if "within_days" in spec:
        orders = [o for o in orders if o["paid_at"] >= now - dt.timedelta(days=spec["within_days"])]

    def wanted(product: int) -> bool:
        if "product" in spec:
            return product == spec["product"]
        if "category" in spec:
            return cat.in_category(product, spec["category"])
        return True

    filtered = "product" in spec or "category" in spec
    counted = [o for o in orders if any(wanted(line[0]) for line in o["lines"])]
    spent = sum(paid - refunded for o in orders for product, paid, refunded in o["lines"] if wanted(product))
    if not filtered:
        spent = sum(o["paid_amount"] - o["refunded_amount"] for o in orders)
    ok = True
    if "count" in spec or "spend" not in spec:
        ok &= _count(len(counted), spec.get("count"))
    if "spend" in spec:
        ok &= compare(spent, spec["spend"]["op"], spec["spend"]["value"])
    return ok


def _coupons(p: P, spec: dict[str, Any], now: dt.datetime) -> bool:
    status = spec.get("status", "any")
    n = 0
    for c in p.coupons:
        if "template" in spec and c["template"] != spec["template"]:
            continue
        unused = c["status"] == "unused"
        if status == "usable":
            started = c["valid_from"] is None or c["valid_from"] <= now
            ok = unused and started and (c["valid_until"] is None or c["valid_until"] > now)
        elif status == "expired":
            ok = unused and c["valid_until"] is not None and c["valid_until"] <= now
        else:
            ok = status == "any" or c["status"] == status
        if ok and "within_days" in spec:
            when = c["used_at"] if status == "used" else c["claimed_at"]
            ok = when is not None and when >= now - dt.timedelta(days=spec["within_days"])
        n += ok
    return _count(n, spec.get("count"))


def matches(p: P, rule: dict[str, Any], now: dt.datetime, cat: Catalogue) -> bool:
    if "all" in rule:
        return all(matches(p, r, now, cat) for r in rule["all"])
    if "any" in rule:
        return any(matches(p, r, now, cat) for r in rule["any"])
    if "not" in rule:
        return not matches(p, rule["not"], now, cat)
    if "field" in rule:
        return _field(p, rule["field"], rule["op"], rule.get("value"), now)
    for key in ("rfm_class", "lifecycle_stage", "value_tier"):
        if key in rule:
            wanted = rule[key] if isinstance(rule[key], list) else [rule[key]]
            return _field(p, key, "in", wanted, now)
    if "semi_private" in rule:
        return _field(p, "is_semi_private", "eq", rule["semi_private"], now)
    if "loyalty_rung" in rule:
        return _field(p, "loyalty_rung", rule["loyalty_rung"]["op"], rule["loyalty_rung"]["value"], now)
    if "tag" in rule:
        ids = set(rule["tag"]) if isinstance(rule["tag"], list) else {rule["tag"]}
        return bool(p.tags & ids) == rule.get("has", True)
    if "event" in rule:
        return _event(p, rule, now)
    if "orders" in rule:
        return _orders(p, rule["orders"], now, cat)
    if "coupons" in rule:
        return _coupons(p, rule["coupons"], now)
    if "reachable" in rule:
        channel = rule["reachable"]
        kinds = set(p.identities) | ({"phone"} if p.phone else set())
        return not p.is_blocked and bool(kinds & REACH[channel]) and p.consents.get(channel) is True
    if "consent" in rule:
        c = rule["consent"]
        return p.consents.get(c["channel"]) is c.get("opted_in", True)
    if "wecom_group" in rule:
        ids = set(rule["wecom_group"]) if isinstance(rule["wecom_group"], list) else {rule["wecom_group"]}
        return bool(p.wecom_groups & ids) == rule.get("member", True)
    if "wecom_contact" in rule:
        return ("wecom_external_userid" in p.identities) == rule["wecom_contact"]
    raise AssertionError(f"the oracle does not know {rule}")


def evaluate(rule: dict[str, Any], people: list[P], now: dt.datetime, cat: Catalogue) -> set[int]:
    return {p.id for p in people if matches(p, rule, now, cat)}
