"""The minimum price no stack of promotions may break, and splitting a discount within it.

A line's floor is ``floor_unit_price x quantity`` when the SKU sets one, otherwise the highest of
the merchant's rules (a share of cost, a share of list price), rounded *up* to the fen so the
rounding can never break it, and never above the line's own list amount.
"""

from __future__ import annotations

from siyu.core.money import allocate
from siyu.promotions.engine.types import FULL_RATE, CartLine, FloorPolicy


def _ceil_share(amount: int, rate_bp: int) -> int:
    return -(-amount * rate_bp // FULL_RATE)


def line_floor(line: CartLine, quantity: int, policy: FloorPolicy) -> int:
    """The least ``quantity`` units of ``line`` may cost after every promotion."""
    goods = line.unit_price * quantity
    if line.floor_unit_price is not None:
        return min(goods, line.floor_unit_price * quantity)
    floor = 0
    if policy.min_cost_bp is not None:
        floor = max(floor, _ceil_share(line.cost * quantity, policy.min_cost_bp))
    if policy.min_list_bp is not None:
        floor = max(floor, _ceil_share(goods, policy.min_list_bp))
    return min(goods, floor)


def spread_within_rooms(total: int, weights: list[int], rooms: list[int]) -> list[int]:
    """Split ``total`` by ``weights`` with no part above its room; returns the parts (sum <= total).

    Largest remainder by weight first; what a full line cannot take is split again over the lines
    that still have room, until the total is placed or no room is left. Deterministic, exact.
    """
    parts = [0] * len(weights)
    left = total
    active = [i for i, room in enumerate(rooms) if room > 0]
    while left > 0 and active:
        active_weights = [weights[i] for i in active]
        if sum(active_weights) <= 0:
            active_weights = [rooms[i] for i in active]
        shares = allocate(left, active_weights)
        still_open = []
        for i, share in zip(active, shares, strict=True):
            room = rooms[i] - parts[i]
            take = min(share, room)
            parts[i] += take
            left -= take
            if take < room:
                still_open.append(i)
        if len(still_open) == len(active):
            break  # nobody was full, so every share was placed
        active = still_open
    return parts
