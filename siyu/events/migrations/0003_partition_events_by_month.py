"""PostgreSQL: the events table becomes ``PARTITION BY RANGE (occurred_at)``, one partition a month.

SQLite keeps its plain table (this migration does nothing there); the model state does not change
on either, so no ``SeparateDatabaseAndState`` is needed. On PostgreSQL:

- a partitioned copy is made with ``LIKE`` (same columns, same order, so ``SELECT *`` moves rows);
- ``id`` takes its values from a sequence owned by the column (PostgreSQL 15 has no identity
  columns on partitioned tables), moved past the largest id copied;
- one partition per month the stored rows span, this month and the next three, and a DEFAULT
  partition so a row is never refused for want of one;
- the primary key becomes ``(id, occurred_at)`` (a partitioned table's unique keys must contain
  the partition key); the old table's other indexes and foreign keys are recreated under their
  own names, so later migrations that name them keep working.

Self-contained on purpose (no import of ``siyu.events.partitions``, which may change later).
The reverse leaves the table partitioned: the model is the same either way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db import migrations

TABLE = "events_event"
NEW = "events_event_partitioned"


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = _next(month)
    return months


def partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] == "p":
            return  # already partitioned
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [TABLE],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique ORDER BY i.relname",
            [TABLE],
        )
        indexes = [r[0] for r in cursor.fetchall()]
        cursor.execute(f'SELECT MIN(occurred_at), MAX(occurred_at), MAX(id) FROM "{TABLE}"')
        oldest, newest, max_id = cursor.fetchone()

        cursor.execute(f'CREATE TABLE "{NEW}" (LIKE "{TABLE}" INCLUDING DEFAULTS) PARTITION BY RANGE (occurred_at)')
        cursor.execute(f'ALTER TABLE "{NEW}" ALTER COLUMN id DROP DEFAULT')
        cursor.execute(f'CREATE SEQUENCE "{NEW}_id_seq" OWNED BY "{NEW}".id')
        cursor.execute(f"ALTER TABLE \"{NEW}\" ALTER COLUMN id SET DEFAULT nextval('\"{NEW}_id_seq\"')")
        now = datetime.now(UTC)
        this_month = date(now.year, now.month, 1)
        ahead = this_month
        for _ in range(3):
            ahead = _next(ahead)
        first = min(this_month, date(oldest.year, oldest.month, 1)) if oldest else this_month
        last = max(ahead, date(newest.year, newest.month, 1)) if newest else ahead
        for month in _months(first, last):
            bounds = f"('{month:%Y-%m-%d} 00:00:00+00') TO ('{_next(month):%Y-%m-%d} 00:00:00+00')"
            cursor.execute(f'CREATE TABLE "{TABLE}_p{month:%Y_%m}" PARTITION OF "{NEW}" FOR VALUES FROM {bounds}')
        cursor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{NEW}" DEFAULT')

        cursor.execute(f'INSERT INTO "{NEW}" SELECT * FROM "{TABLE}"')
        if max_id:
            cursor.execute(f"SELECT setval('\"{NEW}_id_seq\"', %s)", [max_id])
        cursor.execute(f'DROP TABLE "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{NEW}" RENAME TO "{TABLE}"')
        cursor.execute(f'ALTER SEQUENCE "{NEW}_id_seq" RENAME TO "{TABLE}_id_seq"')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id, occurred_at)')
        for statement in indexes:
            cursor.execute(statement)
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')


class Migration(migrations.Migration):
    dependencies = [("events", "0002_keys_links_and_kinds")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
