"""Unit-level arithmetic for item promotions: which units of which lines a rule discounts.

Units are kept as buckets ``(unit price, units)`` per line, highest price first, so a line of 999
units costs no more to price than a line of one. Every function here is exact integer arithmetic
and returns per-line discounts, so the split over lines needs no proportional rounding (bundles
excepted: their saving is split by the amount each line put into the sets).
"""

from __future__ import annotations

from collections.abc import Callable

from siyu.core.money import allocate
from siyu.promotions.engine.types import FULL_RATE, Bundle, BuyNGetM, NthItemDiscount, QuantityRule

Buckets = list[tuple[int, int]]  # (unit price, units), highest price first
Pool = dict[int, Buckets]  # line index -> its buckets
Outcome = tuple[dict[int, int], set[int]]  # (discount per line, lines the rule claims)


def even_buckets(amount: int, quantity: int) -> Buckets:
    """``amount`` spread over ``quantity`` units as evenly as whole fen allow."""
    base, extra = divmod(amount, quantity)
    buckets = []
    if extra:
        buckets.append((base + 1, extra))
    if quantity - extra:
        buckets.append((base, quantity - extra))
    return buckets


def rate_price(price: int, rate_bp: int) -> int:
    """The unit price after paying ``rate_bp``; the discount is rounded down to the fen."""
    return price - price * (FULL_RATE - rate_bp) // FULL_RATE


def reprice(buckets: Buckets, new_price: Callable[[int], int], units: int) -> tuple[Buckets, int]:
    """Reprice up to ``units`` units, dearest first. Returns (new buckets, saving)."""
    out: Buckets = []
    saving = 0
    for price, count in buckets:
        hit = min(count, units)
        units -= hit
        if hit:
            cheaper = min(price, new_price(price))
            saving += (price - cheaper) * hit
            out.append((cheaper, hit))
        if count - hit:
            out.append((price, count - hit))
    out.sort(key=lambda bucket: -bucket[0])
    return out, saving


def _entries(pool: Pool, cheapest_first: bool) -> list[tuple[int, int, int]]:
    entries = [(price, count, index) for index, buckets in pool.items() for price, count in buckets]
    entries.sort(key=lambda e: (e[0] if cheapest_first else -e[0], e[2]))
    return entries


def _every_nth(entries: list[tuple[int, int, int]], nth: int, rate_bp: int) -> dict[int, int]:
    """Units sorted dearest first; positions nth, 2*nth, ... (the cheapest of each run) pay the rate."""
    discounts: dict[int, int] = {}
    position = 0
    for price, count, index in entries:
        hits = (position + count) // nth - position // nth
        position += count
        if hits:
            discounts[index] = discounts.get(index, 0) + hits * (price - rate_price(price, rate_bp))
    return discounts


def nth_item(rule: NthItemDiscount, pool: Pool) -> Outcome:
    if rule.per_sku:
        discounts: dict[int, int] = {}
        for index, buckets in pool.items():
            discounts.update(_every_nth(_entries({index: buckets}, False), rule.nth, rule.rate_bp))
        discounts = {i: d for i, d in discounts.items() if d}
        return discounts, set(discounts)
    discounts = {i: d for i, d in _every_nth(_entries(pool, False), rule.nth, rule.rate_bp).items() if d}
    return discounts, (set(pool) if discounts else set())


def buy_n_get_m(rule: BuyNGetM, pool: Pool) -> Outcome:
    """For every ``buy + free`` pooled units, the cheapest ``free`` units of the whole pool are free."""
    units = sum(count for buckets in pool.values() for _, count in buckets)
    free = units // (rule.buy + rule.free) * rule.free
    discounts: dict[int, int] = {}
    for price, count, index in _entries(pool, True):
        if free == 0:
            break
        hit = min(count, free)
        free -= hit
        if price:
            discounts[index] = discounts.get(index, 0) + price * hit
    return discounts, (set(pool) if discounts else set())


def bundle(rule: Bundle, pool: Pool, sku_of: dict[int, int]) -> Outcome:
    """Whole sets at the package price, built from the dearest units; the saving is split by
    the amount each line puts into the sets."""
    needs: dict[int, int] = {}
    for sku_id, units in rule.components:
        needs[sku_id] = needs.get(sku_id, 0) + units
    sets = min(
        (
            sum(c for i, b in pool.items() if sku_of[i] == sku_id for _, c in b) // n
            for sku_id, n in needs.items()
        ),
        default=0,
    )
    if sets == 0:
        return {}, set()
    used: dict[int, int] = {}
    for sku_id, per_set in needs.items():
        want = per_set * sets
        for price, count, index in _entries({i: b for i, b in pool.items() if sku_of[i] == sku_id}, False):
            hit = min(count, want)
            want -= hit
            if hit:
                used[index] = used.get(index, 0) + price * hit
            if want == 0:
                break
    saving = sum(used.values()) - rule.price * sets
    if saving <= 0:
        return {}, set()
    indexes = sorted(used)
    shares = allocate(saving, [used[i] for i in indexes])
    return {i: s for i, s in zip(indexes, shares, strict=True) if s}, set(indexes)


def evaluate(rule: QuantityRule, pool: Pool, sku_of: dict[int, int]) -> Outcome:
    """What ``rule`` takes off the pooled lines, per line, and which lines it claims."""
    if isinstance(rule, NthItemDiscount):
        return nth_item(rule, pool)
    if isinstance(rule, BuyNGetM):
        return buy_n_get_m(rule, pool)
    return bundle(rule, pool, sku_of)


def missing_units(rule: QuantityRule, pool: Pool, sku_of: dict[int, int]) -> int:
    """Units still to add for the rule's next reward here (0: no hint, e.g. nothing in the cart)."""
    if isinstance(rule, Bundle):
        present = {sku_of[i] for i in pool}
        if not present:
            return 0
        needs: dict[int, int] = {}
        for sku_id, units in rule.components:
            needs[sku_id] = needs.get(sku_id, 0) + units
        have = {s: sum(c for i, b in pool.items() if sku_of[i] == s for _, c in b) for s in needs}
        sets = min(have[s] // n for s, n in needs.items())
        if all(have[s] == n * sets for s, n in needs.items()):
            return 0  # only whole sets: the next one is not "almost reached"
        return sum(max(0, n * (sets + 1) - have[s]) for s, n in needs.items())
    step = rule.nth if isinstance(rule, NthItemDiscount) else rule.buy + rule.free
    counts = [sum(c for _, c in b) for b in pool.values()]
    if isinstance(rule, NthItemDiscount) and rule.per_sku:
        gaps = [step - n % step for n in counts if n % step]
        return min(gaps, default=0)
    total = sum(counts)
    return step - total % step if total % step else 0
