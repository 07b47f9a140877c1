"""One account of a priced order for every page that shows one: lines, goods subtotal, each discount
with its label, the shipping fee and what waived it, the total saved and the amount payable.

Checkout builds it from the pricing engine's result (``from_quote``); the order pages build it from
the stored order and its ``Redemption`` rows (``for_order``), so both add the same things up the same
way: ``goods - discounts + shipping fee - shipping waivers = payable``, and "共优惠" is every discount
and every waiver, free shipping included. Labels are the engine's own (zh, en) pair, kept in the
order's pricing snapshot; a discount without one (an imported order) is shown as a plain discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from siyu.orders.models import Fulfilment, Order
from siyu.promotions.engine import Stage
from siyu.promotions.services.orders import GIFT_STAGE

if TYPE_CHECKING:
    from siyu.catalog.models import Sku
    from siyu.orders.services.checkout import Quote

POINTS_RULE = "points"  # the engine's rule id for 积分抵扣
ADJUSTMENT_RULE = "price_adjustment"  # 改价: the merchant's discount on an unpaid order


@dataclass(frozen=True)
class Line:
    """One line as bought: ``goods_amount`` is the unit price times the quantity, before discounts."""

    sku_id: int
    name: str
    specs: dict
    image: str
    kind: str
    quantity: int
    unit_price: int
    goods_amount: int
    payable_amount: int
    refunded_quantity: int = 0


@dataclass(frozen=True)
class Discount:
    """One rule's (or coupon's, or the points') saving on this order, labelled by the engine.

    ``label_zh``/``label_en`` are empty when no label survives (the page then says "Discount");
    ``points`` is how many points paid ``amount`` on the points line.
    """

    rule_id: str
    kind: str
    amount: int
    label_zh: str = ""
    label_en: str = ""
    points: int = 0


@dataclass(frozen=True)
class PricedOrder:
    """What the customer buys and pays, in fen; the same shape before and after the order exists."""

    lines: tuple[Line, ...]
    goods_amount: int
    discounts: tuple[Discount, ...]  # off the goods, in the order the engine applied them
    shipping_fee: int  # before any waiver
    shipping_waivers: tuple[Discount, ...]  # free-shipping rules and shipping coupons
    payable_amount: int
    pickup: bool = False
    refunded_amount: int = 0

    @property
    def shipping_payable(self) -> int:
        return self.shipping_fee - sum(w.amount for w in self.shipping_waivers)

    @property
    def total_discount(self) -> int:
        """共优惠: every discount on the goods and every shipping waiver."""
        return sum(d.amount for d in self.discounts) + sum(w.amount for w in self.shipping_waivers)


def _discount(rule_id: str, kind: str, amount: int, label: tuple[str, str], *, points_used: int) -> Discount:
    return Discount(
        rule_id=rule_id,
        kind=kind,
        amount=amount,
        label_zh=label[0],
        label_en=label[1],
        points=points_used if rule_id == POINTS_RULE else 0,
    )


def from_quote(quote: Quote, skus: dict[int, Sku], *, pickup: bool) -> PricedOrder:
    """The checkout page's account of a quote: the engine's lines and applied rules as they stand."""
    result = quote.result
    lines = tuple(
        Line(
            sku_id=p.sku_id,
            name=skus[p.sku_id].product.name,
            specs=skus[p.sku_id].specs,
            image=(skus[p.sku_id].product.images or [""])[0],
            kind=str(p.kind),
            quantity=p.quantity,
            unit_price=p.unit_price,
            goods_amount=p.goods_amount,
            payable_amount=p.payable_amount,
        )
        for p in result.lines
    )
    entries = [
        (
            a.stage,
            _discount(a.rule_id, a.kind, a.amount, (a.label_zh, a.label_en), points_used=result.points_used),
        )
        for a in result.applied
        if a.amount
    ]
    return PricedOrder(
        lines=lines,
        goods_amount=result.goods_amount,
        discounts=tuple(d for stage, d in entries if stage != Stage.SHIPPING),
        shipping_fee=result.shipping_base_fee,
        shipping_waivers=tuple(d for stage, d in entries if stage == Stage.SHIPPING),
        payable_amount=result.payable_amount,
        pickup=pickup,
    )


def for_order(order: Order) -> PricedOrder:
    """The order pages' account of a placed order, from its lines, its Redemption rows (one per rule
    and line, summed per rule in the order they were booked) and the labels of its pricing snapshot.

    Uses ``order.lines`` and ``order.redemptions`` as loaded (prefetch them for a list of orders).
    """
    snapshot = order.pricing or {}
    labels = {a["rule_id"]: (a["label_zh"], a["label_en"]) for a in snapshot.get("applied", [])}
    kinds = {a["rule_id"]: a["kind"] for a in snapshot.get("applied", [])}
    points = int(snapshot.get("points_used") or 0)
    sums: dict[str, int] = {}
    stages: dict[str, str] = {}
    for row in sorted(order.redemptions.all(), key=lambda r: r.pk):
        if row.stage == GIFT_STAGE:
            continue
        sums[row.rule_id] = sums.get(row.rule_id, 0) + row.amount
        stages[row.rule_id] = row.stage
    entries = [
        (
            stages[rule_id],
            _discount(
                rule_id, kinds.get(rule_id, ""), amount, labels.get(rule_id, ("", "")), points_used=points
            ),
        )
        for rule_id, amount in sums.items()
        if amount
    ]
    discounts = [d for stage, d in entries if stage != Stage.SHIPPING]
    waivers = tuple(d for stage, d in entries if stage == Stage.SHIPPING)
    if order.price_adjustment:
        discounts.append(
            Discount(
                rule_id=ADJUSTMENT_RULE,
                kind=ADJUSTMENT_RULE,
                amount=order.price_adjustment,
                label_zh="商家改价",
                label_en="Price changed by the shop",
            )
        )
    # The order's own totals are what was charged: whatever the rows do not explain (an imported
    # order has none) is shown as one plain discount, so the account always adds up to them.
    unexplained = order.discount_amount - sum(d.amount for d in discounts)
    if unexplained > 0:
        discounts.append(Discount(rule_id="", kind="", amount=unexplained))
    lines = tuple(
        Line(
            sku_id=line.sku_id,
            name=line.product_name,
            specs=line.specs,
            image=line.image,
            kind=line.kind,
            quantity=line.quantity,
            unit_price=line.unit_price,
            goods_amount=line.goods_amount,
            payable_amount=line.paid_amount,
            refunded_quantity=line.refunded_quantity,
        )
        for line in order.lines.all()
    )
    return PricedOrder(
        lines=lines,
        goods_amount=order.goods_amount,
        discounts=tuple(discounts),
        shipping_fee=order.shipping_fee + sum(w.amount for w in waivers),
        shipping_waivers=waivers,
        payable_amount=order.payable_amount,
        pickup=order.fulfilment == Fulfilment.PICKUP,
        refunded_amount=order.refunded_amount,
    )
