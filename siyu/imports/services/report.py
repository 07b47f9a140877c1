"""What an import did: counts, what it created, and every row it could not use (line, column, reason)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.functional import Promise

from siyu.imports.services.cells import CellError
from siyu.imports.services.mapping import Column
from siyu.imports.services.readers import Cell

# A report lists at most this many row errors; ``error_count`` always has the full number.
MAX_REPORTED_ERRORS = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    """One bad cell (or a row refused for another row's sake): where it is and why."""

    line: int
    column: str
    field: str
    reason: str | Promise

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "field": self.field, "reason": str(self.reason)}


@dataclass
class ImportReport:
    """The outcome of one import.

    ``rows`` = ``imported`` + ``skipped`` (bad rows) + ``duplicates`` (rows already imported before).
    ``status`` is ``imported``, ``dry_run`` (everything was checked and written, then rolled back) or
    ``rejected`` (bad rows and no ``skip_bad_rows``: nothing written).
    """

    kind: str
    source: str
    sha256: str
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    duplicates: int = 0
    status: str = "imported"
    created: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None

    def as_dict(self, *, limit: int = MAX_REPORTED_ERRORS) -> dict[str, Any]:
        ordered = sorted(self.errors, key=lambda e: (e.line, e.column))
        return {
            "kind": self.kind,
            "status": self.status,
            "source": self.source,
            "sha256": self.sha256,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "created": dict(self.created),
            "error_count": len(self.errors),
            "errors_truncated": len(self.errors) > limit,
            "errors": [e.as_dict() for e in ordered[:limit]],
        }


class RowScope:
    """Reads the mapped fields of one row, collecting every bad cell rather than stopping at the first."""

    def __init__(self, line: int, cells: list[Cell], columns: dict[str, Column]) -> None:
        self.line = line
        self.cells = cells
        self.columns = columns
        self.errors: list[RowError] = []

    def has(self, name: str) -> bool:
        return name in self.columns

    def get(self, name: str, parse: Callable[[Cell], T], default: T) -> T:
        """The parsed value of field ``name``; ``default`` when the field is unmapped or the cell is bad."""
        column = self.columns.get(name)
        if column is None:
            return default
        cell = self.cells[column.index] if column.index < len(self.cells) else None
        try:
            return parse(cell)
        except CellError as exc:
            self.fail(name, exc.reason)
            return default

    def fail(self, name: str, reason: str | Promise) -> None:
        column = self.columns.get(name)
        self.errors.append(RowError(self.line, column.label if column else name, name, reason))
