"""Tenancy of the routes that take a visitor's device id (login and phone binding ``visitor``, each
event's ``anonymous_id``). A device id is not a row id, so the project-wide isolation test does not
probe it; but it names a visitor's history, and merchant A's calls must never attach, resolve or
show merchant B's."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from siyu.events.models import Event, IdentityLink
from siyu.events.services import record_events
from siyu.members.models import Customer
from siyu.members.services import login_with_code
from siyu.testing.clients import ApiClient
from siyu.testing.factories import make_merchant


def visit(device: str) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "visit",
        "occurred_at": timezone.now().isoformat(),
        "anonymous_id": device,
        "source": "moments",
    }


@pytest.fixture
def beta(db):
    """Merchant B with a visitor whose device id A's callers will use."""
    coffee = make_merchant("coffee")
    record_events(merchant=coffee, events=[visit("shared-device"), visit("shared-device")])
    return coffee


def _b_unchanged(beta) -> None:
    assert list(Event.objects.filter(merchant=beta).values_list("customer_id", flat=True)) == [None, None]
    assert not IdentityLink.objects.filter(merchant=beta).exists()


def test_a_login_attaches_nothing_of_another_merchants_visitor(merchant, beta):
    response = ApiClient().post("/api/v1/shop/tea/auth/login", {"code": "alice", "visitor": "shared-device"})
    assert response.status_code == 200
    _b_unchanged(beta)
    link = IdentityLink.objects.get()
    assert (link.merchant_id, link.events_attached) == (merchant.pk, 0)
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    assert (customer.merchant_id, customer.last_touch_source) == (merchant.pk, "")


def test_a_phone_binding_attaches_nothing_of_another_merchants_visitor(merchant, beta):
    token = login_with_code(merchant=merchant, code="bob").token
    response = ApiClient(token).post(
        "/api/v1/shop/tea/me/phone", {"phone": "13900000002", "visitor": "shared-device"}
    )
    assert response.status_code == 200
    _b_unchanged(beta)


def test_events_resolve_and_count_within_their_own_merchant(merchant, beta):
    b_customer = login_with_code(merchant=beta, code="carol", anonymous_id="shared-device").customer
    assert set(Event.objects.filter(merchant=beta).values_list("customer_id", flat=True)) == {b_customer.pk}
    # A's events from the same device id stay A's anonymous events; B's visitor link does not reach.
    body = ApiClient().post("/api/v1/shop/tea/events", {"events": [visit("shared-device")]}).json()
    assert body["accepted"] == 1
    assert Event.objects.get(merchant=merchant).customer_id is None
    # A replay of one of B's event ids in A is a new event for A, not a duplicate (keys are per merchant).
    b_id = str(Event.objects.filter(merchant=beta).values_list("event_id", flat=True).first())
    replay = (
        ApiClient().post("/api/v1/shop/tea/events", {"events": [{**visit("d"), "event_id": b_id}]}).json()
    )
    assert (replay["accepted"], replay["duplicates"]) == (1, 0)
    # B's customer token is no one in A's shop.
    b_token = login_with_code(merchant=beta, code="carol").token
    refused = ApiClient(b_token).post(
        "/api/v1/shop/tea/events", {"events": [{**visit(""), "anonymous_id": ""}]}
    )
    assert [r["code"] for r in refused.json()["rejected"]] == ["anonymous_id_required"]
    assert Event.objects.filter(merchant=merchant).count() == 2
    b_customer.refresh_from_db()
    assert b_customer.last_touch_source == "moments"
