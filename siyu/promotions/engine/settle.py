"""Stages 5 and 6: points, then shipping.

Shipping's free thresholds are measured on the goods after the order stage, before coupons and
points, so using a coupon or points never costs the customer free shipping; the fee (if any) is
what shipping coupons then reduce. Points are the customer's own money, not a promotion: the
floor does not bound them, but they never pay more than ``max_share_bp`` of the goods payable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from siyu.core.money import allocate, format_yuan
from siyu.freight import calc as freight
from siyu.promotions.engine.explain import coupon_label, reason, rule_label, yuan
from siyu.promotions.engine.hints import spend_more
from siyu.promotions.engine.ledger import Ledger
from siyu.promotions.engine.results import Applied, LineKind
from siyu.promotions.engine.types import (
    FULL_RATE,
    Basis,
    Coupon,
    FreeShipping,
    PricingRequest,
    Stage,
)

MERCHANT_FREE_SHIPPING = "shipping:merchant"


@dataclass
class ShippingQuote:
    base_fee: int
    fee: int  # after free-shipping rules, before shipping coupons
    entries: list[Applied] = field(default_factory=list)


def _threshold_lines(ledger: Ledger, rule: FreeShipping | None) -> list[int]:
    return [
        i
        for i, line in enumerate(ledger.lines)
        if line.counts_for_thresholds and (rule is None or rule.scope.matches(line.line))
    ]


def _waiver(rule_id: str, fee: int, label: tuple[str, str]) -> Applied:
    return Applied(
        rule_id=rule_id,
        kind="free_shipping",
        stage=Stage.SHIPPING,
        amount=fee,
        capped_by_floor=0,
        label_zh=label[0],
        label_en=label[1],
        allocations=(),
    )


def freight_fee(ledger: Ledger, plan: freight.FreightPlan) -> int:
    """The fee by freight templates: every line but gifts, at its amount after the order stage
    (what the templates' free-shipping conditions measure), grouped by its product's template."""
    items = [
        freight.Item(
            template_id=plan.sku_templates.get(line.line.sku_id),
            quantity=line.quantity,
            weight_grams=plan.sku_weights.get(line.line.sku_id, 0),
            amount=line.current,
        )
        for line in ledger.lines
        if line.kind is not LineKind.GIFT
    ]
    return freight.quote(plan, items).fee


def quote_shipping(ledger: Ledger, request: PricingRequest, rules: list[FreeShipping]) -> ShippingQuote:
    """The shipping fee after free-shipping thresholds (merchant's first, then rules by priority).

    With freight templates the fee is theirs (their own conditions already applied) and the merchant's
    flat threshold is part of the plan's flat group; free-shipping rules still waive the whole fee.
    """
    policy = request.shipping
    if policy.pickup:
        fee = 0
    elif policy.freight is not None:
        fee = freight_fee(ledger, policy.freight)
    else:
        fee = policy.fee
    if fee == 0:
        return ShippingQuote(base_fee=0, fee=0)
    gaps: list[tuple[str, Basis, int]] = []
    if policy.free_threshold is not None and policy.freight is None:
        amount = sum(ledger.lines[i].current for i in _threshold_lines(ledger, None))
        if amount >= policy.free_threshold:
            label = (
                f"满{yuan(policy.free_threshold)}包邮",
                f"Free shipping over {format_yuan(policy.free_threshold)}",
            )
            return ShippingQuote(fee, 0, [_waiver(MERCHANT_FREE_SHIPPING, fee, label)])
        gaps.append((MERCHANT_FREE_SHIPPING, Basis.AMOUNT, policy.free_threshold - amount))
    for rule in rules:
        lines = _threshold_lines(ledger, rule)
        value = sum(
            ledger.lines[i].quantity if rule.basis is Basis.QUANTITY else ledger.lines[i].current
            for i in lines
        )
        if value >= rule.threshold:
            return ShippingQuote(fee, 0, [_waiver(rule.id, fee, rule_label(rule))])
        gaps.append((rule.id, rule.basis, rule.threshold - value))
        code = "below_threshold" if rule.basis is Basis.AMOUNT else "below_quantity"
        gap = rule.threshold - value
        gap_text = format_yuan(gap) if rule.basis is Basis.AMOUNT else str(gap)
        ledger.refuse(rule.id, code, reason(code, gap=gap_text))
    for rule_id, basis, gap in gaps:
        ledger.hints.append(spend_more("shipping", rule_id, basis, gap, "包邮", "free shipping"))
    return ShippingQuote(fee, fee)


def shipping_coupon_entries(savings: list[tuple[Coupon, int]]) -> list[Applied]:
    entries = []
    for coupon, amount in savings:
        zh, en = coupon_label(coupon)
        entries.append(
            Applied(
                rule_id=coupon.id,
                kind="coupon_shipping",
                stage=Stage.SHIPPING,
                amount=amount,
                capped_by_floor=0,
                label_zh=zh,
                label_en=en,
                allocations=(),
            )
        )
    return entries


def apply_points(ledger: Ledger, request: PricingRequest) -> tuple[int, int]:
    """Deduct points from the goods if the customer opted in. Returns (fen, points used).

    The deduction is the least of the balance's worth and ``max_share_bp`` of the goods payable,
    rounded down to ``step_fen``; the points charged are that worth rounded up to a whole point.
    """
    policy = request.points
    balance = request.customer.points_balance
    if not request.use_points or balance <= 0:
        return 0, 0
    lines = [i for i, line in enumerate(ledger.lines) if line.current > 0]
    payable = sum(ledger.lines[i].current for i in lines)
    fen = min(balance * 100 // policy.points_per_yuan, payable * policy.max_share_bp // FULL_RATE)
    fen -= fen % policy.step_fen
    if fen <= 0:
        return 0, 0
    points = -(-fen * policy.points_per_yuan // 100)
    parts = allocate(fen, [ledger.lines[i].current for i in lines])
    for index, part in zip(lines, parts, strict=True):
        ledger.lines[index].points += part
        ledger.lines[index].current -= part
    ledger.applied.append(
        Applied(
            rule_id="points",
            kind="points",
            stage=Stage.POINTS,
            amount=fen,
            capped_by_floor=0,
            label_zh=f"{points}积分抵{format_yuan(fen)}",
            label_en=f"{points} points for {format_yuan(fen)}",
            allocations=tuple((ledger.lines[i].key, p) for i, p in zip(lines, parts, strict=True) if p),
        )
    )
    return fen, points
