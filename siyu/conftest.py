"""Shared fixtures: a merchant with staff, a customer with a token, products with stock.

Fixtures only wire the test's merchant to the factories of ``siyu.testing``; helpers are imported
from there, never from a conftest.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from siyu.catalog.models import Product, Sku
from siyu.members.models import Address, Customer
from siyu.simulate.demo_data import load_demo
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.tenancy.services import issue_staff_token
from siyu.testing import factories
from siyu.testing.clients import ApiClient

pytest_plugins = ["siyu.testing.browser", "siyu.testing.clock", "siyu.testing.sqlite"]

# Property tests check properties, never speed: on a busy two-core machine (xdist workers, a browser)
# drawing inputs or running one example can take seconds, which is no failure.
hypothesis_settings.register_profile("siyu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("siyu")


@pytest.fixture
def merchant(db) -> Merchant:
    return factories.make_merchant(
        "tea", shipping_fee=1000, free_shipping_threshold=9900, payment_timeout_minutes=30
    )


@pytest.fixture
def outlet(merchant) -> Outlet:
    return factories.make_outlet(merchant)


@pytest.fixture
def make_staff(merchant) -> Callable[..., Staff]:
    """``make_staff(role, outlets=None, m=None)``: a staff member of the merchant (or of ``m``)."""

    def make(
        role: str = Role.OWNER, *, outlets: list[Outlet] | None = None, m: Merchant | None = None
    ) -> Staff:
        return factories.make_staff(m or merchant, role, outlets=outlets)

    return make


@pytest.fixture
def owner(make_staff) -> Staff:
    return make_staff(Role.OWNER)


@pytest.fixture
def staff_api(owner) -> ApiClient:
    return ApiClient(issue_staff_token(staff=owner))


@pytest.fixture
def make_product(merchant) -> Callable[..., Product]:
    """``make_product(name, price=, stock=, skus=, m=None)``; the n-th product's SKUs are coded SKUn-0..."""
    made = {"n": 0}

    def make(name: str = "Longjing tea", *, m: Merchant | None = None, **kw) -> Product:
        made["n"] += 1
        return factories.make_product(m or merchant, name, code=f"SKU{made['n']}", **kw)

    return make


@pytest.fixture
def sku(make_product) -> Sku:
    return make_product().skus.get()


@pytest.fixture
def customer_login(merchant) -> Callable[..., tuple[Customer, str]]:
    def login(code: str = "alice", m: Merchant | None = None) -> tuple[Customer, str]:
        return factories.log_in_customer(m or merchant, code)

    return login


@pytest.fixture
def customer(customer_login) -> Customer:
    return customer_login("alice")[0]


@pytest.fixture
def shop_api(customer_login) -> ApiClient:
    _customer, token = customer_login("alice")
    return ApiClient(token)


@pytest.fixture
def address(customer) -> Address:
    return factories.add_address(customer)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo (seed 7), loaded once for the module (a load takes seconds), and flushed afterwards so
    other tests start empty."""
    with django_db_blocker.unblock():
        summary = load_demo(seed=7)
        yield summary
        call_command("flush", interactive=False, verbosity=0)
