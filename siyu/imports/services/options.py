"""How to read a file: the column mapping and the format options, as the CLI and the API give them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from siyu.imports.errors import InvalidImportOption
from siyu.imports.services.cells import AMOUNT_UNITS, check_date_format
from siyu.imports.services.readers import delimiter_char

SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class ImportOptions:
    """Options of one import.

    ``mapping`` is field -> column (a header name or a 1-based number); ``columns`` names the fields
    by position instead (``-`` skips a column). ``source`` names the system the file's ids come from:
    the same external id under the same source is the same customer or order.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    has_header: bool = True
    delimiter: str = "comma"
    encoding: str = "utf-8"
    date_format: str = ""
    amount_unit: str = "yuan"
    skip_bad_rows: bool = False
    source: str = "import"
    sheet: str = ""
    file_format: str = ""
    dry_run: bool = False
    max_rows: int = 0  # data rows one file may have; 0: no cap (the API passes SIYU_IMPORT_MAX_ROWS)

    def check(self) -> None:
        """Refuse options that cannot work before reading a single row."""
        if self.amount_unit not in AMOUNT_UNITS:
            raise InvalidImportOption(detail={"amount_unit": self.amount_unit, "choices": list(AMOUNT_UNITS)})
        if not SOURCE_PATTERN.match(self.source):
            raise InvalidImportOption(detail={"source": self.source, "expected": SOURCE_PATTERN.pattern})
        if self.date_format:
            check_date_format(self.date_format)
        delimiter_char(self.delimiter)

    def describe(self) -> dict[str, Any]:
        data = asdict(self)
        data["mapping"] = dict(self.mapping)
        data["columns"] = list(self.columns)
        return data
