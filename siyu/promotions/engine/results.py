"""What the pricing engine returns: priced lines, applied promotions, coupon verdicts, hints."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from siyu.core.money import format_yuan
from siyu.promotions.engine.types import Stage


class LineKind(StrEnum):
    REGULAR = "regular"  # cart units at the list price (before discounts)
    ACTIVITY = "activity"  # the units of a cart line bought at an activity price
    ADD_ON = "add_on"  # added by an add-on offer the customer picked
    GIFT = "gift"  # added by a gift tier, at 0


@dataclass(frozen=True)
class LineDiscount:
    """One rule's share of the discount on one line."""

    rule_id: str
    stage: Stage
    amount: int


@dataclass(frozen=True)
class PricedLine:
    """A priced line. ``goods_amount`` is list price x quantity; the customer pays ``payable_amount``.

    ``source_index`` points at the request's cart line (None for add-on and gift lines); a cart
    line bought partly at an activity price becomes two lines with the same ``source_index``.
    """

    key: str
    source_index: int | None
    kind: LineKind
    sku_id: int
    product_id: int
    quantity: int
    unit_price: int
    goods_amount: int
    discount_amount: int  # activity + item + order + coupons
    points_amount: int
    floor_amount: int  # the least this line may cost after promotions
    discounts: tuple[LineDiscount, ...]

    @property
    def payable_amount(self) -> int:
        return self.goods_amount - self.discount_amount - self.points_amount


@dataclass(frozen=True)
class Applied:
    """A rule that changed the price, explained for people, with its exact split over lines.

    ``capped_by_floor`` is what the rule would have taken off beyond the minimum price.
    """

    rule_id: str
    kind: str
    stage: Stage
    amount: int
    capped_by_floor: int
    label_zh: str
    label_en: str
    allocations: tuple[tuple[str, int], ...]  # (line key, fen)
    detail: str = ""  # e.g. which tier was reached, "units=3"

    def floor_note(self) -> tuple[str, str] | None:
        """(zh, en) telling the customer the minimum price held this rule back, if it did."""
        if not self.capped_by_floor:
            return None
        fen = format_yuan(self.capped_by_floor)
        return f"已达最低价, 少减{fen}", f"{fen} less: the minimum price was reached"


@dataclass(frozen=True)
class NotApplied:
    """A rule that was in force but changed nothing here, and why."""

    rule_id: str
    reason: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class CouponVerdict:
    """Whether a coupon can be used on this cart and whether it was used; ``value`` is its saving alone."""

    coupon_id: str
    usable: bool
    chosen: bool
    value: int
    reason: str  # "" when chosen
    reason_zh: str
    reason_en: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Hint:
    """What is almost reached: spend ``gap_amount`` more or add ``gap_quantity`` units to get it."""

    kind: str
    rule_id: str
    gap_amount: int
    gap_quantity: int
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class PricingResult:
    """The priced cart: ``payable = goods - discount - points + shipping_fee``, all in fen."""

    lines: tuple[PricedLine, ...]
    goods_amount: int
    discount_amount: int
    points_amount: int
    points_used: int
    shipping_base_fee: int
    shipping_fee: int  # after free-shipping rules and shipping coupons
    applied: tuple[Applied, ...]  # in pipeline order
    not_applied: tuple[NotApplied, ...]
    coupons: tuple[CouponVerdict, ...]
    chosen_coupon_ids: tuple[str, ...]
    hints: tuple[Hint, ...]

    @property
    def shipping_discount(self) -> int:
        return self.shipping_base_fee - self.shipping_fee

    @property
    def payable_amount(self) -> int:
        return self.goods_amount - self.discount_amount - self.points_amount + self.shipping_fee

    def discount_by_stage(self) -> dict[Stage, int]:
        totals: dict[Stage, int] = {}
        for entry in self.applied:
            totals[entry.stage] = totals.get(entry.stage, 0) + entry.amount
        return totals

    def explain(self) -> dict[str, Any]:
        """A JSON-ready account of the pricing, for the order's snapshot and the checkout page."""
        return {
            "applied": [
                {
                    "rule_id": a.rule_id,
                    "kind": a.kind,
                    "stage": str(a.stage),
                    "amount": a.amount,
                    "capped_by_floor": a.capped_by_floor,
                    "label_zh": a.label_zh,
                    "label_en": a.label_en,
                    "allocations": dict(a.allocations),
                }
                for a in self.applied
            ],
            "not_applied": [
                {"rule_id": n.rule_id, "reason": n.reason, "reason_zh": n.reason_zh, "reason_en": n.reason_en}
                for n in self.not_applied
            ],
            "coupons": [
                {
                    "coupon_id": v.coupon_id,
                    "usable": v.usable,
                    "chosen": v.chosen,
                    "value": v.value,
                    "reason": v.reason,
                    "reason_zh": v.reason_zh,
                    "reason_en": v.reason_en,
                }
                for v in self.coupons
            ],
            "hints": [
                {"kind": h.kind, "rule_id": h.rule_id, "zh": h.text_zh, "en": h.text_en} for h in self.hints
            ],
            "points_used": self.points_used,
        }
