"""The events table: one row per event id per merchant, and the indexes its readers rely on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from siyu.conftest import make_merchant
from siyu.events.models import VALUE_KINDS, Event, EventKind
from siyu.members.models import Customer, Source

AT = datetime(2025, 5, 20, 20, 30, tzinfo=UTC)


@pytest.fixture
def customer(merchant) -> Customer:
    return Customer.objects.create(merchant=merchant, registered_at=AT, first_touch_source=Source.LIVE)


def test_an_event_id_is_taken_once_per_merchant(merchant, customer):
    event_id = uuid.uuid4()
    Event.objects.create(
        merchant=merchant, event_id=event_id, kind=EventKind.VISIT, customer=customer, occurred_at=AT
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(merchant=merchant, event_id=event_id, kind=EventKind.VISIT, occurred_at=AT)
    # Another merchant's client may well have produced the same id.
    other = make_merchant("other")
    Event.objects.create(merchant=other, event_id=event_id, kind=EventKind.VISIT, occurred_at=AT)
    assert Event.objects.filter(event_id=event_id).count() == 2


def test_an_anonymous_visitor_needs_no_customer(merchant):
    event = Event.objects.create(
        merchant=merchant,
        event_id=uuid.uuid4(),
        kind=EventKind.PRODUCT_VIEW,
        anonymous_id="anon-1",
        occurred_at=AT,
        properties={"product_id": 7},
        source=Source.MOMENTS,
        sharer_id=42,
        device="ios",
    )
    event.refresh_from_db()
    assert event.customer_id is None
    assert event.properties == {"product_id": 7}
    assert event.occurred_at == AT


def test_value_kinds_are_the_semi_private_behaviours():
    assert set(VALUE_KINDS) == {"search", "product_view", "favourite", "add_to_cart", "follow"}


def test_reads_by_time_and_by_customer_have_indexes(db):
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Event._meta.db_table)
    columns = {tuple(c["columns"]) for c in indexes.values() if c["index"] or c["unique"]}
    assert ("merchant_id", "occurred_at") in columns
    assert ("merchant_id", "customer_id", "occurred_at") in columns
    assert ("merchant_id", "event_id") in columns
    # Nothing else is indexed: every index is paid for on each of the table's millions of inserts.
    assert not {c for c in columns if c[0] != "merchant_id" and c != ("id",)}
