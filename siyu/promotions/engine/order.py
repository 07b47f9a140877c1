"""Stage 3: order-level promotions (满减/满折/满送 tiers, gifts, add-on offers).

Every order rule looks at the same base: the eligible lines' amounts after the item stage, so one
tiered rule never lowers another's threshold. Of the rules sharing an exclusive group only the one
worth most to the customer applies; the others apply in priority order, each split over its
eligible lines by their amounts within the floor. Add-on and gift lines count towards no threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyu.core.money import format_yuan
from siyu.promotions.engine.explain import percent_off, reason, rule_label, tier_label, zhe
from siyu.promotions.engine.floor import line_floor
from siyu.promotions.engine.hints import add_on_available, spend_more
from siyu.promotions.engine.ledger import Ledger, LineState
from siyu.promotions.engine.results import LineKind
from siyu.promotions.engine.types import (
    FULL_RATE,
    AddOnOffer,
    Basis,
    CartLine,
    Gift,
    PricingRequest,
    Stage,
    Tier,
    TieredPromotion,
)


@dataclass
class Reached:
    rule: TieredPromotion
    lines: list[int]
    weights: list[int]  # the lines' amounts when the stage began
    base: int  # eligible amount
    tier: Tier
    times: int
    nominal: int  # money off before the floor
    gift_value: int

    @property
    def worth(self) -> int:
        return self.nominal + self.gift_value


def eligible(ledger: Ledger, rule: TieredPromotion) -> list[int]:
    """Lines a tiered rule measures and discounts: in scope, counted, and stacking with it."""
    return [
        i
        for i, line in enumerate(ledger.lines)
        if line.counts_for_thresholds
        and rule.scope.matches(line.line)
        and line.accepts(Stage.ORDER, rule.stacks_with)
    ]


def _counted(ledger: Ledger, offer: AddOnOffer) -> list[int]:
    """Lines an add-on threshold counts. It discounts none of them, so their discounts do not matter;
    the offer's ``stacks_with`` is about the add-on line itself."""
    return [
        i
        for i, line in enumerate(ledger.lines)
        if line.counts_for_thresholds and offer.scope.matches(line.line)
    ]


def measure(ledger: Ledger, lines: list[int], basis: Basis) -> int:
    if basis is Basis.QUANTITY:
        return sum(ledger.lines[i].quantity for i in lines)
    return sum(ledger.lines[i].current for i in lines)


def _reward_text(tier: Tier) -> tuple[str, str]:
    zh, en = [], []
    if tier.rate_bp < FULL_RATE:
        zh.append(f"打{zhe(tier.rate_bp)}")
        en.append(percent_off(tier.rate_bp))
    if tier.reduce:
        zh.append(f"减{format_yuan(tier.reduce)}")
        en.append(f"{format_yuan(tier.reduce)} off")
    if tier.gifts:
        zh.append("得赠品")
        en.append("a free gift")
    return "".join(zh), " + ".join(en)


def _reach(ledger: Ledger, rule: TieredPromotion) -> Reached | None:
    lines = eligible(ledger, rule)
    value = measure(ledger, lines, rule.basis)
    tiers = sorted(rule.tiers, key=lambda t: t.threshold)
    reached = [t for t in tiers if t.threshold <= value]
    above = [t for t in tiers if t.threshold > value]
    if lines and above:
        zh, en = _reward_text(above[0])
        ledger.hints.append(spend_more("order", rule.id, rule.basis, above[0].threshold - value, zh, en))
    if not reached or not lines:
        code = "below_threshold" if lines else "out_of_scope"
        gap = tiers[0].threshold - value if tiers else 0
        gap_text = format_yuan(gap) if rule.basis is Basis.AMOUNT else str(gap)
        if rule.basis is Basis.QUANTITY and lines:
            code = "below_quantity"
        ledger.refuse(rule.id, code, reason(code, gap=gap_text))
        return None
    tier = reached[-1]
    times = value // tier.threshold if rule.repeat and tier.threshold > 0 else 1
    if rule.repeat and tier.reduce and not above and tier.threshold > 0:
        gap = (times + 1) * tier.threshold - value
        zh, en = f"再减{format_yuan(tier.reduce)}", f"another {format_yuan(tier.reduce)} off"
        ledger.hints.append(spend_more("order", rule.id, rule.basis, gap, zh, en))
    base = measure(ledger, lines, Basis.AMOUNT)
    off = base * (FULL_RATE - tier.rate_bp) // FULL_RATE + tier.reduce * times
    gift_value = sum(g.list_price * min(g.quantity * times, g.stock_available) for g in tier.gifts)
    weights = [ledger.lines[i].current for i in lines]
    return Reached(rule, lines, weights, base, tier, times, min(off, base), gift_value)


def _gift_line(rule_id: str, gift: Gift, quantity: int) -> LineState:
    facts = CartLine(sku_id=gift.sku_id, product_id=gift.product_id, quantity=quantity, unit_price=0)
    return LineState(
        key=f"G:{rule_id}:{gift.sku_id}",
        source_index=None,
        kind=LineKind.GIFT,
        line=facts,
        quantity=quantity,
        unit_price=0,
        floor=0,
        current=0,
        counts_for_thresholds=False,
        marks=[(Stage.ORDER, frozenset())],
    )


def _apply_tier(ledger: Ledger, reached: Reached) -> None:
    rule = reached.rule
    if reached.nominal == 0 and reached.gift_value == 0:
        code = "gift_out_of_stock" if reached.tier.gifts else "no_saving"
        ledger.refuse(rule.id, code, reason(code))
        return
    booked, capped = ledger.spread(rule.id, Stage.ORDER, reached.nominal, reached.lines, reached.weights)
    ledger.mark(reached.lines, Stage.ORDER, rule.stacks_with)
    gifts = []
    for gift in reached.tier.gifts:
        quantity = min(gift.quantity * reached.times, gift.stock_available)
        if quantity > 0:
            ledger.lines.append(_gift_line(rule.id, gift, quantity))
        gifts.append(f"gift:{gift.sku_id}x{quantity}/{gift.quantity * reached.times}")
    zh, en = tier_label(rule, reached.tier)
    if rule.title:
        zh, en = f"{rule.title}: {zh}", f"{rule.title}: {en}"
    detail = ";".join([f"tier={reached.tier.threshold}", f"times={reached.times}", *gifts])
    ledger.record(
        rule_id=rule.id,
        kind="tiered",
        stage=Stage.ORDER,
        booked=booked,
        capped=capped,
        label=(zh, en),
        detail=detail,
    )


def _add_on(ledger: Ledger, request: PricingRequest, offer: AddOnOffer, reached: bool, gap: int) -> None:
    picked = min(request.add_ons.get(offer.id, 0), offer.max_quantity)
    name = offer.name or f"SKU {offer.sku_id}"
    if not reached:
        if gap > 0:
            zh, en = f"加{format_yuan(offer.price)}换购{name}", f"add {name} for {format_yuan(offer.price)}"
            ledger.hints.append(spend_more("add_on", offer.id, offer.basis, gap, zh, en))
        code = "below_threshold" if offer.basis is Basis.AMOUNT else "below_quantity"
        ledger.refuse(
            offer.id, code, reason(code, gap=format_yuan(gap) if offer.basis is Basis.AMOUNT else str(gap))
        )
        return
    if picked <= 0:
        ledger.hints.append(add_on_available(offer.id, offer.price, name, name))
        ledger.refuse(offer.id, "not_chosen", reason("not_chosen"))
        return
    facts = CartLine(
        sku_id=offer.sku_id,
        product_id=offer.product_id,
        quantity=picked,
        unit_price=offer.list_price,
        cost=offer.cost,
    )
    ledger.lines.append(
        LineState(
            key=f"X:{offer.id}:{offer.sku_id}",
            source_index=None,
            kind=LineKind.ADD_ON,
            line=facts,
            quantity=picked,
            unit_price=offer.list_price,
            floor=line_floor(facts, picked, request.floor),
            current=offer.list_price * picked,
            counts_for_thresholds=False,
        )
    )
    index = len(ledger.lines) - 1
    saving = max(0, offer.list_price - offer.price) * picked
    booked, capped = ledger.take(offer.id, Stage.ORDER, {index: saving})
    ledger.mark([index], Stage.ORDER, offer.stacks_with)
    ledger.record(
        rule_id=offer.id,
        kind="add_on",
        stage=Stage.ORDER,
        booked=booked,
        capped=capped,
        label=rule_label(offer),
        detail=f"units={picked}",
    )


def run_order_stage(
    ledger: Ledger, request: PricingRequest, rules: list[TieredPromotion], offers: list[AddOnOffer]
) -> None:
    """Apply tiered rules and add-on offers (already filtered by window and audience)."""
    candidates = [r for r in (_reach(ledger, rule) for rule in rules) if r is not None]
    winners: dict[str, Reached] = {}
    for reached in candidates:
        group = reached.rule.exclusive_group
        if group is None:
            continue
        held = winners.get(group)
        if held is None or reached.worth > held.worth:
            winners[group] = reached
    chosen = []
    for reached in candidates:
        group = reached.rule.exclusive_group
        if group is not None and winners[group] is not reached:
            ledger.refuse(reached.rule.id, "exclusive", reason("exclusive", other=winners[group].rule.id))
        else:
            chosen.append(reached)
    # Add-on thresholds see the same base as the tiers: the amounts before this stage.
    add_on_state = []
    for offer in offers:
        lines = _counted(ledger, offer)
        value = measure(ledger, lines, offer.basis)
        add_on_state.append((offer, value >= offer.threshold and bool(lines), offer.threshold - value))
    for reached in chosen:
        _apply_tier(ledger, reached)
    for offer, reached_threshold, gap in add_on_state:
        _add_on(ledger, request, offer, reached_threshold, gap)
