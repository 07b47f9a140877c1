import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyu.core.money import allocate, format_yuan


def test_format_yuan():
    assert [format_yuan(x) for x in (0, 5, 12345, -50)] == ["¥0.00", "¥0.05", "¥123.45", "-¥0.50"]


def test_allocate_examples():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [3800 * 2, 2550]) == [749, 251]
    assert allocate(7, [0, 0]) == [4, 3]
    assert allocate(0, []) == []
    with pytest.raises(ValueError):
        allocate(5, [])


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=30))
def test_allocate_sums_exactly_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    weight_sum = sum(weights)
    if weight_sum:
        for part, w in zip(parts, weights, strict=True):
            assert abs(part - total * w / weight_sum) < 1
