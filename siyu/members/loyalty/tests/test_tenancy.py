"""No membership route lets merchant A's staff or customers reach merchant B's rows.

The API-wide tenancy test delegates the ``/loyalty`` and ``/membership`` paths here (its worlds
have no membership programme, tiers or points).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import pytest

from siyu.members.loyalty.models import MemberTier
from siyu.members.loyalty.services import admin
from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.tenancy import ADMIN, SCHEMA, SHOP, id_inputs
from siyu.testing.worlds import World, build_world

pytestmark = pytest.mark.django_db

MINE = re.compile(r"/(loyalty|membership)\b")
BODIES = {
    "PATCH /api/v1/admin/loyalty/tiers/{tier_id}": {"name": "taken over", "discount_bp": 1},
    "POST /api/v1/admin/loyalty/members/{customer_id}/points-adjustments": {"delta": 5, "reason": "taken"},
}


@dataclass
class Rows:
    world: World
    tier: MemberTier  # held by the world's customer
    spare: MemberTier  # held by nobody: can be deleted


def build_rows(world: World) -> Rows:
    admin.update_settings(staff=world.owner, check_in_points=1)
    tier = admin.create_tier(
        staff=world.owner, code="base", name=f"{world.slug} base", rank=0, growth_threshold=0
    )
    spare = admin.create_tier(
        staff=world.owner, code="top", name=f"{world.slug} top", rank=9, growth_threshold=10**6
    )
    admin.adjust_points(
        staff=world.owner, customer_id=world.customer.pk, delta=100, reason=f"{world.slug} gift"
    )
    return Rows(world, tier, spare)


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(
        django_db_blocker, lambda: (build_rows(build_world("alpha")), build_rows(build_world("beta")))
    )


@pytest.fixture
def worlds(db, module_worlds) -> tuple[Rows, Rows]:
    return copy.deepcopy(module_worlds)


def _routes() -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in SCHEMA["paths"].items()
        if MINE.search(path) and set(re.findall(r"{(\w+)}", path)) - {"merchant"}
        for method in item
    )


def _call(client: ApiClient, label: str, rows: Rows, slug: str):
    method, path = label.split(" ", 1)
    url = path.format(merchant=slug, tier_id=rows.spare.pk, customer_id=rows.world.customer.pk)
    return client.request(method.lower(), url, BODIES.get(label) if method != "GET" else None)


def test_the_routes_are_all_here():
    assert len(_routes()) == 6
    assert all(label.split(" ", 1)[1].startswith(ADMIN) for label in _routes())


@pytest.mark.parametrize("label", _routes())
def test_another_merchants_ids_are_404_and_change_nothing(label, worlds):
    a, b = worlds
    client = ApiClient(a.world.staff_token)
    before = tenant_rows(b.world.merchant)

    response = _call(client, label, b, a.world.slug)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response.json()["code"] == "not_found"
    assert changed(before, tenant_rows(b.world.merchant)) == []
    own = _call(client, label, a, a.world.slug)
    assert own.status_code < 300, (own.status_code, own.content)


def _probes(a: Rows, b: Rows) -> list[tuple[str, str, str, dict]]:
    adm = "/api/v1/admin/loyalty"
    b_template = b.world.coupon_template.pk
    return [
        (
            "POST /api/v1/admin/loyalty/tiers body.birthday_template_id",
            "post",
            f"{adm}/tiers",
            {
                "code": "new",
                "name": "new",
                "rank": 5,
                "growth_threshold": 5000,
                "birthday_template_id": b_template,
            },
        ),
        (
            "PATCH /api/v1/admin/loyalty/tiers/{tier_id} body.birthday_template_id",
            "patch",
            f"{adm}/tiers/{a.tier.pk}",
            {"birthday_template_id": b_template},
        ),
        (
            "POST /api/v1/admin/loyalty/tiers body.upgrade_template_id",
            "post",
            f"{adm}/tiers",
            {
                "code": "new",
                "name": "new",
                "rank": 5,
                "growth_threshold": 5000,
                "upgrade_template_id": b_template,
            },
        ),
        (
            "PATCH /api/v1/admin/loyalty/tiers/{tier_id} body.upgrade_template_id",
            "patch",
            f"{adm}/tiers/{a.tier.pk}",
            {"upgrade_template_id": b_template},
        ),
        (
            "PATCH /api/v1/admin/loyalty/settings body.streak_rewards[].coupon_template_id",
            "patch",
            f"{adm}/settings",
            {"streak_rewards": [{"day": 7, "points": 1, "coupon_template_id": b_template}]},
        ),
    ]


def test_probes_cover_every_id_in_my_bodies(worlds):
    a, b = worlds
    expected = {
        x for x in id_inputs(ADMIN, delegated=True) | id_inputs(SHOP, delegated=True) if MINE.search(x)
    }
    assert sorted(expected) == sorted(p[0] for p in _probes(a, b))


def test_ids_in_bodies_do_not_reach_another_merchant(worlds):
    a, b = worlds
    failures = []
    for covers, method, url, body in _probes(a, b):
        before_a, before_b = tenant_rows(a.world.merchant), tenant_rows(b.world.merchant)
        response = ApiClient(a.world.staff_token).request(method, url, body)
        if response.status_code != 404:
            failures.append(f"{covers}: {response.status_code} {response.content[:200]!r}")
        if changed(before_b, tenant_rows(b.world.merchant)) or changed(
            before_a, tenant_rows(a.world.merchant)
        ):
            failures.append(f"{covers}: rows changed")
    assert not failures, "\n".join(failures)


def test_a_customer_token_is_no_login_in_another_shop(worlds):
    a, b = worlds
    before = tenant_rows(b.world.merchant)
    client = ApiClient(a.world.customer_token)
    for method, path in (
        ("get", "membership"),
        ("get", "membership/points"),
        ("post", "membership/check-ins"),
    ):
        response = client.request(
            method, f"/api/v1/shop/{b.world.slug}/{path}", {} if method == "post" else None
        )
        assert response.status_code == 401, path
    assert changed(before, tenant_rows(b.world.merchant)) == []


def test_lists_and_reads_show_only_the_callers_merchant(worlds):
    a, b = worlds
    staff = ApiClient(a.world.staff_token)
    for path in ("tiers", "tier-counts", "settings", f"members/{a.world.customer.pk}/points"):
        response = staff.get(f"/api/v1/admin/loyalty/{path}")
        assert response.status_code == 200, path
        assert b.world.slug not in response.content.decode(), path
    assert (
        "alpha gift"
        in staff.get(f"/api/v1/admin/loyalty/members/{a.world.customer.pk}/points").content.decode()
    )
    shop = ApiClient(a.world.customer_token)
    assert shop.get(f"/api/v1/shop/{a.world.slug}/membership").json()["points_balance"] == 100
    page = shop.get(f"/api/v1/shop/{a.world.slug}/membership/points").json()
    assert [e["note"] for e in page["items"]] == ["alpha gift"]
    tiers = ApiClient().get(f"/api/v1/shop/{b.world.slug}/membership/tiers").json()
    assert [t["name"] for t in tiers] == ["beta base", "beta top"]
