"""Stage 4: which coupons are usable, and the set that costs the customer least.

A coupon's value is fixed by the amounts after the order stage (its threshold, its percentage),
so a set's saving depends only on the floor: coupons apply in one canonical order (goods coupons
by value, largest first, then shipping coupons), each split over its lines within the floor.
``best_set`` searches every set the stacking groups and per-order limits allow, depth first in
that canonical order, pruning a branch when even its best completion cannot beat the best found.
Ties go to fewer coupons, then to the earlier coupons in canonical order. Exact, and fast because
the bound is tight: a coupon adds at most its value, and never more than the room left.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyu.core.money import format_yuan
from siyu.promotions.engine.explain import coupon_label, reason
from siyu.promotions.engine.floor import spread_within_rooms
from siyu.promotions.engine.hints import coupon_threshold
from siyu.promotions.engine.ledger import Ledger
from siyu.promotions.engine.results import CouponVerdict, LineKind
from siyu.promotions.engine.types import (
    FULL_RATE,
    Coupon,
    CouponKind,
    CouponLimits,
    PricingRequest,
    Scope,
    Stage,
    coupons_combine,
)


@dataclass(frozen=True)
class Option:
    """A usable coupon: what it is worth and over which lines (weights = their amounts)."""

    coupon: Coupon
    nominal: int
    lines: tuple[int, ...]
    weights: tuple[int, ...]
    value: int  # its saving alone, within the floor
    shipping: bool


def _verdict(coupon: Coupon, code: str, *, usable: bool = False, value: int = 0, **fmt: str) -> CouponVerdict:
    zh, en = reason(code, **fmt) if code else ("", "")
    label_zh, label_en = coupon_label(coupon)
    return CouponVerdict(
        coupon_id=coupon.id,
        usable=usable,
        chosen=not code,
        value=value,
        reason=code,
        reason_zh=zh,
        reason_en=en,
        label_zh=label_zh,
        label_en=label_en,
    )


def _nominal(coupon: Coupon, base: int, shipping_fee: int) -> int:
    if coupon.kind is CouponKind.SHIPPING:
        return shipping_fee if coupon.amount == 0 else min(coupon.amount, shipping_fee)
    if coupon.kind is CouponKind.AMOUNT:
        return min(coupon.amount, base)
    off = base * (FULL_RATE - coupon.rate_bp) // FULL_RATE
    return off if coupon.max_discount is None else min(off, coupon.max_discount)


def assess(
    ledger: Ledger, request: PricingRequest, shipping_fee: int
) -> tuple[list[Option], dict[str, CouponVerdict]]:
    """Usable coupons in canonical order, and a verdict for each one that is not usable."""
    options: list[Option] = []
    refused: dict[str, CouponVerdict] = {}
    rooms = [line.room for line in ledger.lines]
    reach: dict[tuple[Scope, frozenset[Stage]], tuple[list[int], list[int]]] = {}
    for coupon in request.coupons:
        if coupon.valid_from is not None and request.now < coupon.valid_from:
            refused[coupon.id] = _verdict(coupon, "not_started")
            continue
        if coupon.valid_until is not None and request.now >= coupon.valid_until:
            refused[coupon.id] = _verdict(coupon, "expired")
            continue
        refusal = coupon.audience.refusal(request.customer)
        if refusal:
            refused[coupon.id] = _verdict(coupon, refusal)
            continue
        key = (coupon.scope, coupon.stacks_with)
        if key not in reach:  # coupons often share a scope: match the lines once per scope
            in_scope = [
                i
                for i, line in enumerate(ledger.lines)
                if line.kind is not LineKind.GIFT and coupon.scope.matches(line.line)
            ]
            reach[key] = (
                in_scope,
                [i for i in in_scope if ledger.lines[i].accepts(Stage.COUPON, coupon.stacks_with)],
            )
        in_scope, lines = reach[key]
        if not in_scope or not lines:
            refused[coupon.id] = _verdict(coupon, "out_of_scope" if not in_scope else "not_stackable")
            continue
        base = sum(ledger.lines[i].current for i in lines)
        if base < coupon.threshold:
            gap = coupon.threshold - base
            refused[coupon.id] = _verdict(coupon, "below_threshold", gap=format_yuan(gap))
            ledger.hints.append(coupon_threshold(coupon.id, gap, *coupon_label(coupon)))
            continue
        if coupon.is_shipping and shipping_fee == 0:
            refused[coupon.id] = _verdict(coupon, "no_shipping_fee")
            continue
        nominal = _nominal(coupon, base, shipping_fee)
        weights = tuple(ledger.lines[i].current for i in lines)
        # Spreading within the rooms places all it can: alone, a coupon saves min(value, room).
        value = nominal if coupon.is_shipping else min(nominal, sum(rooms[i] for i in lines))
        if value == 0:
            refused[coupon.id] = _verdict(coupon, "at_floor" if nominal else "no_saving")
            continue
        options.append(Option(coupon, nominal, tuple(lines), weights, value, coupon.is_shipping))
    options.sort(key=lambda o: (o.shipping, -o.nominal, o.coupon.id))
    return options, refused


def fits(
    options: list[Option], chosen: list[int], j: int, limits: CouponLimits, compat: list[list[bool]]
) -> str:
    """'' if option ``j`` may join ``chosen``; else "conflict:<position>" or "limit"."""
    for c in chosen:
        if not compat[j][c]:
            return f"conflict:{c}"
    shipping = sum(1 for c in chosen if options[c].shipping)
    if limits.max_total is not None and len(chosen) >= limits.max_total:
        return "limit"
    if options[j].shipping:
        return "limit" if shipping >= limits.max_shipping else ""
    return "limit" if len(chosen) - shipping >= limits.max_goods else ""


def compatibility(options: list[Option]) -> list[list[bool]]:
    """compat[i][j]: options i and j may be used together (symmetric)."""
    count = len(options)
    compat = [[True] * count for _ in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            compat[i][j] = compat[j][i] = coupons_combine(options[i].coupon, options[j].coupon)
    return compat


def best_set(
    options: list[Option], rooms: list[int], limits: CouponLimits, shipping_fee: int, compat: list[list[bool]]
) -> list[int]:
    """Positions (in ``options``) of the valid set with the largest saving; exact branch and bound."""
    count = len(options)
    goods_count = sum(1 for o in options if not o.shipping)  # goods options come first, dearest first
    prefix = [0]
    for option in options:
        prefix.append(prefix[-1] + option.nominal)
    coupon_lines = sorted({i for o in options[:goods_count] for i in o.lines})
    best = [0, 0]  # saving, size
    best_positions: list[tuple[int, ...]] = [()]

    def top(first: int, last: int, start: int, slots: int) -> int:
        """The sum of the ``slots`` largest nominals among positions [max(first, start), last)."""
        begin = max(first, start)
        return prefix[min(last, begin + max(0, slots))] - prefix[begin] if begin < last else 0

    def visit(
        start: int,
        chosen: list[int],
        goods: int,
        rooms: list[int],
        room_left: int,
        saving: int,
        ship_left: int,
    ) -> None:
        size = len(chosen)
        if saving > best[0] or (saving == best[0] and (size, tuple(chosen)) < (best[1], best_positions[0])):
            best[:] = [saving, size]
            best_positions[0] = tuple(chosen)
        # A coupon adds at most its nominal, and never more than the room (or fee) left.
        slots = count if limits.max_total is None else limits.max_total - size
        goods_slots = min(limits.max_goods - goods, slots)
        ship_bound = min(
            top(goods_count, count, start, min(limits.max_shipping - (size - goods), slots)), ship_left
        )
        reach = saving + min(top(0, goods_count, start, goods_slots), room_left) + ship_bound
        if reach < best[0] or (reach == best[0] and size >= best[1]):
            return
        j = start
        while j < count:
            option = options[j]
            if not option.shipping:
                # Goods options are dearest first: once one cannot win, no later goods option can,
                # and neither can a shipping one (it adds at most ``ship_bound``, and hope >= saving).
                hope = saving + min(option.nominal + top(0, goods_count, j + 1, goods_slots - 1), room_left)
                if hope + ship_bound < best[0] or (hope + ship_bound == best[0] and size + 1 >= best[1]):
                    break
            if not fits(options, chosen, j, limits, compat):
                if option.shipping:
                    took = min(option.nominal, ship_left)
                    visit(j + 1, [*chosen, j], goods, rooms, room_left, saving + took, ship_left - took)
                else:
                    parts = spread_within_rooms(
                        option.nominal, list(option.weights), [rooms[i] for i in option.lines]
                    )
                    after = rooms.copy()
                    for i, part in zip(option.lines, parts, strict=True):
                        after[i] -= part
                    took = sum(parts)
                    visit(j + 1, [*chosen, j], goods + 1, after, room_left - took, saving + took, ship_left)
            j += 1

    visit(0, [], 0, rooms, sum(rooms[i] for i in coupon_lines), 0, shipping_fee)
    return list(best_positions[0])


def pick_by_hand(
    options: list[Option], compat: list[list[bool]], request: PricingRequest, wanted: tuple[str, ...]
) -> tuple[list[int], dict[str, CouponVerdict]]:
    """The customer's own choice, in their order; what cannot join is reported, not applied."""
    position = {o.coupon.id: j for j, o in enumerate(options)}
    held = {c.id: c for c in request.coupons}
    chosen: list[int] = []
    skipped: dict[str, CouponVerdict] = {}
    for coupon_id in wanted:
        if coupon_id not in position:
            if coupon_id not in held:
                unknown = Coupon(id=coupon_id, kind=CouponKind.AMOUNT)
                skipped[coupon_id] = _verdict(unknown, "unknown")
            continue  # not usable: its verdict is already in ``refused``
        j = position[coupon_id]
        why = fits(options, chosen, j, request.coupon_limits, compat)
        if why:
            skipped[coupon_id] = _usable_verdict(options, j, why)
        elif j not in chosen:
            chosen.append(j)
    return sorted(chosen), skipped


def _usable_verdict(options: list[Option], j: int, why: str) -> CouponVerdict:
    option = options[j]
    if why.startswith("conflict:"):
        other = options[int(why.split(":")[1])].coupon.id
        return _verdict(option.coupon, "conflict", usable=True, value=option.value, other=other)
    return _verdict(option.coupon, why, usable=True, value=option.value)


def run_coupon_stage(
    ledger: Ledger, request: PricingRequest, shipping_fee: int
) -> tuple[list[CouponVerdict], list[tuple[Coupon, int]]]:
    """Choose and apply coupons. Returns every coupon's verdict and the shipping coupons' savings."""
    options, refused = assess(ledger, request, shipping_fee)
    compat = compatibility(options)
    if request.coupon_ids is None:
        rooms = [line.room for line in ledger.lines]
        chosen = best_set(options, rooms, request.coupon_limits, shipping_fee, compat)
        skipped: dict[str, CouponVerdict] = {}
    else:
        chosen, skipped = pick_by_hand(options, compat, request, request.coupon_ids)
    shipping_savings: list[tuple[Coupon, int]] = []
    ship_left = shipping_fee
    for j in chosen:
        option = options[j]
        if option.shipping:
            took = min(option.nominal, ship_left)
            ship_left -= took
            shipping_savings.append((option.coupon, took))
            continue
        booked, capped = ledger.spread(
            option.coupon.id, Stage.COUPON, option.nominal, list(option.lines), list(option.weights)
        )
        ledger.mark(option.lines, Stage.COUPON, option.coupon.stacks_with)
        ledger.record(
            rule_id=option.coupon.id,
            kind=f"coupon_{option.coupon.kind}",
            stage=Stage.COUPON,
            booked=booked,
            capped=capped,
            label=coupon_label(option.coupon),
        )
    verdicts = []
    position = {o.coupon.id: j for j, o in enumerate(options)}
    for coupon in request.coupons:
        if coupon.id in refused:
            verdicts.append(refused[coupon.id])
            continue
        j = position[coupon.id]
        if j in chosen:
            verdicts.append(_verdict(coupon, "", usable=True, value=options[j].value))
        elif coupon.id in skipped:
            verdicts.append(skipped[coupon.id])
        elif request.coupon_ids is not None:
            verdicts.append(_verdict(coupon, "not_selected", usable=True, value=options[j].value))
        else:
            why = fits(options, chosen, j, request.coupon_limits, compat) or "worse"
            verdicts.append(_usable_verdict(options, j, why))
    verdicts.extend(v for v in skipped.values() if v.reason == "unknown")
    return verdicts, shipping_savings
