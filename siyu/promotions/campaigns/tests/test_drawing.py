"""The pure draw and split functions: reproducible, renormalising, exact."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyu.promotions.campaigns.drawing import Pool, PoolEntry, derive_seed, pick, split_amounts


def test_seed_is_hmac_of_secret_and_key():
    assert derive_seed("s3cret", "draw:1") == derive_seed("s3cret", "draw:1")
    assert derive_seed("s3cret", "draw:1") != derive_seed("s3cret", "draw:2")
    assert derive_seed("s3cret", "draw:1") != derive_seed("other", "draw:1")
    assert len(derive_seed("s3cret", "draw:1")) == 64


def test_pick_is_a_function_of_seed_and_pool():
    pool = Pool(entries=(PoolEntry(1, 100, True), PoolEntry(2, 2000, True)), miss_bp=7900)
    outcomes = [pick(derive_seed("k", f"draw:{i}"), pool) for i in range(50)]
    again = [pick(derive_seed("k", f"draw:{i}"), Pool.from_json(pool.as_json())) for i in range(50)]
    assert outcomes == again
    assert all(o.total == 10_000 and 0 <= o.roll < 10_000 for o in outcomes)


def test_roll_maps_to_prizes_by_cumulative_weight():
    pool = Pool(entries=(PoolEntry(2, 2000, True), PoolEntry(1, 100, True)), miss_bp=7900)
    by_roll = {}
    for i in range(3000):
        o = pick(f"seed{i}", pool)
        by_roll[o.roll] = o.prize_id
    # Canonical order is by prize id: [0,100) -> 1, [100,2100) -> 2, the rest -> miss.
    assert all(prize == (1 if roll < 100 else 2 if roll < 2100 else None) for roll, prize in by_roll.items())


def test_out_of_stock_prizes_drop_out_and_the_rest_renormalise():
    pool = Pool(entries=(PoolEntry(1, 5000, False), PoolEntry(2, 2500, True)), miss_bp=2500)
    outcomes = [pick(f"s{i}", pool) for i in range(4000)]
    assert {o.total for o in outcomes} == {5000}
    counts = Counter(o.prize_id for o in outcomes)
    assert set(counts) == {2, None}
    assert 1800 < counts[2] < 2200  # 50 % each now


def test_frequencies_follow_weights():
    pool = Pool(entries=(PoolEntry(1, 1000, True), PoolEntry(2, 3000, True)), miss_bp=6000)
    counts = Counter(pick(f"f{i}", pool).prize_id for i in range(20_000))
    assert 1800 < counts[1] < 2200 and 5700 < counts[2] < 6300 and 11_600 < counts[None] < 12_400


def test_empty_pool_gives_no_prize():
    pool = Pool(entries=(PoolEntry(1, 10_000, False),), miss_bp=0)
    assert pick("x", pool).prize_id is None and pick("x", pool).total == 0


def test_split_known_values_are_stable():
    shares = split_amounts("team-seed", 10_000, 3, 100)
    assert shares == split_amounts("team-seed", 10_000, 3, 100)
    assert sum(shares) == 10_000 and min(shares) >= 100


def test_split_refuses_a_pool_below_the_minimums():
    with pytest.raises(ValueError):
        split_amounts("s", 299, 3, 100)
    assert split_amounts("s", 300, 3, 100) == [100, 100, 100]


@given(
    seed=st.text(min_size=1, max_size=20),
    parts=st.integers(1, 50),
    minimum=st.integers(0, 1000),
    extra=st.integers(0, 10**7),
)
def test_split_sums_exactly_and_respects_the_minimum(seed, parts, minimum, extra):
    total = parts * minimum + extra
    shares = split_amounts(seed, total, parts, minimum)
    assert len(shares) == parts
    assert sum(shares) == total
    assert min(shares) >= minimum
