"""No group-buy or bargain route lets merchant A's staff or customers reach merchant B's rows."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siyu.api import api
from siyu.members.services import login_with_code
from siyu.promotions.bargain.services.records import help_bargain
from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.worlds import PlaybookRows, World, add_playbook_rows, build_world

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
MINE = re.compile(r"/(group-buys|group-buy-teams|bargains|bargain-records)\b")
IDS = {
    "group_buy_id": lambda w, r: r.group_buy.pk,
    "team_id": lambda w, r: r.team.pk,
    "bargain_id": lambda w, r: r.bargain.pk,
    "record_id": lambda w, r: r.record.pk,
}
# Valid bodies: the ownership check, not validation, must be what answers.
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/admin/group-buys/{group_buy_id}": {"name": "taken over"},
    "PATCH /api/v1/admin/bargains/{bargain_id}": {"name": "taken over"},
    "POST /api/v1/shop/{merchant}/group-buys/{group_buy_id}/teams": {"sku_id": 1, "address_id": 1},
    "POST /api/v1/shop/{merchant}/group-buy-teams/{team_id}/join": {"sku_id": 1, "address_id": 1},
    "POST /api/v1/shop/{merchant}/bargain-records/{record_id}/order": {"address_id": 1},
}


def _routes(prefix: str) -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in SCHEMA["paths"].items()
        if path.startswith(prefix) and MINE.search(path) and set(re.findall(r"{(\w+)}", path)) - {"merchant"}
        for method in item
    )


def _call(client: ApiClient, label: str, world: World, rows: PlaybookRows, slug: str, body=None):
    method, path = label.split(" ", 1)
    values = {name: pick(world, rows) for name, pick in IDS.items() if f"{{{name}}}" in path}
    url = path.format(merchant=slug, **values)
    has_body = "requestBody" in SCHEMA["paths"][path][method.lower()]
    return client.request(
        method.lower(), url, body if body is not None else (BODIES[label] if has_body else None)
    )


def _build() -> tuple[tuple[World, PlaybookRows], tuple[World, PlaybookRows]]:
    a, b = build_world("alpha"), build_world("beta")
    return (a, add_playbook_rows(a)), (b, add_playbook_rows(b))


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, _build)


@pytest.fixture
def worlds(db, module_worlds):
    return copy.deepcopy(module_worlds)


def test_the_playbook_routes_are_all_here():
    assert len(_routes("/api/v1/admin/")) == 14
    assert len(_routes("/api/v1/shop/{merchant}/")) == 9


@pytest.mark.parametrize("label", _routes("/api/v1/admin/") + _routes("/api/v1/shop/{merchant}/"))
def test_another_merchants_ids_are_404_and_change_nothing(label, worlds):
    (a, rows_a), (b, rows_b) = worlds
    client = ApiClient(a.staff_token if "/admin/" in label else a.customer_token)
    before = tenant_rows(b.merchant)

    response = _call(client, label, b, rows_b, a.slug)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert changed(before, tenant_rows(b.merchant)) == []
    own = _call(client, label, a, rows_a, a.slug)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


def _customer_routes() -> list[str]:
    """Shop routes that need a login (the public pages show B's rows to anyone in B's shop)."""
    routes = []
    for label in _routes("/api/v1/shop/{merchant}/"):
        method, path = label.split(" ", 1)
        if any("CustomerBearer" in req for req in SCHEMA["paths"][path][method.lower()].get("security", [])):
            routes.append(label)
    return routes


@pytest.mark.parametrize("label", _customer_routes())
def test_a_customer_token_is_no_login_in_another_shop(label, worlds):
    (a, _rows_a), (b, rows_b) = worlds
    before = tenant_rows(b.merchant)

    response = _call(ApiClient(a.customer_token), label, b, rows_b, b.slug, body={})

    assert response.status_code == 401
    assert changed(before, tenant_rows(b.merchant)) == []


def _window() -> dict[str, str]:
    now = timezone.now()
    return {"starts_at": now.isoformat(), "ends_at": (now + timedelta(days=1)).isoformat()}


def _body_probes(a: World, ra: PlaybookRows, b: World) -> list[tuple[str, str, dict[str, Any], int]]:
    """(method, url, body, status) calls of A's that name B's rows in a body."""
    adm, shop = "/api/v1/admin", f"/api/v1/shop/{a.slug}"
    join = ra.open_team_to_join
    join_sku = join.group_buy.skus.get().sku_id
    group_buy = {"name": "x", "group_size": 2, "time_limit_hours": 1, **_window()}
    bargain = {"name": "x", "floor_price": 0, "helpers_needed": 1, "hours_to_finish": 1, **_window()}
    here = {"address_id": a.address.pk}
    probes = [
        ("post", f"{adm}/group-buys", {**group_buy, "skus": [{"sku_id": b.sku.pk, "group_price": 1}]}, 404),
        (
            "patch",
            f"{adm}/group-buys/{ra.group_buy.pk}",
            {"skus": [{"sku_id": b.sku.pk, "group_price": 1}]},
            404,
        ),
        ("post", f"{adm}/bargains", {**bargain, "sku_id": b.other_sku.pk}, 404),
        ("patch", f"{adm}/bargains/{ra.bargain.pk}", {"sku_id": b.other_sku.pk}, 404),
        # B's SKU is not part of A's group buy.
        ("post", f"{shop}/group-buys/{ra.group_buy.pk}/teams", {"sku_id": b.sku.pk, **here}, 400),
        (
            "post",
            f"{shop}/group-buys/{ra.group_buy.pk}/teams",
            {"sku_id": a.sku.pk, "address_id": b.address.pk},
            404,
        ),
        (
            "post",
            f"{shop}/group-buys/{ra.group_buy.pk}/teams",
            {"sku_id": a.sku.pk, "fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk},
            404,
        ),
        ("post", f"{shop}/group-buy-teams/{join.pk}/join", {"sku_id": b.sku.pk, **here}, 404),
        (
            "post",
            f"{shop}/group-buy-teams/{join.pk}/join",
            {"sku_id": join_sku, "address_id": b.address.pk},
            404,
        ),
        (
            "post",
            f"{shop}/group-buy-teams/{join.pk}/join",
            {"sku_id": join_sku, "fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk},
            404,
        ),
        ("post", f"{shop}/bargain-records/{ra.record.pk}/order", {"address_id": b.address.pk}, 404),
        (
            "post",
            f"{shop}/bargain-records/{ra.record.pk}/order",
            {"fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk},
            404,
        ),
    ]
    try:
        from siyu.promotions.models import CouponTemplate
    except ImportError:  # the coupons app is not installed: the field takes any id
        return probes
    template = CouponTemplate.objects.create(merchant=b.merchant, title="beta", kind="amount", amount=100)
    lottery = {"lottery": True, "lottery_winners": 1, "consolation_coupon_template_id": template.pk}
    return [
        *probes,
        (
            "post",
            f"{adm}/group-buys",
            {**group_buy, **lottery, "skus": [{"sku_id": a.sku.pk, "group_price": 1}]},
            404,
        ),
        ("patch", f"{adm}/group-buys/{ra.group_buy.pk}", lottery, 404),
    ]


def test_ids_in_bodies_do_not_reach_another_merchant(worlds):
    (a, rows_a), (b, _rows_b) = worlds
    for code in ("h1", "h2"):  # bring A's record to its floor, so buying reaches the body's ids
        helper = login_with_code(merchant=a.merchant, code=code).customer
        help_bargain(helper=helper, record_id=rows_a.record.pk)
    failures = []
    for method, url, body, status in _body_probes(a, rows_a, b):
        before_a, before_b = tenant_rows(a.merchant), tenant_rows(b.merchant)
        client = ApiClient(a.staff_token if "/admin/" in url else a.customer_token)
        response = client.request(method, url, body)
        if response.status_code != status:
            failures.append(f"{method} {url} {body}: {response.status_code} {response.content[:200]!r}")
        if changed(before_b, tenant_rows(b.merchant)) or changed(before_a, tenant_rows(a.merchant)):
            failures.append(f"{method} {url} {body}: rows changed")
    assert not failures, "\n".join(failures)
