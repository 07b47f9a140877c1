"""Assemble a pricing request from the database: the customer, the promotions and coupons in force.

Checkout calls ``build_request``; the engine (``siyu.promotions.engine``) does the arithmetic.
Everything here is reads, batched: promotions in one query, the SKUs they name in one, the
customer's coupons in one, their limits' usage in one. A rule aimed at segments or tags names them
by id (``audience.segments``/``audience.tags``: ``["12"]``); when any rule in force does, the
customer's memberships of just those are read once per pricing call: their tags in one query,
the segments in two (the segments' rules, then one EXISTS per segment over the customer's row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from siyu.catalog.models import Sku
from siyu.members.loyalty import benefits
from siyu.members.loyalty.models import Membership
from siyu.members.models import Customer
from siyu.orders.models import OrderStatus
from siyu.promotions import engine as e
from siyu.promotions.models import (
    Coupon,
    CouponStatus,
    GiftStock,
    PricingPolicy,
    Promotion,
    PromotionKind,
    PromotionStatus,
    Redemption,
)
from siyu.promotions.rules import coupon_rule, promotion_rule, referenced_sku_ids

# The coupon search is exact (docs/pricing.md); a wallet this large is searched by its best 60.
MAX_COUPONS_SEARCHED = 60
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


@dataclass(frozen=True)
class RuleBook:
    """The merchant's promotions in force, as engine rules, with the rows and SKUs behind them."""

    rules: tuple[e.Promotion, ...]
    rows: Mapping[str, Promotion]
    skus: Mapping[int, Sku]  # SKUs the rules name: gifts, add-on items
    policy: PricingPolicy | None = None
    loyalty: benefits.Program | None = None  # the membership programme: tiers, points policy


@dataclass(frozen=True)
class Wallet:
    coupons: Mapping[str, Coupon] = field(default_factory=dict)

    def engine_coupons(self) -> tuple[e.Coupon, ...]:
        return tuple(coupon_rule(c) for c in self.coupons.values())


def live_promotions(merchant_id: int, now: datetime) -> RuleBook:
    rows = list(
        Promotion.objects.for_merchant(merchant_id)
        .filter(status=PromotionStatus.ACTIVE)
        .filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now), Q(starts_at__isnull=True) | Q(starts_at__lte=now)
        )
    )
    wanted = set().union(*(referenced_sku_ids(r) for r in rows)) if rows else set()
    skus = (
        {
            s.pk: s
            for s in Sku.objects.for_merchant(merchant_id).select_related("product").filter(pk__in=wanted)
        }
        if wanted
        else {}
    )
    gift_rows = [r.pk for r in rows if r.kind == PromotionKind.TIERED]
    stock: dict[int, dict[int, GiftStock]] = {}
    if gift_rows:
        for g in GiftStock.objects.for_merchant(merchant_id).filter(promotion_id__in=gift_rows):
            stock.setdefault(g.promotion_id, {})[g.sku_id] = g
    rules = tuple(promotion_rule(r, gift_stock=stock.get(r.pk, {}), skus=skus) for r in rows)
    policy = PricingPolicy.objects.for_merchant(merchant_id).first()
    loyalty = benefits.load_program(merchant_id)
    rules += benefits.tier_rules(loyalty)  # tier discount and free shipping, keyed by the tier's code
    return RuleBook(rules=rules, rows={r.rule_id: r for r in rows}, skus=skus, policy=policy, loyalty=loyalty)


def customer_context(
    customer: Customer, book: RuleBook, *, points_wanted: int | None = None
) -> e.CustomerContext:
    """Who is buying: orders so far, units bought under per-customer limits, and (when the merchant
    runs a membership programme) the tier's code and the points balance, capped at ``points_wanted``
    so the engine spends no more than the customer asked to."""
    from siyu.orders.models import Order

    orders = Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, status__in=PAID_STATUSES
    )
    limited = [
        rule_id
        for rule_id, row in book.rows.items()
        if row.kind == PromotionKind.LIMITED_TIME_DISCOUNT and row.config.get("per_customer_limit")
    ]
    bought: dict[tuple[str, int], int] = {}
    if limited:
        usage = (
            Redemption.objects.for_merchant(customer.merchant_id)
            .filter(customer=customer, rule_id__in=limited, active=True)
            .values("rule_id", "sku_id")
            .annotate(units=Sum("units"))
        )
        bought = {(u["rule_id"], u["sku_id"]): u["units"] for u in usage if u["sku_id"] is not None}
    tier, balance = None, 0
    if book.loyalty is not None:
        row = Membership.objects.filter(customer=customer).values_list("tier__code", "points_balance").first()
        tier, balance = row if row is not None else (benefits.entry_tier_code(book.loyalty), 0)
    if points_wanted is not None:
        balance = min(balance, max(points_wanted, 0))
    segments, tags = audience_memberships(customer, book)
    return e.CustomerContext(
        customer_id=customer.pk,
        orders_so_far=orders.count(),
        units_bought=bought,
        tier=tier,
        points_balance=balance,
        segments=segments,
        tags=tags,
    )


def _ids(keys: frozenset[str]) -> list[int]:
    return sorted(int(k) for k in keys if k.isdigit() and 0 < int(k) < 2**63)


def audience_memberships(customer: Customer, book: RuleBook) -> tuple[frozenset[str], frozenset[str]]:
    """The segments and tags, among those the rules in force aim at, that ``customer`` belongs to
    (as the rules name them: ids as text). No query unless some rule names a segment or a tag."""
    from siyu.audience.models import CustomerTag, Segment, SegmentKind, SegmentMember
    from siyu.audience.rules import customers_matching, parse_rule

    wanted_segments = _ids(frozenset().union(*(r.audience.segments for r in book.rules)))
    wanted_tags = _ids(frozenset().union(*(r.audience.tags for r in book.rules)))
    merchant_id = customer.merchant_id
    tags: frozenset[str] = frozenset()
    if wanted_tags:
        held = CustomerTag.objects.for_merchant(merchant_id).filter(customer=customer, tag_id__in=wanted_tags)
        tags = frozenset(str(t) for t in held.values_list("tag_id", flat=True))
    segments: frozenset[str] = frozenset()
    rows = (
        list(Segment.objects.for_merchant(merchant_id).filter(pk__in=wanted_segments))
        if wanted_segments
        else []
    )
    if rows:
        checks = {}
        for segment in rows:
            members: QuerySet
            if segment.kind == SegmentKind.STATIC:
                members = SegmentMember.objects.filter(segment_id=segment.pk, customer=OuterRef("pk"))
            else:  # dynamic: the rule evaluated now, as the segment's own member list does
                members = customers_matching(parse_rule(segment.rule), merchant_id=merchant_id).filter(
                    pk=OuterRef("pk")
                )
            checks[f"segment_{segment.pk}"] = Exists(members)
        found = Customer.objects.filter(pk=customer.pk).values(**checks).first() or {}
        segments = frozenset(name.removeprefix("segment_") for name, member in found.items() if member)
    return segments, tags


def points_policy(book: RuleBook) -> e.PointsPolicy:
    """The merchant's 积分抵扣 rules (the engine's defaults when there is no programme)."""
    return benefits.points_policy(book.loyalty)


def wallet(customer: Customer, now: datetime, *, include: Sequence[int] = ()) -> Wallet:
    """The customer's unused coupons that are not past their date: the best ``MAX_COUPONS_SEARCHED``
    by face value, plus any of ``include`` (the ones the customer picked) beyond those."""
    base = (
        Coupon.objects.for_merchant(customer.merchant_id).filter(customer=customer).select_related("template")
    )
    unused = base.filter(status=CouponStatus.UNUSED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    coupons = list(unused.order_by("-template__amount", "valid_until", "id")[:MAX_COUPONS_SEARCHED])
    missing = set(include) - {c.pk for c in coupons}
    if missing:
        coupons += list(unused.filter(pk__in=missing))
    return Wallet(coupons={f"coupon:{c.pk}": c for c in coupons})


def policies(book: RuleBook) -> tuple[e.FloorPolicy, e.CouponLimits]:
    p = book.policy
    if p is None:
        return e.FloorPolicy(), e.CouponLimits()
    return (
        e.FloorPolicy(min_cost_bp=p.floor_min_cost_bp, min_list_bp=p.floor_min_list_bp),
        e.CouponLimits(max_goods=p.max_goods_coupons, max_shipping=p.max_shipping_coupons),
    )
