"""No flash sale route lets merchant A's staff or customers reach merchant B's rows.

The API-wide tenancy test delegates the ``/flash-sales`` paths here (its worlds have no flash sale).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from siyu.api import api
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.flashsale.services import manage
from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.worlds import World, build_world

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
MINE = re.compile(r"/flash-sales\b")
# Valid bodies built from the world a call names: the ownership check, not validation, must answer.
BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "PATCH /api/v1/admin/flash-sales/{flash_sale_id}": lambda w: {"title": "taken over"},
    "POST /api/v1/shop/{merchant}/flash-sales/{flash_sale_id}/orders": lambda w: {
        "sku_id": w.sku.pk,
        "address_id": w.address.pk,
    },
}


@pytest.fixture(autouse=True)
def _no_redis(no_redis):
    return None


def add_flash_sale(world: World) -> FlashSale:
    now = timezone.now()
    return manage.create_flash_sale(
        staff=world.owner,
        title=f"{world.slug} 秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        items=[manage.ItemInput(world.sku.pk, 1990, 10)],
    )


def _build() -> tuple[tuple[World, FlashSale], tuple[World, FlashSale]]:
    with override_settings(REDIS_URL=""):  # as ``no_redis`` does for each test
        a, b = build_world("alpha"), build_world("beta")
        return (a, add_flash_sale(a)), (b, add_flash_sale(b))


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, _build)


@pytest.fixture
def worlds(db, module_worlds) -> tuple[tuple[World, FlashSale], tuple[World, FlashSale]]:
    return copy.deepcopy(module_worlds)


def _routes(prefix: str) -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in SCHEMA["paths"].items()
        if path.startswith(prefix) and MINE.search(path) and set(re.findall(r"{(\w+)}", path)) - {"merchant"}
        for method in item
    )


def _call(client: ApiClient, label: str, world: World, sale: FlashSale, slug: str, body=None):
    method, path = label.split(" ", 1)
    url = path.format(merchant=slug, flash_sale_id=sale.pk)
    has_body = "requestBody" in SCHEMA["paths"][path][method.lower()]
    return client.request(
        method.lower(), url, body if body is not None else (BODIES[label](world) if has_body else None)
    )


def test_the_flash_sale_routes_are_all_here():
    assert len(_routes("/api/v1/admin/")) == 7
    assert len(_routes("/api/v1/shop/{merchant}/")) == 2


@pytest.mark.parametrize("label", _routes("/api/v1/admin/") + _routes("/api/v1/shop/{merchant}/"))
def test_another_merchants_ids_are_404_and_change_nothing(label, worlds):
    (a, sale_a), (b, sale_b) = worlds
    client = ApiClient(a.staff_token if "/admin/" in label else a.customer_token)
    before = tenant_rows(b.merchant)

    response = _call(client, label, a, sale_b, a.slug)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert changed(before, tenant_rows(b.merchant)) == []
    own = _call(client, label, a, sale_a, a.slug)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


def test_a_customer_token_is_no_login_in_another_shop(worlds):
    (a, _sale_a), (b, sale_b) = worlds
    before = tenant_rows(b.merchant)
    label = "POST /api/v1/shop/{merchant}/flash-sales/{flash_sale_id}/orders"

    response = _call(ApiClient(a.customer_token), label, b, sale_b, b.slug, body={})

    assert response.status_code == 401
    assert changed(before, tenant_rows(b.merchant)) == []


def test_ids_in_bodies_do_not_reach_another_merchant(worlds):
    (a, sale_a), (b, _sale_b) = worlds
    adm, shop = "/api/v1/admin", f"/api/v1/shop/{a.slug}"
    now = timezone.now()
    window = {
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
    }
    buy = f"{shop}/flash-sales/{sale_a.pk}/orders"
    probes = [
        (
            "post",
            f"{adm}/flash-sales",
            {"title": "x", **window, "items": [{"sku_id": b.other_sku.pk, "price": 1, "quota": 1}]},
        ),
        (
            "patch",
            f"{adm}/flash-sales/{sale_a.pk}",
            {"items": [{"sku_id": b.other_sku.pk, "price": 1, "quota": 1}]},
        ),
        ("post", buy, {"sku_id": b.sku.pk, "address_id": a.address.pk}),
        ("post", buy, {"sku_id": a.sku.pk, "address_id": b.address.pk}),
        ("post", buy, {"sku_id": a.sku.pk, "fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk}),
    ]
    failures = []
    for method, url, body in probes:
        before_a, before_b = tenant_rows(a.merchant), tenant_rows(b.merchant)
        client = ApiClient(a.staff_token if "/admin/" in url else a.customer_token)
        response = client.request(method, url, body)
        if response.status_code != 404:
            failures.append(f"{method} {url} {body}: {response.status_code} {response.content[:200]!r}")
        if changed(before_b, tenant_rows(b.merchant)) or changed(before_a, tenant_rows(a.merchant)):
            failures.append(f"{method} {url} {body}: rows changed")
    assert not failures, "\n".join(failures)


def test_shop_lists_show_only_the_shops_own_sales(worlds):
    (a, sale_a), (_b, _sale_b) = worlds
    data = ApiClient().get(f"/api/v1/shop/{a.slug}/flash-sales").json()
    assert [s["id"] for s in data["items"]] == [sale_a.pk]
    staff = ApiClient(a.staff_token).get("/api/v1/admin/flash-sales").json()
    assert [s["id"] for s in staff["items"]] == [sale_a.pk]
