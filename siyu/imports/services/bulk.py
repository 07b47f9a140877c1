"""INSERT many rows of a model without building a model instance per row.

Why not ``bulk_create``: measured on the CDNOW history (69,659 orders, lines and refs, 23,570
customers; about 4 million column values), ``bulk_create`` spent ~35 s on SQLite, nearly all of it
instantiating models and preparing each value through the SQL compiler (10 µs a value). Here the
conversion is chosen once per column (only dates, times, JSON and decimals need one) and defaults
are prepared once. SQLite then takes ``executemany`` and multi-row ``INSERT ... RETURNING``; on
PostgreSQL those cost ~0.2 ms a row in statement overhead (14-19 s for the CDNOW orders, each way),
so rows go in with ``COPY`` (under 2 s), with keys drawn from the table's sequence beforehand.

Rows are plain dicts keyed by attribute name (``customer_id``, not ``customer``); a field left out
gets its default, and auto_now(_add) fields get "now".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Variables per multi-row INSERT: SQLite allows 32,766 since 3.32 (Django still assumes 999, the old
# limit, so we ask the library), PostgreSQL 65,535.
MAX_PARAMS = 30_000
EXECUTEMANY_ROWS = 2000
Reader = Callable[[Mapping[str, Any]], Any]
NEEDS_PREP = {
    "DateTimeField",
    "DateField",
    "TimeField",
    "JSONField",
    "DecimalField",
    "UUIDField",
    "DurationField",
}


def _prepared(f: models.Field) -> Reader:
    # Histories repeat their timestamps (every column of an order holds the same one): convert each once.
    cache: dict[Any, Any] = {}
    name = f.attname

    def read(row: Mapping[str, Any]) -> Any:
        value = row[name]
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = f.get_db_prep_save(value, connection)
            return prepared
        except TypeError:
            # Unhashable, e.g. a JSON dict: the rows of one call share such objects (every line of a
            # SKU holds that SKU's specs), and they stay alive for the call, so their id is a fair key.
            key = ("id", id(value))
            if key not in cache:
                cache[key] = f.get_db_prep_save(value, connection)
            return cache[key]

    return read


def _constant(value: Any) -> Reader:
    return lambda row: value


def _columns(model: type[models.Model], given: set[str]) -> list[tuple[str, Reader]]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = given - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    columns: list[tuple[str, Reader]] = []
    for f in fields:
        read: Reader
        if f.attname not in given:
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            read = _constant(f.get_db_prep_save(timezone.now() if auto else f.get_default(), connection))
        elif f.get_internal_type() in NEEDS_PREP:
            read = _prepared(f)
        else:
            read = itemgetter(f.attname)
        columns.append((connection.ops.quote_name(str(f.column)), read))
    return columns


def _max_params() -> int:
    import sqlite3

    connection.ensure_connection()
    return min(MAX_PARAMS, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


def insert(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, returning: bool = False
) -> list[int]:
    """Insert ``rows`` into ``model``'s table; with ``returning``, their new primary keys in row order."""
    if not rows:
        return []
    columns = _columns(model, set(rows[0]))
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        return _copy(model, table, columns, rows, returning)
    names = ", ".join(name for name, _ in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    readers = [read for _, read in columns]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if not returning:
            sql = f"INSERT INTO {table} ({names}) VALUES {one}"
            for start in range(0, len(rows), EXECUTEMANY_ROWS):
                cursor.executemany(
                    sql, [[read(row) for read in readers] for row in rows[start : start + EXECUTEMANY_ROWS]]
                )
            return ids
        # SQLite returns the keys of a multi-row INSERT in VALUES order (bulk_create relies on it too).
        pk = connection.ops.quote_name(str(model._meta.pk.column))
        per_statement = max(1, _max_params() // len(columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [read(row) for row in chunk for read in readers]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))} RETURNING {pk}", params
            )
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _copy(
    model: type[models.Model],
    table: str,
    columns: list[tuple[str, Reader]],
    rows: Sequence[Mapping[str, Any]],
    returning: bool,
) -> list[int]:
    """PostgreSQL: COPY the rows in, on Django's connection and inside its transaction."""
    import psycopg

    connection.ensure_connection()
    ids: list[int] = []
    with psycopg.Cursor(connection.connection) as cursor:
        if returning:
            pk = str(model._meta.pk.column)
            # Keys from the sequence are never handed out twice, whatever else inserts meanwhile.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns = [(connection.ops.quote_name(pk), _constant(None)), *columns]
        names = ", ".join(name for name, _ in columns)
        readers = [read for _, read in columns]
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = [read(row) for read in readers]
                if returning:
                    values[0] = ids[index]
                copy.write_row(values)
    return ids
