"""Staff API for imports: upload a CSV or Excel file with its column mapping, get the row report back.

Mounted under /api/v1/admin/. Each field of an import is a form field whose value names the file's
column holding it (a header name or a 1-based number); empty means "find it by its usual names".

An upload up to ``SIYU_IMPORT_INLINE_MAX_BYTES`` (2 MiB) is imported in the request and answered
200 with the row report, as this API always did. A larger one, or any with ``background=true``, is
answered 202 with an import job to poll at ``GET /imports/jobs/{id}`` (docs/imports.md). A file
with more than ``SIYU_IMPORT_MAX_ROWS`` data rows is refused (413 ``too_many_rows``), nothing kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any, Literal, cast

from django.conf import settings
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.imports.errors import FileTooLarge
from siyu.imports.models import ImportJob, ImportKind
from siyu.imports.services import IMPORTERS, ImportOptions, jobs
from siyu.imports.services.mapping import parse_positional
from siyu.imports.services.options import SOURCE_PATTERN

router = Router(tags=["admin: imports"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
# A bigger history goes through ``siyu import`` on the server.
MAX_UPLOAD_BYTES: int = getattr(settings, "SIYU_IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)


def column() -> Any:
    return Field("", max_length=100, description="the file's column: a header name or a 1-based number")


class RowErrorOut(Schema):
    line: int
    column: str
    field: str
    reason: str


class ImportReportOut(Schema):
    kind: str
    status: str = Field(..., description="imported, or dry_run (checked, nothing kept)")
    source: str
    sha256: str
    batch_id: int | None
    rows: int
    imported: int
    skipped: int = Field(..., description="bad rows left out (with skip_bad_rows)")
    duplicates: int = Field(..., description="rows imported before")
    created: dict[str, int]
    error_count: int
    errors_truncated: bool
    errors: list[RowErrorOut]


class JobErrorOut(Schema):
    code: str
    message: str
    detail: object | None = None


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str = Field(..., description="queued, running, succeeded or failed")
    phase: str = Field(..., description="reading (rows_done counts up) or writing, while running")
    filename: str
    size: int
    rows_done: int
    rows_total: int | None = Field(..., description="an estimate until the file was read, then exact")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    batch_id: int | None
    report: ImportReportOut | None = Field(..., description="the row report, once finished")
    error: JobErrorOut | None = Field(..., description="why a failed job imported nothing")


class ImportForm(Schema):
    """Options every import takes."""

    delimiter: Literal["comma", "tab", "semicolon", "pipe", "whitespace"] = "comma"
    encoding: Literal["utf-8", "gb18030"] = "utf-8"
    has_header: bool = True
    columns: str = Field("", max_length=500, description="fields by position, e.g. customer_id,date,-,amount")
    date_format: str = Field("", max_length=64, description="strptime format, e.g. %Y%m%d")
    amount_unit: Literal["yuan", "fen"] = "yuan"
    skip_bad_rows: bool = False
    source: str = Field("import", pattern=SOURCE_PATTERN.pattern, description="the system the ids come from")
    sheet: str = Field("", max_length=100, description="Excel sheet (default: the first)")
    dry_run: bool = False
    background: bool = Field(False, description="import as a background job (always for large uploads)")

    def options(self) -> ImportOptions:
        mapping = {
            name: str(value).strip()
            for name, value in self.model_dump().items()
            if name not in ImportForm.model_fields and value
        }
        return ImportOptions(
            mapping=mapping,
            columns=tuple(parse_positional(self.columns)) if self.columns.strip() else (),
            has_header=self.has_header,
            delimiter=self.delimiter,
            encoding=self.encoding,
            date_format=self.date_format,
            amount_unit=self.amount_unit,
            skip_bad_rows=self.skip_bad_rows,
            source=self.source,
            sheet=self.sheet,
            dry_run=self.dry_run,
            max_rows=settings.SIYU_IMPORT_MAX_ROWS,
        )


class TransactionForm(ImportForm):
    customer_id: str = column()
    timestamp: str = column()
    date: str = column()
    quantity: str = column()
    amount: str = column()
    order_id: str = column()
    sku: str = column()
    channel: str = column()


class CustomerForm(ImportForm):
    customer_id: str = column()
    nickname: str = column()
    phone: str = column()
    gender: str = column()
    birthday: str = column()
    province: str = column()
    city: str = column()
    district: str = column()
    registered_at: str = column()


class ProductForm(ImportForm):
    sku: str = column()
    name: str = column()
    price: str = column()
    list_price: str = column()
    cost: str = column()
    barcode: str = column()
    product_id: str = column()


def _run(
    request: StaffRequest, kind: str, file: UploadedFile, form: ImportForm
) -> tuple[int, dict[str, Any]]:
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise FileTooLarge(detail={"max_bytes": MAX_UPLOAD_BYTES})
    if form.background or file.size > settings.SIYU_IMPORT_INLINE_MAX_BYTES:
        job = jobs.start_job(
            merchant=request.staff.merchant,
            kind=kind,
            chunks=file.chunks(),
            filename=file.name or "",
            options=form.options(),
            acting_staff=request.staff,
        )
        return 202, _job_out(job)
    report = IMPORTERS[kind](
        merchant=request.staff.merchant,
        data=cast(IO[bytes], file),  # read as a stream, a chunk at a time
        filename=file.name or "",
        options=form.options(),
        acting_staff=request.staff,
    )
    return 200, report.as_dict()


def _job_out(job: ImportJob) -> dict[str, Any]:
    error = None
    if job.error:
        messages = job.error.get("message", {})
        language = (get_language() or "en").lower()
        message = messages.get(language) or messages.get("en") or ""
        error = {"code": job.error["code"], "message": message, "detail": job.error.get("detail")}
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "phase": job.phase,
        "filename": job.filename,
        "size": job.size,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "batch_id": job.batch_id,
        "report": job.report or None,
        "error": error,
    }


IMPORT_RESPONSES = {200: ImportReportOut, 202: ImportJobOut, **ERRORS}


@router.post("/imports/transactions", response=IMPORT_RESPONSES)
def import_transactions(request: StaffRequest, file: File[UploadedFile], form: Form[TransactionForm]):
    """Import order history as completed orders; all rows or (unless skip_bad_rows) none."""
    return _run(request, ImportKind.TRANSACTIONS, file, form)


@router.post("/imports/customers", response=IMPORT_RESPONSES)
def import_customers(request: StaffRequest, file: File[UploadedFile], form: Form[CustomerForm]):
    """Import a customer list."""
    return _run(request, ImportKind.CUSTOMERS, file, form)


@router.post("/imports/products", response=IMPORT_RESPONSES)
def import_products(request: StaffRequest, file: File[UploadedFile], form: Form[ProductForm]):
    """Import products and SKUs (as drafts, without stock)."""
    return _run(request, ImportKind.PRODUCTS, file, form)


@router.get("/imports/jobs", response={200: list[ImportJobOut], **ERRORS})
def list_import_jobs(request: StaffRequest):
    """The merchant's latest background imports (newest first, at most 50)."""
    return [_job_out(job) for job in jobs.recent_jobs(request.staff)]


@router.get("/imports/jobs/{job_id}", response={200: ImportJobOut, 404: ErrorOut, **ERRORS})
def get_import_job(request: StaffRequest, job_id: int):
    """One background import: its status, progress and, once finished, its row report or error."""
    return _job_out(jobs.get_job(request.staff, job_id))
