"""``INSERT ... SELECT``: add rows for every customer a queryset selects, in one statement.

Django's ORM has no INSERT ... SELECT; building it from the queryset's own SQL keeps the rule
compiler the single place that decides who is selected, and never brings the ids into Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections
from django.db.models import F, Field, Model, QuerySet


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column, name
    return field.column


def _param(connection: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return str(value) if isinstance(value, str) else value  # a TextChoices member is a plain string here


def insert_for_customers(
    model: type[Model], constants: dict[str, Any], customers: QuerySet, *, ignore_conflicts: bool = False
) -> int:
    """Insert one ``model`` row per customer of ``customers`` (``customer_id`` = the customer,
    the other columns from ``constants``); return how many rows were inserted.

    ``ignore_conflicts`` skips rows a unique constraint already holds (``ON CONFLICT DO NOTHING``,
    on SQLite and PostgreSQL alike), so concurrent runs cannot fail each other.
    """
    connection = connections[customers.db]
    qn = connection.ops.quote_name
    # Alias the id: SQLite does not name a subquery's "table"."id" column plain ``id``.
    sub_sql, sub_params = customers.order_by().values(_customer_id=F("pk")).query.sql_with_params()
    columns = [_column(model, name) for name in constants]
    values = [_param(connection, v) for v in constants.values()]
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}, {qn('customer_id')}) "
        f"SELECT {', '.join(['%s'] * len(values))}, sub.{qn('_customer_id')} FROM ({sub_sql}) sub"
    )
    if ignore_conflicts:
        # SQLite needs a WHERE before ON CONFLICT after a SELECT (else it reads ON as a join's).
        sql += " WHERE 1 = 1 ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *sub_params])
        return max(cursor.rowcount, 0)
