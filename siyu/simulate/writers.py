"""Bulk writers for simulated rows: SQLite (executemany) and PostgreSQL (binary COPY).

A writer takes the generator's column tables chunk by chunk and encodes them slice by slice, so
memory stays bounded by the slice, not by the chunk or the run.

Every concrete field of a model gets a value: the generator's column, else the field's default,
else NULL if the field allows it. A new NOT NULL column without a default makes the writer fail
loudly instead of writing rows the ORM could not have written.

PostgreSQL rows go in as COPY's binary format, encoded with numpy column by column: integers,
times and UUIDs need no text parsing on the server, and the client never loops over rows in Python.

PostgreSQL, large loads (``bulk=True``): the whole load is one transaction that drops the tables'
secondary indexes and foreign keys, COPYs the rows, then recreates them. Building a sorted index
once is far cheaper than inserting tens of millions of random keys into it, and each foreign key
is validated in one scan instead of one lookup (and row lock) per row. If anything fails the
transaction rolls back and the indexes were never gone. The tables are locked meanwhile: this is
a loading mode for benchmarks and fresh demos, not for a shop that is serving customers.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.apps import apps
from django.db import connection, models, transaction
from django.db.models.fields import NOT_PROVIDED

from siyu.simulate.generator import Cat, Column, Table

log = logging.getLogger(__name__)

SLICE_ROWS = 50_000
# Every table the simulator writes, in foreign-key order.
LABELS = [
    "members.Customer",
    "members.CustomerIdentity",
    "members.ContactPreference",
    "members.Address",
    "orders.Order",
    "orders.OrderLine",
    "orders.Payment",
    "orders.AfterSale",
    "orders.AfterSaleLine",
    "orders.Refund",
    "events.Event",
]


class _Plan:
    """One model's columns, and what to write where the generator gave no column."""

    def __init__(self, label: str) -> None:
        self.model: type[models.Model] = apps.get_model(label)
        self.table = self.model._meta.db_table
        self.fields = list(self.model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]

    def values(self, table: Table) -> list[tuple[models.Field, Column]]:
        return [
            (f, table.columns[f.attname] if f.attname in table.columns else self._fallback(f))
            for f in self.fields
        ]

    def _fallback(self, field: models.Field) -> Any:
        if field.default is not NOT_PROVIDED:
            return field.get_default()
        if field.null:
            return None
        raise ValueError(f"{self.model._meta.label}.{field.attname}: no value, no default and NOT NULL")


def _slices(size: int) -> Iterator[slice]:
    for start in range(0, size, SLICE_ROWS):
        yield slice(start, min(start + SLICE_ROWS, size))


def max_ids() -> dict[str, int]:
    """The largest id in each table the simulator writes (0 if empty)."""
    result = {}
    with connection.cursor() as cursor:
        for label in LABELS:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')
            result[label] = cursor.fetchone()[0] or 0
    return result


# --- SQLite ---------------------------------------------------------------------------------------

_CLOCK: np.ndarray | None = None


def _clock() -> np.ndarray:
    """'HH:MM:SS' of every second of a day as (86400, 8) code points, built once."""
    global _CLOCK
    if _CLOCK is None:
        s = np.arange(86_400)
        out = np.empty((86_400, 8), dtype=np.uint32)
        for pos, value in ((0, s // 3600), (3, s // 60 % 60), (6, s % 60)):
            out[:, pos] = 48 + value // 10
            out[:, pos + 1] = 48 + value % 10
        out[:, 2] = out[:, 5] = 58  # ':'
        _CLOCK = out
    return _CLOCK


def _civil(t: np.ndarray) -> list[str]:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS' in UTC, the text Django's SQLite backend stores."""
    days, secs = np.divmod(t, 86_400)
    first = int(days.min())
    span = int(days.max()) - first + 1
    labels = "".join((date(1970, 1, 1) + timedelta(days=first + i)).isoformat() + " " for i in range(span))
    table = np.frombuffer(labels.encode("utf-32-le"), dtype=np.uint32).reshape(span, 11)
    out = np.empty((len(t), 19), dtype=np.uint32)
    out[:, :11] = table[days - first]
    out[:, 11:] = _clock()[secs]
    return out.view("<U19").ravel().tolist()


def _sqlite_column(field: models.Field, value: Column, part: slice, n: int) -> Any:
    if isinstance(value, Cat):
        return np.asarray(value.vocab, dtype=object)[value.codes[part]].tolist()
    if isinstance(value, list):
        return value[part]
    if not isinstance(value, np.ndarray):
        if isinstance(field, models.JSONField) and value is not None and not isinstance(value, str):
            value = json.dumps(value)
        return itertools.repeat(int(value) if isinstance(value, bool) else value, n)
    chunk = value[part]
    if isinstance(field, models.BooleanField):
        return chunk.astype(np.int64).tolist()
    missing = chunk < 0
    if isinstance(field, models.DateTimeField):
        if not missing.any():
            return _civil(chunk)
        out = np.full(n, None, dtype=object)
        if (~missing).any():
            out[~missing] = np.array(_civil(chunk[~missing]), dtype=object)
        return out.tolist()
    if field.null and missing.any():
        marked = chunk.astype(object)
        marked[missing] = None
        return marked.tolist()
    return chunk.tolist()


class SqliteWriter:
    """executemany per slice, one transaction per chunk (BEGIN IMMEDIATE: other writers queue)."""

    def __init__(self) -> None:
        self.plans = {label: _Plan(label) for label in LABELS}
        self.rebuild_seconds = 0.0

    def __enter__(self) -> SqliteWriter:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB of page cache for index inserts
            if not connection.in_atomic_block:  # SQLite refuses this one inside a transaction
                cursor.execute("PRAGMA temp_store = MEMORY")
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA optimize")

    def write(self, tables: list[Table]) -> None:
        with transaction.atomic():
            raw = connection.connection
            for table in tables:
                plan = self.plans[table.label]
                marks = ", ".join("?" * len(plan.columns))
                names = ", ".join(f'"{c}"' for c in plan.columns)
                sql = f'INSERT INTO "{plan.table}" ({names}) VALUES ({marks})'
                values = plan.values(table)
                for part in _slices(table.size):
                    n = part.stop - part.start
                    cols = [_sqlite_column(f, v, part, n) for f, v in values]
                    raw.executemany(sql, zip(*cols))  # noqa: B905 - constant columns are endless repeats


# --- PostgreSQL binary COPY -----------------------------------------------------------------------

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, no header extension
COPY_TRAILER = b"\xff\xff"
PG_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z, where PostgreSQL's binary times count from
_NIBBLE = np.zeros(256, dtype=np.uint8)
_NIBBLE[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10)
_NIBBLE[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16)
_NIBBLE[np.frombuffer(b"ABCDEF", np.uint8)] = np.arange(10, 16)

# A field's encoding: each row's length in bytes (-1 = NULL) and the non-NULL values' bytes in order.
Encoded = tuple[np.ndarray, np.ndarray]


def _fixed(values: np.ndarray, dtype: str, missing: np.ndarray | None = None) -> Encoded:
    width = np.dtype(dtype).itemsize
    if missing is None or not missing.any():
        return np.full(len(values), width), np.ascontiguousarray(values, dtype=dtype).view(np.uint8)
    lengths = np.where(missing, -1, width)
    return lengths, np.ascontiguousarray(values[~missing], dtype=dtype).view(np.uint8)


def _texts(values: list, prefix: str = "") -> Encoded:
    """UTF-8 of each string (None = NULL), each after ``prefix`` (jsonb's version byte)."""
    missing = (
        np.fromiter((v is None for v in values), dtype=bool, count=len(values)) if None in values else None
    )
    if missing is not None:
        values = ["" if v is None else v for v in values]
    # NUL cannot occur in PostgreSQL text, so it can separate the values in one encoded buffer.
    raw = np.frombuffer((prefix + f"\x00{prefix}".join(values) + "\x00").encode(), dtype=np.uint8)
    ends = np.flatnonzero(raw == 0)
    lengths = np.diff(ends, prepend=-1) - 1
    data = raw[raw != 0]
    if missing is not None and missing.any():
        if prefix:  # a NULL has no version byte either
            data = data[np.repeat(~missing, lengths)]
        lengths = np.where(missing, -1, lengths)
    return lengths, data


def _gather(lengths: np.ndarray, offsets: np.ndarray, data: np.ndarray, codes: np.ndarray) -> Encoded:
    """Bytes of vocabulary entries ``codes`` (entries given as lengths, offsets into data)."""
    size = np.maximum(lengths[codes], 0)
    total = int(size.sum())
    start = np.cumsum(size) - size
    src = np.repeat(offsets[codes] - start, size) + np.arange(total)
    return lengths[codes], data[src]


def _uuids(values: list) -> Encoded:
    hexes = np.frombuffer("".join(v.replace("-", "") for v in values).encode(), dtype=np.uint8)
    nibbles = _NIBBLE[hexes].reshape(len(values), 32)
    return np.full(len(values), 16), ((nibbles[:, 0::2] << 4) | nibbles[:, 1::2]).ravel()


def _times_of_day(values: list) -> Encoded:
    missing = np.array([v is None for v in values])
    seconds = np.array(
        [0 if v is None else int(v[:2]) * 3600 + int(v[3:5]) * 60 + int(v[6:8]) for v in values]
    )
    return _fixed(seconds * 1_000_000, ">i8", missing)


def _dates(values: list) -> Encoded:
    missing = np.array([v is None for v in values])
    days = np.array([v or "2000-01-01" for v in values], dtype="datetime64[D]").astype(np.int64)
    return _fixed(days - PG_EPOCH // 86_400, ">i4", missing)


class _Binary:
    """Encodes one model's fields for COPY ... (FORMAT BINARY)."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.types = [f.db_type(connection) or "" for f in plan.fields]

    def encode(self, field: models.Field, kind: str, value: Column, part: slice, n: int) -> Encoded:
        json_prefix = "\x01" if kind == "jsonb" else ""
        if isinstance(value, Cat):
            vocab = list(value.vocab)
            lengths, data = _uuids(vocab) if kind == "uuid" else _texts(vocab, json_prefix)
            offsets = np.cumsum(np.maximum(lengths, 0)) - np.maximum(lengths, 0)
            return _gather(lengths, offsets, data, value.codes[part])
        if isinstance(value, np.ndarray):
            chunk = value[part]
            if kind == "boolean":
                return _fixed(chunk, "u1")
            missing = chunk < 0 if field.null or kind.startswith("timestamp") else None
            if kind.startswith("timestamp"):
                return _fixed((chunk - PG_EPOCH) * 1_000_000, ">i8", missing)
            return _fixed(chunk, {"bigint": ">i8", "smallint": ">i2"}.get(kind, ">i4"), missing)
        if isinstance(value, list):
            chunk_list = value[part]
            if kind == "uuid":
                return _uuids(chunk_list)
            if kind == "date":
                return _dates(chunk_list)
            if kind == "time":
                return _times_of_day(chunk_list)
            return _texts(chunk_list, json_prefix)
        # One value shared by every row.
        if value is None:
            return np.full(n, -1), np.zeros(0, dtype=np.uint8)
        if isinstance(value, int):
            single: Column = np.array([value])
        else:
            if isinstance(field, models.JSONField) and not isinstance(value, str):
                value = json.dumps(value)
            single = [value]
        lengths, data = self.encode(field, kind, single, slice(0, 1), 1)
        return np.repeat(lengths, n), np.tile(data, n)

    def rows(self, table: Table) -> Iterator[bytes]:
        values = self.plan.values(table)
        for part in _slices(table.size):
            n = part.stop - part.start
            fields = [
                self.encode(f, kind, v, part, n) for (f, v), kind in zip(values, self.types, strict=True)
            ]
            yield _assemble(fields, n)


def _assemble(fields: list[Encoded], n: int) -> bytes:
    """Binary COPY tuples: field count, then each field's length and bytes."""
    sizes = [np.maximum(lengths, 0) for lengths, _ in fields]
    row_size = 2 + 4 * len(fields) + np.sum(sizes, axis=0)
    start = np.cumsum(row_size) - row_size
    out = np.empty(int(row_size.sum()), dtype=np.uint8)
    count = np.array([len(fields)], dtype=">i2").view(np.uint8)
    out[start] = count[0]
    out[start + 1] = count[1]
    pos = start + 2
    for (lengths, data), size in zip(fields, sizes, strict=True):
        out[pos[:, None] + np.arange(4)] = lengths.astype(">i4").view(np.uint8).reshape(n, 4)
        pos = pos + 4
        width = int(size[0]) if n else 0
        if data.size == width * n and (size == width).all():
            if width:
                out[pos[:, None] + np.arange(width)] = data.reshape(n, width)
        elif data.size:
            out[np.repeat(pos - (np.cumsum(size) - size), size) + np.arange(data.size)] = data
        pos = pos + size
    return out.tobytes()


class PostgresWriter:
    """Binary COPY per slice; ``bulk`` drops and rebuilds indexes and foreign keys around the load."""

    def __init__(self, *, bulk: bool) -> None:
        self.bulk = bulk
        self.plans = {label: _Plan(label) for label in LABELS}
        self.encoders = {label: _Binary(plan) for label, plan in self.plans.items()}
        self.saved: list[tuple[str, str]] = []  # (table, statement that recreates what was dropped)
        self._atomic = transaction.atomic()
        self.rebuild_seconds = 0.0

    def __enter__(self) -> PostgresWriter:
        self._atomic.__enter__()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '2GB'")
            tables = ", ".join(f'"{p.table}"' for p in self.plans.values())
            # Readers go on; other writers wait, so the ids reserved from MAX(id) stay ours.
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
            if self.bulk:
                # Deferred checks queued earlier in this transaction must run before keys are dropped.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                self._drop_indexes(cursor)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    for table, statement in self.saved:
                        log.debug("rebuilding on %s: %s", table, statement[:120])
                        cursor.execute(statement)
                    for plan in self.plans.values():
                        # Explicit ids bypass the sequences: move each past the largest id, never back.
                        cursor.execute(
                            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                            f'GREATEST((SELECT MAX(id) FROM "{plan.table}"), '
                            "nextval(pg_get_serial_sequence(%s, 'id'))))",
                            [plan.table, plan.table],
                        )
                self.rebuild_seconds = time.perf_counter() - started
        finally:
            self._atomic.__exit__(exc_type, exc, tb)  # type: ignore[arg-type]
        if exc_type is None and self.bulk:
            with connection.cursor() as cursor:
                for plan in self.plans.values():
                    cursor.execute(f'ANALYZE "{plan.table}"')

    def _drop_indexes(self, cursor: Any) -> None:
        keys = []
        for plan in self.plans.values():
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [plan.table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{plan.table}" DROP CONSTRAINT "{name}"')
                keys.append((plan.table, f'ALTER TABLE "{plan.table}" ADD CONSTRAINT "{name}" {definition}'))
        indexes = []
        for plan in self.plans.values():
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid), con.conname, pg_get_constraintdef(con.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
                [plan.table],
            )
            # Kept up row by row, even an index whose keys only ever append costs more than
            # building it once at the end (measured: +2-3 us per event row for the event-id index).
            for index, index_def, constraint, constraint_def in cursor.fetchall():
                if constraint:
                    cursor.execute(f'ALTER TABLE "{plan.table}" DROP CONSTRAINT "{constraint}"')
                    statement = f'ALTER TABLE "{plan.table}" ADD CONSTRAINT "{constraint}" {constraint_def}'
                else:
                    cursor.execute(f'DROP INDEX "{index}"')
                    statement = index_def
                indexes.append((plan.table, statement))
        # Indexes first: unique ones check the rows, and every key's check reads the indexes.
        self.saved = indexes + keys

    def write(self, tables: list[Table]) -> None:
        from psycopg.copy import QueuedLibpqWriter

        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            for table in tables:
                if not table.size:
                    continue
                encoder = self.encoders[table.label]
                names = ", ".join(f'"{c}"' for c in encoder.plan.columns)
                statement = f'COPY "{encoder.plan.table}" ({names}) FROM STDIN (FORMAT BINARY)'
                with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                    copy.write(COPY_HEADER)
                    for block in encoder.rows(table):
                        copy.write(block)
                    copy.write(COPY_TRAILER)
