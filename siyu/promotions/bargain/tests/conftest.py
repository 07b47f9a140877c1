"""Bargain fixtures: an activity on the shared ``sku`` (price 5000) and shoppers with an address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from siyu.members.models import Address, Customer
from siyu.promotions.bargain.models import Bargain
from siyu.testing import factories


@pytest.fixture
def make_bargain(owner, sku) -> Callable[..., Bargain]:
    def make(**kw: Any) -> Bargain:
        return factories.make_bargain(kw.pop("staff", owner), sku, **kw)

    return make


@pytest.fixture
def shopper(merchant) -> Callable[[str], tuple[Customer, Address, str]]:
    """A logged-in customer nicknamed ``code`` with a delivery address: (customer, address, token)."""
    return lambda code: factories.make_shopper(merchant, code)
