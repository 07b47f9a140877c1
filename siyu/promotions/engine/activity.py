"""Stage 1: open the ledger and put activity prices (flash sale, group buy, bargain) on their units.

An activity price at or below the list price always takes its units (even with no saving, so the
order knows which units came through the activity) and is not raised by the floor policy.

A cart line bought partly at an activity price is split in two lines: the activity units (which
by default take no other discount) and the rest at the list price, so each line has one price and
one set of stacking rules, and a partial refund of either returns what those units paid.
"""

from __future__ import annotations

from siyu.promotions.engine.explain import reason, rule_label
from siyu.promotions.engine.floor import line_floor
from siyu.promotions.engine.ledger import Ledger, LineState
from siyu.promotions.engine.results import LineKind
from siyu.promotions.engine.types import ActivityPrice, PricingRequest, Stage


def _line(request: PricingRequest, index: int, quantity: int, kind: LineKind, suffix: str) -> LineState:
    cart_line = request.lines[index]
    amount = cart_line.unit_price * quantity
    return LineState(
        key=f"L{index}{suffix}",
        source_index=index,
        kind=kind,
        line=cart_line,
        quantity=quantity,
        unit_price=cart_line.unit_price,
        floor=line_floor(cart_line, quantity, request.floor),
        current=amount,
    )


def _best_activity(request: PricingRequest, ledger: Ledger) -> dict[int, ActivityPrice]:
    """The lowest activity price per SKU among those this customer may use now."""
    best: dict[int, ActivityPrice] = {}
    for rule in request.promotions:
        if not isinstance(rule, ActivityPrice):
            continue
        refusal = rule.window_refusal(request.now) or rule.audience.refusal(request.customer)
        if refusal:
            ledger.refuse(rule.id, refusal, reason(refusal))
            continue
        held = best.get(rule.sku_id)
        if held is None or (rule.price, rule.priority, rule.id) < (held.price, held.priority, held.id):
            if held is not None:
                ledger.refuse(held.id, "exclusive", reason("exclusive", other=rule.id))
            best[rule.sku_id] = rule
        else:
            ledger.refuse(rule.id, "exclusive", reason("exclusive", other=held.id))
    return best


def open_ledger(request: PricingRequest) -> Ledger:
    """Lines at list price, with each SKU's activity units split off and priced."""
    ledger = Ledger(lines=[])
    activities = _best_activity(request, ledger)
    used: set[str] = set()
    for index, cart_line in enumerate(request.lines):
        activity = activities.get(cart_line.sku_id)
        units = 0
        if activity is not None and activity.id not in used and activity.price <= cart_line.unit_price:
            units = min(cart_line.quantity, activity.quantity)
        if units < cart_line.quantity:
            ledger.lines.append(_line(request, index, cart_line.quantity - units, LineKind.REGULAR, ""))
        if not units or activity is None:
            continue
        used.add(activity.id)  # one activity quota, even if the SKU is on two cart lines
        ledger.lines.append(_line(request, index, units, LineKind.ACTIVITY, "A"))
        position = len(ledger.lines) - 1
        # The activity price is the merchant's own explicit price (0元购 included): the floor guards
        # what stacks on top of it, not the price itself.
        ledger.lines[position].floor = min(ledger.lines[position].floor, activity.price * units)
        saving = (cart_line.unit_price - activity.price) * units
        booked, capped = ledger.take(activity.id, Stage.ACTIVITY, {position: saving})
        ledger.mark([position], Stage.ACTIVITY, activity.stacks_with)
        ledger.record(
            rule_id=activity.id,
            kind=str(activity.kind),
            stage=Stage.ACTIVITY,
            booked=booked,
            capped=capped,
            label=rule_label(activity),
            detail=f"units={units}",
        )
    in_cart = {line.sku_id for line in request.lines}
    for rule in activities.values():
        if rule.id not in used:
            why = "no_saving" if rule.sku_id in in_cart else "out_of_scope"
            ledger.refuse(rule.id, why, reason(why))
    return ledger
