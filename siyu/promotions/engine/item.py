"""Stage 2: item-level promotions.

Step A, unit prices: each line takes the better (for the customer) of the limited-time discounts
and member prices that cover it; a unit has one price, so these never combine.
Step B, quantity rules (Nth item, buy N get M, bundles): a line takes at most one. Greedily, the
rule that saves the most goes first. A quantity rule in the same exclusive group as a line's unit
price either replaces that price (if that saves more in total) or leaves the line alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyu.promotions.engine import units
from siyu.promotions.engine.explain import kind_of, reason, rule_label
from siyu.promotions.engine.hints import more_units
from siyu.promotions.engine.ledger import Ledger
from siyu.promotions.engine.types import (
    Bundle,
    CustomerContext,
    LimitedTimeDiscount,
    MemberPrice,
    PriceRule,
    PricingRequest,
    QuantityRule,
    Rule,
    Stage,
)
from siyu.promotions.engine.units import Buckets, Pool


@dataclass
class PriceOffer:
    rule: PriceRule
    buckets: Buckets
    saving: int
    units: int


@dataclass
class Plan:
    rule: QuantityRule
    gain: int
    discounts: dict[int, int]
    claims: set[int]
    dropped: set[int]  # lines whose unit price this rule replaces


def _same_group(a: Rule, b: Rule) -> bool:
    return a.exclusive_group is not None and a.exclusive_group == b.exclusive_group


def _coverage(rule: PriceRule | QuantityRule, ledger: Ledger) -> tuple[list[int], list[int]]:
    """(lines in the rule's scope, those of them whose earlier discounts let it stack)."""
    in_scope = []
    for index, line in enumerate(ledger.lines):
        if isinstance(rule, Bundle):
            if any(line.line.sku_id == sku_id for sku_id, _ in rule.components):
                in_scope.append(index)
        elif rule.scope.matches(line.line):
            in_scope.append(index)
    return in_scope, [i for i in in_scope if ledger.lines[i].accepts(Stage.ITEM, rule.stacks_with)]


def _price_offer(
    rule: PriceRule, sku_id: int, base: Buckets, customer: CustomerContext, limit_left: dict[str, int]
) -> PriceOffer | None:
    quantity = sum(count for _, count in base)
    if isinstance(rule, MemberPrice):
        if customer.tier is None:
            return None
        fixed = rule.sku_tier_price.get(sku_id, {}).get(customer.tier)
        rate = rule.tier_rate_bp.get(customer.tier)
        allowed = quantity
    else:
        fixed, rate = rule.fixed_price, rule.rate_bp
        allowed = quantity if rule.per_customer_limit is None else limit_left.get(rule.id, quantity)
    if fixed is not None:
        buckets, saving = units.reprice(base, lambda _price: fixed, allowed)
    elif rate is not None:
        buckets, saving = units.reprice(base, lambda price: units.rate_price(price, rate), allowed)
    else:
        return None
    return PriceOffer(rule, buckets, saving, min(allowed, quantity)) if saving > 0 else None


def _choose_prices(
    ledger: Ledger,
    rules: list[PriceRule],
    base: dict[int, Buckets],
    covered: dict[str, list[int]],
    request: PricingRequest,
) -> dict[int, PriceOffer]:
    """Step A: per line, the offer that saves the most (ties: priority, then id)."""
    customer = request.customer
    covers = {rule_id: set(lines) for rule_id, lines in covered.items()}
    limits: dict[tuple[str, int], int] = {}
    offers: dict[int, PriceOffer] = {}
    for index, line in enumerate(ledger.lines):
        sku_id = line.line.sku_id
        best: PriceOffer | None = None
        for rule in rules:
            if index not in covers[rule.id]:
                continue
            left: dict[str, int] = {}
            if isinstance(rule, LimitedTimeDiscount) and rule.per_customer_limit is not None:
                key = (rule.id, sku_id)
                bought = customer.units_bought.get(key, 0)
                left[rule.id] = limits.setdefault(key, max(0, rule.per_customer_limit - bought))
            offer = _price_offer(rule, sku_id, base[index], customer, left)
            if offer is not None and (best is None or offer.saving > best.saving):
                best = offer
        if best is not None:
            offers[index] = best
            if isinstance(best.rule, LimitedTimeDiscount) and best.rule.per_customer_limit is not None:
                limits[(best.rule.id, sku_id)] -= best.units
    return offers


def _plan(
    rule: QuantityRule,
    covered: list[int],
    sku_of: dict[int, int],
    base: dict[int, Buckets],
    offers: dict[int, PriceOffer],
    claimed: dict[int, QuantityRule],
) -> Plan | None:
    candidates = [i for i in covered if i not in claimed]
    conflicting = {i for i in candidates if i in offers and _same_group(offers[i].rule, rule)}

    def current(i: int) -> Buckets:
        return offers[i].buckets if i in offers else base[i]

    keep = units.evaluate(rule, {i: current(i) for i in candidates if i not in conflicting}, sku_of)
    best = Plan(rule, sum(keep[0].values()), keep[0], keep[1], set())
    if conflicting:
        pool: Pool = {i: base[i] if i in conflicting else current(i) for i in candidates}
        discounts, claims = units.evaluate(rule, pool, sku_of)
        dropped = claims & conflicting
        gain = sum(discounts.values()) - sum(offers[i].saving for i in dropped)
        if gain > best.gain:
            best = Plan(rule, gain, discounts, claims, dropped)
    return best if best.gain > 0 else None


def _refuse_price_rule(
    ledger: Ledger,
    rule: PriceRule,
    scope: tuple[list[int], list[int]],
    holders: dict[int, str],
    tier: str | None,
) -> None:
    in_scope, covered = scope
    if not in_scope:
        code, other = "out_of_scope", ""
    elif not covered:
        code, other = "not_stackable", ""
    elif isinstance(rule, MemberPrice) and (
        tier is None
        or (tier not in rule.tier_rate_bp and all(tier not in p for p in rule.sku_tier_price.values()))
    ):
        code, other = "tier", ""
    else:
        other = next((holders[i] for i in covered if i in holders), "")
        code = "exclusive" if other else "no_saving"
    ledger.refuse(rule.id, code, reason(code, other=other))


def _refuse_quantity_rule(
    ledger: Ledger,
    rule: QuantityRule,
    scope: tuple[list[int], list[int]],
    claimed: dict[int, QuantityRule],
    gap: int,
) -> None:
    in_scope, covered = scope
    other = next((claimed[i].id for i in covered if i in claimed), "")
    if not in_scope:
        code = "out_of_scope"
    elif not covered:
        code = "not_stackable"
    elif other:
        code = "exclusive"
    elif gap:
        code = "below_quantity"
    else:
        code = "no_saving"
    ledger.refuse(rule.id, code, reason(code, gap=str(gap), other=other))


def _book(ledger: Ledger, rule: PriceRule | QuantityRule, per_line: dict[int, int], claims: set[int]) -> None:
    booked, capped = ledger.take(rule.id, Stage.ITEM, per_line)
    ledger.mark(claims or set(booked), Stage.ITEM, rule.stacks_with)
    ledger.record(
        rule_id=rule.id,
        kind=kind_of(rule),
        stage=Stage.ITEM,
        booked=booked,
        capped=capped,
        label=rule_label(rule),
    )


def _choose_quantity_rules(
    rules: list[QuantityRule],
    covered: dict[str, list[int]],
    sku_of: dict[int, int],
    base: dict[int, Buckets],
    offers: dict[int, PriceOffer],
) -> tuple[list[Plan], dict[int, QuantityRule]]:
    """Step B: greedily apply the quantity rule saving the most, until none saves anything."""
    claimed: dict[int, QuantityRule] = {}
    plans: list[Plan] = []
    remaining = list(rules)
    while remaining:
        best: Plan | None = None
        for rule in remaining:
            plan = _plan(rule, covered[rule.id], sku_of, base, offers, claimed)
            if plan is not None and (best is None or plan.gain > best.gain):
                best = plan
        if best is None:
            break
        for i in best.dropped:
            del offers[i]
        claimed.update(dict.fromkeys(best.claims, best.rule))
        plans.append(best)
        remaining.remove(best.rule)
    return plans, claimed


def run_item_stage(ledger: Ledger, request: PricingRequest, rules: list[PriceRule | QuantityRule]) -> None:
    """Price every line's units by the item rules in force (already filtered by window and audience)."""
    base = {i: units.even_buckets(line.current, line.quantity) for i, line in enumerate(ledger.lines)}
    sku_of = {i: line.line.sku_id for i, line in enumerate(ledger.lines)}
    scopes = {rule.id: _coverage(rule, ledger) for rule in rules}
    covered = {rule_id: scope[1] for rule_id, scope in scopes.items()}
    price_rules = [r for r in rules if isinstance(r, LimitedTimeDiscount | MemberPrice)]
    quantity_rules = [r for r in rules if not isinstance(r, LimitedTimeDiscount | MemberPrice)]
    offers = _choose_prices(ledger, price_rules, base, covered, request)
    plans, claimed = _choose_quantity_rules(quantity_rules, covered, sku_of, base, offers)

    holders = {i: r.id for i, r in claimed.items()} | {i: o.rule.id for i, o in offers.items()}
    for price_rule in price_rules:
        per_line = {i: offer.saving for i, offer in sorted(offers.items()) if offer.rule is price_rule}
        if per_line:
            _book(ledger, price_rule, per_line, set())
        else:
            _refuse_price_rule(ledger, price_rule, scopes[price_rule.id], holders, request.customer.tier)
    for plan in plans:
        _book(ledger, plan.rule, plan.discounts, plan.claims)
    applied = {plan.rule.id for plan in plans}
    for rule in quantity_rules:
        pool = {i: base[i] for i in covered[rule.id] if claimed.get(i, rule) is rule}
        gap = units.missing_units(rule, pool, sku_of)
        if gap:
            zh, en = rule_label(rule)
            ledger.hints.append(more_units("item", rule.id, gap, zh, en))
        if rule.id not in applied:
            _refuse_quantity_rule(ledger, rule, scopes[rule.id], claimed, gap)
