"""The pricing pipeline: activity price -> item -> order -> coupons -> points -> shipping.

``price`` is the engine's one entry point. Each stage reads the amounts the previous stages left
and books its discounts through the ledger, which keeps every line above its floor and records
each rule's exact split over the lines. See ``docs/pricing.md`` for the rules with examples.
"""

from __future__ import annotations

from siyu.promotions.engine.activity import open_ledger
from siyu.promotions.engine.coupons import run_coupon_stage
from siyu.promotions.engine.errors import PricingInputError
from siyu.promotions.engine.explain import reason
from siyu.promotions.engine.item import run_item_stage
from siyu.promotions.engine.ledger import Ledger
from siyu.promotions.engine.order import run_order_stage
from siyu.promotions.engine.results import CouponVerdict, PricingResult
from siyu.promotions.engine.settle import apply_points, quote_shipping, shipping_coupon_entries
from siyu.promotions.engine.types import (
    FULL_RATE,
    ActivityPrice,
    AddOnOffer,
    Bundle,
    BuyNGetM,
    FreeShipping,
    LimitedTimeDiscount,
    MemberPrice,
    NthItemDiscount,
    PriceRule,
    PricingRequest,
    Promotion,
    QuantityRule,
    TieredPromotion,
)


def price(request: PricingRequest) -> PricingResult:
    """Price a cart: every line's amounts, the rules applied and why, coupon verdicts and hints.

    Raises ``PricingInputError`` on a malformed request. Pure: the same request always gives the
    same result, and nothing outside the request is read.
    """
    check(request)
    ledger = open_ledger(request)
    live = sorted(_in_force(ledger, request), key=lambda r: (r.priority, r.id))
    item_rules: list[PriceRule | QuantityRule] = [
        r
        for r in live
        if isinstance(r, LimitedTimeDiscount | MemberPrice | NthItemDiscount | BuyNGetM | Bundle)
    ]
    run_item_stage(ledger, request, item_rules)
    run_order_stage(
        ledger,
        request,
        [r for r in live if isinstance(r, TieredPromotion)],
        [r for r in live if isinstance(r, AddOnOffer)],
    )
    shipping = quote_shipping(ledger, request, [r for r in live if isinstance(r, FreeShipping)])
    verdicts, shipping_savings = run_coupon_stage(ledger, request, shipping.fee)
    points_fen, points_used = apply_points(ledger, request)
    ledger.applied.extend(shipping.entries)
    ledger.applied.extend(shipping_coupon_entries(shipping_savings))
    return _result(
        ledger,
        verdicts,
        points_fen,
        points_used,
        shipping.base_fee,
        shipping.fee - sum(s for _, s in shipping_savings),
    )


def _in_force(ledger: Ledger, request: PricingRequest) -> list[Promotion]:
    """Rules other than activities whose window and audience admit this customer now."""
    live: list[Promotion] = []
    for rule in request.promotions:
        if isinstance(rule, ActivityPrice):
            continue  # handled when the ledger opens
        refusal = rule.window_refusal(request.now) or rule.audience.refusal(request.customer)
        if refusal:
            ledger.refuse(rule.id, refusal, reason(refusal))
        else:
            live.append(rule)
    return live


def _result(
    ledger: Ledger,
    verdicts: list[CouponVerdict],
    points_fen: int,
    points_used: int,
    shipping_base_fee: int,
    shipping_fee: int,
) -> PricingResult:
    lines = tuple(line.frozen() for line in ledger.lines)
    return PricingResult(
        lines=lines,
        goods_amount=sum(line.goods_amount for line in lines),
        discount_amount=sum(line.discount_amount for line in lines),
        points_amount=points_fen,
        points_used=points_used,
        shipping_base_fee=shipping_base_fee,
        shipping_fee=shipping_fee,
        applied=tuple(ledger.applied),
        not_applied=tuple(ledger.not_applied),
        coupons=tuple(verdicts),
        chosen_coupon_ids=tuple(v.coupon_id for v in verdicts if v.chosen),
        hints=tuple(sorted(ledger.hints, key=lambda h: (h.gap_quantity, h.gap_amount, h.kind, h.rule_id))),
    )


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise PricingInputError(what)


def _rate(value: int | None, what: str) -> None:
    _require(value is None or 0 <= value <= FULL_RATE, f"{what} must be within 0..{FULL_RATE} basis points")


def check(request: PricingRequest) -> None:
    """Refuse requests the engine cannot price correctly, naming the first problem found."""
    for line in request.lines:
        _require(line.quantity > 0, f"sku {line.sku_id}: quantity must be positive")
        _require(line.unit_price >= 0 and line.cost >= 0, f"sku {line.sku_id}: negative price or cost")
        _require(
            line.floor_unit_price is None or line.floor_unit_price >= 0, f"sku {line.sku_id}: negative floor"
        )
    ids = [r.id for r in request.promotions]
    _require(len(ids) == len(set(ids)), "promotion ids must be unique")
    coupon_ids = [c.id for c in request.coupons]
    _require(len(coupon_ids) == len(set(coupon_ids)), "coupon ids must be unique")
    _require(not set(ids) & set(coupon_ids), "a coupon id must not equal a promotion id")
    for rule in request.promotions:
        _check_rule(rule)
    for coupon in request.coupons:
        _rate(coupon.rate_bp, f"coupon {coupon.id}: rate")
        _require(coupon.amount >= 0 and coupon.threshold >= 0, f"coupon {coupon.id}: negative amount")
        _require(coupon.max_discount is None or coupon.max_discount >= 0, f"coupon {coupon.id}: negative cap")
    limits = request.coupon_limits
    _require(limits.max_goods >= 0 and limits.max_shipping >= 0, "coupon limits must not be negative")
    _require(limits.max_total is None or limits.max_total >= 0, "coupon limits must not be negative")
    _require(
        request.points.points_per_yuan > 0 and request.points.step_fen > 0, "points policy must be positive"
    )
    _rate(request.points.max_share_bp, "points max share")
    _require(request.shipping.fee >= 0, "shipping fee must not be negative")
    plan = request.shipping.freight
    if plan is not None:
        _require(
            all(t is None or t in plan.templates for t in plan.sku_templates.values()),
            "every SKU's freight template must be in the plan",
        )
        charges = [plan.flat, *(t.default for t in plan.templates.values())]
        charges += [r.charge for t in plan.templates.values() for r in t.rules]
        _require(all(not c.problems() for c in charges), "freight charges need whole positive units")
        _require(all(w >= 0 for w in plan.sku_weights.values()), "weights must not be negative")
    _rate(request.floor.min_list_bp, "floor share of list price")
    _require(request.floor.min_cost_bp is None or request.floor.min_cost_bp >= 0, "floor share of cost")
    _require(request.customer.points_balance >= 0, "points balance must not be negative")


def _check_rule(rule: Promotion) -> None:
    name = f"promotion {rule.id}"
    match rule:
        case ActivityPrice():
            _require(rule.price >= 0 and rule.quantity >= 0, f"{name}: negative price or quantity")
        case LimitedTimeDiscount():
            _require(
                (rule.rate_bp is None) != (rule.fixed_price is None), f"{name}: give a rate or a fixed price"
            )
            _rate(rule.rate_bp, name)
            _require(rule.fixed_price is None or rule.fixed_price >= 0, f"{name}: negative price")
            _require(
                rule.per_customer_limit is None or rule.per_customer_limit >= 0, f"{name}: negative limit"
            )
        case MemberPrice():
            for rate in rule.tier_rate_bp.values():
                _rate(rate, name)
            _require(
                all(p >= 0 for prices in rule.sku_tier_price.values() for p in prices.values()),
                f"{name}: negative price",
            )
        case NthItemDiscount():
            _require(rule.nth >= 1, f"{name}: nth must be at least 1")
            _rate(rule.rate_bp, name)
        case BuyNGetM():
            _require(rule.buy >= 1 and rule.free >= 1, f"{name}: buy and free must be at least 1")
        case Bundle():
            _require(bool(rule.components) and all(n > 0 for _, n in rule.components), f"{name}: empty set")
            _require(rule.price >= 0, f"{name}: negative price")
        case TieredPromotion():
            _require(bool(rule.tiers), f"{name}: no tiers")
            for tier in rule.tiers:
                _require(tier.threshold >= 0 and tier.reduce >= 0, f"{name}: negative tier")
                _require(
                    not (rule.repeat and tier.threshold == 0 and tier.reduce),
                    f"{name}: repeat needs a threshold",
                )
                _rate(tier.rate_bp, name)
                for gift in tier.gifts:
                    _require(gift.quantity > 0 and gift.stock_available >= 0, f"{name}: bad gift")
        case AddOnOffer():
            _require(rule.price >= 0 and rule.list_price >= 0 and rule.max_quantity >= 0, f"{name}: negative")
        case FreeShipping():
            _require(rule.threshold >= 0, f"{name}: negative threshold")
