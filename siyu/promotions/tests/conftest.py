"""Promotion fixtures: coupon templates of the owner's."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from siyu.promotions.models import CouponTemplate
from siyu.testing import factories


@pytest.fixture
def make_template(owner) -> Callable[..., CouponTemplate]:
    """``make_template(**fields)``: 满100减20 for 30 days unless ``fields`` say otherwise."""
    return lambda **fields: factories.make_template(owner, **fields)
