"""Which column of the file holds which field of an import.

Three ways, strongest first: ``--map field=column`` (a header name, or a 1-based column number),
``--columns a,b,c`` (fields by position; ``-`` skips a column), and the usual names of each field
found in the header (``customer_id``, ``order_date``, ``金额`` ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from siyu.imports.errors import ColumnNotFound, InvalidImportOption, MissingColumns, UnknownField

SKIP = ("", "-", "_")


@dataclass(frozen=True)
class Field:
    """A field an import reads; ``aliases`` are header names it is found under without a mapping."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Column:
    """Where a field is: its 0-based index, and the label a report shows (header text or #n)."""

    index: int
    label: str


# The customer's id in the brand's own system, under the names exports use for it.
CUSTOMER_ID = Field(
    "customer_id",
    (
        "customer",
        "cust",
        "cust_id",
        "customer_no",
        "member_id",
        "member_no",
        "user_id",
        "buyer_id",
        "客户id",
        "客户编号",
        "会员id",
        "会员编号",
        "会员卡号",
        "用户id",
        "买家id",
    ),
    required=True,
)


def normalise(name: str) -> str:
    """Header text compared loosely: case, spaces, dashes and dots do not matter."""
    return re.sub(r"[\s\-.]+", "_", name.strip().strip("\ufeff").lower()).strip("_")


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["customer_id=cust", "amount=total"]`` as a dict; refuses a pair without ``=``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip():
            raise InvalidImportOption(detail={"map": pair, "expected": "field=column"})
        mapping[field.strip()] = column.strip()
    return mapping


def parse_positional(spec: str) -> list[str]:
    """``"customer_id,date,-,amount"`` as a list of field names by position."""
    return [name.strip() for name in spec.split(",")]


def _label(header: list[str] | None, index: int) -> str:
    if header is not None and index < len(header) and header[index]:
        return header[index]
    return f"#{index + 1}"


def _find(header: list[str] | None, column: str) -> int | None:
    if header is not None:
        wanted = normalise(column)
        for index, name in enumerate(header):
            if normalise(name) == wanted:
                return index
    if column.isdigit() and int(column) >= 1:
        return int(column) - 1
    return None


def resolve_columns(
    fields: Sequence[Field],
    *,
    header: list[str] | None,
    mapping: Mapping[str, str] | None = None,
    positional: Sequence[str] | None = None,
) -> dict[str, Column]:
    """The column of every field the file has; refuses unknown fields and missing required ones."""
    known = {f.name for f in fields}
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    named = [*mapping, *(name for name in positional or () if name not in SKIP)]
    unknown = sorted(set(named) - known)
    if unknown:
        raise UnknownField(detail={"fields": unknown, "known": sorted(known)})
    columns: dict[str, Column] = {}
    for index, name in enumerate(positional or ()):
        if name in SKIP:
            continue
        if name in columns:
            raise InvalidImportOption(detail={"columns": list(positional or ()), "repeated": name})
        columns[name] = Column(index, _label(header, index))
    for name, column in mapping.items():
        found = _find(header, column)
        if found is None:
            raise ColumnNotFound(detail={"field": name, "column": column, "header": header})
        columns[name] = Column(found, _label(header, found))
    if header is not None:
        used = {c.index for c in columns.values()}
        normalised = [normalise(h) for h in header]
        for field in fields:
            if field.name in columns:
                continue
            for alias in (field.name, *field.aliases):
                wanted = normalise(alias)
                match = next((i for i, h in enumerate(normalised) if h == wanted and i not in used), None)
                if match is not None:
                    columns[field.name] = Column(match, _label(header, match))
                    used.add(match)
                    break
    missing = [f.name for f in fields if f.required and f.name not in columns]
    if missing:
        raise MissingColumns(detail={"missing": missing, "header": header})
    return columns
