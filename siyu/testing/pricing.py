"""Builders of pricing-engine requests, and the invariants every pricing keeps (for the engine's tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from siyu.promotions.engine import (
    Applied,
    CartLine,
    Coupon,
    PricedLine,
    PricingRequest,
    PricingResult,
    Promotion,
    Stage,
    price,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def item(sku: int, unit_price: int, quantity: int = 1, **facts: Any) -> CartLine:
    """A cart line; product id defaults to 10 x sku."""
    facts.setdefault("product_id", sku * 10)
    return CartLine(sku_id=sku, quantity=quantity, unit_price=unit_price, **facts)


def run(
    lines: list[CartLine], *promotions: Promotion, coupons: tuple[Coupon, ...] = (), **options: Any
) -> PricingResult:
    result = price(
        PricingRequest(lines=tuple(lines), now=NOW, promotions=promotions, coupons=coupons, **options)
    )
    assert_consistent(result)
    return result


def applied(result: PricingResult, rule_id: str) -> Applied:
    matches = [a for a in result.applied if a.rule_id == rule_id]
    assert len(matches) == 1, f"{rule_id} applied {len(matches)} times: {result.applied}"
    return matches[0]


def line(result: PricingResult, key: str) -> PricedLine:
    return next(p for p in result.lines if p.key == key)


def refusal(result: PricingResult, rule_id: str) -> str:
    return next(n.reason for n in result.not_applied if n.rule_id == rule_id)


def verdict(result: PricingResult, coupon_id: str) -> tuple[bool, bool, str]:
    v = next(v for v in result.coupons if v.coupon_id == coupon_id)
    return v.usable, v.chosen, v.reason


def assert_consistent(result: PricingResult) -> None:
    """The invariants every pricing keeps, whatever the rules."""
    goods_stages = {Stage.ACTIVITY, Stage.ITEM, Stage.ORDER, Stage.COUPON}
    for entry in result.applied:
        assert entry.amount >= 0 and entry.capped_by_floor >= 0
        if entry.stage in goods_stages or entry.stage is Stage.POINTS:
            assert sum(amount for _, amount in entry.allocations) == entry.amount
    for priced in result.lines:
        assert priced.goods_amount == priced.unit_price * priced.quantity
        assert sum(d.amount for d in priced.discounts) == priced.discount_amount
        assert priced.goods_amount - priced.discount_amount >= priced.floor_amount
        assert priced.payable_amount >= 0
    assert result.goods_amount == sum(p.goods_amount for p in result.lines)
    assert result.discount_amount == sum(a.amount for a in result.applied if a.stage in goods_stages)
    assert result.points_amount == sum(p.points_amount for p in result.lines)
    assert result.shipping_discount == sum(a.amount for a in result.applied if a.stage is Stage.SHIPPING)
    assert 0 <= result.shipping_fee <= result.shipping_base_fee
    assert result.payable_amount == (
        result.goods_amount - result.discount_amount - result.points_amount + result.shipping_fee
    )
    assert result.payable_amount >= 0
