"""No API route lets one merchant's staff or customers read or change another merchant's rows.

Merchant A's owner calls every admin route that names a row, with merchant B's ids; A's customer calls
the shop with B's ids, and with B's shop slug. Each call must be a 404 (or 401 for the wrong shop) and
leave every one of B's rows as it was. The routes and the id fields come from the OpenAPI, so a new
route or field fails here until this file says how to aim it at B.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from siyu.core.ids import token_digest
from siyu.imports.models import ImportJob
from siyu.members.models import Customer
from siyu.orders.models import OrderLine, ShipmentBatch
from siyu.orders.services import shipping
from siyu.tenancy.models import StaffToken
from siyu.testing.clients import ApiClient
from siyu.testing.once import built_once
from siyu.testing.reach import reach_probes, reach_rows
from siyu.testing.snapshots import changed, tenant_rows
from siyu.testing.tenancy import ADMIN, DELEGATED, SCHEMA, SHOP, Probe, id_inputs, operations
from siyu.testing.worlds import World, build_world

pytestmark = pytest.mark.django_db


# How to name one of a world's rows in a path parameter. A route whose path has another parameter fails.
PATH_IDS: dict[str, Callable[[World], int]] = {
    "customer_id": lambda w: w.customer.pk,
    "outlet_id": lambda w: w.outlet.pk,
    "product_id": lambda w: w.product.pk,
    "sku_id": lambda w: w.sku.pk,
    "order_id": lambda w: w.paid_order.pk,
    "after_sale_id": lambda w: w.after_sale.pk,
    "address_id": lambda w: w.address.pk,
    "template_id": lambda w: w.coupon_template.pk,
    "promotion_id": lambda w: w.promotion.pk,
    "token_id": lambda w: StaffToken.objects.get(digest=token_digest(w.staff_token)).pk,
    "job_id": lambda w: ImportJob.objects.get(merchant=w.merchant).pk,
    "batch_id": lambda w: ShipmentBatch.objects.get(merchant=w.merchant).pk,
    "broadcast_id": lambda w: reach_rows(w).broadcast.pk,
}
# Where the general choice would make the call fail for a reason other than the owner, pick a row the
# owner could really act on, so a missing merchant check would show up as a change in B.
PATH_IDS_FOR = {
    "POST /api/v1/admin/orders/{order_id}/cancel": {"order_id": lambda w: w.unpaid_order.pk},
    "POST /api/v1/admin/orders/{order_id}/adjust-price": {"order_id": lambda w: w.unpaid_order.pk},
    "POST /api/v1/shop/{merchant}/orders/{order_id}/cancel": {"order_id": lambda w: w.unpaid_order.pk},
    "POST /api/v1/shop/{merchant}/orders/{order_id}/payments": {"order_id": lambda w: w.unpaid_order.pk},
    "POST /api/v1/shop/{merchant}/orders/{order_id}/confirm-receipt": {
        "order_id": lambda w: w.shipped_order.pk
    },
    "PUT /api/v1/shop/{merchant}/cart/items/{sku_id}": {"sku_id": lambda w: w.other_sku.pk},
    **{
        f"{verb} /api/v1/admin/reach/templates/{{template_id}}{tail}": {
            "template_id": lambda w: reach_rows(w).template.pk
        }
        for verb, tail in (("GET", ""), ("PATCH", ""), ("POST", "/archive"), ("POST", "/preview"))
    },
}
# Path parameters that name no row.
NOT_IDS = {"merchant", "channel"}

# A valid body for each route that takes one, so validation passes and the ownership check is what answers.
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/admin/customers/{customer_id}": {"nickname": "taken over", "city": "Nowhere"},
    "POST /api/v1/admin/orders/{order_id}/adjust-price": {"discount": 1, "shipping_fee": 0, "reason": "x"},
    "POST /api/v1/admin/customers/{customer_id}/notes": {"body": "taken over"},
    "PUT /api/v1/admin/customers/{customer_id}/guide": {"guide_id": None},
    "PATCH /api/v1/admin/outlets/{outlet_id}": {"name": "taken over", "is_active": False},
    "PATCH /api/v1/admin/products/{product_id}": {"name": "taken over", "sort_order": 99},
    "POST /api/v1/admin/products/{product_id}/skus": {"skus": [{"code": "X-1", "price": 1, "stock": 5}]},
    "PATCH /api/v1/admin/skus/{sku_id}": {"price": 1, "is_active": False},
    "POST /api/v1/admin/orders/{order_id}/ship": {"carrier": "SF", "tracking_number": "SF1234567890123"},
    "POST /api/v1/admin/after-sales/{after_sale_id}/approve": {"note": "ok"},
    "POST /api/v1/admin/after-sales/{after_sale_id}/reject": {"note": "no"},
    "PUT /api/v1/shop/{merchant}/addresses/{address_id}": {
        "recipient": "X",
        "phone": "13900000000",
        "province": "P",
        "city": "C",
        "detail": "D",
    },
    "PUT /api/v1/shop/{merchant}/cart/items/{sku_id}": {"quantity": 3},
    "POST /api/v1/shop/{merchant}/orders/{order_id}/payments": {"gateway": "sandbox"},
    "POST /api/v1/shop/{merchant}/orders/{order_id}/after-sales": {"kind": "refund_only", "reason": "x"},
    "POST /api/v1/shop/{merchant}/after-sales/{after_sale_id}/return-shipment": {
        "carrier": "SF",
        "tracking_number": "R1",
    },
}
# Bodies that must name the calling side's own rows to be valid: built from the world the call aims at.
BODIES_FOR: dict[str, Callable[[World], dict[str, Any]]] = {
    "POST /api/v1/admin/coupon-templates/{template_id}/issue": lambda w: {"customer_ids": [w.customer.pk]},
    "POST /api/v1/admin/reach/templates/{template_id}/preview": lambda w: {"customer_id": w.customer.pk},
    "PATCH /api/v1/admin/reach/templates/{template_id}": lambda w: {"name": "taken over"},
    "PATCH /api/v1/admin/reach/broadcasts/{broadcast_id}": lambda w: {"name": "taken over"},
}
BODIES.update(
    {
        "PATCH /api/v1/admin/coupon-templates/{template_id}": {"title": "taken over", "total_quantity": 1},
        "POST /api/v1/admin/coupon-templates/{template_id}/status": {"status": "ended"},
        "POST /api/v1/admin/coupon-templates/{template_id}/codes": {"count": 1},
        "PATCH /api/v1/admin/promotions/{promotion_id}": {"title": "taken over"},
        "POST /api/v1/admin/promotions/{promotion_id}/status": {"status": "ended"},
    }
)
# Idempotent deletes answer 200 whether or not the row was there; they must still change nothing of B's.
STATUS_FOR = {"DELETE /api/v1/shop/{merchant}/cart/items/{sku_id}": 200}


def _owns(mine: Any, path: str) -> bool:
    if isinstance(mine, re.Pattern):
        return mine.search(path) is not None
    return any(part in path for part in mine)


def test_delegated_routes_are_owned_by_a_tenancy_test():
    """Every route left to a playbook's tenancy test is one that test selects."""
    import importlib

    for module, pattern in DELEGATED.items():
        mine = importlib.import_module(module).MINE
        paths = [path for path in SCHEMA["paths"] if re.search(pattern, path)]
        assert paths and all(_owns(mine, path) for path in paths), module


def _path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _id_routes(prefix: str) -> list[str]:
    return sorted(label for label, path, _ in operations(prefix) if set(_path_params(path)) - NOT_IDS)


def _world(slug: str) -> World:
    world = build_world(slug)
    ImportJob.objects.create(merchant=world.merchant, kind="transactions", stored_name="none.upload")
    reach_rows(world)
    shipping.preview_shipment_batch(
        staff=world.owner, data=f"{world.paid_order.number},SF,SF1234567890123".encode(), filename="p.csv"
    )
    return world


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker) -> Iterator[tuple[World, World]]:
    """A and B, built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, lambda: (_world("alpha"), _world("beta")))


@pytest.fixture
def a(db, worlds) -> World:
    return copy.deepcopy(worlds[0])


@pytest.fixture
def b(db, worlds) -> World:
    return copy.deepcopy(worlds[1])


def _url(label: str, target: World, slug: str) -> tuple[str, str]:
    method, path = label.split(" ", 1)
    fill = {name: PATH_IDS_FOR.get(label, {}).get(name, PATH_IDS.get(name)) for name in _path_params(path)}
    values: dict[str, Any] = {"merchant": slug, "channel": "sms"}
    for name, pick in fill.items():
        if name in NOT_IDS:
            continue
        if pick is None:
            pytest.fail(f"{label}: no way to name a row for {{{name}}}; add it to PATH_IDS in this file")
        values[name] = pick(target)
    return method.lower(), path.format(**values)


def _body(label: str, target: World) -> dict[str, Any] | None:
    method, path = label.split(" ", 1)
    if "requestBody" not in SCHEMA["paths"][path][method.lower()]:
        return None
    if label in BODIES_FOR:
        return BODIES_FOR[label](target)
    if label not in BODIES:
        pytest.fail(f"{label} takes a body; add a valid one to BODIES in this file")
    return BODIES[label]


def _call(client: ApiClient, label: str, target: World, slug: str, body: dict[str, Any] | None = None):
    method, url = _url(label, target, slug)
    return client.request(method, url, body if body is not None else _body(label, target))


# Admin routes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", _id_routes(ADMIN))
def test_admin_route_with_another_merchants_id_is_404_and_changes_nothing(label, a, b):
    owner_a = ApiClient(a.staff_token)
    before = tenant_rows(b.merchant)

    response = _call(owner_a, label, b, a.slug)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response.json()["code"] == "not_found"
    assert changed(before, tenant_rows(b.merchant)) == []
    # The same call on A's own row is served: the 404 above is the merchant check, not a bad request.
    own = _call(owner_a, label, a, a.slug)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


# Shop routes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", _id_routes(SHOP))
def test_shop_route_with_another_merchants_id_is_404_and_changes_nothing(label, a, b):
    customer_a = ApiClient(a.customer_token)
    before = tenant_rows(b.merchant)

    response = _call(customer_a, label, b, a.slug)

    assert response.status_code == STATUS_FOR.get(label, 404), (response.status_code, response.content[:300])
    assert changed(before, tenant_rows(b.merchant)) == []
    own = _call(customer_a, label, a, a.slug)
    assert own.status_code < 500 and own.status_code not in (401, 403, 404, 422), (
        own.status_code,
        own.content,
    )


def _customer_routes() -> list[str]:
    return sorted(
        label
        for label, _path, operation in operations(SHOP)
        if any("CustomerBearer" in req for req in operation.get("security", []))
    )


@pytest.mark.parametrize("label", _customer_routes())
def test_customer_token_does_not_work_in_another_shop(label, a, b):
    """A's customer token on B's shop is not a login there, even for B's own rows."""
    before = tenant_rows(b.merchant)

    response = _call(ApiClient(a.customer_token), label, b, b.slug, body={})  # auth answers before the body

    assert response.status_code == 401, (response.status_code, response.content[:300])
    assert changed(before, tenant_rows(b.merchant)) == []


def test_the_route_lists_are_not_empty():
    assert len(_id_routes(ADMIN)) >= 14
    assert len(_id_routes(SHOP)) >= 12
    assert len(_customer_routes()) >= 20
    assert "PATCH /api/v1/admin/skus/{sku_id}" in _id_routes(ADMIN)


# Ids in bodies and queries ---------------------------------------------------------------------------


def probes(a: World, b: World) -> list[Probe]:
    adm = "/api/v1/admin"
    shop = f"/api/v1/shop/{a.slug}"
    b_line = OrderLine.objects.filter(order=b.shipped_order).order_by("pk").first()
    a_line = OrderLine.objects.filter(order=a.shipped_order).order_by("pk").first()
    assert b_line is not None and a_line is not None
    new_product = {"name": "New", "skus": [{"code": "N-1", "price": 100}]}

    def no_referrer(response) -> None:
        assert Customer.objects.get(pk=response.json()["customer_id"]).referrer_id is None

    return [
        # 专属导购: B's staff is no guide of A's, B's customer is not found.
        Probe(
            [f"GET {adm}/customers query.guide_id"],
            "get",
            f"{adm}/customers",
            query={"guide_id": b.owner.pk},
            empty_list=True,
        ),
        Probe(
            [f"PUT {adm}/customers/{{customer_id}}/guide body.guide_id"],
            "put",
            f"{adm}/customers/{a.customer.pk}/guide",
            body={"guide_id": b.owner.pk},
            statuses=(400,),
        ),
        Probe(
            [f"POST {adm}/guide-assignments body.customer_ids"],
            "post",
            f"{adm}/guide-assignments",
            body={"customer_ids": [b.customer.pk], "guide_id": None},
        ),
        Probe(
            [f"POST {adm}/guide-assignments body.guide_id"],
            "post",
            f"{adm}/guide-assignments",
            body={"customer_ids": [a.customer.pk], "guide_id": b.owner.pk},
            statuses=(400,),
        ),
        # Admin lists filtered by B's ids: empty, not B's rows.
        Probe(
            [f"GET {adm}/audit query.staff_id"],
            "get",
            f"{adm}/audit",
            query={"staff_id": b.owner.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/audit query.object_id"],
            "get",
            f"{adm}/audit",
            query={"object_type": "orders.order", "object_id": str(b.shipped_order.pk)},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/products query.category_id"],
            "get",
            f"{adm}/products",
            query={"category_id": b.category.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/stock query.sku_id"],
            "get",
            f"{adm}/stock",
            query={"sku_id": b.sku.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/stock query.outlet_id"],
            "get",
            f"{adm}/stock",
            query={"outlet_id": b.outlet.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/orders query.customer_id"],
            "get",
            f"{adm}/orders",
            query={"customer_id": b.customer.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/orders query.outlet_id"],
            "get",
            f"{adm}/orders",
            query={"outlet_id": b.outlet.pk},
            empty_list=True,
        ),
        Probe(
            [f"GET {adm}/after-sales query.order_id"],
            "get",
            f"{adm}/after-sales",
            query={"order_id": b.shipped_order.pk},
            empty_list=True,
        ),
        # Admin writes that name B's rows in the body.
        Probe(
            [f"POST {adm}/staff body.outlet_ids"],
            "post",
            f"{adm}/staff",
            {
                "username": "alpha_clerk",
                "password": "pw-12345678",
                "display_name": "C",
                "role": "guide",
                "outlet_ids": [b.outlet.pk],
            },
        ),
        Probe(
            [f"POST {adm}/categories body.parent_id"],
            "post",
            f"{adm}/categories",
            {"name": "X", "parent_id": b.category.pk},
        ),
        Probe(
            [f"POST {adm}/products body.category_id"],
            "post",
            f"{adm}/products",
            {**new_product, "category_id": b.category.pk},
        ),
        Probe(
            [f"PATCH {adm}/products/{{product_id}} body.category_id"],
            "patch",
            f"{adm}/products/{a.product.pk}",
            {"category_id": b.category.pk},
        ),
        Probe(
            [f"POST {adm}/products/bulk-status body.product_ids"],
            "post",
            f"{adm}/products/bulk-status",
            {"product_ids": [a.product.pk, b.product.pk], "status": "off_shelf"},
        ),
        Probe([f"PUT {adm}/stock body.sku_id"], "put", f"{adm}/stock", {"sku_id": b.sku.pk, "on_hand": 0}),
        Probe(
            [f"PUT {adm}/stock body.outlet_id"],
            "put",
            f"{adm}/stock",
            {"sku_id": a.sku.pk, "outlet_id": b.outlet.pk, "on_hand": 0},
        ),
        Probe([], "post", f"{adm}/pickups/verify", {"code": b.pickup_order.pickup_code}),
        Probe(
            [],
            "post",
            f"{adm}/auth/token",
            {"username": a.owner.user.username, "password": "pw-123456", "merchant": b.slug},
            statuses=(401,),
        ),
        # Shop: A's customer names B's rows in bodies and queries on A's shop.
        Probe(
            [f"GET {SHOP}products query.category_id"],
            "get",
            f"{shop}/products",
            query={"category_id": b.category.pk},
            staff=False,
            empty_list=True,
        ),
        Probe(
            [f"POST {SHOP}cart/items body.sku_id"],
            "post",
            f"{shop}/cart/items",
            {"sku_id": b.sku.pk, "quantity": 1},
            staff=False,
        ),
        *[
            Probe(
                [f"POST {SHOP}{route} body.lines[].sku_id"],
                "post",
                f"{shop}/{route}",
                {"lines": [{"sku_id": b.sku.pk, "quantity": 1}], "address_id": a.address.pk},
                staff=False,
            )
            for route in ("checkout/quote", "orders")
        ],
        # The quote prices lines only and does not look at the address or the outlet (yet): it may answer
        # 200, but without anything of B's. Placing the order must refuse them.
        *[
            Probe(
                [f"POST {SHOP}{route} body.address_id"],
                "post",
                f"{shop}/{route}",
                {"lines": [{"sku_id": a.sku.pk, "quantity": 1}], "address_id": b.address.pk},
                statuses=statuses,
                staff=False,
            )
            for route, statuses in (("checkout/quote", (200, 404)), ("orders", (404,)))
        ],
        *[
            Probe(
                [f"POST {SHOP}{route} body.pickup_outlet_id"],
                "post",
                f"{shop}/{route}",
                {
                    "lines": [{"sku_id": a.other_sku.pk, "quantity": 1}],
                    "fulfilment": "pickup",
                    "pickup_outlet_id": b.outlet.pk,
                },
                statuses=statuses,
                staff=False,
            )
            for route, statuses in (("checkout/quote", (200, 404)), ("orders", (404,)))
        ],
        Probe(
            [f"POST {SHOP}orders/{{order_id}}/after-sales body.lines[].order_line_id"],
            "post",
            f"{shop}/orders/{a.shipped_order.pk}/after-sales",
            {"kind": "refund_only", "reason": "x", "lines": [{"order_line_id": b_line.pk, "quantity": 1}]},
            staff=False,
        ),
        *promotion_probes(a, b),
        Probe(
            [f"POST {SHOP}auth/login body.referrer_id"],
            "post",
            f"{shop}/auth/login",
            {"code": "new-visitor", "referrer_id": b.customer.pk},
            statuses=(200,),
            staff=False,
            then=no_referrer,
        ),
    ]


def promotion_probes(a: World, b: World) -> list[Probe]:
    """Coupons, promotions and activities named in bodies: B's rows are not found and stay as they were."""
    adm = "/api/v1/admin"
    shop = f"/api/v1/shop/{a.slug}"
    scope_ids = {
        "sku_ids": b.sku.pk,
        "product_ids": b.product.pk,
        "category_ids": b.category.pk,
        "exclude_sku_ids": b.sku.pk,
        "exclude_product_ids": b.product.pk,
    }
    template = {"title": "x", "kind": "amount", "amount": 100, "valid_until": "2099-01-01T00:00:00Z"}
    promotion = {"title": "x", "kind": "nth_item", "config": {"nth": 2, "rate_bp": 5000}}
    found = [
        Probe(
            [f"POST {adm}/coupon-templates body.scope.{field}"],
            "post",
            f"{adm}/coupon-templates",
            {**template, "scope": {field: [pk]}},
        )
        for field, pk in scope_ids.items()
    ]
    found += [
        Probe(
            [f"POST {adm}/promotions body.scope.{field}"],
            "post",
            f"{adm}/promotions",
            {**promotion, "scope": {field: [pk]}},
        )
        for field, pk in scope_ids.items()
    ]
    found += [
        Probe(
            [f"PATCH {adm}/promotions/{{promotion_id}} body.scope.{field}"],
            "patch",
            f"{adm}/promotions/{a.promotion.pk}",
            {"scope": {field: [pk]}},
        )
        for field, pk in scope_ids.items()
    ]
    found.append(
        Probe(
            [f"POST {adm}/coupon-templates/{{template_id}}/issue body.customer_ids"],
            "post",
            f"{adm}/coupon-templates/{a.coupon_template.pk}/issue",
            {"customer_ids": [b.customer.pk]},
        )
    )
    lines = [{"sku_id": a.sku.pk, "quantity": 3}]
    for route, statuses in (("checkout/quote", (200,)), ("orders", (409,))):
        found.append(
            Probe(
                [f"POST {SHOP}{route} body.coupon_ids"],
                "post",
                f"{shop}/{route}",
                {"lines": lines, "address_id": a.address.pk, "coupon_ids": [b.coupon.pk]},
                statuses=statuses,
                staff=False,
            )
        )
        found.append(
            Probe(
                [f"POST {SHOP}{route} body.add_ons[].promotion_id"],
                "post",
                f"{shop}/{route}",
                {
                    "lines": lines,
                    "address_id": a.address.pk,
                    "add_ons": [{"promotion_id": b.promotion.pk, "quantity": 1}],
                },
                staff=False,
            )
        )
    found += activity_probes(a, b)
    found += order_ops_probes(a, b)
    found += reach_probes(a, b)
    return found


def activity_probes(a: World, b: World) -> list[Probe]:
    """Each activity kind with B's activity id on A's checkout: refused, B's rows unchanged."""
    shop = f"/api/v1/shop/{a.slug}"
    return [
        Probe(
            [f"POST {SHOP}{route} body.lines[].activity.id"],
            "post",
            f"{shop}/{route}",
            {
                "lines": [{"sku_id": a.sku.pk, "quantity": 1, "activity": {"kind": "unknown", "id": 1}}],
                "address_id": a.address.pk,
            },
            statuses=(400,),
            staff=False,
        )
        for route in ("checkout/quote", "orders")
    ]


def _text(response) -> str:
    """The body as text, streamed (an export) or not."""
    if getattr(response, "streaming", False):
        if not hasattr(response, "read_text"):  # a stream is read once: keep what it said
            response.read_text = b"".join(response.streaming_content).decode()
        return response.read_text
    return response.content.decode()


def _header_only(response) -> None:
    assert _text(response).strip("\ufeff").count("\n") == 1  # the header row and no order


def _all_not_found(response) -> None:
    assert [(o["ok"], o["code"]) for o in response.json()] == [(False, "not_found")]


def order_ops_probes(a: World, b: World) -> list[Probe]:
    """Export filtered by B's ids holds no order; marks and cancels naming B's orders touch none."""
    adm = "/api/v1/admin"
    return [
        *(
            Probe(
                [f"GET {adm}/orders/export query.{name}"],
                "get",
                f"{adm}/orders/export",
                query={name: pk},
                statuses=(200,),
                then=_header_only,
            )
            for name, pk in (("customer_id", b.customer.pk), ("outlet_id", b.outlet.pk))
        ),
        Probe(
            [f"POST {adm}/orders/marks body.order_ids"],
            "post",
            f"{adm}/orders/marks",
            {"order_ids": [b.paid_order.pk], "flag": "red"},
            statuses=(200,),
            then=_all_not_found,
        ),
        Probe(
            [f"POST {adm}/orders/cancel-unpaid body.order_ids"],
            "post",
            f"{adm}/orders/cancel-unpaid",
            {"order_ids": [b.unpaid_order.pk]},
            statuses=(200,),
            then=_all_not_found,
        ),
    ]


def test_probes_cover_every_id_in_bodies_and_queries(a, b):
    covered = {key for probe in probes(a, b) for key in probe.covers}
    expected = id_inputs(ADMIN) | id_inputs(SHOP)
    assert sorted(expected - covered) == [], "add a Probe that names B's row in these fields"
    assert sorted(covered - expected) == [], "these Probes name fields the API no longer has"


def test_ids_in_bodies_and_queries_do_not_reach_another_merchant(a, b):
    failures = []
    for probe in probes(a, b):
        before_b, before_a = tenant_rows(b.merchant), tenant_rows(a.merchant)
        client = ApiClient(a.staff_token if probe.staff else a.customer_token)
        data = probe.query if probe.method == "get" else probe.body
        response = client.request(probe.method, probe.url, data)
        problems = []
        if response.status_code not in probe.statuses:
            problems.append(f"status {response.status_code}: {response.content[:200]!r}")
        if b.slug in _text(response):
            problems.append("the response shows B's data")
        if probe.empty_list and response.status_code == 200:
            page = response.json()
            if page["count"] or page["items"]:
                problems.append(f"list not empty: {page['count']} rows")
        if tables := changed(before_b, tenant_rows(b.merchant)):
            problems.append(f"B's rows changed: {tables}")
        if response.status_code >= 400 and (tables := changed(before_a, tenant_rows(a.merchant))):
            problems.append(f"a refused call changed A's rows: {tables}")
        if probe.then is not None and response.status_code in probe.statuses:
            probe.then(response)
        if problems:
            failures.append(f"{probe.method.upper()} {probe.url} {data}: {'; '.join(problems)}")
    assert not failures, "\n".join(failures)


def test_admin_lists_show_none_of_another_merchants_rows(a, b):
    """Every admin list, unfiltered, shows A's rows and nothing of B's (whose names all contain "beta")."""
    owner_a = ApiClient(a.staff_token)
    lists = [label for label, path, _ in operations(ADMIN) if label.startswith("GET ") and "{" not in path]
    assert len(lists) >= 10
    for label in lists:
        response = owner_a.get(label.split(" ", 1)[1])
        assert response.status_code == 200, (label, response.status_code)
        assert b.slug not in _text(response), label


def test_shop_reads_with_another_merchants_slug_show_only_that_shop(a, b):
    """Public shop pages under B's slug never show A's products, and A's product id is a 404 there."""
    visitor = ApiClient(a.customer_token)
    assert visitor.get(f"/api/v1/shop/{b.slug}/products/{a.product.pk}").status_code == 404
    for page in ("products", "categories", "outlets"):
        response = visitor.get(f"/api/v1/shop/{b.slug}/{page}")
        assert response.status_code == 200
        assert a.slug not in response.content.decode(), page
