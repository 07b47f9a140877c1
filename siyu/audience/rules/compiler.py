"""Rule tree -> one ``Q`` over ``members.Customer``: the whole rule is a single set-based SQL query.

Every leaf is a two-valued predicate on the customer row (a plain column test, or an ``EXISTS``
correlated on the customer), so ``all``/``any``/``not`` are plain AND/OR/NOT with no NULL surprises:

- profile fields test ``members_customer`` columns; a NULL column (no birthday, no phone) fails every
  comparison and passes ``is_not_set``;
- value-model fields test ``values_customervalue`` through ``EXISTS`` (the row passes) or ``NOT EXISTS``
  (no row fails) -- whichever gives a customer *without* a row the verdict of the model's defaults;
- counts ("at least k events/orders/coupons") are ``EXISTS (... LIMIT 1 OFFSET k-1)``: the database
  stops after k rows of that customer. Any comparison reduces to "at least k" tests: ``lt 3`` is
  ``NOT at least 3``, ``eq 2`` is ``at least 2 AND NOT at least 3``;
- sums (spend) are a correlated ``COALESCE((SELECT SUM(...)), 0)``.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    Range,
)
from django.utils import timezone

from siyu.audience.models import CustomerTag
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
from siyu.audience.values.models import CustomerValue
from siyu.catalog.models import Product
from siyu.events.models import Event
from siyu.members.models import ContactPreference, CustomerIdentity
from siyu.orders.models import Order, OrderLine, OrderStatus
from siyu.promotions.models import Coupon
from siyu.promotions.models.coupons import CouponStatus
from siyu.wechat.wecom_groups.models import WeComGroupMember
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID

TRUE = Q(pk__isnull=False)
FALSE = Q(pk__isnull=True)

# Which identity makes a channel reachable (besides consent): WeCom needs the customer to be an
# external contact of the corp (a ``wecom_external_userid`` identity; a UnionID alone, the older
# stand-in, still counts); SMS needs a phone number.
REACH_IDENTITIES: dict[str, tuple[str, ...]] = {
    "subscribe_message": ("mp_openid",),
    "official_account": ("oa_openid",),
    "wecom": ("unionid", WECOM_EXTERNAL_USERID),
    "wecom_group": ("unionid", WECOM_EXTERNAL_USERID),
    "sms": ("phone",),
}


@dataclass(frozen=True)
class Context:
    merchant_id: int
    now: dt.datetime
    tz: dt.tzinfo = field(default_factory=timezone.get_default_timezone)

    def day_start(self, day: dt.date) -> dt.datetime:
        """Local midnight of ``day``: date values in a rule are the merchant's calendar days."""
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)

    def days_ago(self, days: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# ---- counts ------------------------------------------------------------------------------------------


def at_least(qs: QuerySet, k: int) -> Q:
    """The outer customer has at least ``k`` rows in ``qs`` (correlated on it)."""
    if k <= 0:
        return TRUE
    return Q(Exists(qs if k == 1 else qs[k - 1 : k]))


def count_q(qs: QuerySet, c: Compare) -> Q:
    """``count(qs) <op> value`` as "at least k" tests."""
    if c.op == "between":
        low, high = c.value
        return at_least(qs, low) & ~at_least(qs, high + 1)
    v = c.value
    return {
        "gte": lambda: at_least(qs, v),
        "gt": lambda: at_least(qs, v + 1),
        "lte": lambda: ~at_least(qs, v + 1),
        "lt": lambda: ~at_least(qs, v),
        "eq": lambda: at_least(qs, v) & ~at_least(qs, v + 1),
        "ne": lambda: ~at_least(qs, v) | at_least(qs, v + 1),
    }[c.op]()


def compare_expr(expr: Any, c: Compare) -> Q:
    """``expr <op> value`` for a never-NULL expression."""
    if c.op == "between":
        return Q(Range(expr, tuple(c.value)))
    lookup = {
        "eq": Exact,
        "ne": Exact,
        "gt": GreaterThan,
        "gte": GreaterThanOrEqual,
        "lt": LessThan,
        "lte": LessThanOrEqual,
    }[c.op]
    q = Q(lookup(expr, c.value))
    return ~q if c.op == "ne" else q


def _sum(qs: QuerySet, amount: Any) -> Coalesce:
    total = qs.order_by().annotate(_total=Func(amount, function="SUM", output_field=BigIntegerField()))
    return Coalesce(
        Subquery(total.values("_total")[:1], output_field=BigIntegerField()),
        Value(0),
        output_field=BigIntegerField(),
    )


# ---- fields ------------------------------------------------------------------------------------------


def _column_q(fs: spec.FieldSpec, op: str, value: Any, ctx: Context) -> Q:
    """The test on the field's own column (of Customer or of CustomerValue)."""
    col = fs.column
    if op == "is_set":
        return ~Q(**{col: ""}) if fs.type == spec.TEXT else _present(fs)
    if op == "is_not_set":
        return Q(**{col: ""}) if fs.type == spec.TEXT else ~_present(fs)
    if fs.type == spec.AGE:
        return Q(**{f"{col}__isnull": False}) & _age_q(op, value, ctx)
    if fs.type == spec.DATETIME:
        base = _datetime_q(col, op, value, ctx)
    elif op == "between":
        base = Q(**{f"{col}__range": value})
    else:
        base = {
            "eq": lambda: Q(**{col: value}),
            "ne": lambda: ~Q(**{col: value}),
            "in": lambda: Q(**{f"{col}__in": value}),
            "not_in": lambda: ~Q(**{f"{col}__in": value}),
            "contains": lambda: Q(**{f"{col}__icontains": value}),
            "gt": lambda: Q(**{f"{col}__gt": value}),
            "gte": lambda: Q(**{f"{col}__gte": value}),
            "lt": lambda: Q(**{f"{col}__lt": value}),
            "lte": lambda: Q(**{f"{col}__lte": value}),
            "month_in": lambda: Q(**{f"{col}__month__in": value}),
        }[op]()
    return Q(**{f"{col}__isnull": False}) & base if fs.nullable else base


def _present(fs: spec.FieldSpec) -> Q:
    q = Q(**{f"{fs.column}__isnull": False})
    return q & ~Q(**{fs.column: ""}) if fs.type == spec.PRESENCE else q


def _datetime_q(col: str, op: str, value: Any, ctx: Context) -> Q:
    if op == "within_days":
        return Q(**{f"{col}__gte": ctx.days_ago(value)})
    if op == "older_than_days":
        return Q(**{f"{col}__lt": ctx.days_ago(value)})
    one = dt.timedelta(days=1)
    low, high = value if op == "between" else (value, value)
    start, end = ctx.day_start(low), ctx.day_start(high + one)
    return {
        "eq": lambda: Q(**{f"{col}__gte": start, f"{col}__lt": end}),
        "between": lambda: Q(**{f"{col}__gte": start, f"{col}__lt": end}),
        "gte": lambda: Q(**{f"{col}__gte": start}),
        "gt": lambda: Q(**{f"{col}__gte": end}),
        "lt": lambda: Q(**{f"{col}__lt": start}),
        "lte": lambda: Q(**{f"{col}__lt": end}),
    }[op]()


def _age_q(op: str, value: Any, ctx: Context) -> Q:
    """Age in whole years on the local today, as a birthday range (so the column's index serves)."""

    def at_least(n: int) -> Q:
        return Q(birthday__lte=years_before(ctx.today, n))

    def at_most(n: int) -> Q:
        return Q(birthday__gt=years_before(ctx.today, n + 1))

    if op == "between":
        return at_least(value[0]) & at_most(value[1])
    return {
        "eq": lambda: at_least(value) & at_most(value),
        "ne": lambda: ~(at_least(value) & at_most(value)),
        "gt": lambda: at_least(value + 1),
        "gte": lambda: at_least(value),
        "lt": lambda: ~at_least(value),
        "lte": lambda: at_most(value),
    }[op]()


def default_matches(fs: spec.FieldSpec, op: str, value: Any) -> bool:
    """Whether a customer with no value row (the model's defaults) passes the test."""
    d = fs.default
    if op == "is_set":
        return d is not None
    if op == "is_not_set":
        return d is None
    if d is None:
        return False  # an absent value fails every comparison
    if op == "between":
        return value[0] <= d <= value[1]
    return {
        "eq": lambda: d == value,
        "ne": lambda: d != value,
        "in": lambda: d in value,
        "not_in": lambda: d not in value,
        "gt": lambda: d > value,
        "gte": lambda: d >= value,
        "lt": lambda: d < value,
        "lte": lambda: d <= value,
    }[op]()


def _field(node: FieldCond, ctx: Context) -> Q:
    fs = spec.FIELDS[node.field]
    test = _column_q(fs, node.op, node.value, ctx)
    if fs.source == "customer":
        return test
    rows = CustomerValue.objects.filter(merchant_id=ctx.merchant_id, customer=OuterRef("pk"))
    if default_matches(fs, node.op, node.value):
        return ~Q(Exists(rows.exclude(test)))  # no row, or a row that passes
    return Q(Exists(rows.filter(test)))


# ---- relations ---------------------------------------------------------------------------------------


def _tag(node: TagCond, ctx: Context) -> Q:
    rows = CustomerTag.objects.filter(
        merchant_id=ctx.merchant_id, customer=OuterRef("pk"), tag_id__in=node.tag_ids
    )
    q = Q(Exists(rows))
    return q if node.has else ~q


def _event(node: EventCond, ctx: Context) -> Q:
    rows = Event.objects.filter(merchant_id=ctx.merchant_id, customer=OuterRef("pk"), kind=node.kind)
    if node.within_days:
        rows = rows.filter(occurred_at__gte=ctx.days_ago(node.within_days))
    for key, value in node.where:
        how = spec.EVENT_WHERE[key]
        if how == "property_id":
            rows = rows.filter(**{f"properties__{key}": value})
        elif how == "property_text":
            rows = rows.filter(**{f"properties__{key}__icontains": value})
        else:
            rows = rows.filter(**{key: value})
    return count_q(rows, node.count)


def _products_q(node: OrdersCond, ctx: Context, prefix: str) -> Q:
    """Order lines of the condition's product, or of its category and the category's descendants."""

    if node.product_id:
        return Q(**{f"{prefix}product_id_snapshot": node.product_id})
    c = node.category_id
    in_category = Product.objects.filter(merchant_id=ctx.merchant_id).filter(
        Q(category_id=c) | Q(category__parent_id=c) | Q(category__parent__parent_id=c)
    )
    return Q(**{f"{prefix}product_id_snapshot__in": in_category.values("pk")})


def _orders(node: OrdersCond, ctx: Context) -> Q:
    orders = Order.objects.filter(
        merchant_id=ctx.merchant_id, customer=OuterRef("pk"), paid_at__isnull=False
    ).exclude(status=OrderStatus.CLOSED)
    if node.within_days:
        orders = orders.filter(paid_at__gte=ctx.days_ago(node.within_days))
    filtered = node.product_id or node.category_id
    parts = []
    if node.count is not None:
        counted = orders
        if filtered:
            lines = OrderLine.objects.filter(order=OuterRef("pk")).filter(_products_q(node, ctx, ""))
            counted = orders.filter(Exists(lines))
        parts.append(count_q(counted, node.count))
    if node.spend is not None:
        if filtered:
            lines = OrderLine.objects.filter(
                merchant_id=ctx.merchant_id,
                order__customer=OuterRef("pk"),
                order__paid_at__isnull=False,
            ).exclude(order__status=OrderStatus.CLOSED)
            if node.within_days:
                lines = lines.filter(order__paid_at__gte=ctx.days_ago(node.within_days))
            spent = _sum(lines.filter(_products_q(node, ctx, "")), F("paid_amount") - F("refunded_amount"))
        else:
            spent = _sum(orders, F("paid_amount") - F("refunded_amount"))
        parts.append(compare_expr(spent, node.spend))
    return reduce(operator.and_, parts)


def _coupons(node: CouponsCond, ctx: Context) -> Q:
    rows = Coupon.objects.filter(merchant_id=ctx.merchant_id, customer=OuterRef("pk"))
    if node.template_id:
        rows = rows.filter(template_id=node.template_id)
    status = node.status
    if status == "usable":
        rows = rows.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=ctx.now),
            Q(valid_until__isnull=True) | Q(valid_until__gt=ctx.now),
            status=CouponStatus.UNUSED,
        )
    elif status == "expired":
        rows = rows.filter(status=CouponStatus.UNUSED, valid_until__lte=ctx.now)
    elif status != "any":
        rows = rows.filter(status=status)
    if node.within_days:
        when = "used_at" if status == "used" else "claimed_at"
        rows = rows.filter(**{f"{when}__gte": ctx.days_ago(node.within_days)})
    return count_q(rows, node.count)


def _consent(channel: str, opted_in: bool) -> Q:
    return Q(
        Exists(ContactPreference.objects.filter(customer=OuterRef("pk"), channel=channel, opted_in=opted_in))
    )


def _reachable(node: ReachableCond, ctx: Context) -> Q:
    kinds = REACH_IDENTITIES[node.channel]
    identity = Q(Exists(CustomerIdentity.objects.filter(customer=OuterRef("pk"), kind__in=kinds)))
    if node.channel == "sms":
        identity |= Q(phone__isnull=False) & ~Q(phone="")
    return Q(is_blocked=False) & identity & _consent(node.channel, True)


def _wecom_group(node: WeComGroupCond, ctx: Context) -> Q:
    # A dismissed group keeps its row (rules may name it) but has no members left.
    rows = WeComGroupMember.objects.filter(
        merchant_id=ctx.merchant_id, customer=OuterRef("pk"), group_id__in=node.group_ids
    )
    q = Q(Exists(rows))
    return q if node.member else ~q


def _wecom_contact(node: WeComContactCond, ctx: Context) -> Q:
    rows = CustomerIdentity.objects.filter(
        merchant_id=ctx.merchant_id, customer=OuterRef("pk"), kind=WECOM_EXTERNAL_USERID
    )
    q = Q(Exists(rows))
    return q if node.is_contact else ~q


# ---- the tree ----------------------------------------------------------------------------------------


def compile_rule(node: Node, ctx: Context) -> Q:
    """The ``Q`` over ``members.Customer`` that selects exactly the customers the rule matches."""
    if isinstance(node, AllOf):
        return reduce(operator.and_, [compile_rule(child, ctx) for child in node.children])
    if isinstance(node, AnyOf):
        return reduce(operator.or_, [compile_rule(child, ctx) for child in node.children])
    if isinstance(node, Not):
        return ~compile_rule(node.child, ctx)
    if isinstance(node, FieldCond):
        return _field(node, ctx)
    if isinstance(node, TagCond):
        return _tag(node, ctx)
    if isinstance(node, EventCond):
        return _event(node, ctx)
    if isinstance(node, OrdersCond):
        return _orders(node, ctx)
    if isinstance(node, CouponsCond):
        return _coupons(node, ctx)
    if isinstance(node, ReachableCond):
        return _reachable(node, ctx)
    if isinstance(node, ConsentCond):
        return _consent(node.channel, node.opted_in)
    if isinstance(node, WeComGroupCond):
        return _wecom_group(node, ctx)
    if isinstance(node, WeComContactCond):
        return _wecom_contact(node, ctx)
    raise TypeError(f"not a rule node: {node!r}")
