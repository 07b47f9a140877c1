"""Cells, readers and the column mapping, without a database."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from siyu.imports.errors import (
    ColumnNotFound,
    EmptyFile,
    InvalidImportOption,
    MissingColumns,
    UnknownField,
    UnreadableFile,
    WrongEncoding,
)
from siyu.imports.services import cells
from siyu.imports.services.mapping import Column, Field, parse_mapping, resolve_columns
from siyu.imports.services.readers import read_table

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("19.99", 1999),
        ("0.1", 10),
        ("0.01", 1),
        ("0", 0),
        ("12", 1200),
        (" ¥1,234.50 ", 123450),
        ("￥8.8", 880),
        ("1286.01", 128601),
        (19.99, 1999),  # an Excel number is a binary float; it still lands on the exact fen
        (59.970000000000006, 5997),  # =SUM(19.99, 19.99, 19.99) as Excel stores it
        (0.1 + 0.2, 30),
        (7, 700),
        (Decimal("3.10"), 310),
        ("19.990", 1999),
        ("1E+2", 10000),
        ("21474836.47", 2147483647),
    ],
)
def test_yuan_become_exact_fen(cell, fen):
    assert cells.amount_fen(cell, unit="yuan") == fen


def test_yuan_to_fen_is_exact_where_floats_are_not():
    # float("19.99") * 100 == 1998.9999999999998: truncating it would lose a fen
    assert int(float("19.99") * 100) == 1998
    assert cells.amount_fen("19.99", unit="yuan") == 1999
    assert sum(cells.amount_fen(f"{n}.{n:02d}", unit="yuan") for n in range(100)) == sum(
        n * 100 + n for n in range(100)
    )


@pytest.mark.parametrize(
    ("cell", "unit", "reason"),
    [
        ("19.999", "yuan", "More than two decimal places."),
        ("abc", "yuan", "Not a number."),
        ("NaN", "yuan", "Not a number."),
        ("Infinity", "yuan", "Not a number."),
        ("-1", "yuan", "Must not be negative."),
        ("", "yuan", "A value is required."),
        (None, "yuan", "A value is required."),
        ("12.5", "fen", "Amounts in fen must be whole numbers."),
        ("21474836.48", "yuan", "Too large."),
        ("1e400", "yuan", "Too large."),
        ("1e999999999", "yuan", "Too large."),
        ("1e-999999999", "yuan", "More than two decimal places."),
        ("1e-999999999", "fen", "Amounts in fen must be whole numbers."),
    ],
)
def test_bad_amounts_say_why(cell, unit, reason):
    with pytest.raises(cells.CellError) as err:
        cells.amount_fen(cell, unit=unit)
    assert str(err.value.reason) == reason


def test_fen_amounts_are_taken_as_they_are():
    assert cells.amount_fen("1999", unit="fen") == 1999
    assert cells.amount_fen(1999.0, unit="fen") == 1999


@pytest.mark.parametrize(("cell", "n"), [("3", 3), (2, 2), (4.0, 4), (" 1 ", 1)])
def test_quantities(cell, n):
    assert cells.quantity(cell) == n


@pytest.mark.parametrize(
    ("cell", "reason"), [("0", "Must be at least 1."), ("1.5", "Not a whole number."), ("x", "Not a number.")]
)
def test_bad_quantities(cell, reason):
    with pytest.raises(cells.CellError) as err:
        cells.quantity(cell)
    assert str(err.value.reason) == reason


@pytest.mark.parametrize(
    ("cell", "date_format", "expected"),
    [
        ("19970101", "%Y%m%d", datetime(1997, 1, 1, tzinfo=SHANGHAI)),
        (19970101, "%Y%m%d", datetime(1997, 1, 1, tzinfo=SHANGHAI)),
        ("19970101", None, datetime(1997, 1, 1, tzinfo=SHANGHAI)),
        ("2024-03-05 14:30:00", None, datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)),
        ("2024-03-05T06:30:00Z", None, datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)),
        ("2024/03/05 14:30", None, datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)),
        ("2024年3月5日", None, datetime(2024, 3, 5, tzinfo=SHANGHAI)),
        ("05.03.2024", "%d.%m.%Y", datetime(2024, 3, 5, tzinfo=SHANGHAI)),
        (datetime(2024, 3, 5, 14, 30), None, datetime(2024, 3, 5, 14, 30, tzinfo=SHANGHAI)),
        (date(2024, 3, 5), None, datetime(2024, 3, 5, tzinfo=SHANGHAI)),
    ],
)
def test_moments_are_local_to_the_merchant(cell, date_format, expected):
    assert cells.moment(cell, date_format=date_format, zone=SHANGHAI, now=NOW) == expected


@pytest.mark.parametrize(
    ("cell", "date_format", "reason"),
    [
        ("1997-01-01", "%Y%m%d", "Not a date in the format %Y%m%d."),
        ("yesterday", None, "Not a date or time that can be read; give a date format."),
        ("2027-01-01", None, "In the future."),
        ("", None, "A value is required."),
    ],
)
def test_bad_moments(cell, date_format, reason):
    with pytest.raises(cells.CellError) as err:
        cells.moment(cell, date_format=date_format, zone=SHANGHAI, now=NOW)
    assert str(err.value.reason) == reason


@pytest.mark.parametrize("date_format", ["%", "%Q", "no directives", "%m-%d"])
def test_unusable_date_formats_are_refused(date_format):
    with pytest.raises(InvalidImportOption):
        cells.check_date_format(date_format)


def test_text_phone_gender():
    assert cells.text(1.0, max_length=10) == "1"
    assert cells.text(" 00001 ", max_length=10) == "00001"
    assert cells.phone("138 0013 8000") == "13800138000"
    assert cells.phone("+86-138-0013-8000") == "8613800138000"
    assert cells.phone("") is None
    assert [cells.gender(g) for g in ("男", "F", "", "Female")] == ["male", "female", "unknown", "female"]
    with pytest.raises(cells.CellError):
        cells.phone("１３８００１３８０００")  # full-width digits are not ASCII digits
    with pytest.raises(cells.CellError):
        cells.text("x" * 11, max_length=10)


FIELDS = (
    Field("customer_id", ("cust",), required=True),
    Field("date", ("order_date",)),
    Field("amount", ("total",), required=True),
)


def test_columns_found_by_usual_names_case_and_spacing_aside():
    columns = resolve_columns(FIELDS, header=["Order Date", "CUST", "Total"])
    assert columns == {
        "customer_id": Column(1, "CUST"),
        "date": Column(0, "Order Date"),
        "amount": Column(2, "Total"),
    }


def test_explicit_mapping_wins_over_usual_names():
    columns = resolve_columns(
        FIELDS,
        header=["cust", "buyer", "total", "paid"],
        mapping=parse_mapping(["customer_id=buyer", "amount=4"]),
    )
    assert columns["customer_id"] == Column(1, "buyer")
    assert columns["amount"] == Column(3, "paid")


def test_positional_columns_without_header():
    columns = resolve_columns(FIELDS, header=None, positional=["customer_id", "-", "date", "amount"])
    assert columns == {"customer_id": Column(0, "#1"), "date": Column(2, "#3"), "amount": Column(3, "#4")}


def test_mapping_errors():
    with pytest.raises(UnknownField):
        resolve_columns(FIELDS, header=["a"], mapping={"price": "a"})
    with pytest.raises(ColumnNotFound):
        resolve_columns(FIELDS, header=["cust", "total"], mapping={"amount": "paid"})
    with pytest.raises(MissingColumns) as err:
        resolve_columns(FIELDS, header=["cust", "when"])
    assert err.value.detail["missing"] == ["amount"]
    with pytest.raises(InvalidImportOption):
        parse_mapping(["amount"])


def test_csv_reader_reports_the_line_a_record_starts_on():
    table = read_table(b'id,note\n1,"two\nlines"\n\n2,x\n', filename="f.csv")
    assert table.header == ["id", "note"]
    assert list(table.rows) == [(2, ["1", "two\nlines"]), (5, ["2", "x"])]


def test_whitespace_reader_and_bom():
    table = read_table("\ufeff id  date\r\n 00001 19970101\r\n".encode(), delimiter="whitespace")
    assert table.header == ["id", "date"]
    assert list(table.rows) == [(2, ["00001", "19970101"])]


def test_reader_refusals():
    with pytest.raises(WrongEncoding):
        read_table("客户,金额\n1,2\n".encode("gbk"))
    assert read_table("客户,金额\n1,2\n".encode("gbk"), encoding="gb18030").header == ["客户", "金额"]
    with pytest.raises(EmptyFile):
        read_table(b"id,amount\n")
    with pytest.raises(InvalidImportOption):
        read_table(b"a\n1\n", delimiter="ab")
    with pytest.raises(InvalidImportOption):
        read_table(b"a\n1\n", encoding="no-such-codec")
    with pytest.raises(UnreadableFile):
        read_table(b"PK\x03\x04 not really a zip", filename="x.xlsx")
    with pytest.raises(UnreadableFile):
        read_table(b"\xd0\xcf\x11\xe0 old excel", filename="x.xls")


def test_xlsx_reader_keeps_row_numbers_and_cell_types():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["cust", "when", "total"])
    sheet.append([])
    sheet.append(["A1", datetime(2024, 1, 2, 3, 4), 19.99])
    other = workbook.create_sheet("second")
    other.append(["x"])
    other.append([1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), filename="book.xlsx")
    assert table.header == ["cust", "when", "total"]
    assert list(table.rows) == [(3, ["A1", datetime(2024, 1, 2, 3, 4), 19.99])]
    assert list(read_table(buffer.getvalue(), sheet="second").rows) == [(2, [1])]
    with pytest.raises(InvalidImportOption):
        read_table(buffer.getvalue(), sheet="missing")
