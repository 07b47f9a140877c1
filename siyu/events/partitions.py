"""Monthly partitions of the events table on PostgreSQL (a no-op on SQLite, where it is one table).

``events_event`` is ``PARTITION BY RANGE (occurred_at)`` with one partition per calendar month in
UTC, named ``events_event_pYYYY_MM``, plus ``events_event_default`` so that a row whose month has
no partition yet is still stored. Partitions are made ahead by the periodic task
(``ensure_event_partitions``: this month and the next ``MONTHS_AHEAD``) and on demand for whatever
months a batch or a backfill needs (``ensure_months``).

If rows already sit in the default partition for a month being created (written by a path that
did not ask first), they are moved into the new partition in the same transaction: PostgreSQL
refuses to create a partition whose range the default partition holds rows of.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.utils import timezone

TABLE = "events_event"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
# One lock for every partition change: creating partitions is rare and must not race itself.
_LOCK_KEY = 74_181_015

# Months known to have a partition, per database: a batch asks the catalogue only for new months.
_known: set[tuple[str, date]] = set()
_known_lock = threading.Lock()


def month_of(moment: datetime) -> date:
    """The first day of ``moment``'s month in UTC (partitions are cut at UTC month starts)."""
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def months_between(first: date, last: date) -> list[date]:
    """Every month start from ``first``'s month to ``last``'s month, both included."""
    month, end = date(first.year, first.month, 1), date(last.year, last.month, 1)
    months = []
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def is_partitioned() -> bool:
    """Whether this database partitions the events table (PostgreSQL after migration 0003)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row and row[0] == "p")


def _db_key() -> str:
    return str(connection.settings_dict.get("NAME"))


def _remember(months: Iterable[date]) -> None:
    key = _db_key()
    with _known_lock:
        _known.update((key, m) for m in months)


def forget_known() -> None:
    """Drop the cache of known partitions (tests that drop partitions call this)."""
    with _known_lock:
        _known.clear()


def ensure_months(months: Iterable[date]) -> list[str]:
    """Make sure each month has its partition; returns the partitions this call created.

    Cheap when nothing is missing: months seen before on this database are not looked up again.
    Runs in a transaction of its own (or the caller's), under one advisory lock.
    """
    if connection.vendor != "postgresql":
        return []
    key = _db_key()
    with _known_lock:
        wanted = sorted({m for m in months if (key, m) not in _known})
    if not wanted:
        return []
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
        if not row or row[0] != "p":
            return []  # not partitioned (yet): nothing to create
        names = [partition_name(m) for m in wanted]
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'", [names])
        existing = {r[0] for r in cursor.fetchall()}
        missing = [m for m in wanted if partition_name(m) not in existing]
        if missing:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            for month in missing:
                if _create(cursor, month):
                    created.append(partition_name(month))
        # Remember only what a commit makes real: a rolled-back creation must be asked for again.
        transaction.on_commit(lambda: _remember(wanted))
    return created


def _bounds(month: date) -> tuple[str, str]:
    end = next_month(month)
    return f"{month:%Y-%m-%d} 00:00:00+00", f"{end:%Y-%m-%d} 00:00:00+00"


def _create(cursor, month: date) -> bool:
    """Create one month's partition (under the lock); False if another process just made it."""
    name = partition_name(month)
    cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
    if cursor.fetchone():
        return False
    low, high = _bounds(month)
    bounds = f"('{low}') TO ('{high}')"  # made from a date above, never from input
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT_PARTITION])
    has_default = cursor.fetchone()[0]
    stray = False
    if has_default:
        cursor.execute(
            f'SELECT 1 FROM "{DEFAULT_PARTITION}" WHERE occurred_at >= %s AND occurred_at < %s LIMIT 1',
            [low, high],
        )
        stray = cursor.fetchone() is not None
    if not stray:
        cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" FOR VALUES FROM {bounds}')
        return True
    # Rows of this month landed in the default partition: move them into the new table, then attach.
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(
        f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" WHERE occurred_at >= %s AND occurred_at < %s '
        f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
        [low, high],
    )
    cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" FOR VALUES FROM {bounds}')
    return True


def ensure_event_partitions(*, months_ahead: int = MONTHS_AHEAD, now: datetime | None = None) -> list[str]:
    """This month's partition and the next ``months_ahead`` months' (the periodic task)."""
    month = month_of(now or timezone.now())
    months = [month]
    for _ in range(months_ahead):
        month = next_month(month)
        months.append(month)
    with _known_lock:  # the periodic task always asks the catalogue: another process may have dropped one
        key = _db_key()
        _known.difference_update((key, m) for m in months)
    return ensure_months(months)


def ensure_range(first: datetime, last: datetime) -> list[str]:
    """Partitions for every month from ``first`` to ``last`` (a backfill or a simulated history)."""
    return ensure_months(months_between(month_of(first), month_of(last)))


def partitions() -> list[tuple[str, int]]:
    """Each partition of the events table with its exact row count (for tests and the admin shell)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        names = [r[0] for r in cursor.fetchall()]
        counts = []
        for name in names:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
            counts.append((name, cursor.fetchone()[0]))
    return counts
