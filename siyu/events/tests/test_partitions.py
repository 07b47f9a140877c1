"""PostgreSQL: monthly partitions of the events table, made ahead and on demand; dedup across them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from siyu.events import partitions
from siyu.events.models import Event, IdentityLink
from siyu.events.services import record_events
from siyu.members.models import Customer
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse


def _where() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, COUNT(*) FROM events_event GROUP BY 1")
        return dict(cursor.fetchall())


def _children() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'events_event'::regclass"
        )
        return {r[0] for r in cursor.fetchall()}


def _event(at: datetime, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "visit",
        "occurred_at": at.isoformat(),
        "anonymous_id": "d",
        **extra,
    }


@pytest.mark.django_db
def test_the_table_is_partitioned_with_a_default(merchant):
    assert partitions.is_partitioned()
    children = _children()
    assert "events_event_default" in children
    assert partitions.partition_name(partitions.month_of(datetime.now(UTC))) in children


@pytest.mark.django_db
def test_a_backfill_spanning_three_months_lands_in_three_new_partitions(merchant):
    times = [
        datetime(2021, 1, 31, 23, 59, tzinfo=UTC),
        datetime(2021, 2, 1, tzinfo=UTC),
        datetime(2021, 3, 15, tzinfo=UTC),
    ]
    assert not {"events_event_p2021_01", "events_event_p2021_02", "events_event_p2021_03"} & _children()
    result = record_events(merchant=merchant, events=[_event(t) for t in times], max_age=None)
    assert result.accepted == 3
    assert {"events_event_p2021_01", "events_event_p2021_02", "events_event_p2021_03"} <= _children()
    assert _where() == {"events_event_p2021_01": 1, "events_event_p2021_02": 1, "events_event_p2021_03": 1}
    # The same ids again, even with other times: duplicates across partitions too.
    again = record_events(
        merchant=merchant,
        events=[
            {**_event(datetime(2021, 4, 1, tzinfo=UTC)), "event_id": str(e)}
            for e in Event.objects.values_list("event_id", flat=True)
        ],
        max_age=None,
    )
    assert (again.accepted, again.duplicates) == (0, 3)


@pytest.mark.django_db
def test_the_periodic_task_makes_this_month_and_the_next_three(merchant):
    made = partitions.ensure_event_partitions(now=datetime(2031, 11, 5, tzinfo=UTC))
    assert made == [
        "events_event_p2031_11",
        "events_event_p2031_12",
        "events_event_p2032_01",
        "events_event_p2032_02",
    ]
    assert partitions.ensure_event_partitions(now=datetime(2031, 11, 5, tzinfo=UTC)) == []


@pytest.mark.django_db
def test_rows_that_fell_into_the_default_partition_move_when_their_month_is_made(merchant):
    # A path that did not ask for its partition first (raw SQL, an old import) lands in DEFAULT.
    Event.objects.create(
        merchant=merchant, event_id=uuid.uuid4(), kind="visit", occurred_at=datetime(2019, 6, 3, tzinfo=UTC)
    )
    assert _where() == {"events_event_default": 1}
    assert partitions.ensure_months([date(2019, 6, 1)]) == ["events_event_p2019_06"]
    assert _where() == {"events_event_p2019_06": 1}
    assert Event.objects.get().occurred_at == datetime(2019, 6, 3, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_share_new_partitions_and_ids(merchant):
    partitions.forget_known()
    shared = [str(uuid.uuid4()) for _ in range(20)]
    moments = [datetime(2018, m, 10, tzinfo=UTC) for m in (1, 2, 3)]

    def send(i: int) -> tuple[int, int]:
        events = [{**_event(moments[n % 3]), "event_id": eid} for n, eid in enumerate(shared)]
        events += [_event(moments[i % 3]) for _ in range(5)]
        result = record_events(merchant=merchant.pk, events=events, max_age=None)
        return result.accepted, result.duplicates

    results = run_together(4, send)
    assert sum(a for a, _d in results) == 20 + 4 * 5
    assert sum(d for _a, d in results) == 3 * 20
    assert Event.objects.count() == 40
    assert {"events_event_p2018_01", "events_event_p2018_02", "events_event_p2018_03"} <= _children()
    assert "events_event_default" not in _where()


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_touching_the_same_customers_end_at_the_latest_touch(merchant):
    people = Customer.objects.bulk_create(
        [Customer(merchant=merchant, registered_at=datetime(2024, 1, 1, tzinfo=UTC)) for _ in range(30)]
    )
    IdentityLink.objects.bulk_create(
        [
            IdentityLink(
                merchant=merchant,
                anonymous_id=f"p{p.pk}",
                customer=p,
                via="login",
                linked_at=datetime.now(UTC),
            )
            for p in people
        ]
    )
    base = datetime.now(UTC).replace(microsecond=0)
    channels = ["moments", "live", "ads", "h5"]

    def send(i: int) -> int:
        # Each thread walks the customers in its own order, with its own times: locks must not cross.
        order = people if i % 2 else list(reversed(people))
        events = [
            _event(base - timedelta(minutes=10 * i + 1), anonymous_id=f"p{p.pk}", source=channels[i])
            for p in order
        ]
        return record_events(merchant=merchant.pk, events=events).accepted

    assert run_together(4, send) == [30, 30, 30, 30]
    # Thread 0's events are the latest (smallest offset), thread 3's the earliest.
    assert set(
        Customer.objects.filter(pk__in=[p.pk for p in people]).values_list("last_touch_source", flat=True)
    ) == {"moments"}
    assert set(
        Customer.objects.filter(pk__in=[p.pk for p in people]).values_list("first_touch_source", flat=True)
    ) == {"h5"}
