"""The frame every import runs in: permission, file digest, mapping, one transaction, batch row, audit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from django.db import IntegrityError, transaction

from siyu.imports.errors import ImportConflict, ImportRejected
from siyu.imports.models import ImportBatch, ImportKind
from siyu.imports.services.mapping import Column, Field, resolve_columns
from siyu.imports.services.options import ImportOptions
from siyu.imports.services.readers import Progress, Table, read_table
from siyu.imports.services.report import ImportReport
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

# Rows per bulk_create / bulk_update where the ORM is fast enough (products, registration dates).
BATCH_SIZE = 1000
# Values per ``IN (...)`` lookup.
LOOKUP_CHUNK = 500

# Catalog editing is what marks the owner and operators; each kind also needs the rights over what it writes.
KIND_PERMISSIONS: dict[str, tuple[Perm, ...]] = {
    ImportKind.TRANSACTIONS: (Perm.CATALOG_EDIT, Perm.CUSTOMERS_EDIT, Perm.ORDERS_FULFIL),
    ImportKind.CUSTOMERS: (Perm.CATALOG_EDIT, Perm.CUSTOMERS_EDIT),
    ImportKind.PRODUCTS: (Perm.CATALOG_EDIT,),
}


def authorize(staff: Staff | None, kind: str) -> None:
    """Refuse a staff member who may not import ``kind``; the command line (no staff) may."""
    if staff is not None:
        for perm in KIND_PERMISSIONS[kind]:
            require(staff, perm)


def open_table(
    *,
    kind: str,
    data: bytes | IO[bytes],
    filename: str,
    options: ImportOptions,
    fields: Sequence[Field],
    progress: Progress | None = None,
) -> tuple[Table, dict[str, Column], ImportReport]:
    """Check the options, open the file and find its columns; a report to fill comes with them.

    The rows are read as the importer iterates ``table.rows``; ``finish_reading`` then puts the row
    count and the file's digest on the report.
    """
    options.check()
    table = read_table(
        data,
        filename=filename,
        has_header=options.has_header,
        delimiter=options.delimiter,
        encoding=options.encoding,
        sheet=options.sheet or None,
        file_format=options.file_format or None,
        max_rows=options.max_rows,
        progress=progress,
    )
    columns = resolve_columns(
        fields, header=table.header, mapping=options.mapping, positional=options.columns or None
    )
    report = ImportReport(kind=kind, source=options.source, sha256="")
    return table, columns, report


def finish_reading(table: Table, report: ImportReport) -> None:
    """After the rows were read: how many there were and the file's SHA-256."""
    report.rows = table.count
    report.sha256 = table.sha256()


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing(queryset: Any, field: str, values: Iterable[str], *, also: str | None = None) -> dict[str, Any]:
    """Which of ``values`` are already in ``queryset.field``; mapped to ``also`` when given.

    Many values against a scope not much bigger (a re-run of a whole file) read the scope in one
    pass; otherwise ``IN`` lookups in chunks. One pass also keeps PostgreSQL off a bad plan on a
    freshly loaded table whose statistics still say it is empty (a 500-value ``IN`` then filters
    every row of the merchant: 9 s instead of 0.1 s for a CDNOW re-run).
    """
    wanted = sorted(set(values))
    if not wanted:
        return {}
    columns = [field] if also is None else [field, also]
    if len(wanted) > LOOKUP_CHUNK and queryset.count() <= 4 * len(wanted):
        rows = queryset.values_list(*columns).iterator(chunk_size=10_000)
        keep = set(wanted)
        return {row[0]: (row[1] if also else None) for row in rows if row[0] in keep}
    found: dict[str, Any] = {}
    for chunk in chunks(wanted):
        for row in queryset.filter(**{f"{field}__in": chunk}).values_list(*columns):
            found[row[0]] = row[1] if also else None
    return found


@contextmanager
def writing(
    *,
    merchant: Merchant,
    report: ImportReport,
    options: ImportOptions,
    filename: str,
    staff: Staff | None,
) -> Iterator[ImportBatch]:
    """One transaction for the whole file and its batch row; refuses first if bad rows may not be skipped.

    The body writes the rows and fills ``report``; then the batch row gets the counts and an audit
    entry is added. A dry run rolls all of it back. A unique-key clash (a concurrent import of the
    same data) is an ``ImportConflict``, with nothing written.
    """
    if report.errors and not options.skip_bad_rows:
        report.status = "rejected"
        raise ImportRejected(detail=report.as_dict())
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                merchant=merchant,
                kind=report.kind,
                source=options.source,
                filename=filename[-200:],
                sha256=report.sha256,
                rows=report.rows,
                staff=staff,
            )
            yield batch
            summary = report.as_dict()
            batch.imported, batch.skipped, batch.duplicates = (
                report.imported,
                report.skipped,
                report.duplicates,
            )
            batch.report = {
                "options": options.describe(),
                "created": summary["created"],
                "error_count": summary["error_count"],
                "errors": summary["errors"],
            }
            batch.save(update_fields=["imported", "skipped", "duplicates", "report"])
            record_audit(
                staff=staff,
                merchant=merchant,
                action=f"import.{report.kind}",
                obj=batch,
                after={
                    k: summary[k] for k in ("source", "sha256", "rows", "imported", "skipped", "duplicates")
                },
            )
            if options.dry_run:
                report.status = "dry_run"
                transaction.set_rollback(True)
            else:
                report.batch_id = batch.pk
    except IntegrityError as exc:
        raise ImportConflict() from exc
