"""Console test fixtures: logged-in browsers-without-a-browser (Django's test client) per staff role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.tenancy.models import Staff
from siyu.testing.clients import log_in
from siyu.testing.flows import pay, place

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The overview caches complete days by merchant id and date; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def console(owner) -> Client:
    """The owner's console session."""
    return log_in(owner)


@pytest.fixture
def console_as(make_staff) -> Callable[..., tuple[Client, Staff]]:
    def make(role: str, **kw) -> tuple[Client, Staff]:
        staff = make_staff(role, **kw)
        return log_in(staff), staff

    return make


@pytest.fixture
def paid_order(customer: Customer, address: Address, sku) -> Order:
    return pay(customer, place(customer, [(sku.pk, 2)], address=address))


@pytest.fixture
def vendor_static(settings) -> Iterator[None]:
    """Serve siyu/static/ (where ``make assets`` puts htmx and ECharts) in the live server.

    A no-op once settings.STATICFILES_DIRS lists it; the override clears the finders' cache.
    """
    if not (VENDOR / "htmx.min.js").is_file() or not (VENDOR / "echarts.min.js").is_file():
        pytest.fail("siyu/static/vendor/ is empty: run `make assets` (npm ci + scripts/build_assets.py)")
    static = Path(settings.BASE_DIR) / "static"
    if static not in [Path(d) for d in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, static]
    yield
