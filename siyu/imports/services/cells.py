"""Turning one cell into a value, or into the reason it cannot be one.

Every parser takes what a reader gives (text from CSV; text, numbers, dates from Excel) and either
returns a clean value or raises ``CellError`` with a translated reason for the row report. Money
never passes through a float: text goes straight to ``Decimal``, and an Excel number (which *is* a
binary float) is first cut to the 15 significant digits Excel itself shows.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.imports.errors import InvalidImportOption
from siyu.imports.services.readers import Cell

# Amount columns are PositiveIntegerField (32-bit on PostgreSQL).
MAX_FEN = 2_147_483_647
MAX_QUANTITY = 1_000_000
AMOUNT_UNITS = ("yuan", "fen")
# Tried in order when no --date-format is given (ISO forms go through datetime.fromisoformat first).
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日",
)
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_CURRENCY = "¥￥$"


class CellError(Exception):
    """Raised by a parser: ``reason`` says why the cell cannot be used."""

    def __init__(self, reason: str | Promise) -> None:
        self.reason = reason
        super().__init__(str(reason))


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _number_text(value: float) -> str:
    # 15 significant digits is what Excel stores and shows; beyond them is binary noise
    # (a SUM of 19.99 three times is 59.970000000000006).
    return format(value, ".15g")


def text(cell: Cell, *, max_length: int, required: bool = False) -> str:
    """The cell as stripped text; numbers as Excel shows them (1.0 -> "1")."""
    if cell is None:
        value = ""
    elif isinstance(cell, bool):
        value = "1" if cell else "0"
    elif isinstance(cell, float):
        value = _number_text(cell)
    elif isinstance(cell, (int, Decimal)):
        value = str(cell)
    elif isinstance(cell, (datetime, date, time)):
        value = cell.isoformat()
    else:
        value = cell.strip()
    if required and not value:
        raise CellError(_("A value is required."))
    if len(value) > max_length:
        raise CellError(_("Longer than %(limit)d characters.") % {"limit": max_length})
    return value


def _decimal(cell: Cell) -> Decimal:
    if is_blank(cell):
        raise CellError(_("A value is required."))
    if isinstance(cell, (bool, datetime, date, time)):
        raise CellError(_("Not a number."))
    if isinstance(cell, float):
        raw = _number_text(cell)
    elif isinstance(cell, (int, Decimal)):
        raw = str(cell)
    else:
        raw = str(cell).strip().lstrip(_CURRENCY).strip()
        if _THOUSANDS.match(raw):
            raw = raw.replace(",", "")
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise CellError(_("Not a number.")) from exc
    if not number.is_finite():
        raise CellError(_("Not a number."))
    return number


def _decimal_places(number: Decimal) -> int:
    """Digits after the point that matter ("19.990" has 2), by integer arithmetic: no context rounding."""
    _sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def amount_fen(cell: Cell, *, unit: str) -> int:
    """An amount as integer fen. Yuan may have at most two decimals; fen must be whole."""
    number = _decimal(cell)
    if number < 0:
        raise CellError(_("Must not be negative."))
    # Size first: arithmetic on an absurd exponent (1e999999999) would overflow the decimal context.
    if number.adjusted() > 12:
        raise CellError(_("Too large."))
    places = _decimal_places(number)
    if unit == "yuan" and places > 2:
        raise CellError(_("More than two decimal places."))
    if unit != "yuan" and places > 0:
        raise CellError(_("Amounts in fen must be whole numbers."))
    fen = int(number.scaleb(2) if unit == "yuan" else number)
    if fen > MAX_FEN:
        raise CellError(_("Too large."))
    return fen


def quantity(cell: Cell) -> int:
    """A whole number of units, at least one."""
    number = _decimal(cell)
    if number.adjusted() > 6 or number > MAX_QUANTITY:
        raise CellError(_("Too large."))
    if _decimal_places(number) > 0:
        raise CellError(_("Not a whole number."))
    if number < 1:
        raise CellError(_("Must be at least 1."))
    return int(number)


def check_date_format(date_format: str) -> None:
    """Refuse a strptime format that cannot read back a date it wrote, or that has no year."""
    sample = datetime(2001, 2, 3, 4, 5, 6)
    try:
        parsed = datetime.strptime(sample.strftime(date_format), date_format)
    except (ValueError, TypeError) as exc:
        raise InvalidImportOption(detail={"date_format": date_format}) from exc
    if "%" not in date_format or parsed.year != sample.year:
        raise InvalidImportOption(detail={"date_format": date_format, "reason": "no year"})


@lru_cache(maxsize=65536)
def _parse_text_moment(raw: str, date_format: str | None) -> datetime:
    # Cached: a history repeats its dates (CDNOW: 69,659 rows, 546 days), and strptime is slow.
    if date_format:
        try:
            return datetime.strptime(raw, date_format)
        except ValueError as exc:
            raise CellError(_("Not a date in the format %(format)s.") % {"format": date_format}) from exc
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        pass
    for candidate in DATE_FORMATS:
        try:
            return datetime.strptime(raw, candidate)
        except ValueError:
            continue
    raise CellError(_("Not a date or time that can be read; give a date format."))


def moment(cell: Cell, *, date_format: str | None, zone: tzinfo, now: datetime) -> datetime:
    """An aware datetime. A date alone is midnight, and a time without zone is local, in ``zone``."""
    if is_blank(cell):
        raise CellError(_("A value is required."))
    if isinstance(cell, datetime):
        value = cell
    elif isinstance(cell, date):
        value = datetime.combine(cell, time())
    elif isinstance(cell, (time, bool)):
        raise CellError(_("Not a date or time that can be read; give a date format."))
    elif isinstance(cell, (int, float, Decimal)):
        # A number such as 19970101 is a date written without separators.
        value = _parse_text_moment(text(cell, max_length=40), date_format)
    else:
        value = _parse_text_moment(str(cell).strip(), date_format)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    if value > now:
        raise CellError(_("In the future."))
    return value


def calendar_date(cell: Cell, *, date_format: str | None) -> date | None:
    """A date such as a birthday; an empty cell is None."""
    if is_blank(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (time, bool)):
        raise CellError(_("Not a date or time that can be read; give a date format."))
    raw = text(cell, max_length=40)
    return _parse_text_moment(raw, date_format).date()


GENDERS = {
    "male": ("m", "male", "man", "男", "1"),
    "female": ("f", "female", "woman", "女", "2"),
    "unknown": ("", "u", "unknown", "未知", "0"),
}


def gender(cell: Cell) -> str:
    """male, female or unknown, from the usual spellings (m/f, 男/女, 1/2)."""
    value = text(cell, max_length=16).lower()
    for name, spellings in GENDERS.items():
        if value in spellings:
            return name
    raise CellError(_("Unknown gender; use male, female or unknown."))


def phone(cell: Cell) -> str | None:
    """Digits only, 6 to 20 of them (as ``bind_phone`` accepts); spaces and dashes are dropped."""
    value = re.sub(r"[\s\-]", "", text(cell, max_length=40))
    if value.startswith("+"):
        value = value[1:]
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{6,20}", value):
        raise CellError(_("A phone number must be 6 to 20 digits."))
    return value
