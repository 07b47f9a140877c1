"""The events table: one stored event per event id per merchant, and the indexes its readers rely on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from siyu.events.models import VALUE_KINDS, Event, EventKey, EventKind
from siyu.events.services import record_events, record_server_event, server_event_id
from siyu.members.models import Customer, Source
from siyu.testing.factories import make_merchant

NOW = datetime(2025, 5, 20, 20, 30, tzinfo=UTC)


@pytest.fixture
def shopper(merchant) -> Customer:
    return Customer.objects.create(merchant=merchant, registered_at=NOW, first_touch_source=Source.LIVE)


def _visit(event_id: uuid.UUID, at: datetime = NOW, **extra) -> dict:
    return {"event_id": str(event_id), "type": "visit", "occurred_at": at.isoformat(), **extra}


def test_an_event_id_is_stored_once_per_merchant_whatever_its_time(merchant, shopper):
    event_id = uuid.uuid4()
    first = record_events(merchant=merchant, events=[_visit(event_id)], customer=shopper, now=NOW)
    # A replay with another time (a client that re-stamped its retry) is still the same event.
    again = record_events(
        merchant=merchant, events=[_visit(event_id, NOW - timedelta(hours=1))], customer=shopper, now=NOW
    )
    assert (first.accepted, first.duplicates, again.accepted, again.duplicates) == (1, 0, 0, 1)
    assert Event.objects.get(event_id=event_id).occurred_at == NOW
    # Another merchant's client may well have produced the same id.
    other = make_merchant("other")
    assert record_events(merchant=other, events=[_visit(event_id, anonymous_id="d")], now=NOW).accepted == 1
    assert Event.objects.filter(event_id=event_id).count() == 2
    assert sorted(EventKey.objects.filter(event_id=event_id).values_list("merchant_id", flat=True)) == sorted(
        [merchant.pk, other.pk]
    )


def test_an_anonymous_visitor_needs_no_customer(merchant):
    result = record_events(
        merchant=merchant,
        events=[
            {
                "event_id": str(uuid.uuid4()),
                "type": "product_view",
                "occurred_at": "2025-05-21T04:30:00+08:00",
                "anonymous_id": "anon-1",
                "properties": {"product_id": 7},
                "source": {"channel": "moments", "campaign": "618", "content_id": "post-1", "sharer_id": 42},
                "device": "ios",
            }
        ],
        now=NOW,
    )
    assert (result.accepted, result.rejected) == (1, [])
    event = Event.objects.get()
    assert (event.customer_id, event.anonymous_id, event.properties) == (None, "anon-1", {"product_id": 7})
    assert (event.source, event.campaign, event.content_id, event.sharer_id, event.device) == (
        "moments",
        "618",
        "post-1",
        42,
        "ios",
    )
    assert event.occurred_at == NOW


def test_a_server_event_is_named_by_its_milestone(merchant, shopper):
    for _ in range(2):
        record_server_event(
            merchant_id=merchant.pk,
            customer_id=shopper.pk,
            kind=EventKind.ORDER_PAID,
            key="order:5",
            properties={"order_id": 5},
            occurred_at=NOW,
        )
    event = Event.objects.get()
    assert (event.event_id, event.kind, event.customer_id, event.source) == (
        server_event_id(merchant.pk, EventKind.ORDER_PAID, "order:5"),
        "order_paid",
        shopper.pk,
        "",
    )


def test_value_kinds_are_the_semi_private_behaviours():
    assert set(VALUE_KINDS) == {"search", "product_view", "favourite", "add_to_cart", "follow"}


def test_reads_by_time_by_customer_and_by_visitor_have_indexes(db):
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Event._meta.db_table)
    columns = {tuple(c["columns"]) for c in indexes.values() if c["index"] or c["unique"]}
    assert ("merchant_id", "occurred_at") in columns
    assert ("merchant_id", "customer_id", "occurred_at") in columns
    assert ("merchant_id", "anonymous_id") in columns
    # Nothing else is indexed: every index is paid for on each of the table's millions of inserts.
    assert not {c for c in columns if c[0] != "merchant_id" and c not in {("id",), ("id", "occurred_at")}}
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, EventKey._meta.db_table)
    assert [tuple(c["columns"]) for c in keys.values() if c["primary_key"]] == [("merchant_id", "event_id")]
