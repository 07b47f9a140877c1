"""Django's PostgreSQL backend, except that a flush deletes rows in one statement and keeps two tables.

See ``siyu/testing/backends/flush.py``; ``siyu/test_settings.py`` selects this backend for
PostgreSQL. The application never uses it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations

from siyu.testing.backends.flush import flushed


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in flushed(tables)
        ]
        return [" ".join(deletes)] if deletes else []


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
