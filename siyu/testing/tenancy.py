"""The API's tenancy tests, driven by the published OpenAPI: which routes and inputs name rows, and
``Probe``, one call on merchant A's routes that names merchant B's rows.

``siyu/api/tests/test_tenant_isolation.py`` aims every route at another merchant; the playbooks'
own tenancy tests (``DELEGATED``) aim the routes whose worlds need activity rows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from siyu.api import api
from siyu.testing.worlds import CampaignRows, World

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
ADMIN = "/api/v1/admin/"
SHOP = "/api/v1/shop/{merchant}/"

# Playbook apps aim their own routes at B in their own tenancy tests (their worlds need activity
# rows): each module here owns the paths its pattern matches and fails when one is not aimed at B.
DELEGATED: dict[str, str] = {
    "siyu.promotions.groupbuy.tests.test_tenancy": (
        r"/(group-buys|group-buy-teams|bargains|bargain-records)\b"
    ),
    "siyu.promotions.campaigns.tests.test_isolation": r"/(campaigns/|presales|presale-bookings)",
    "siyu.promotions.flashsale.tests.test_tenancy": r"/flash-sales\b",
    "siyu.audience.tests.test_tenancy": r"/(tag-groups|tags|tag-rules|segments)\b",
    "siyu.members.loyalty.tests.test_tenancy": r"/(loyalty|membership)\b",
}


def is_delegated(path: str) -> bool:
    return any(re.search(pattern, path) for pattern in DELEGATED.values())


def operations(prefix: str, *, delegated: bool = False) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(label, path, operation) of each route under ``prefix``, without the delegated ones unless asked."""
    for path, item in SCHEMA["paths"].items():
        if path.startswith(prefix.split("{")[0]) and (delegated or not is_delegated(path)):
            for method, operation in item.items():
                yield f"{method.upper()} {path}", path, operation


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _id_fields(schema: dict[str, Any], prefix: str) -> set[str]:
    """Dotted names of the properties in a body schema that name rows (``*_id``, ``*_ids``)."""
    schema = _resolve(schema)
    found = set()
    for option in [*schema.get("anyOf", []), *schema.get("allOf", [])]:
        found |= _id_fields(option, prefix)
    if "items" in schema:
        found |= _id_fields(schema["items"], prefix + "[]")
    for name, prop in schema.get("properties", {}).items():
        dotted = f"{prefix}.{name}"
        if name.endswith(("_id", "_ids")) or name == "id":
            found.add(dotted)
        found |= _id_fields(prop, dotted)
    return found


def id_inputs(prefix: str, *, delegated: bool = False) -> set[str]:
    """Every query parameter or body field, on every route of the area, that names a row
    (``delegated``: also on the routes a playbook's own tenancy test owns)."""
    inputs = set()
    for label, _path, operation in operations(prefix, delegated=delegated):
        for param in operation.get("parameters", []):
            if param["in"] == "query" and param["name"].endswith(("_id", "_ids")):
                inputs.add(f"{label} query.{param['name']}")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "schema" in body:
            inputs |= {f"{label} {name}" for name in _id_fields(body["schema"], "body")}
    return inputs


@dataclass
class Probe:
    """One call that names B's rows in a body or query, on a route of A's."""

    covers: list[str]
    method: str
    url: str
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    statuses: tuple[int, ...] = (404,)
    staff: bool = True
    empty_list: bool = False  # a list filtered by B's id holds none of A's rows and none of B's
    then: Callable[[Any], None] | None = dataclasses.field(
        default=None, repr=False
    )  # more checks on the response

    def __post_init__(self) -> None:
        if self.empty_list:
            self.statuses = (200,)


def campaign_probes(a: World, b: World, a_rows: CampaignRows) -> list[Probe]:
    """Calls on A's routes that name B's rows in the body: each a 404 that changes nothing of B's.

    For the campaigns' tenancy test, as ``probes()`` in siyu/api/tests/test_tenant_isolation.py is for
    the API's (``a_rows`` are A's campaign rows).
    """
    adm, shop = "/api/v1/admin", f"/api/v1/shop/{a.slug}"
    now = timezone.now()
    window = {
        "starts_at": (now + timedelta(days=30)).isoformat(),
        "ends_at": (now + timedelta(days=31)).isoformat(),
    }
    assist_body = {"name": "x", "assists_needed": 2, "hours": 1, "reward_kind": "coupon", "reward_value": 100}
    split_body = {
        "name": "x",
        "team_size": 2,
        "pool_amount": 200,
        "min_share": 1,
        "hours": 1,
        "reward_kind": "coupon",
    }
    lottery_body = {"name": "x", "min_order_amount": 0, **window}
    box_body = {"name": "x", "sku_id": a.sku.pk, "box_price": 100, **window}

    def prize(**ids) -> dict:
        kind = "coupon" if "coupon_template_id" in ids else "item"
        return {"name": "p", "kind": kind, "weight_bp": 10_000, "stock": 1, "value": 100, **ids}

    found = [
        Probe(
            [f"POST {ADMIN}campaigns/assists body.coupon_template_id"],
            "post",
            f"{adm}/campaigns/assists",
            {**assist_body, **window, "coupon_template_id": b.coupon_template.pk},
        ),
        Probe(
            [f"POST {ADMIN}campaigns/splits body.coupon_template_id"],
            "post",
            f"{adm}/campaigns/splits",
            {**split_body, **window, "coupon_template_id": b.coupon_template.pk},
        ),
    ]
    for field, ids in (
        ("coupon_template_id", {"coupon_template_id": b.coupon_template.pk}),
        ("sku_id", {"sku_id": b.sku.pk}),
    ):
        found += [
            Probe(
                [f"POST {ADMIN}campaigns/lotteries body.prizes[].{field}"],
                "post",
                f"{adm}/campaigns/lotteries",
                {**lottery_body, "prizes": [prize(**ids)]},
            ),
            Probe(
                [f"PATCH {ADMIN}campaigns/lotteries/{{lottery_id}} body.prizes[].{field}"],
                "patch",
                f"{adm}/campaigns/lotteries/{a_rows.lottery_id}",
                {"prizes": [prize(**ids)]},
            ),
            Probe(
                [f"POST {ADMIN}campaigns/blind-boxes body.prizes[].{field}"],
                "post",
                f"{adm}/campaigns/blind-boxes",
                {**box_body, "prizes": [prize(**ids)]},
            ),
            Probe(
                [f"PATCH {ADMIN}campaigns/blind-boxes/{{blind_box_id}} body.prizes[].{field}"],
                "patch",
                f"{adm}/campaigns/blind-boxes/{a_rows.blind_box_id}",
                {"prizes": [prize(**ids)]},
            ),
        ]
    found.append(
        Probe(
            [f"POST {ADMIN}campaigns/blind-boxes body.sku_id"],
            "post",
            f"{adm}/campaigns/blind-boxes",
            {**box_body, "sku_id": b.sku.pk, "prizes": [prize()]},
        )
    )
    presale_body = {
        "name": "x",
        "sku_id": a.sku.pk,
        "deposit_sku_id": a.other_sku.pk,
        "deposit": 100,
        "deduction": 200,
        "deposit_starts_at": (now + timedelta(days=30)).isoformat(),
        "deposit_ends_at": (now + timedelta(days=31)).isoformat(),
        "balance_starts_at": (now + timedelta(days=32)).isoformat(),
        "balance_ends_at": (now + timedelta(days=33)).isoformat(),
        "ship_date": (now + timedelta(days=34)).date().isoformat(),
    }
    found += [
        Probe(
            [f"POST {ADMIN}presales body.{field}"],
            "post",
            f"{adm}/presales",
            {**presale_body, field: b.sku.pk},
        )
        for field in ("sku_id", "deposit_sku_id")
    ]
    shop_routes = [
        (
            "campaigns/blind-boxes/{blind_box_id}/orders",
            f"campaigns/blind-boxes/{a_rows.blind_box_id}/orders",
        ),
        ("presales/{presale_id}/deposit", f"presales/{a_rows.presale_id}/deposit"),
        (
            "presale-bookings/{presale_booking_id}/balance",
            f"presale-bookings/{a_rows.presale_booking_id}/balance",
        ),
    ]
    for label, route in shop_routes:
        found += [
            Probe(
                [f"POST {SHOP}{label} body.address_id"],
                "post",
                f"{shop}/{route}",
                {"address_id": b.address.pk},
                staff=False,
            ),
            Probe(
                [f"POST {SHOP}{label} body.pickup_outlet_id"],
                "post",
                f"{shop}/{route}",
                {"fulfilment": "pickup", "pickup_outlet_id": b.outlet.pk},
                staff=False,
            ),
        ]
    return found
