"""砍价 cut plans: random cuts that reach the floor price on exactly the last configured help (no Django).

A bargain record plans all its cuts when it starts, from a seed it stores:
``plan_cuts(total=start_price - floor_price, helpers=n, seed=seed)``. Help number ``k`` (1-based)
takes cut ``k - 1``. The plan is built so that:

1. there are exactly ``helpers`` cuts;
2. every cut is at least 1 fen;
3. the cuts sum to ``total`` exactly.

So after ``k < helpers`` helps the price is still above the floor (the cuts still to come are
each >= 1 fen), and after help ``helpers`` it is exactly the floor: the guarantee. The plan is a
pure function of ``(total, helpers, seed)``, so the stored seed reproduces it for an audit.

How the cuts are drawn, all in integers:

- every help gets 1 fen first (property 2), leaving ``spare = total - helpers`` to share out;
- the first helper takes a random 40-60 % of ``spare`` (the big first cut that makes sharing the
  link feel worthwhile);
- the rest is split over helpers 2..n by largest remainder (``core.money.allocate``, which sums
  exactly) on weights ``jitter_j * (n - 1) // (n - 1 + 3 * j)`` for the j-th of them (j = 0..n-2):
  a random jitter in [0.5, 1.5) (times 10^6) times a factor falling from 1 (the second helper) to
  about 1/4 (the last), so cuts shrink along the way, though not strictly.
"""

from __future__ import annotations

import random
import secrets

from siyu.core.money import allocate

JITTER_LOW = 500_000
JITTER_HIGH = 1_500_000
FIRST_SHARE_PERCENT = (40, 60)


def new_seed() -> int:
    """A fresh seed that fits a signed 64-bit column."""
    return secrets.randbits(62)


def plan_cuts(*, total: int, helpers: int, seed: int) -> list[int]:
    """``helpers`` cuts of at least 1 fen each, summing to ``total``; the first is the largest share."""
    if helpers < 1:
        raise ValueError("a bargain needs at least one helper")
    if total < helpers:
        raise ValueError("the price range must allow at least 1 fen per helper")
    if helpers == 1:
        return [total]
    rng = random.Random(seed)
    spare = total - helpers
    first = spare * rng.randint(*FIRST_SHARE_PERCENT) // 100
    rest = helpers - 1
    weights = [rng.randrange(JITTER_LOW, JITTER_HIGH) * rest // (rest + 3 * i) for i in range(rest)]
    shares = allocate(spare - first, weights)
    return [1 + first, *(1 + share for share in shares)]
