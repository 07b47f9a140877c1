"""Group-buy fixtures: an activity on the shared ``sku`` and shoppers with an address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from siyu.members.models import Address, Customer
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.testing import factories


@pytest.fixture
def make_group_buy(owner, sku) -> Callable[..., GroupBuy]:
    def make(**kw: Any) -> GroupBuy:
        return factories.make_group_buy(kw.pop("staff", owner), sku, **kw)

    return make


@pytest.fixture
def shopper(merchant) -> Callable[[str], tuple[Customer, Address, str]]:
    """A logged-in customer nicknamed ``code`` with a delivery address: (customer, address, token)."""
    return lambda code: factories.make_shopper(merchant, code)
