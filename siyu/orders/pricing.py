"""Checkout pricing: the one function every order's amounts come from.

Pure Python (no Django): it takes plain data and returns plain data. The promotions engine will
replace ``price_cart`` with the full pipeline (activity price -> item -> order -> coupons -> points
-> shipping) behind this same signature, so checkout does not change when it lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PricingLine:
    sku_id: int
    product_id: int
    quantity: int
    unit_price: int  # fen
    cost: int = 0
    category_id: int | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShippingRule:
    fee: int  # fen per order
    free_threshold: int  # fen of goods at which shipping is free; 0 = always free (as Merchant says)


@dataclass(frozen=True)
class PricingContext:
    customer_id: int | None = None
    pickup: bool = False
    shipping: ShippingRule = field(default_factory=lambda: ShippingRule(fee=0, free_threshold=0))


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    quantity: int
    unit_price: int
    goods_amount: int
    discount_amount: int

    @property
    def payable_amount(self) -> int:
        return self.goods_amount - self.discount_amount


@dataclass(frozen=True)
class Adjustment:
    """One applied promotion or fee, explained for people."""

    kind: str
    amount: int
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class PricedCart:
    lines: list[PricedLine]
    goods_amount: int
    discount_amount: int
    shipping_fee: int
    adjustments: list[Adjustment]

    @property
    def payable_amount(self) -> int:
        return self.goods_amount - self.discount_amount + self.shipping_fee

    def explain(self) -> dict:
        return {
            "adjustments": [
                {"kind": a.kind, "amount": a.amount, "label_zh": a.label_zh, "label_en": a.label_en}
                for a in self.adjustments
            ]
        }


def shipping_fee(goods_amount: int, context: PricingContext) -> tuple[int, Adjustment | None]:
    rule = context.shipping
    if context.pickup or rule.fee == 0:
        return 0, None
    if goods_amount >= rule.free_threshold:
        if not rule.free_threshold:
            return 0, Adjustment("free_shipping", 0, "包邮", "Free shipping")
        yuan = rule.free_threshold // 100
        return 0, Adjustment("free_shipping", 0, f"满{yuan}元包邮", f"Free shipping over ¥{yuan}")
    return rule.fee, Adjustment("shipping", rule.fee, "运费", "Shipping")


def price_cart(lines: list[PricingLine], context: PricingContext) -> PricedCart:
    """Price a cart: list prices, no discounts yet, shipping by the merchant's threshold."""
    priced = [
        PricedLine(
            sku_id=line.sku_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            goods_amount=line.unit_price * line.quantity,
            discount_amount=0,
        )
        for line in lines
    ]
    goods = sum(p.goods_amount for p in priced)
    fee, adjustment = shipping_fee(goods, context)
    return PricedCart(
        lines=priced,
        goods_amount=goods,
        discount_amount=0,
        shipping_fee=fee,
        adjustments=[adjustment] if adjustment else [],
    )
