"""Schemathesis over every operation of the published OpenAPI: odd input gets a documented 4xx, never a 5xx.

Each operation gets positive and negative cases, sent through Django's WSGI handler inside the test's
transaction. The cases are aimed so they reach past authentication and sometimes hit real rows: the
``{merchant}`` path parameter is usually the populated merchant's slug, ids are often drawn from rows
that exist (ours and another merchant's), and the request carries the right bearer token for its area.

Two depths (CONTRIBUTING.md, "Fuzzing"):

- the CI subset, in every ``make test``: each operation of the admin and shop APIs, a few cases
  each (``SIYU_FUZZ_EXAMPLES``, default 5), from a fixed seed (``SIYU_FUZZ_SEED``), so a failure
  replays the same way on every machine;
- ``make fuzz``, nightly: more cases per operation (50) and, with ``SIYU_FUZZ_STATEFUL=1``, stateful
  runs that chain operations along the links schemathesis infers (create, then read, change or
  delete what was created).
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from siyu.api import api
from siyu.orders.models import OrderLine
from siyu.testing.once import built_once
from siyu.testing.worlds import World, build_world

APP = WSGIHandler()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


def _operations() -> dict[str, APIOperation]:
    operations = {}
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation schemathesis cannot load is an error, not a skipped test
        operations[result.ok().label] = result.ok()
    return operations


OPERATIONS = _operations()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
if os.environ.get("SIYU_FUZZ_STRICT"):
    # Also: input that breaks the schema is refused. Off by default, because pydantic's lax mode accepts
    # some such input on purpose (0.0 for a boolean, "5" for an integer), so it would fail at random.
    CHECKS.append(negative_data_rejection)
# Cases per operation; raise it for a deeper run, e.g. SIYU_FUZZ_EXAMPLES=200 (``make fuzz``: 50).
MAX_EXAMPLES = int(os.environ.get("SIYU_FUZZ_EXAMPLES", "5"))
# One seed for every run unless asked otherwise: the same cases on every machine and every run.
SEED = int(os.environ.get("SIYU_FUZZ_SEED", "20261122"))
# Stateful runs (nightly): scenarios, and calls per scenario.
STATEFUL = os.environ.get("SIYU_FUZZ_STATEFUL") == "1"
STATEFUL_SCENARIOS = int(os.environ.get("SIYU_FUZZ_SCENARIOS", "50"))
STATEFUL_STEPS = int(os.environ.get("SIYU_FUZZ_STEPS", "10"))

# Keys (path, query or body) whose values name rows; the fuzzer aims them at rows that exist.
ID_KEYS = {
    "product_id": "products",
    "product_ids": "products",
    "sku_id": "skus",
    "order_id": "orders",
    "after_sale_id": "after_sales",
    "customer_id": "customers",
    "outlet_id": "outlets",
    "pickup_outlet_id": "outlets",
    "outlet_ids": "outlets",
    "address_id": "addresses",
    "category_id": "categories",
    "parent_id": "categories",
    "staff_id": "staff",
    "order_line_id": "order_lines",
    "referrer_id": "customers",
}


def _ids(worlds: list[World]) -> dict[str, list[int]]:
    pool: dict[str, list[int]] = {kind: [] for kind in set(ID_KEYS.values())}
    for w in worlds:
        orders = [w.unpaid_order, w.paid_order, w.shipped_order, w.pickup_order]
        pool["products"].append(w.product.pk)
        pool["skus"] += [w.sku.pk, w.other_sku.pk]
        pool["orders"] += [o.pk for o in orders]
        pool["after_sales"].append(w.after_sale.pk)
        pool["customers"].append(w.customer.pk)
        pool["outlets"].append(w.outlet.pk)
        pool["addresses"].append(w.address.pk)
        pool["categories"].append(w.category.pk)
        pool["staff"].append(w.owner.pk)
        pool["order_lines"] += list(OrderLine.objects.filter(order__in=orders).values_list("pk", flat=True))
    return pool


class Aim:
    """Nudges a generated case towards the populated world, with draws Hypothesis controls and replays."""

    def __init__(self, home: World, ids: dict[str, list[int]], data: st.DataObject) -> None:
        self.home = home
        self.ids = ids
        self.data = data

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) < percent

    def row_id(self, key: str) -> int:
        return self.data.draw(st.sampled_from(self.ids[ID_KEYS[key]]))

    def ids_in(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key not in ID_KEYS:
                if isinstance(value, dict):
                    self.ids_in(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict):
                            self.ids_in(item)
                continue
            if isinstance(value, list) and value and self.chance(50):
                values[key] = [self.row_id(key) for _ in value]
            elif isinstance(value, int) and not isinstance(value, bool) and self.chance(50):
                values[key] = self.row_id(key)

    def __call__(self, case: schemathesis.Case) -> None:
        # A negative case keeps the component it breaks, so the API still has to reject it.
        components = case.meta.components if case.meta is not None else {}
        negated = {loc for loc, info in components.items() if info.mode == GenerationMode.NEGATIVE}
        if ParameterLocation.PATH not in negated:
            path = dict(case.path_parameters)
            if "merchant" in path and self.chance(90):
                path["merchant"] = self.home.slug
            if "gateway" in path and self.chance(70):
                path["gateway"] = "sandbox"
            self.ids_in(path)
            case.path_parameters = path
        if case.query and ParameterLocation.QUERY not in negated:
            query = dict(case.query)
            self.ids_in(query)
            case.query = query
        if isinstance(case.body, dict) and ParameterLocation.BODY not in negated:
            self.ids_in(case.body)
        if ParameterLocation.HEADER in negated:
            return
        token = self.home.staff_token if case.path.startswith("/api/v1/admin/") else self.home.customer_token
        who = self.data.draw(st.sampled_from(["right"] * 8 + ["none", "wrong"]))
        if who == "right":
            case.headers["Authorization"] = f"Bearer {token}"
        elif who == "wrong":
            case.headers["Authorization"] = "Bearer not-a-token"
        else:
            case.headers.pop("Authorization", None)


def _has_inputs(operation: APIOperation) -> bool:
    return any(True for _ in operation.iter_parameters()) or bool(operation.body)


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker):
    """Built once for the module; each test's changes are rolled back after it."""
    yield from built_once(django_db_blocker, lambda: [build_world("tea"), build_world("oolong")])


@pytest.fixture
def worlds(db, wsgi_in_test_transaction, module_worlds) -> list[World]:
    return copy.deepcopy(module_worlds)


def test_every_route_is_in_the_schema():
    """The fuzz covers what the schema lists; the schema must list every operation the API serves."""
    served = {
        f"{method} " + re.sub("/+", "/", f"/api/v1/{prefix}/{path}").rstrip("/")
        for prefix, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert served == {label.rstrip("/") for label in OPERATIONS}
    assert len(OPERATIONS) >= 60


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_never_fails_and_matches_its_schema(label: str, worlds: list[World]):
    operation = OPERATIONS[label]
    home, ids = worlds[0], _ids(worlds)
    calls = []
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=strategy, data=st.data())
    def fuzz(case: schemathesis.Case, data: st.DataObject) -> None:
        Aim(home, ids, data)(case)
        response = case.call()
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    fuzz()
    # Hypothesis stops early once an operation without inputs has nothing new to try.
    least = min(5, MAX_EXAMPLES) if _has_inputs(operation) else 1
    assert len(calls) >= least, f"{label}: only {len(calls)} calls"


@pytest.mark.skipif(not STATEFUL, reason="nightly only: make fuzz (SIYU_FUZZ_STATEFUL=1)")
def test_stateful_sequences_never_fail_and_match_the_schema(worlds: list[World]):
    """Chains of calls along the inferred links, as the merchant's staff and its customer."""
    home = worlds[0]

    class Machine(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            if "merchant" in (case.path_parameters or {}):
                case.path_parameters = {**case.path_parameters, "merchant": home.slug}
            admin = case.path.startswith("/api/v1/admin/")
            token = home.staff_token if admin else home.customer_token
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(response, checks=CHECKS)

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
