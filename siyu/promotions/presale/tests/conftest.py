"""Fixtures of the presale tests: the goods, a deposit SKU, and a presale whose windows move with ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from siyu.promotions.presale.models import Presale
from siyu.testing import factories


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def goods(make_product):
    return make_product("New season tea", price=20_000, stock=50).skus.get()


@pytest.fixture
def deposit_sku(make_product):
    return make_product("Deposit: new season tea", price=5000, stock=100).skus.get()


@pytest.fixture
def make_presale(owner, goods, deposit_sku, now) -> Callable[..., Presale]:
    """Deposits open now for a day; the balance window opens in two days for a day."""
    return lambda **kw: factories.make_presale(owner, goods, deposit_sku, now, **kw)
