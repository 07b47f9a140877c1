"""Console test fixtures: logged-in browsers-without-a-browser (Django's test client) per staff role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.orders.tests.flows import pay, place
from siyu.tenancy.models import Merchant, Staff

PASSWORD = "pw-123456"  # what siyu/conftest.py's make_staff gives everyone
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The overview caches complete days by merchant id and date; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


def log_in(staff: Staff, *, client: Client | None = None, language: str = "en") -> Client:
    """A client logged in through the console's own login form, as ``staff``.

    It asks for English, so that tests can read the page's words before and after translation.
    """
    client = client or Client(headers={"Accept-Language": language})
    response = client.post("/console/login/", {"username": staff.user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


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


def tenant_rows(merchant) -> dict[str, Any]:
    """Every row ``merchant`` owns, in every table, with its staff's logins: to prove nothing changed."""
    rows: dict[str, Any] = {"merchant": list(Merchant.objects.filter(pk=merchant.pk).values())}
    for model in apps.get_models():
        if any(f.name == "merchant" for f in model._meta.get_fields()):
            rows[model._meta.label] = list(
                model._base_manager.filter(merchant=merchant).order_by("pk").values()
            )
    users = get_user_model().objects.filter(staff_roles__merchant=merchant).order_by("pk")
    rows["users"] = list(users.values())
    return json.loads(json.dumps(rows, default=str))


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [table for table in sorted(set(before) | set(after)) if before.get(table) != after.get(table)]
