"""Outlet-limited staff count their own outlets' stock, never the merchant-wide warehouse."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.tenancy.models import AuditEntry, Outlet, Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_staff, outlet):
    return make_staff(Role.OUTLET_MANAGER, outlets=[outlet])


def _units() -> list[tuple[int | None, int]]:
    return sorted(StockLevel.objects.values_list("outlet_id", "on_hand"), key=lambda r: (r[0] or 0, r[1]))


def test_an_outlet_manager_cannot_set_warehouse_stock_through_the_api(manager, merchant, outlet, sku):
    other = Outlet.objects.create(merchant=merchant, code="SH02", name="Pudong")
    set_stock(merchant=merchant, sku=sku, outlet=other, on_hand=7)
    api = ApiClient(issue_staff_token(staff=manager))
    before = _units()

    warehouse = api.put("/api/v1/admin/stock", {"sku_id": sku.pk, "on_hand": 100_000})
    elsewhere = api.put("/api/v1/admin/stock", {"sku_id": sku.pk, "outlet_id": other.pk, "on_hand": 0})

    assert (warehouse.status_code, warehouse.json()["code"]) == (403, "outlet_out_of_scope")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "outlet_out_of_scope")
    assert _units() == before
    assert not AuditEntry.objects.filter(action="stock.set").exists()

    own = api.put("/api/v1/admin/stock", {"sku_id": sku.pk, "outlet_id": outlet.pk, "on_hand": 12})

    assert (own.status_code, own.json()["outlet_id"], own.json()["on_hand"]) == (200, outlet.pk, 12)
    assert _units() == sorted([*before, (outlet.pk, 12)], key=lambda r: (r[0] or 0, r[1]))


def test_staff_for_all_outlets_still_set_warehouse_stock(staff_api, sku):
    response = staff_api.put("/api/v1/admin/stock", {"sku_id": sku.pk, "on_hand": 250})

    assert (response.status_code, response.json()["outlet_id"], response.json()["on_hand"]) == (
        200,
        None,
        250,
    )


def test_the_console_stock_page_keeps_an_outlet_manager_off_the_warehouse(manager, merchant, outlet, sku):
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=3)
    warehouse = StockLevel.objects.get(sku=sku, outlet=None)
    mine = StockLevel.objects.get(sku=sku, outlet=outlet)
    console = Client()
    console.post("/console/login/", {"username": manager.user.username, "password": "pw-123456"})

    refused = console.post(f"/console/stock/{warehouse.pk}/", {"on_hand": 1})
    allowed = console.post(f"/console/stock/{mine.pk}/", {"on_hand": 9})

    assert (refused.status_code, allowed.status_code) == (404, 302)
    warehouse.refresh_from_db()
    mine.refresh_from_db()
    assert (warehouse.on_hand, mine.on_hand) == (100, 9)
