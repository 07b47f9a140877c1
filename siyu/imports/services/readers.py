"""Rows out of a file: CSV with any one-character delimiter or runs of whitespace, and Excel .xlsx.

A reader returns every non-empty row with the line (CSV) or row (Excel) number a person sees in
their editor, so that a report can point at it. Cells stay as the file gives them: text from CSV;
text, numbers, dates and times from Excel. Interpreting them is the job of ``cells``.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from siyu.imports.errors import EmptyFile, InvalidImportOption, UnreadableFile, WrongEncoding

Cell = str | int | float | Decimal | datetime | date | time | bool | None

DELIMITERS: dict[str, str | None] = {
    "comma": ",",
    "tab": "\t",
    "semicolon": ";",
    "pipe": "|",
    "whitespace": None,  # runs of spaces and tabs, as in the CDNOW file
}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary format, which openpyxl cannot read


@dataclass(frozen=True)
class Table:
    """A file's rows: the header (if it has one) and each data row with its line number."""

    header: list[str] | None
    rows: list[tuple[int, list[Cell]]]


def delimiter_char(name: str) -> str | None:
    """The delimiter for a name (comma, tab, ...) or a literal character; None means whitespace."""
    if name in DELIMITERS:
        return DELIMITERS[name]
    if name == "\\t":
        return "\t"
    if len(name) == 1 and name not in '"\r\n' and not name.isalnum():
        return name
    raise InvalidImportOption(detail={"delimiter": name, "choices": sorted(DELIMITERS)})


def is_xlsx(data: bytes, filename: str, file_format: str | None) -> bool:
    if file_format:
        if file_format not in ("csv", "xlsx"):
            raise InvalidImportOption(detail={"format": file_format, "choices": ["csv", "xlsx"]})
        return file_format == "xlsx"
    if data.startswith(XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise UnreadableFile(detail={"reason": "Excel 97-2003 .xls: save the sheet as .xlsx or CSV"})
    return data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(
    data: bytes,
    *,
    filename: str = "",
    has_header: bool = True,
    delimiter: str = "comma",
    encoding: str = "utf-8",
    sheet: str | None = None,
    file_format: str | None = None,
) -> Table:
    """Read a whole file; the first non-empty row is the header when ``has_header``."""
    if is_xlsx(data, filename, file_format):
        rows = _xlsx_rows(data, sheet)
    else:
        rows = _csv_rows(_decode(data, encoding), delimiter_char(delimiter))
    header: list[str] | None = None
    if has_header and rows:
        header = ["" if c is None else str(c).strip() for c in rows.pop(0)[1]]
    if not rows:
        raise EmptyFile()
    return Table(header=header, rows=rows)


def _decode(data: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InvalidImportOption(detail={"encoding": encoding}) from exc
    if codec == "utf-8":
        codec = "utf-8-sig"  # Excel writes a byte-order mark in front of UTF-8 CSV
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise WrongEncoding(detail={"encoding": encoding, "byte_offset": exc.start}) from exc


def _csv_rows(text: str, delimiter: str | None) -> list[tuple[int, list[Cell]]]:
    if "\x00" in text:
        raise UnreadableFile(detail={"reason": "binary data (NUL bytes) in a text file"})
    rows: list[tuple[int, list[Cell]]] = []
    if delimiter is None:
        # Universal newlines only (\n, \r\n, \r), so numbers match what an editor shows.
        for number, line in enumerate(io.StringIO(text, newline=None), start=1):
            cells: list[Cell] = list(line.split())
            if cells:
                rows.append((number, cells))
        return rows
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    first_line = 1
    try:
        for record in reader:
            # A quoted cell may span lines: report the line the record starts on.
            if any(cell.strip() for cell in record):
                rows.append((first_line, list(record)))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(detail={"line": reader.line_num, "reason": str(exc)}) from exc
    return rows


def _xlsx_rows(data: bytes, sheet: str | None) -> list[tuple[int, list[Cell]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise UnreadableFile(detail={"reason": str(exc)[:200]}) from exc
    except Exception as exc:  # openpyxl raises its own types for every malformed part of the archive
        raise UnreadableFile(detail={"reason": type(exc).__name__}) from exc
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise InvalidImportOption(detail={"sheet": sheet, "sheets": workbook.sheetnames})
            worksheet: Any = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        # Spreadsheets written by other tools often declare wrong dimensions; read what is there.
        worksheet.reset_dimensions()
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(values)
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            if cells:
                rows.append((number, cells))
        return rows
    except InvalidImportOption:
        raise
    except Exception as exc:  # a malformed sheet XML surfaces only while iterating
        raise UnreadableFile(detail={"reason": type(exc).__name__}) from exc
    finally:
        workbook.close()
