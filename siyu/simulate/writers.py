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
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.apps import apps
from django.db import connection, models, transaction
from django.db.models.fields import NOT_PROVIDED

from siyu.simulate.generator import Cat, Column, Table
from siyu.simulate.world import hex_chars, strings_of

log = logging.getLogger(__name__)

SLICE_ROWS = 20_000
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
        if field.empty_strings_allowed and field.blank:
            return ""  # what the ORM writes for a blank text field without a default
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
    if chunk.ndim == 2:  # UUIDs' bytes: Django keeps them as 32 hex digits on SQLite
        return strings_of(hex_chars(chunk, 32))
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

# A field's encoding, row by row: each row's length (4 bytes, big-endian; -1 = NULL) then its
# bytes, padded to the longest row's, as an (n, 4 + width) uint8 block; and the bytes used per row.
# Padded blocks let the rows be assembled with column copies and one compaction (``_assemble``)
# instead of an index per byte.
Encoded = tuple[np.ndarray, np.ndarray]


def _fixed(values: np.ndarray, dtype: str, missing: np.ndarray | None = None) -> Encoded:
    n, width = len(values), np.dtype(dtype).itemsize
    rows = np.empty(n, dtype=[("length", ">i4"), ("value", dtype)])
    rows["length"] = width if missing is None else np.where(missing, -1, width)
    rows["value"] = values
    used = (
        np.full(n, 4 + width, dtype=np.int32)
        if missing is None
        else np.where(missing, 4, 4 + width).astype(np.int32)
    )
    return rows.view(np.uint8).reshape(n, 4 + width), used


def _texts(values: list, prefix: bytes = b"") -> Encoded:
    """UTF-8 of each string (None = NULL), each after ``prefix`` (jsonb's version byte)."""
    n = len(values)
    missing = np.fromiter((v is None for v in values), bool, n) if None in values else None
    encoded = list(map(str.encode, values)) if missing is None else [(v or "").encode() for v in values]
    lengths = np.fromiter(map(len, encoded), np.int64, n) + len(prefix)
    width = int(lengths.max()) if n else 0
    block = np.zeros((n, 4 + width), dtype=np.uint8)
    if missing is not None:
        lengths[missing] = -1
    block[:, :4] = lengths.astype(">i4").view(np.uint8).reshape(n, 4)
    if prefix:
        block[:, 4 : 4 + len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    if width > len(prefix):
        # Fixed-width bytes strings are NUL-padded, and NUL cannot occur in PostgreSQL text.
        padded = np.array(encoded, dtype=f"S{width - len(prefix)}").view(np.uint8)
        block[:, 4 + len(prefix) :] = padded.reshape(n, width - len(prefix))
    return block, (4 + np.maximum(lengths, 0)).astype(np.int32)


def _uuids(values: list) -> Encoded:
    hexes = np.frombuffer("".join(v.replace("-", "") for v in values).encode(), dtype=np.uint8)
    nibbles = _NIBBLE[hexes].reshape(len(values), 32)
    return _raw((nibbles[:, 0::2] << 4) | nibbles[:, 1::2])


def _raw(rows: np.ndarray) -> Encoded:
    """Each row's bytes as they are (UUIDs)."""
    n, width = rows.shape
    block = np.empty((n, 4 + width), dtype=np.uint8)
    block[:, :4] = np.array([width], dtype=">i4").view(np.uint8)
    block[:, 4:] = rows
    return block, np.full(n, 4 + width, dtype=np.int32)


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
        json_prefix = b"\x01" if kind == "jsonb" else b""
        if isinstance(value, Cat):
            vocab = list(value.vocab)
            block, used = _uuids(vocab) if kind == "uuid" else _texts(vocab, json_prefix)
            codes = value.codes[part]
            return block[codes], used[codes]
        if isinstance(value, np.ndarray):
            chunk = value[part]
            if chunk.ndim == 2:  # each row's bytes (UUIDs)
                return _raw(chunk)
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
            return np.broadcast_to(np.array([255, 255, 255, 255], np.uint8), (n, 4)), np.full(
                n, 4, dtype=np.int32
            )
        if isinstance(value, int):
            single: Column = np.array([value])
        else:
            if isinstance(field, models.JSONField) and not isinstance(value, str):
                value = json.dumps(value)
            single = [value]
        block, used = self.encode(field, kind, single, slice(0, 1), 1)
        return np.broadcast_to(block, (n, block.shape[1])), np.repeat(used, n)

    def rows(self, table: Table) -> Iterator[bytes]:
        values = self.plan.values(table)
        for part in _slices(table.size):
            n = part.stop - part.start
            fields = [
                self.encode(f, kind, v, part, n) for (f, v), kind in zip(values, self.types, strict=True)
            ]
            yield _assemble(fields, n)


def _assemble(fields: list[Encoded], n: int) -> bytes:
    """Binary COPY tuples: the field count, then each field's length and bytes.

    The fields' padded blocks side by side make one (n, width) array; dropping each row's
    padding (a boolean mask, row-major) leaves the tuples one after the other.
    """
    width = 2 + sum(block.shape[1] for block, _ in fields)
    rows = np.empty((n, width), dtype=np.uint8)
    keep = np.empty((n, width), dtype=bool)
    rows[:, :2] = np.array([len(fields)], dtype=">i2").view(np.uint8)
    keep[:, :2] = True
    padded = False
    column = 2
    for block, used in fields:
        span = block.shape[1]
        rows[:, column : column + span] = block
        if n and int(used.min()) < span:
            np.less(np.arange(span, dtype=np.int32), used[:, None], out=keep[:, column : column + span])
            padded = True
        else:
            keep[:, column : column + span] = True
        column += span
    return (rows[keep] if padded else rows).tobytes()


class _Sender:
    """Runs the COPY statements on a thread of its own, fed through a queue bounded in bytes.

    The server parses and stores rows while the main thread generates and encodes the next ones,
    so neither waits for the other (each COPY used to end in a round trip that idled both sides).
    The thread only moves bytes through libpq, which releases the GIL. Items are a statement
    (starts a COPY), ``bytes`` (rows) and ``_END`` (ends it); ``_STOP`` ends the thread. A failure
    on the thread is raised in the main thread at its next ``put`` or at ``finish``.
    """

    def __init__(self, raw_connection: Any, limit_bytes: int) -> None:
        self.raw = raw_connection
        self.limit = limit_bytes
        self.items: deque[str | bytes | object] = deque()
        self.queued = 0
        self.error: BaseException | None = None
        self.waited = 0.0  # seconds the main thread waited for room: the server was the bottleneck
        self.busy: dict[str, float] = {}  # per COPY statement's table: seconds not spent waiting for rows
        self.idle = 0.0  # seconds this thread waited for the main thread to hand it rows
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="siyu-simulate-copy", daemon=True)
        self.thread.start()

    def put(self, item: str | bytes | object) -> None:
        size = len(item) if isinstance(item, bytes) else 0
        with self.cond:
            started = time.perf_counter()
            while self.error is None and self.items and self.queued + size > self.limit:
                self.cond.wait()
            self.waited += time.perf_counter() - started
            if self.error is not None:
                raise RuntimeError("the COPY thread failed") from self.error
            self.items.append(item)
            self.queued += size
            self.cond.notify_all()

    def _get(self) -> str | bytes | object:
        with self.cond:
            started = time.perf_counter()
            while not self.items:
                self.cond.wait()
            self.idle += time.perf_counter() - started
            item = self.items.popleft()
            self.queued -= len(item) if isinstance(item, bytes) else 0
            self.cond.notify_all()
            return item

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while isinstance(statement := self._get(), str):
                    started, idle = time.perf_counter(), self.idle
                    with cursor.copy(statement) as copy:
                        copy.write(COPY_HEADER)
                        while isinstance(block := self._get(), bytes):
                            copy.write(block)
                        if block is _ABORT:
                            raise _Aborted  # the COPY fails, the transaction is rolled back
                        copy.write(COPY_TRAILER)
                    table = statement.split('"')[1]
                    spent = time.perf_counter() - started - (self.idle - idle)
                    self.busy[table] = self.busy.get(table, 0.0) + spent
        except BaseException as exc:
            with self.cond:
                self.error = exc
                self.items.clear()
                self.queued = 0
                self.cond.notify_all()

    def finish(self, *, abort: bool = False) -> None:
        """Wait for every queued row to be written; ``abort`` fails the COPY in progress instead."""
        if self.thread.is_alive():
            with self.cond:
                if abort:
                    self.items.clear()
                    self.queued = 0
                    self.items.extend((_ABORT, _STOP))
                else:
                    self.items.append(_STOP)
                self.cond.notify_all()
            self.thread.join()
        if self.error is not None and not isinstance(self.error, _Aborted) and not abort:
            raise RuntimeError("the COPY thread failed") from self.error


class _Aborted(Exception):
    pass


_END, _STOP, _ABORT = object(), object(), object()
# Memory for each index build (shared by its parallel workers). The largest, on 60M events, sorts
# ~4 GB of keys: with 6 GB its three participants sort in memory (measured: 49 s against 71 s with
# 2 GB). Only a load this large takes that much; it is a bulk-mode setting for a dedicated server.
BULK_SORT_MEMORY = "6GB"
# Keys to tables that received at least this many rows are checked by merging indexes.
MERGE_CHECK_ROWS = 2_000_000
# Rows encoded ahead of the server: enough to keep it busy while the next chunk is generated.
QUEUE_BYTES = 96 * 2**20


class PostgresWriter:
    """Binary COPY per slice from a thread of its own; ``bulk`` drops and rebuilds indexes and
    foreign keys around the load."""

    def __init__(self, *, bulk: bool) -> None:
        self.bulk = bulk
        self.plans = {label: _Plan(label) for label in LABELS}
        self.encoders = {label: _Binary(plan) for label, plan in self.plans.items()}
        # (table, statement that recreates what was dropped, setting to run it with or "key")
        self.saved: list[tuple[str, str, Any]] = []
        self.key_columns: dict[str, tuple[str, str]] = {}  # key statement -> (column, target table)
        self.loaded: dict[str, int] = {}  # rows written per table
        self._atomic = transaction.atomic()
        self._sender: _Sender | None = None
        self.rebuild_seconds = 0.0
        self.wait_seconds = 0.0
        self.copy_seconds: dict[str, float] = {}
        self.rebuild_by_table: dict[str, float] = {}  # seconds of index builds and key checks

    def __enter__(self) -> PostgresWriter:
        self._atomic.__enter__()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{BULK_SORT_MEMORY}'")
            tables = ", ".join(f'"{p.table}"' for p in self.plans.values())
            # Readers go on; other writers wait, so the ids reserved from MAX(id) stay ours.
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
            if self.bulk:
                # Deferred checks queued earlier in this transaction must run before keys are dropped.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                self._drop_indexes(cursor)
        connection.ensure_connection()
        self._sender = _Sender(connection.connection, QUEUE_BYTES)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if self._sender is not None:
                try:
                    self._sender.finish(abort=exc_type is not None)
                except BaseException:
                    exc_type = exc_type or RuntimeError  # roll back below, then raise
                    raise
                finally:
                    self.wait_seconds = self._sender.waited
                    self.copy_seconds = self._sender.busy
                    log.debug("COPY thread idle %.1f s; busy %s", self._sender.idle, self.copy_seconds)
                    self._sender = None
            if exc_type is None:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    self._rebuild(cursor)
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

    def _rebuild(self, cursor: Any) -> None:
        """Recreate what ``_drop_indexes`` dropped, indexes first (key checks read them)."""
        # Each foreign key's check is one anti-join of the whole table against its target: with
        # the default 4 MB it would spill tens of millions of rows to disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for table, statement, setting in self.saved:
            if setting == "key":
                setting = self._key_setting(cursor, table, statement)
            if setting:
                cursor.execute(f"SET LOCAL {setting[0]} = {setting[1]}")
            began = time.perf_counter()
            cursor.execute(statement)
            spent = time.perf_counter() - began
            self.rebuild_by_table[table] = self.rebuild_by_table.get(table, 0.0) + spent
            log.debug("%.1f s: %s", spent, statement[:110])
            if setting:
                cursor.execute(f"SET LOCAL {setting[0]} TO DEFAULT")

    def _key_setting(self, cursor: Any, table: str, statement: str) -> tuple[str, str] | None:
        """A key to a big loaded table is checked fastest by merging two indexes (its primary key
        and the key column's, both in id order as the rows were generated): 7.5 s for 13M order
        lines against 9.5M orders, where the planner's choice, hashing the orders, takes 29 s."""
        column, target = self.key_columns[statement]
        if self.loaded.get(target, 0) < MERGE_CHECK_ROWS:
            return None
        cursor.execute(
            "SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid "
            "AND a.attnum = x.indkey[0] WHERE x.indrelid = %s::regclass AND a.attname = %s",
            [table, column],
        )
        return ("enable_hashjoin", "off") if cursor.fetchone() else None

    def _drop_indexes(self, cursor: Any) -> None:
        keys: list[tuple[str, str, Any]] = []
        for plan in self.plans.values():
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), confrelid::regclass::text, "
                "(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) "
                "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [plan.table],
            )
            for name, definition, target, column in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{plan.table}" DROP CONSTRAINT "{name}"')
                statement = f'ALTER TABLE "{plan.table}" ADD CONSTRAINT "{name}" {definition}'
                self.key_columns[statement] = (column, target.strip('"'))
                keys.append((plan.table, statement, "key"))
        indexes = []
        for plan in self.plans.values():
            # The primary key goes too unless a table outside the load still references it (the
            # keys of the loaded tables are gone by now): appending to it costs ~2 us per row.
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid), con.conname, pg_get_constraintdef(con.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid "
                "WHERE x.indrelid = %s::regclass AND (NOT x.indisprimary OR NOT EXISTS ("
                "SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = x.indrelid)) "
                "ORDER BY x.indisprimary DESC, i.relname",
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
                    # A partitioned table's index reads "ON ONLY" (the parent alone); rebuilt, it
                    # must cover every partition again.
                    statement = index_def.replace(" ON ONLY ", " ON ", 1)
                # Ids were generated in order: one process sorts presorted input faster than
                # parallel workers merging their parts (events' key: 24 s against 35 s).
                serial = ("max_parallel_maintenance_workers", "0")
                indexes.append((plan.table, statement, serial if "PRIMARY KEY" in statement else None))
        # Indexes first: unique ones check the rows, and every key's check reads the indexes.
        self.saved = indexes + keys

    def write(self, tables: list[Table]) -> None:
        """Encode the chunk's rows slice by slice and queue them for the COPY thread."""
        assert self._sender is not None, "use the writer as a context manager"
        for table in tables:
            if not table.size:
                continue
            encoder = self.encoders[table.label]
            self.loaded[encoder.plan.table] = self.loaded.get(encoder.plan.table, 0) + table.size
            names = ", ".join(f'"{c}"' for c in encoder.plan.columns)
            self._sender.put(f'COPY "{encoder.plan.table}" ({names}) FROM STDIN (FORMAT BINARY)')
            for block in encoder.rows(table):
                self._sender.put(block)
            self._sender.put(_END)
