"""Bounded memory, proved by structure: the upload is read lazily, a chunk at a time, as rows are used.

A generated upload refuses to produce bytes more than ``AHEAD`` rows beyond the rows its consumer
has handled: a reader (or an importer) that held the whole file, or all of its rows, before using
them would make it raise. No timing is involved.
"""

from __future__ import annotations

import hashlib
import io

import pytest

from siyu.imports.errors import TooManyRows, WrongEncoding
from siyu.imports.services import ImportOptions, import_transactions, readers
from siyu.imports.services import report as report_module
from siyu.imports.services import transactions as transactions_module
from siyu.imports.services.readers import read_table
from siyu.orders.models import Order

AHEAD = 5000  # rows; a chunk of 64 KiB holds about 3,000 of these rows


class ReadTooFarAhead(AssertionError):
    pass


class GeneratedUpload(io.RawIOBase):
    """A CSV of ``rows`` transactions made on demand; raises when read ``AHEAD`` rows past ``handled``."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.produced = 0
        self.handled = 0
        self.buffer = b"customer_id,date,amount\n"
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self.buffer) < size) and self.produced < self.rows:
            if self.produced - self.handled > AHEAD:
                raise ReadTooFarAhead(f"read row {self.produced} with {self.handled} handled")
            self.produced += 1
            day = 1 + self.produced % 28
            self.buffer += f"c{self.produced % 997},2024-02-{day:02d},{self.produced % 100}.50\n".encode()
        size = len(self.buffer) if size < 0 else size
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        self.digest.update(out)
        return out


def test_the_reader_pulls_the_upload_as_rows_are_used():
    upload = GeneratedUpload(50_000)
    table = read_table(upload)
    for number, (line, _cells) in enumerate(table.rows, start=2):
        upload.handled = number - 1
        assert line == number
    assert (table.count, upload.produced) == (50_000, 50_000)
    assert table.sha256() == upload.digest.hexdigest()


def test_a_reader_that_held_the_file_would_trip_the_upload():
    upload = GeneratedUpload(50_000)
    with pytest.raises(ReadTooFarAhead):
        upload.read()  # what the old reader did: the whole file as one string


def _count_parsed_rows(monkeypatch, upload: GeneratedUpload) -> None:
    """Each row the importer parses (one ``RowScope`` per row) counts as handled."""

    class CountingScope(report_module.RowScope):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            upload.handled += 1

    monkeypatch.setattr(transactions_module, "RowScope", CountingScope)


def test_the_importer_parses_rows_as_they_are_read(merchant, monkeypatch):
    upload = GeneratedUpload(15_000)
    _count_parsed_rows(monkeypatch, upload)
    report = import_transactions(merchant=merchant, data=upload, filename="big.csv")
    assert (report.rows, report.imported, upload.produced) == (15_000, 15_000, 15_000)
    assert report.sha256 == upload.digest.hexdigest()
    assert Order.objects.filter(merchant=merchant).count() == 15_000


def test_the_row_cap_stops_reading_at_the_first_row_over_it(merchant, monkeypatch):
    upload = GeneratedUpload(1_000_000)
    _count_parsed_rows(monkeypatch, upload)
    with pytest.raises(TooManyRows) as refused:
        import_transactions(merchant=merchant, data=upload, options=ImportOptions(max_rows=10_000))
    assert refused.value.detail == {"max_rows": 10_000}
    assert upload.produced < 10_000 + 2 * AHEAD  # it stopped there, not at the end of the file
    assert Order.objects.filter(merchant=merchant).count() == 0


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_lines_and_records_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(readers, "CHUNK_BYTES", chunk)
    data = 'id,note\r\n1,"two\r\nlines"\r\n\r\n2,x\r3,\u5ba2\u6237\n\n4,y'.encode()
    table = read_table(data)
    assert table.header == ["id", "note"]
    assert list(table.rows) == [
        (2, ["1", "two\r\nlines"]),
        (5, ["2", "x"]),
        (6, ["3", "客户"]),
        (8, ["4", "y"]),
    ]
    assert table.sha256() == hashlib.sha256(data).hexdigest()
    spaced = read_table(b"\xef\xbb\xbfid  date\r\n 00001 19970101\r\n\r\n2 3", delimiter="whitespace")
    assert list(spaced.rows) == [(2, ["00001", "19970101"]), (4, ["2", "3"])]


@pytest.mark.parametrize("chunk", [1, 4, 64 * 1024])
def test_a_decoding_error_names_its_byte_offset_whatever_the_chunk(monkeypatch, chunk):
    monkeypatch.setattr(readers, "CHUNK_BYTES", chunk)
    data = "id,name\n1,客户\n".encode() + b"2,\xff\n"
    with pytest.raises(WrongEncoding) as err:
        list(read_table(data).rows)
    assert err.value.detail == {"encoding": "utf-8", "byte_offset": data.index(b"\xff")}
