"""Every campaign and presale route, called as merchant A with merchant B's ids, is a 404 that changes
nothing of B's; the same call on A's own row is served. (The API-wide test in siyu/api/tests does the
same for every route once these rows are in its world: see world.py.)"""

from __future__ import annotations

import copy
import re

import pytest

from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.tenancy import ADMIN, SCHEMA, SHOP, campaign_probes, id_inputs
from siyu.testing.worlds import build_campaign_rows, build_world

pytestmark = pytest.mark.django_db

MINE = ("/campaigns/", "/presales", "/presale-bookings")
# A valid body per route that takes one; ids in bodies are the world's own (probed in siyu/api/tests).
BODIES = {
    "PATCH /api/v1/admin/campaigns/assists/{assist_id}": {"name": "taken over", "assists_needed": 9},
    "PATCH /api/v1/admin/campaigns/splits/{split_id}": {"name": "taken over", "team_size": 9},
    "PATCH /api/v1/admin/campaigns/lotteries/{lottery_id}": {"name": "taken over", "min_order_amount": 1},
    "PATCH /api/v1/admin/campaigns/blind-boxes/{blind_box_id}": {"name": "taken over", "box_price": 1},
    "PATCH /api/v1/admin/presales/{presale_id}": {"name": "taken over", "deposit_refundable": True},
    "POST /api/v1/shop/{merchant}/campaigns/blind-boxes/{blind_box_id}/orders": {"quantity": 1},
    "POST /api/v1/shop/{merchant}/presales/{presale_id}/deposit": {"quantity": 1},
    "POST /api/v1/shop/{merchant}/presale-bookings/{presale_booking_id}/balance": {},
}


def _routes() -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in SCHEMA["paths"].items()
        if any(part in path for part in MINE) and set(re.findall(r"{(\w+)}", path)) - {"merchant"}
        for method in item
    )


def _build():
    a, b = build_world("alpha"), build_world("beta")
    return (a, build_campaign_rows(a)), (b, build_campaign_rows(b))


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, _build)


@pytest.fixture
def worlds(db, module_worlds):
    return copy.deepcopy(module_worlds)


def _call(label: str, client: ApiClient, slug: str, rows) -> object:
    method, path = label.split(" ", 1)
    url = path.format(
        merchant=slug, **{n: getattr(rows, n) for n in re.findall(r"{(\w+)}", path) if n != "merchant"}
    )
    body = BODIES.get(label, {}) if method != "GET" else None
    return client.request(method.lower(), url, body)


def test_every_route_is_covered():
    assert len(_routes()) == 51


@pytest.mark.parametrize("label", _routes())
def test_another_merchants_id_is_404_and_changes_nothing(label, worlds):
    (a, a_rows), (b, b_rows) = worlds
    client = ApiClient(a.staff_token if "/admin/" in label else a.customer_token)
    before = tenant_rows(b.merchant)

    response = _call(label, client, a.slug, b_rows)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert changed(before, tenant_rows(b.merchant)) == []
    own = _call(label, client, a.slug, a_rows)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


def test_probes_cover_every_id_in_my_bodies(worlds):
    (a, a_rows), (b, _b_rows) = worlds
    covered = {key for probe in campaign_probes(a, b, a_rows) for key in probe.covers}
    expected = {
        x
        for x in id_inputs(ADMIN, delegated=True) | id_inputs(SHOP, delegated=True)
        if any(part in x for part in MINE)
    }
    assert sorted(expected - covered) == []
    assert sorted(covered - expected) == []


def test_ids_in_bodies_do_not_reach_another_merchant(worlds):
    (a, a_rows), (b, _b_rows) = worlds
    failures = []
    for probe in campaign_probes(a, b, a_rows):
        before_b, before_a = tenant_rows(b.merchant), tenant_rows(a.merchant)
        response = ApiClient(a.staff_token if probe.staff else a.customer_token).request(
            probe.method, probe.url, probe.body
        )
        if response.status_code not in probe.statuses:
            failures.append(f"{probe.covers}: {response.status_code} {response.content[:200]!r}")
        if changed(before_b, tenant_rows(b.merchant)) or changed(before_a, tenant_rows(a.merchant)):
            failures.append(f"{probe.covers}: rows changed")
    assert not failures, "\n".join(failures)
