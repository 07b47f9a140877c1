"""Audience rules (tag rules, segments) as one sentence a merchant reads: "近30天下单≥2次 且 城市是上海".

The rule is parsed with the rule language's own parser (siyu/audience/rules/parse.py), so the
sentence says exactly what the compiler runs; ids become names (tags, categories, products, SKUs,
coupons) with one query per kind for a whole page of rules. A rule the parser refuses (an old shape,
hand-written JSON) has no sentence: the page shows its JSON instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from siyu.audience.errors import InvalidRule
from siyu.audience.models import Tag
from siyu.audience.rules import parse_rule, referenced_ids
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
from siyu.audience.values.models import LifecycleStage, RfmClass, ValueTier
from siyu.catalog.models import Category, Product, Sku
from siyu.console.readable import punct
from siyu.core.money import format_yuan
from siyu.events.models import EventKind
from siyu.members.models import Channel, Gender, Source
from siyu.promotions.models import CouponTemplate
from siyu.wechat.wecom_groups.models import WeComGroup

Names = dict[str, dict[int, str]]

SYMBOLS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def _field_labels() -> dict[str, str]:
    return {
        "gender": pgettext("rule field", "gender"),
        "first_touch_source": pgettext("rule field", "first source"),
        "province": pgettext("rule field", "province"),
        "city": pgettext("rule field", "city"),
        "district": pgettext("rule field", "district"),
        "first_touch_campaign": pgettext("rule field", "first campaign"),
        "phone": pgettext("rule field", "phone number"),
        "birthday": pgettext("rule field", "birthday"),
        "age": pgettext("rule field", "age"),
        "registered_at": pgettext("rule field", "registered"),
        "is_blocked": pgettext("rule field", "blocked"),
        "rfm_class": pgettext("rule field", "RFM class"),
        "lifecycle_stage": pgettext("rule field", "lifecycle stage"),
        "value_tier": pgettext("rule field", "value tier"),
        "is_semi_private": pgettext("rule field", "semi-private member"),
        "loyalty_rung": pgettext("rule field", "loyalty rung"),
        "order_count": pgettext("rule field", "paid orders"),
        "paid_total": pgettext("rule field", "net spend"),
        "recency_days": pgettext("rule field", "days since the last order"),
        "r_score": pgettext("rule field", "R score"),
        "f_score": pgettext("rule field", "F score"),
        "m_score": pgettext("rule field", "M score"),
        "favourite_category_id": pgettext("rule field", "favourite category"),
        "discount_order_share_bp": pgettext("rule field", "share of orders with a discount"),
        "coupon_use_share_bp": pgettext("rule field", "share of orders with a coupon"),
        "preferred_hour": pgettext("rule field", "preferred hour"),
        "first_order_at": pgettext("rule field", "first order"),
        "last_order_at": pgettext("rule field", "last order"),
        "last_engaged_at": pgettext("rule field", "last engaged"),
    }


def _choice_labels() -> dict[str, dict[str, Any]]:
    return {
        "gender": dict(Gender.choices),
        "first_touch_source": dict(Source.choices),
        "rfm_class": dict(RfmClass.choices),
        "lifecycle_stage": dict(LifecycleStage.choices),
        "value_tier": dict(ValueTier.choices),
    }


def _coupon_status(status: str) -> str:
    return {
        "unused": pgettext("rule coupon", "unused"),
        "usable": pgettext("rule coupon", "usable now"),
        "expired": pgettext("rule coupon", "expired"),
        "locked": pgettext("rule coupon", "in an unpaid order"),
        "used": pgettext("rule coupon", "used"),
        "voided": pgettext("rule coupon", "voided"),
        "any": "",
    }.get(status, status)


class _Writer:
    def __init__(self, names: Names) -> None:
        self.names = names
        self.fields = _field_labels()
        self.choices = _choice_labels()
        self.p = punct()

    # ---- values ------------------------------------------------------------------------------------

    def value(self, field: str, value: Any) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if field in self.choices:
            return str(self.choices[field].get(value, value))
        if field == "favourite_category_id":
            return self.names["category"].get(value, f"#{value}")
        if field == "paid_total":
            return format_yuan(value)
        if field.endswith("_bp"):
            return f"{value / 100:g}%"
        return str(value)

    def many(self, field: str, values: Iterable[Any], *, joiner: str | None = None) -> str:
        return (joiner or self.p.enum).join(self.value(field, v) for v in values)

    def compare(self, c: Compare, fmt: Any = str) -> str:
        if c.op == "between":
            low, high = c.value
            return f"{fmt(low)}–{fmt(high)}"
        return f"{SYMBOLS[c.op]}{fmt(c.value)}"

    # ---- conditions --------------------------------------------------------------------------------

    def node(self, node: Node, nested: bool = False) -> str:
        if isinstance(node, (AllOf, AnyOf)):
            word = pgettext("rule", "and") if isinstance(node, AllOf) else pgettext("rule", "or")
            parts = [self.node(child, nested=True) for child in node.children]
            text = f" {word} ".join(parts)
            return f"({text})" if nested and len(parts) > 1 else text
        if isinstance(node, Not):
            return _("not (%(rule)s)") % {"rule": self.node(node.child)}
        if isinstance(node, FieldCond):
            return self.field(node)
        if isinstance(node, TagCond):
            tags = pgettext("rule", " or ").join(self.names["tag"].get(i, f"#{i}") for i in node.tag_ids)
            return (_("has tag %(tags)s") if node.has else _("does not have tag %(tags)s")) % {"tags": tags}
        if isinstance(node, EventCond):
            return self.event(node)
        if isinstance(node, OrdersCond):
            return self.orders(node)
        if isinstance(node, CouponsCond):
            return self.coupons(node)
        if isinstance(node, WeComGroupCond):
            groups = pgettext("rule", " or ").join(
                self.names["wecom_group"].get(i, f"#{i}") for i in node.group_ids
            )
            text = _("in WeCom group %(groups)s") if node.member else _("not in WeCom group %(groups)s")
            return text % {"groups": groups}
        if isinstance(node, WeComContactCond):
            return _("is a WeCom contact") if node.is_contact else _("is not a WeCom contact")
        if isinstance(node, ReachableCond):
            return _("reachable by %(channel)s") % {"channel": Channel(node.channel).label}
        assert isinstance(node, ConsentCond)
        text = _("opted in to %(channel)s") if node.opted_in else _("opted out of %(channel)s")
        return text % {"channel": Channel(node.channel).label}

    def field(self, node: FieldCond) -> str:
        name, op, value = node.field, node.op, node.value
        words = {"field": self.fields.get(name, name)}
        if op == "is_set":
            return _("%(field)s is filled in") % words
        if op == "is_not_set":
            return _("%(field)s is empty") % words
        if op == "within_days":
            return _("%(field)s within the last %(n)d days") % {**words, "n": value}
        if op == "older_than_days":
            return _("%(field)s more than %(n)d days ago") % {**words, "n": value}
        if op == "month_in":
            return _("%(field)s in month %(months)s") % {**words, "months": self.many(name, value)}
        if op == "contains":
            return _("%(field)s contains %(value)s") % {**words, "value": value}
        if op == "in":
            return _("%(field)s is %(values)s") % {
                **words,
                "values": self.many(name, value, joiner=pgettext("rule", " or ")),
            }
        if op == "not_in":
            return _("%(field)s is none of %(values)s") % {**words, "values": self.many(name, value)}
        if op == "between":
            low, high = value
            return _("%(field)s between %(low)s and %(high)s") % {
                **words,
                "low": self.value(name, low),
                "high": self.value(name, high),
            }
        if op == "eq":
            return _("%(field)s is %(values)s") % {**words, "values": self.value(name, value)}
        if op == "ne":
            return _("%(field)s is not %(value)s") % {**words, "value": self.value(name, value)}
        return f"{words['field']}{SYMBOLS[op]}{self.value(name, value)}"

    def within(self, text: str, days: int | None) -> str:
        if days is None:
            return text
        return _("%(what)s in the last %(days)d days") % {"what": text, "days": days}

    def event(self, node: EventCond) -> str:
        text = _("%(event)s %(count)s times") % {
            "event": EventKind(node.kind).label,
            "count": self.compare(node.count),
        }
        for key, value in node.where:
            if key in ("product_id", "sku_id"):
                kind = "product" if key == "product_id" else "sku"
                value = self.names[kind].get(value, f"#{value}")
            elif key == "source":
                value = self.value("first_touch_source", value)
            text += self.p.comma + f"{value}"
        return self.within(text, node.within_days)

    def orders(self, node: OrdersCond) -> str:
        parts = []
        if node.count:
            parts.append(_("placed %(count)s orders") % {"count": self.compare(node.count)})
        if node.spend:
            parts.append(_("spent %(spend)s") % {"spend": self.compare(node.spend, format_yuan)})
        text = self.p.comma.join(parts)
        if node.product_id:
            name = self.names["product"].get(node.product_id, f"#{node.product_id}")
            text = _("%(what)s of %(name)s") % {"what": text, "name": name}
        if node.category_id:
            name = self.names["category"].get(node.category_id, f"#{node.category_id}")
            text = _("%(what)s in %(name)s") % {"what": text, "name": name}
        return self.within(text, node.within_days)

    def coupons(self, node: CouponsCond) -> str:
        status = _coupon_status(node.status)
        coupon = (
            self.names["coupon_template"].get(node.template_id, f"#{node.template_id}")
            if node.template_id
            else _("coupons")
        )
        text = _("holds %(count)s %(status)s %(coupon)s") % {
            "count": self.compare(node.count),
            "status": status,
            "coupon": coupon,
        }
        return self.within(" ".join(text.split()), node.within_days)


MODELS: dict[str, Any] = {
    "tag": (Tag, "name"),
    "category": (Category, "name"),
    "product": (Product, "name"),
    "sku": (Sku, "code"),
    "coupon_template": (CouponTemplate, "title"),
    "wecom_group": (WeComGroup, "name"),
}


def _names(merchant_id: int, nodes: Iterable[Node]) -> Names:
    """The names of every id the rules name: one query per kind of id."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for node in nodes:
        for kind, named in referenced_ids(node).items():
            wanted[kind] |= {value for value, _path in named}
    names: Names = {kind: {} for kind in MODELS}
    for kind, ids in wanted.items():
        model, column = MODELS[kind]
        rows = model.objects.filter(merchant_id=merchant_id, pk__in=ids).values_list("pk", column)
        names[kind] = dict(rows)
    return names


def rule_sentences(merchant_id: int, rules: list[Any]) -> list[str | None]:
    """Each rule (stored JSON) as a sentence, or None when the rule language no longer reads it."""
    parsed: list[Node | None] = []
    for rule in rules:
        try:
            parsed.append(parse_rule(rule))
        except InvalidRule:
            parsed.append(None)
    writer = _Writer(_names(merchant_id, [n for n in parsed if n is not None]))
    out: list[str | None] = []
    for node in parsed:
        if node is None:
            out.append(None)
        elif isinstance(node, AllOf) and not node.children:
            out.append(_("everyone"))
        else:
            out.append(writer.node(node))
    return out


def rule_sentence(merchant_id: int, rule: Any) -> str | None:
    return rule_sentences(merchant_id, [rule])[0]
