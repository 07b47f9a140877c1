"""Rows out of a file: CSV with any one-character delimiter or runs of whitespace, and Excel .xlsx.

A reader yields every non-empty row with the line (CSV) or row (Excel) number a person sees in
their editor, so that a report can point at it. Cells stay as the file gives them: text from CSV;
text, numbers, dates and times from Excel. Interpreting them is the job of ``cells``.

Rows are read lazily from the upload, a chunk of bytes at a time: neither the whole file nor all of
its rows are ever held at once (a 700k-row CSV once took 2 GB that way). The file's SHA-256 is
computed from the same chunks as they go by. ``max_rows`` caps the data rows of one file: the row
after the cap raises ``TooManyRows`` before anything is written.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from siyu.imports.errors import (
    EmptyFile,
    InvalidImportOption,
    TooManyRows,
    UnreadableFile,
    WrongEncoding,
)

Cell = str | int | float | Decimal | datetime | date | time | bool | None
Row = tuple[int, list[Cell]]
# Called with the data rows read so far, and True once the last one was read.
Progress = Callable[[int, bool], None]

DELIMITERS: dict[str, str | None] = {
    "comma": ",",
    "tab": "\t",
    "semicolon": ";",
    "pipe": "|",
    "whitespace": None,  # runs of spaces and tabs, as in the CDNOW file
}
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary format, which openpyxl cannot read
CHUNK_BYTES = 64 * 1024
# How often (in data rows) a reader reports its progress.
PROGRESS_EVERY = 5000


class Upload:
    """The bytes of one file, read once in ``CHUNK_BYTES`` chunks and hashed on the way.

    ``source`` is the whole file as bytes (tests, small callers) or a binary file object (an
    uploaded file, a file on disk, any stream with ``read``).
    """

    def __init__(self, source: bytes | IO[bytes]) -> None:
        self._stream: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        self._digest = hashlib.sha256()
        self._head = self._stream.read(CHUNK_BYTES) or b""
        self._digest.update(self._head)
        self._started = False

    @property
    def head(self) -> bytes:
        """The first chunk, to tell the format by its magic bytes."""
        return self._head

    def chunks(self) -> Iterator[bytes]:
        """Every chunk of the file in order; can be consumed once."""
        if self._started:
            raise RuntimeError("an upload is read once")
        self._started = True
        if self._head:
            yield self._head
        while chunk := self._stream.read(CHUNK_BYTES):
            self._digest.update(chunk)
            yield chunk

    def sha256(self) -> str:
        """The file's digest; reads (and drops) whatever was not read yet."""
        if not self._started:
            for _chunk in self.chunks():
                pass
        while chunk := self._stream.read(CHUNK_BYTES):
            self._digest.update(chunk)
        return self._digest.hexdigest()

    def seekable_copy(self) -> IO[bytes]:
        """A seekable file with the whole content (Excel's zip needs one); spooled to disk when big."""
        copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the caller
        for chunk in self.chunks():
            copy.write(chunk)
        copy.seek(0)
        return copy


class Table:
    """A file's header (if it has one) and its data rows, read lazily with their line numbers.

    Iterate ``rows`` once. ``count`` is the number of data rows read so far; ``sha256()`` is the
    file's digest (complete once the rows are consumed).
    """

    def __init__(
        self,
        header: list[str] | None,
        rows: Iterator[Row],
        upload: Upload,
        *,
        max_rows: int = 0,
        progress: Progress | None = None,
    ) -> None:
        self.header = header
        self.count = 0
        self._upload = upload
        self._max_rows = max_rows
        self._progress = progress
        self.rows: Iterator[Row] = self._counted(rows)

    def _counted(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.count += 1
            if self._max_rows and self.count > self._max_rows:
                raise TooManyRows(detail={"max_rows": self._max_rows})
            if self._progress is not None and self.count % PROGRESS_EVERY == 0:
                self._progress(self.count, False)
            yield row
        if self._progress is not None:
            self._progress(self.count, True)

    def sha256(self) -> str:
        return self._upload.sha256()


def delimiter_char(name: str) -> str | None:
    """The delimiter for a name (comma, tab, ...) or a literal character; None means whitespace."""
    if name in DELIMITERS:
        return DELIMITERS[name]
    if name == "\\t":
        return "\t"
    if len(name) == 1 and name not in '"\r\n' and not name.isalnum():
        return name
    raise InvalidImportOption(detail={"delimiter": name, "choices": sorted(DELIMITERS)})


def is_xlsx(head: bytes, filename: str, file_format: str | None) -> bool:
    if file_format:
        if file_format not in ("csv", "xlsx"):
            raise InvalidImportOption(detail={"format": file_format, "choices": ["csv", "xlsx"]})
        return file_format == "xlsx"
    if head.startswith(XLS_MAGIC) or filename.lower().endswith(".xls"):
        raise UnreadableFile(detail={"reason": "Excel 97-2003 .xls: save the sheet as .xlsx or CSV"})
    return head.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(
    data: bytes | IO[bytes],
    *,
    filename: str = "",
    has_header: bool = True,
    delimiter: str = "comma",
    encoding: str = "utf-8",
    sheet: str | None = None,
    file_format: str | None = None,
    max_rows: int = 0,
    progress: Progress | None = None,
) -> Table:
    """Open a file for reading; the first non-empty row is the header when ``has_header``.

    Reads as far as the first data row (``EmptyFile`` when there is none); the rest comes as the
    caller iterates ``rows``.
    """
    upload = Upload(data)
    rows: Iterator[Row]
    if is_xlsx(upload.head, filename, file_format):
        rows = _xlsx_rows(upload, sheet)
    else:
        rows = _csv_rows(_decode(upload, encoding), delimiter_char(delimiter))
    header: list[str] | None = None
    if has_header:
        first = next(rows, None)
        if first is not None:
            header = ["" if c is None else str(c).strip() for c in first[1]]
    first_data = next(rows, None)
    if first_data is None:
        raise EmptyFile()
    return Table(header, itertools.chain([first_data], rows), upload, max_rows=max_rows, progress=progress)


def _decode(upload: Upload, encoding: str) -> Iterator[str]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InvalidImportOption(detail={"encoding": encoding}) from exc
    if codec == "utf-8":
        codec = "utf-8-sig"  # Excel writes a byte-order mark in front of UTF-8 CSV
    return _decoded(upload, codec, encoding)


def _decoded(upload: Upload, codec: str, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = 0  # bytes handed to the decoder so far
    for chunk in itertools.chain(upload.chunks(), [b""]):
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            at = offset - len(pending) + exc.start
            raise WrongEncoding(detail={"encoding": encoding, "byte_offset": at}) from exc
        offset += len(chunk)
        if "\x00" in text:
            raise UnreadableFile(detail={"reason": "binary data (NUL bytes) in a text file"})
        if text:
            yield text


def _lines(texts: Iterator[str]) -> Iterator[str]:
    r"""Lines with their endings (\n, \r\n or \r, as an editor counts them), across chunk boundaries."""
    pending = ""
    for text in texts:
        pieces = io.StringIO(pending + text, newline="").readlines()  # one chunk's lines
        # The last piece may go on in the next chunk (a final \r may be half of a \r\n).
        pending = pieces.pop() if pieces and not pieces[-1].endswith("\n") else ""
        yield from pieces
    if pending:
        yield pending


def _csv_rows(texts: Iterator[str], delimiter: str | None) -> Iterator[Row]:
    lines = _lines(texts)
    if delimiter is None:
        # Universal newlines only (\n, \r\n, \r), so numbers match what an editor shows.
        for number, line in enumerate(lines, start=1):
            cells: list[Cell] = list(line.split())
            if cells:
                yield number, cells
        return
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    first_line = 1
    try:
        for record in reader:
            # A quoted cell may span lines: report the line the record starts on.
            if any(cell.strip() for cell in record):
                yield first_line, list(record)
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(detail={"line": reader.line_num, "reason": str(exc)}) from exc


def _xlsx_rows(upload: Upload, sheet: str | None) -> Iterator[Row]:
    import openpyxl

    copy = upload.seekable_copy()
    try:
        workbook = openpyxl.load_workbook(copy, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        copy.close()
        raise UnreadableFile(detail={"reason": str(exc)[:200]}) from exc
    except Exception as exc:  # openpyxl raises its own types for every malformed part of the archive
        copy.close()
        raise UnreadableFile(detail={"reason": type(exc).__name__}) from exc
    return _sheet_rows(workbook, copy, sheet)


def _sheet_rows(workbook: Any, copy: IO[bytes], sheet: str | None) -> Iterator[Row]:
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise InvalidImportOption(detail={"sheet": sheet, "sheets": workbook.sheetnames})
            worksheet: Any = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        # Spreadsheets written by other tools often declare wrong dimensions; read what is there.
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(values)
            while cells and (cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())):
                cells.pop()
            if cells:
                yield number, cells
    except (InvalidImportOption, TooManyRows):
        raise
    except Exception as exc:  # a malformed sheet XML surfaces only while iterating
        raise UnreadableFile(detail={"reason": type(exc).__name__}) from exc
    finally:
        workbook.close()
        copy.close()
