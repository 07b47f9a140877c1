"""No tag, tag rule or segment route lets merchant A's staff reach merchant B's rows.

The API-wide tenancy test delegates these paths here (its worlds have no tags or segments). Ids come
in paths, in bodies and inside rules (a rule naming B's tag is an ``invalid_rule``, never a match).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from siyu.api import api
from siyu.audience import services as svc
from siyu.audience.models import Segment, Tag, TagGroup, TagRule
from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.tenancy import ADMIN, id_inputs
from siyu.testing.worlds import World, build_world

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
MINE = re.compile(r"/(tag-groups|tags|tag-rules|segments)\b")


@dataclass
class Audience:
    world: World
    group: TagGroup
    tag: Tag  # set by hand
    auto_tag: Tag  # kept by ``rule``
    rule: TagRule
    segment: Segment


def add_audience(w: World) -> Audience:
    group = svc.create_tag_group(staff=w.owner, kind="basic", name=f"{w.slug} group")
    tag = svc.create_tag(staff=w.owner, group_id=group.pk, name=f"{w.slug} tag")
    auto_tag = svc.create_tag(staff=w.owner, group_id=group.pk, name=f"{w.slug} auto")
    svc.tag_customers(staff=w.owner, tag_id=tag.pk, customer_ids=[w.customer.pk])
    rule = svc.create_tag_rule(staff=w.owner, tag_id=auto_tag.pk, rule={"tag": tag.pk})
    segment = svc.create_segment(staff=w.owner, name=f"{w.slug} segment", rule={"tag": tag.pk})
    return Audience(w, group, tag, auto_tag, rule, segment)


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(
        django_db_blocker, lambda: (add_audience(build_world("alpha")), add_audience(build_world("beta")))
    )


@pytest.fixture
def worlds(db, module_worlds) -> tuple[Audience, Audience]:
    return copy.deepcopy(module_worlds)


PATH_IDS: dict[str, Callable[[Audience], int]] = {
    "group_id": lambda x: x.group.pk,
    "tag_id": lambda x: x.tag.pk,
    "rule_id": lambda x: x.rule.pk,
    "segment_id": lambda x: x.segment.pk,
    "customer_id": lambda x: x.world.customer.pk,
}
# Valid bodies, built from the side the call names, so the ownership check is what answers.
BODIES: dict[str, Callable[[Audience], dict[str, Any]]] = {
    "PATCH /api/v1/admin/tag-groups/{group_id}": lambda x: {"name": "taken over"},
    "PATCH /api/v1/admin/tags/{tag_id}": lambda x: {"name": "taken over"},
    "POST /api/v1/admin/tags/{tag_id}/customers": lambda x: {"customer_ids": [x.world.customer.pk]},
    "POST /api/v1/admin/tags/{tag_id}/customers/remove": lambda x: {"customer_ids": [x.world.customer.pk]},
    "POST /api/v1/admin/customers/{customer_id}/tags": lambda x: {"tag_id": x.tag.pk},
    "PATCH /api/v1/admin/tag-rules/{rule_id}": lambda x: {"is_active": False},
    "PATCH /api/v1/admin/segments/{segment_id}": lambda x: {"name": "taken over"},
    "POST /api/v1/admin/segments/{segment_id}/snapshot": lambda x: {"name": "taken over"},
    "POST /api/v1/admin/segments/{segment_id}/issue-coupon": lambda x: {
        "template_id": x.world.coupon_template.pk
    },
}


def _routes() -> list[str]:
    return sorted(
        f"{method.upper()} {path}"
        for path, item in SCHEMA["paths"].items()
        if path.startswith("/api/v1/admin/") and MINE.search(path) and re.search(r"{\w+}", path)
        for method in item
    )


def _call(client: ApiClient, label: str, target: Audience, own: Audience):
    method, path = label.split(" ", 1)
    url = path.format(**{name: pick(target) for name, pick in PATH_IDS.items()})
    has_body = "requestBody" in SCHEMA["paths"][path][method.lower()]
    return client.request(method.lower(), url, BODIES[label](own) if has_body else None)


def test_the_routes_are_all_here():
    assert len(_routes()) == 20


@pytest.mark.parametrize("label", _routes())
def test_another_merchants_ids_are_404_and_change_nothing(label, worlds):
    a, b = worlds
    client = ApiClient(a.world.staff_token)
    before = tenant_rows(b.world.merchant)

    response = _call(client, label, b, b)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response.json()["code"] == "not_found"
    assert changed(before, tenant_rows(b.world.merchant)) == []
    own = _call(client, label, a, a)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


@dataclass
class Probe:
    covers: list[str]
    method: str
    url: str
    body: dict[str, Any] | None = None
    status: int = 404
    code: str = "not_found"


def probes(a: Audience, b: Audience) -> list[Probe]:
    adm = "/api/v1/admin"
    tags = f"{adm}/tags/{a.tag.pk}/customers"
    bad_rule = {"all": [{"tag": a.tag.pk}, {"tag": b.tag.pk}]}
    invalid = {"status": 400, "code": "invalid_rule"}
    return [
        Probe(
            [f"POST {adm}/tags body.group_id"], "post", f"{adm}/tags", {"group_id": b.group.pk, "name": "x"}
        ),
        Probe(
            [f"PATCH {adm}/tags/{{tag_id}} body.group_id"],
            "patch",
            f"{adm}/tags/{a.tag.pk}",
            {"group_id": b.group.pk},
        ),
        Probe(
            [f"POST {adm}/tags/{{tag_id}}/customers body.customer_ids"],
            "post",
            tags,
            {"customer_ids": [b.world.customer.pk]},
        ),
        Probe(
            [f"POST {adm}/tags/{{tag_id}}/customers body.segment_id"],
            "post",
            tags,
            {"segment_id": b.segment.pk},
        ),
        Probe(
            [f"POST {adm}/tags/{{tag_id}}/customers/remove body.customer_ids"],
            "post",
            f"{tags}/remove",
            {"customer_ids": [a.world.customer.pk, b.world.customer.pk]},
        ),
        Probe(
            [f"POST {adm}/tags/{{tag_id}}/customers/remove body.segment_id"],
            "post",
            f"{tags}/remove",
            {"segment_id": b.segment.pk},
        ),
        Probe(
            [f"POST {adm}/customers/{{customer_id}}/tags body.tag_id"],
            "post",
            f"{adm}/customers/{a.world.customer.pk}/tags",
            {"tag_id": b.tag.pk},
        ),
        Probe(
            [f"POST {adm}/tag-rules body.tag_id"],
            "post",
            f"{adm}/tag-rules",
            {"tag_id": b.tag.pk, "rule": {"semi_private": True}},
        ),
        Probe(
            [f"POST {adm}/segments/{{segment_id}}/issue-coupon body.template_id"],
            "post",
            f"{adm}/segments/{a.segment.pk}/issue-coupon",
            {"template_id": b.world.coupon_template.pk},
        ),
        # Ids inside rules: refused as invalid rules naming the path, never silently empty.
        Probe([], "post", f"{adm}/tag-rules", {"tag_id": a.auto_tag.pk, "rule": bad_rule}, **invalid),
        Probe([], "patch", f"{adm}/tag-rules/{a.rule.pk}", {"rule": bad_rule}, **invalid),
        Probe([], "post", f"{adm}/segments", {"name": "x", "rule": bad_rule}, **invalid),
        Probe([], "patch", f"{adm}/segments/{a.segment.pk}", {"rule": bad_rule}, **invalid),
        Probe([], "post", f"{adm}/segments/preview", {"rule": bad_rule}, **invalid),
        Probe(
            [],
            "post",
            f"{adm}/segments/preview",
            {"rule": {"coupons": {"template": b.world.coupon_template.pk}}},
            **invalid,
        ),
        Probe(
            [],
            "post",
            f"{adm}/segments/preview",
            {"rule": {"orders": {"product": b.world.product.pk}}},
            **invalid,
        ),
        Probe(
            [],
            "post",
            f"{adm}/segments/preview",
            {"rule": {"orders": {"category": b.world.category.pk}}},
            **invalid,
        ),
    ]


def test_probes_cover_every_id_in_bodies_and_queries(worlds):
    a, b = worlds
    covered = {key for probe in probes(a, b) for key in probe.covers} | {
        "GET /api/v1/admin/tags query.group_id"
    }
    expected = {i for i in id_inputs(ADMIN, delegated=True) if MINE.search(i.split(" ")[1])}
    assert sorted(expected - covered) == [] and sorted(covered - expected) == []


def test_ids_in_bodies_and_rules_do_not_reach_another_merchant(worlds):
    a, b = worlds
    client = ApiClient(a.world.staff_token)
    failures = []
    for probe in probes(a, b):
        before_a, before_b = tenant_rows(a.world.merchant), tenant_rows(b.world.merchant)
        response = client.request(probe.method, probe.url, probe.body)
        if (response.status_code, response.json().get("code")) != (probe.status, probe.code):
            failures.append(
                f"{probe.method} {probe.url} {probe.body}: {response.status_code} {response.content[:200]!r}"
            )
        if changed(before_b, tenant_rows(b.world.merchant)) or changed(
            before_a, tenant_rows(a.world.merchant)
        ):
            failures.append(f"{probe.method} {probe.url} {probe.body}: rows changed")
    assert not failures, "\n".join(failures)


def test_lists_show_only_the_merchants_own_rows(worlds):
    a, b = worlds
    client = ApiClient(a.world.staff_token)
    assert client.get("/api/v1/admin/tags", {"group_id": b.group.pk}).json() == {
        "items": [],
        "count": 0,
        "limit": 20,
        "offset": 0,
    }
    for path in ("tag-groups", "tags", "tag-rules", "segments"):
        response = client.get(f"/api/v1/admin/{path}")
        assert response.status_code == 200 and "beta" not in response.content.decode(), path
    members = client.get(f"/api/v1/admin/segments/{a.segment.pk}/members").json()
    assert [m["id"] for m in members["items"]] == [a.world.customer.pk]
