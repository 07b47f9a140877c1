"""Seeded draws and pool splits: pure functions, no Django, no clock, no global random state.

A draw is a function of a recorded seed and a recorded pool, so anyone holding both can recompute
it (``pick`` again, compare with what was awarded). Seeds are ``HMAC-SHA256(secret, key)``: the
campaign's secret is fixed before the first draw and the key is the draw row's id, so neither the
customer nor staff can choose a seed after seeing the pool. The algorithm is described in
``docs/playbooks-campaigns.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from siyu.core.money import allocate

FULL_BP = 10_000  # probabilities are basis points: 10000 = certain


def derive_seed(secret: str, key: str) -> str:
    """The draw's seed: 64 hex characters, reproducible from the campaign secret and the draw key."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def number(seed: str, index: int) -> int:
    """The ``index``-th 256-bit number of the seed's stream (SHA-256 in counter mode)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{index}".encode()).digest(), "big")


@dataclass(frozen=True)
class PoolEntry:
    """One prize as the draw saw it: its weight in basis points and whether a unit was left."""

    prize_id: int
    weight_bp: int
    in_stock: bool


@dataclass(frozen=True)
class Pool:
    """The pool at the instant of a draw. ``miss_bp`` is the weight of "no prize" (always in stock)."""

    entries: tuple[PoolEntry, ...]
    miss_bp: int = 0

    def candidates(self) -> list[tuple[int | None, int]]:
        """The outcomes still possible, in a canonical order (prize id, then the miss last)."""
        found: list[tuple[int | None, int]] = [
            (e.prize_id, e.weight_bp)
            for e in sorted(self.entries, key=lambda e: e.prize_id)
            if e.in_stock and e.weight_bp > 0
        ]
        if self.miss_bp > 0:
            found.append((None, self.miss_bp))
        return found

    def as_json(self) -> dict[str, Any]:
        return {
            "entries": [[e.prize_id, e.weight_bp, e.in_stock] for e in self.entries],
            "miss_bp": self.miss_bp,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pool:
        return cls(
            entries=tuple(PoolEntry(int(p), int(w), bool(s)) for p, w, s in data["entries"]),
            miss_bp=int(data.get("miss_bp", 0)),
        )


@dataclass(frozen=True)
class Outcome:
    prize_id: int | None  # None: no prize (the miss, or nothing left in the pool)
    roll: int  # the number drawn in [0, total)
    total: int  # the sum of the candidates' weights: out-of-stock prizes are left out (renormalised)


def pick(seed: str, pool: Pool) -> Outcome:
    """Draw one outcome: prize i wins with probability w_i / (sum of the weights still in stock).

    Out-of-stock prizes drop out and the rest (the miss included) share their probability in
    proportion to their weights. The 256-bit number makes the modulo bias below 2^-240.
    """
    candidates = pool.candidates()
    total = sum(weight for _, weight in candidates)
    if total == 0:
        return Outcome(prize_id=None, roll=0, total=0)
    roll = number(seed, 0) % total
    rest = roll
    for prize_id, weight in candidates:
        if rest < weight:
            return Outcome(prize_id=prize_id, roll=roll, total=total)
        rest -= weight
    raise AssertionError("unreachable: roll < total")  # pragma: no cover


def split_amounts(seed: str, total: int, parts: int, minimum: int) -> list[int]:
    """Split ``total`` into ``parts`` random shares, each >= ``minimum``, summing exactly to ``total``.

    Each part gets the minimum, and what is left is allocated in proportion to weights drawn
    uniformly from [1, 1_000_000] out of the seed's stream (largest remainder, so the sum is exact).
    """
    if parts < 1 or minimum < 0 or total < minimum * parts:
        raise ValueError("the pool cannot give every part its minimum")
    weights = [1 + number(seed, i) % 1_000_000 for i in range(parts)]
    extra = allocate(total - minimum * parts, weights)
    return [minimum + e for e in extra]
