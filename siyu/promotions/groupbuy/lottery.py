"""拼团抽奖: draw a formed team's winners reproducibly from a recorded seed (no Django).

The seed is stored on the team with the drawn ids, so anyone can re-run :func:`draw_winners` on
the team's paid members and get the same winners: the draw can be audited after the fact.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence


def new_seed() -> int:
    """A fresh seed that fits a signed 64-bit column."""
    return secrets.randbits(62)


def draw_winners(member_ids: Sequence[int], winners: int, seed: int) -> list[int]:
    """``winners`` of ``member_ids``, sorted; every member wins when there are no more than that.

    The pool is sorted first, so the order the ids come in does not change the result.
    """
    pool = sorted(set(member_ids))
    if winners >= len(pool):
        return pool
    if winners <= 0:
        return []
    return sorted(random.Random(seed).sample(pool, winners))
