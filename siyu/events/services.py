"""Writing behaviour events: ``record_events`` is the one path every event takes.

Clients (``POST /api/v1/shop/{merchant}/events``), the H5 storefront (``siyu.storefront.tracking``)
and the services' own milestones (orders, coupons, group buys; ``record_server_event``) all call it.
A batch is validated event by event (``siyu.events.ingest``), visitors already known to be a
customer are resolved through their latest ``IdentityLink``, and the valid events are written in
ONE statement that claims each event id in ``events_eventkey`` and inserts only the events whose
key was new (PostgreSQL; SQLite, a development database, takes two). Then the customers' first and
last touch are moved by one conditional UPDATE for the events that carry a source. Last, the
``events_stored`` hooks (``event_hooks.py``) run with the events actually stored (never a replayed
duplicate): the customers' value refresh (``audience/values/event_hooks.py``) and the follow and
share coupons (``promotions/services/triggers.py``), called here because the events arrive by one
bulk insert.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from siyu.events import event_hooks, partitions
from siyu.events.ingest import CLIENT_MAX_AGE, EventRow, Rejection, parse_batch
from siyu.events.models import Event, EventKey, IdentityLink
from siyu.members.models import Customer, Source
from siyu.tenancy.models import Merchant

# Server-side events are named by what they record (uuid5 in this namespace), so a retried
# transaction or a replayed callback records each milestone once.
SERVER_NAMESPACE = uuid.UUID("0b6f5d8e-3c1a-4f7e-9a51-7d2c8e4b9f10")
COLUMNS = (
    "event_id",
    "kind",
    "customer_id",
    "anonymous_id",
    "occurred_at",
    "properties",
    "source",
    "campaign",
    "content_id",
    "sharer_id",
    "device",
)
PG_TYPES = ("uuid", "text", "bigint", "text", "timestamptz", "text", "text", "text", "text", "bigint", "text")


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.as_dict() for r in self.rejected],
        }


def record_events(
    *,
    merchant: Merchant | int,
    events: Sequence[Any],
    customer: Customer | int | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = CLIENT_MAX_AGE,
    trusted: bool = False,
) -> IngestResult:
    """Store a batch of events for ``merchant``; returns what was accepted, duplicated, refused.

    ``customer`` is who the caller authenticated (a token, a session, the order's buyer; a bare id
    only from server-side callers that read it from their own row); without one each event needs an
    ``anonymous_id``. ``trusted`` (server-side callers only) allows the
    server's own event types. ``max_age=None`` (backfills) accepts any time after ``EARLIEST``.
    Valid events are stored even when others in the batch are refused; nothing is raised for them.
    """
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    now = now or timezone.now()
    parsed = parse_batch(
        list(events), now=now, max_age=max_age, has_customer=customer is not None, trusted=trusted
    )
    result = IngestResult(duplicates=parsed.repeated, rejected=parsed.rejected)
    rows = parsed.rows
    if not rows:
        return result
    if customer is not None:
        if isinstance(customer, Customer) and customer.merchant_id != merchant_id:
            raise ValueError("the customer belongs to another merchant")
        customer_id = customer if isinstance(customer, int) else customer.pk
        for row in rows:
            row.customer_id = customer_id
    partitions.ensure_months({partitions.month_of(r.occurred_at) for r in rows})
    # No savepoint inside a caller's transaction: a server event fails with the change it records.
    with transaction.atomic(savepoint=False):
        if customer is None:
            _resolve_visitors(merchant_id, rows)
        inserted = _insert(merchant_id, rows)
        result.accepted = len(inserted)
        result.duplicates += len(rows) - len(inserted)
        stored = [r for r in rows if r.event_id in inserted]
        _move_touches(merchant_id, stored)
        if stored:
            event_hooks.events_stored(merchant_id=merchant_id, events=stored)
    return result


def _resolve_visitors(merchant_id: int, rows: list[EventRow]) -> None:
    """Events of a visitor who has logged in before belong to the customer they were last linked to."""
    anonymous = {r.anonymous_id for r in rows if r.customer_id is None and r.anonymous_id}
    if not anonymous:
        return
    latest: dict[str, int] = {}
    links = (
        IdentityLink.objects.for_merchant(merchant_id)
        .filter(anonymous_id__in=anonymous)
        .order_by("anonymous_id", "-linked_at", "-id")
        .values_list("anonymous_id", "customer_id")
    )
    for anonymous_id, customer_id in links:
        latest.setdefault(anonymous_id, customer_id)
    for row in rows:
        if row.customer_id is None:
            row.customer_id = latest.get(row.anonymous_id)


def _insert(merchant_id: int, rows: list[EventRow]) -> set[uuid.UUID]:
    """Claim the keys and insert the events whose key was new; returns their event ids."""
    if connection.vendor == "postgresql":
        return _insert_postgres(merchant_id, rows)
    return _insert_portable(merchant_id, rows)


_PG_INSERT = """
WITH input AS (
    SELECT * FROM unnest({arrays}) AS t({columns})
), fresh AS (
    INSERT INTO events_eventkey (merchant_id, event_id, occurred_at)
    SELECT %s, event_id, occurred_at FROM input
    ON CONFLICT DO NOTHING
    RETURNING event_id
)
INSERT INTO events_event (merchant_id, {columns})
SELECT %s, {selected} FROM input JOIN fresh USING (event_id)
RETURNING event_id
""".format(
    arrays=", ".join(f"%s::{t}[]" for t in PG_TYPES),
    columns=", ".join(COLUMNS),
    selected=", ".join("input.properties::jsonb" if c == "properties" else f"input.{c}" for c in COLUMNS),
)


def _insert_postgres(merchant_id: int, rows: list[EventRow]) -> set[uuid.UUID]:
    # Keys are claimed in event-id order: two batches sharing ids wait on each other, never deadlock.
    rows = sorted(rows, key=lambda r: r.event_id)
    arrays = [[getattr(r, c) for r in rows] for c in COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(_PG_INSERT, [*arrays, merchant_id, merchant_id])
        return {r[0] for r in cursor.fetchall()}


def _insert_portable(merchant_id: int, rows: list[EventRow]) -> set[uuid.UUID]:
    """SQLite: claim the keys (INSERT ... ON CONFLICT DO NOTHING RETURNING), then write those events."""
    ops = connection.ops
    key_field = EventKey._meta.get_field("event_id")
    keys = [key_field.get_db_prep_value(r.event_id, connection) for r in rows]
    placeholders = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for key, row in zip(keys, rows, strict=True):
        params += [merchant_id, key, ops.adapt_datetimefield_value(row.occurred_at)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO events_eventkey (merchant_id, event_id, occurred_at) "
            f"VALUES {placeholders} ON CONFLICT DO NOTHING RETURNING event_id",
            params,
        )
        fresh = {key_field.to_python(r[0]) for r in cursor.fetchall()}
    Event.objects.bulk_create(
        [
            Event(
                merchant_id=merchant_id,
                event_id=r.event_id,
                kind=r.kind,
                customer_id=r.customer_id,
                anonymous_id=r.anonymous_id,
                occurred_at=r.occurred_at,
                properties=json.loads(r.properties),
                source=r.source,
                campaign=r.campaign,
                content_id=r.content_id,
                sharer_id=r.sharer_id,
                device=r.device,
            )
            for r in rows
            if r.event_id in fresh
        ]
    )
    return fresh


@dataclass
class Touch:
    at: datetime
    source: str
    campaign: str


def touches_of(rows: Sequence[EventRow]) -> dict[int, tuple[Touch, Touch]]:
    """Per customer, the earliest and the latest event that carried a source."""
    found: dict[int, tuple[Touch, Touch]] = {}
    for row in rows:
        if row.customer_id is None or not row.source:
            continue
        touch = Touch(row.occurred_at, row.source, row.campaign)
        first, last = found.get(row.customer_id, (touch, touch))
        found[row.customer_id] = (
            touch if touch.at < first.at else first,
            touch if touch.at > last.at else last,
        )
    return found


def _move_touches(merchant_id: int, rows: Sequence[EventRow]) -> None:
    apply_touches(merchant_id, touches_of(rows))


def apply_touches(merchant_id: int, touches: dict[int, tuple[Touch, Touch]]) -> int:
    """One UPDATE for every customer in ``touches``: first touch if unset or later than this one,
    last touch if unset or earlier than this one. Events may arrive out of order: both only move
    in their own direction, and the comparison is made on the row under its lock (rows are locked
    in id order, so two batches touching the same customers cannot deadlock)."""
    if not touches:
        return 0
    if connection.vendor == "postgresql":
        return _apply_touches_postgres(merchant_id, touches)
    firsts, lasts, wanted = [], [], Q()
    for customer_id, (first, last) in sorted(touches.items()):
        earlier = Q(pk=customer_id) & (Q(first_touch_source=Source.UNKNOWN) | Q(first_touch_at__gt=first.at))
        later = Q(pk=customer_id) & (Q(last_touch_at__isnull=True) | Q(last_touch_at__lt=last.at))
        firsts.append((earlier, first))
        lasts.append((later, last))
        wanted |= earlier | later

    def pick(pairs: list[tuple[Q, Touch]], attr: str, column: str) -> Case:
        return Case(
            *[When(cond, then=Value(getattr(touch, attr))) for cond, touch in pairs], default=F(column)
        )

    return (
        Customer.objects.for_merchant(merchant_id)
        .filter(pk__in=list(touches))
        .filter(wanted)
        .update(
            first_touch_source=pick(firsts, "source", "first_touch_source"),
            first_touch_campaign=pick(firsts, "campaign", "first_touch_campaign"),
            first_touch_at=pick(firsts, "at", "first_touch_at"),
            last_touch_source=pick(lasts, "source", "last_touch_source"),
            last_touch_campaign=pick(lasts, "campaign", "last_touch_campaign"),
            last_touch_at=pick(lasts, "at", "last_touch_at"),
        )
    )


_EARLIER = "(c.first_touch_source = 'unknown' OR c.first_touch_at > t.first_at)"
_LATER = "(c.last_touch_at IS NULL OR c.last_touch_at < t.last_at)"
_PG_TOUCHES = f"""
WITH t AS (
    SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[],
                         %s::timestamptz[], %s::text[], %s::text[])
        AS t(id, first_at, first_source, first_campaign, last_at, last_source, last_campaign)
), locked AS (
    SELECT c.id FROM members_customer c JOIN t ON t.id = c.id
    WHERE c.merchant_id = %s AND ({_EARLIER} OR {_LATER})
    ORDER BY c.id FOR NO KEY UPDATE OF c
)
UPDATE members_customer c SET
    first_touch_source = CASE WHEN {_EARLIER} THEN t.first_source ELSE c.first_touch_source END,
    first_touch_campaign = CASE WHEN {_EARLIER} THEN t.first_campaign ELSE c.first_touch_campaign END,
    first_touch_at = CASE WHEN {_EARLIER} THEN t.first_at ELSE c.first_touch_at END,
    last_touch_source = CASE WHEN {_LATER} THEN t.last_source ELSE c.last_touch_source END,
    last_touch_campaign = CASE WHEN {_LATER} THEN t.last_campaign ELSE c.last_touch_campaign END,
    last_touch_at = CASE WHEN {_LATER} THEN t.last_at ELSE c.last_touch_at END
FROM t, locked
WHERE c.id = t.id AND c.id = locked.id AND ({_EARLIER} OR {_LATER})
"""


def _apply_touches_postgres(merchant_id: int, touches: dict[int, tuple[Touch, Touch]]) -> int:
    items = sorted(touches.items())
    columns: list[list[Any]] = [
        [i for i, _t in items],
        [f.at for _i, (f, _l) in items],
        [f.source for _i, (f, _l) in items],
        [f.campaign for _i, (f, _l) in items],
        [la.at for _i, (_f, la) in items],
        [la.source for _i, (_f, la) in items],
        [la.campaign for _i, (_f, la) in items],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_PG_TOUCHES, [*columns, merchant_id])
        return cursor.rowcount


def server_event_id(merchant_id: int, kind: str, key: str) -> uuid.UUID:
    """The id of a server-side event: the same milestone always gets the same id."""
    return uuid.uuid5(SERVER_NAMESPACE, f"{merchant_id}|{kind}|{key}")


def record_server_event(
    *,
    merchant_id: int,
    customer_id: int,
    kind: str,
    key: str,
    properties: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> IngestResult:
    """Record a milestone the services emit (order paid, coupon claimed, ...) in the caller's
    transaction: it commits, or rolls back, with the change it records. ``key`` names the
    milestone (``order:<id>``), so recording it twice stores it once."""
    moment = occurred_at or timezone.now()
    event = {
        "event_id": str(server_event_id(merchant_id, kind, key)),
        "type": kind,
        "occurred_at": moment.isoformat(),
        "properties": properties or {},
        "device": "server",
    }
    result = record_events(
        merchant=merchant_id, events=[event], customer=customer_id, now=moment, trusted=True
    )
    if result.rejected:
        raise ValueError(f"server event refused: {result.rejected[0].code} ({kind} {key})")
    return result
