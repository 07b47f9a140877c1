"""Assemble a pricing request from the database: the customer, the lines, the promotions and coupons in force.

Checkout asks ``pricing_request`` once and hands what it returns to the engine
(``siyu.promotions.engine``), which does the arithmetic. Everything here is reads, batched:
promotions in one query, the SKUs they name in one, the cart's SKUs in one, the customer's coupons
in one, their limits' usage in one; the membership programme comes whole from
``siyu.members.loyalty.benefits``. A rule aimed at segments or tags names them by id
(``audience.segments``/``audience.tags``: ``["12"]``); when any rule in force does, the customer's
memberships of just those are read once per pricing call: their tags in one query, the segments in
two (the segments' rules, then one EXISTS per segment over the customer's row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from siyu.audience.models import CustomerTag, Segment, SegmentKind, SegmentMember
from siyu.audience.rules import customers_matching, parse_rule
from siyu.catalog import carriers
from siyu.catalog.errors import ProductNotOnSale
from siyu.catalog.models import Category, ProductStatus, Sku
from siyu.core.errors import InvalidInput, NotFound
from siyu.freight import calc as freight
from siyu.freight.errors import RegionNotDeliverable
from siyu.freight.models import FreightTemplate
from siyu.members.loyalty import benefits
from siyu.members.loyalty.models import Membership
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderStatus
from siyu.promotions import engine as e
from siyu.promotions.activities import ActivityQuote, ActivityRef, get_provider
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
from siyu.tenancy.models import Merchant

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
    loyalty: benefits.Program | None = None  # the membership programme: tier rules, points policy


@dataclass(frozen=True)
class Wallet:
    coupons: Mapping[str, Coupon] = field(default_factory=dict)

    def engine_coupons(self) -> tuple[e.Coupon, ...]:
        return tuple(coupon_rule(c) for c in self.coupons.values())


class RequestedLine(Protocol):
    """A line the customer asked for (checkout's ``LineRequest``): units of a SKU, perhaps
    through an activity."""

    @property
    def sku_id(self) -> int: ...

    @property
    def quantity(self) -> int: ...

    @property
    def activity(self) -> ActivityRef | None: ...


@dataclass(frozen=True)
class PricingContext:
    """The engine's request for a prospective order and the rows behind it, for checkout to
    price, snapshot and reserve."""

    request: e.PricingRequest
    skus: dict[int, Sku]  # every SKU the order may carry: the lines', gifts and add-on items
    activities: dict[str, tuple[ActivityRef, ActivityQuote]]  # by engine rule id
    book: RuleBook
    wallet: Wallet


def pricing_request(
    *,
    customer: Customer,
    lines: Sequence[RequestedLine],
    pickup: bool,
    coupon_ids: tuple[int, ...] | None,
    add_ons: Mapping[int, int],
    points: int,
    now: datetime,
    region: freight.Region | None = None,
) -> PricingContext:
    """Everything the engine needs to price ``lines`` for ``customer``, read in one pass.

    ``lines`` are validated and merged already (one row per SKU and activity). ``coupon_ids=None``
    lets the engine choose the best coupons, ``()`` uses none; ``add_ons`` maps an add-on
    promotion's id to the units picked (加价购); ``points`` is the most the customer will spend
    (0: none). Refuses an add-on that is not in force, a SKU that is unknown or off sale, a
    carrier bought as ordinary goods and an activity that does not cover its line's units.
    ``region`` is where the order goes (its address's codes): freight templates price by it, and a
    product whose template excludes it is refused (``RegionNotDeliverable``).
    """
    merchant = customer.merchant
    book = live_promotions(merchant.pk, now)
    unknown = sorted(pid for pid in add_ons if f"promotion:{pid}" not in book.rows)
    if unknown:
        raise NotFound(detail={"add_ons": unknown})
    cart_ids = {line.sku_id for line in lines}
    skus = {**book.skus, **_load_skus(merchant.pk, cart_ids, for_sale=cart_ids)}
    carriers.refuse_ordinary_purchase(merchant.pk, [line.sku_id for line in lines if line.activity is None])
    activities = _activity_quotes(customer, lines, skus, now)
    paths = _category_paths(merchant.pk)
    units: dict[int, int] = {}
    for line in lines:
        units[line.sku_id] = units.get(line.sku_id, 0) + line.quantity
    coupons = wallet(customer, now, include=coupon_ids or ())
    floor, limits = policies(book)
    ships = _ships(lines, activities) and not pickup
    plan = freight_plan(merchant, skus, region or freight.Region()) if ships else None
    if plan is not None:
        _refuse_undeliverable(plan, lines)
    request = e.PricingRequest(
        lines=tuple(_cart_line(skus[sku_id], qty, paths) for sku_id, qty in sorted(units.items())),
        now=now,
        customer=customer_context(customer, book, points_wanted=points),
        promotions=book.rules + tuple(q.rule for _ref, q in activities.values()),
        coupons=coupons.engine_coupons(),
        coupon_ids=None if coupon_ids is None else tuple(f"coupon:{i}" for i in coupon_ids),
        coupon_limits=limits,
        add_ons={f"promotion:{pid}": qty for pid, qty in add_ons.items()},
        shipping=e.ShippingPolicy(
            fee=merchant.shipping_fee if _ships(lines, activities) else 0,
            free_threshold=merchant.free_shipping_threshold,
            pickup=pickup,
            freight=plan,
        ),
        floor=floor,
        use_points=points > 0,
        points=book.loyalty.points if book.loyalty is not None else e.PointsPolicy(),
    )
    return PricingContext(request=request, skus=skus, activities=activities, book=book, wallet=coupons)


def freight_plan(
    merchant: Merchant, skus: Mapping[int, Sku], region: freight.Region
) -> freight.FreightPlan | None:
    """The freight templates that price these SKUs (their products' own, else the merchant's
    default) as the engine's plan; None when no SKU has one, and the flat fee applies as before.
    One query for the templates (the default among them) and one for their rules."""
    named = {s.product.freight_template_id for s in skus.values()} - {None}
    rows = list(
        FreightTemplate.objects.for_merchant(merchant.pk)
        .filter(Q(pk__in=named) | Q(is_default=True))
        .prefetch_related("rules")
    )
    if not rows:
        return None
    default = next((t.pk for t in rows if t.is_default), None)
    sku_templates = {sku_id: s.product.freight_template_id or default for sku_id, s in skus.items()}
    if not any(sku_templates.values()):
        return None
    used = set(sku_templates.values())
    return freight.FreightPlan(
        templates={t.pk: t.engine_template(list(t.rules.all())) for t in rows if t.pk in used},
        sku_templates=sku_templates,
        sku_weights={sku_id: s.weight_grams for sku_id, s in skus.items()},
        region=region,
        flat=freight.Charge(
            first_units=1,
            first_fee=merchant.shipping_fee,
            additional_units=1,
            additional_fee=0,
            free_over_amount=merchant.free_shipping_threshold,
        ),
    )


def _refuse_undeliverable(plan: freight.FreightPlan, lines: Sequence[RequestedLine]) -> None:
    sku_ids = sorted({line.sku_id for line in lines})
    refused = freight.undeliverable(plan.templates, [plan.sku_templates.get(i) for i in sku_ids], plan.region)
    if refused:
        raise RegionNotDeliverable(
            detail={
                "sku_ids": [i for i in sku_ids if plan.sku_templates.get(i) in refused],
                "region": plan.region.district or plan.region.city or plan.region.province,
            }
        )


def _load_skus(merchant_id: int, ids: set[int], *, for_sale: set[int]) -> dict[int, Sku]:
    skus = {
        s.pk: s
        for s in Sku.objects.for_merchant(merchant_id)
        .select_related("product")
        .prefetch_related("product__role_rows")
        .filter(pk__in=ids)
    }
    missing = sorted(ids - set(skus))
    if missing:
        raise NotFound(detail={"sku_ids": missing})
    for sku_id in sorted(for_sale):
        sku = skus[sku_id]
        if not sku.is_active or sku.product.status != ProductStatus.ON_SALE:
            raise ProductNotOnSale(detail={"sku_id": sku.pk})
    return skus


def _activity_quotes(
    customer: Customer, lines: Sequence[RequestedLine], skus: dict[int, Sku], now: datetime
) -> dict[str, tuple[ActivityRef, ActivityQuote]]:
    quotes: dict[str, tuple[ActivityRef, ActivityQuote]] = {}
    for line in lines:
        if line.activity is None:
            continue
        ref = line.activity
        q = get_provider(ref.kind).quote(
            customer=customer, ref=ref, sku=skus[line.sku_id], quantity=line.quantity, now=now
        )
        if q.rule.id != ref.rule_id or q.rule.sku_id != line.sku_id or q.rule.quantity != line.quantity:
            raise InvalidInput(
                detail={"activity": ref.rule_id, "reason": "the activity does not cover these units"}
            )
        quotes[ref.rule_id] = (ref, q)
    return quotes


def _ships(lines: Sequence[RequestedLine], activities: dict[str, tuple[ActivityRef, ActivityQuote]]) -> bool:
    """Whether anything in the order is shipped: an order of presale deposits only pays no shipping
    (the goods ship with the balance order, which pays it)."""
    return any(line.activity is None or activities[line.activity.rule_id][1].ships for line in lines)


def _category_paths(merchant_id: int) -> dict[int, tuple[int, ...]]:
    parents = dict(Category.objects.for_merchant(merchant_id).values_list("id", "parent_id"))
    paths: dict[int, tuple[int, ...]] = {}
    for cid in parents:
        chain: list[int] = []
        node = parents.get(cid)
        while node is not None and node not in chain and len(chain) < 10:
            chain.append(node)
            node = parents.get(node)
        paths[cid] = tuple(chain)
    return paths


def _cart_line(sku: Sku, quantity: int, paths: dict[int, tuple[int, ...]]) -> e.CartLine:
    category_id = sku.product.category_id
    return e.CartLine(
        sku_id=sku.pk,
        product_id=sku.product_id,
        quantity=quantity,
        unit_price=sku.price,
        cost=sku.cost,
        category_id=category_id,
        category_path=paths.get(category_id, ()) if category_id is not None else (),
        roles=tuple(r.role for r in sku.product.role_rows.all()),
    )


def live_promotions(merchant_id: int, now: datetime) -> RuleBook:
    """The merchant's promotions in force at ``now``, with the membership programme's tier rules."""
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
    if loyalty is not None:
        rules += loyalty.rules
    return RuleBook(rules=rules, rows={r.rule_id: r for r in rows}, skus=skus, policy=policy, loyalty=loyalty)


def customer_context(
    customer: Customer, book: RuleBook, *, points_wanted: int | None = None
) -> e.CustomerContext:
    """Who is buying: orders so far, units bought under per-customer limits, and (when the merchant
    runs a membership programme) the tier's code and the points balance, capped at ``points_wanted``
    so the engine spends no more than the customer asked to."""

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
        tier, balance = row if row is not None else (book.loyalty.entry_tier, 0)
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
