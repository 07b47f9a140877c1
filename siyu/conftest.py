"""Shared fixtures: a merchant with staff, a customer with a token, products with stock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from siyu.catalog.models import Product, Sku
from siyu.catalog.services import SkuInput, create_product
from siyu.members.models import Address, Customer
from siyu.members.services import login_with_code, save_address
from siyu.tenancy.models import Merchant, Outlet, Role, Staff
from siyu.tenancy.services import create_staff, issue_staff_token

pytest_plugins = ["siyu.testing.browser", "siyu.testing.clock", "siyu.testing.sqlite"]

# Property tests check properties, never speed: on a busy two-core machine (xdist workers, a browser)
# drawing inputs or running one example can take seconds, which is no failure.
hypothesis_settings.register_profile("siyu", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("siyu")


class ApiClient:
    """A JSON client for the API with a bearer token."""

    def __init__(self, token: str | None = None, language: str = "en") -> None:
        self.client = Client()
        self.token = token
        self.language = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None):
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method == "get":
            kwargs["data"] = data or {}
        elif data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path: str, data: Any = None, **kw):
        return self.request("get", path, data, **kw)

    def post(self, path: str, data: Any = None, **kw):
        return self.request("post", path, data if data is not None else {}, **kw)

    def put(self, path: str, data: Any = None, **kw):
        return self.request("put", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw):
        return self.request("patch", path, data, **kw)

    def delete(self, path: str, **kw):
        return self.request("delete", path, None, **kw)


def make_merchant(slug: str = "tea", **kw) -> Merchant:
    return Merchant.objects.create(slug=slug, name=kw.pop("name", slug.title()), **kw)


@pytest.fixture
def merchant(db) -> Merchant:
    return make_merchant("tea", shipping_fee=1000, free_shipping_threshold=9900, payment_timeout_minutes=30)


@pytest.fixture
def outlet(merchant) -> Outlet:
    return Outlet.objects.create(
        merchant=merchant, code="SH01", name="Shanghai Xintiandi", supports_pickup=True
    )


@pytest.fixture
def make_staff(merchant) -> Callable[..., Staff]:
    def make(
        role: str = Role.OWNER, *, outlets: list[Outlet] | None = None, m: Merchant | None = None
    ) -> Staff:
        m = m or merchant
        return create_staff(
            merchant=m,
            username=f"{m.slug}_{role}_{Staff.objects.count()}",
            password="pw-123456",
            role=role,
            display_name=role,
            outlet_ids=[o.pk for o in outlets or []],
        )

    return make


@pytest.fixture
def owner(make_staff) -> Staff:
    return make_staff(Role.OWNER)


@pytest.fixture
def staff_api(owner) -> ApiClient:
    return ApiClient(issue_staff_token(staff=owner))


@pytest.fixture
def make_product(merchant) -> Callable[..., Product]:
    counter = {"n": 0}

    def make(
        name: str = "Longjing tea",
        *,
        price: int = 5000,
        stock: int = 100,
        skus: int = 1,
        m: Merchant | None = None,
        **kw,
    ) -> Product:
        counter["n"] += 1
        n = counter["n"]
        return create_product(
            merchant=m or merchant,
            name=name,
            skus=[
                SkuInput(code=f"SKU{n}-{i}", price=price, cost=price // 2, stock=stock) for i in range(skus)
            ],
            status=kw.pop("status", "on_sale"),
            acting_staff=None,
            **kw,
        )

    return make


@pytest.fixture
def sku(make_product) -> Sku:
    return make_product().skus.get()


@pytest.fixture
def customer_login(merchant) -> Callable[..., tuple[Customer, str]]:
    def login(code: str = "alice", m: Merchant | None = None) -> tuple[Customer, str]:
        result = login_with_code(merchant=m or merchant, code=code)
        return result.customer, result.token

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
    return save_address(
        customer=customer,
        recipient="王小明",
        phone="13800000000",
        province="上海",
        city="上海",
        district="黄浦",
        detail="南京东路1号",
    )
