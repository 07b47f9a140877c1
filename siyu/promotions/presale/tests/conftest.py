"""Fixtures of the presale tests: the goods, a deposit SKU, and a presale whose windows move with ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from siyu.promotions.presale.models import Presale
from siyu.promotions.presale.services import admin


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

    def make(**kw) -> Presale:
        values = {
            "name": "Spring tea presale",
            "sku_id": goods.pk,
            "deposit_sku_id": deposit_sku.pk,
            "deposit": 5000,
            "deduction": 8000,
            "deposit_starts_at": now - timedelta(hours=1),
            "deposit_ends_at": now + timedelta(days=1),
            "balance_starts_at": now + timedelta(days=2),
            "balance_ends_at": now + timedelta(days=3),
            "ship_date": (now + timedelta(days=5)).date(),
            **kw,
        }
        return admin.create_presale(staff=owner, **values)

    return make
