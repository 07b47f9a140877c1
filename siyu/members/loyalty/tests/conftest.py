"""Membership fixtures: a programme with known rules, three tiers, and buying helpers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from siyu.members.loyalty.models import LoyaltySettings, MemberTier
from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.testing import factories, flows


@pytest.fixture
def program(owner) -> LoyaltySettings:
    """1 point and 1 growth per ¥1 paid; 100 points pay ¥1, at most half the goods, whole yuan only."""
    return factories.set_up_loyalty(owner)


@pytest.fixture
def tiers(owner, program) -> dict[str, MemberTier]:
    """silver from 0; gold from 1000 (9折, free shipping, 1.5x points, keep 200); diamond from 5000."""
    return factories.make_tiers(owner)


@pytest.fixture
def order_for(address) -> Callable[..., Order]:
    """``order_for(customer, [(sku id, qty)], points=0, paid=True, to=None)``: place (and by default
    pay) an order delivered to ``to`` or the test's address."""

    def make(customer: Customer, lines: list[tuple[int, int]], *, to: Address | None = None, **kw) -> Order:
        return flows.buy(customer, lines, address=to or address, **kw)

    return make
