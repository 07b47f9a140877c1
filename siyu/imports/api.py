"""Staff API for imports: upload a CSV or Excel file with its column mapping, get the row report back.

Mounted under /api/v1/admin/. Each field of an import is a form field whose value names the file's
column holding it (a header name or a 1-based number); empty means "find it by its usual names".
"""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.imports.errors import FileTooLarge
from siyu.imports.models import ImportKind
from siyu.imports.services import IMPORTERS, ImportOptions
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


def _run(request: StaffRequest, kind: str, file: UploadedFile, form: ImportForm) -> dict[str, Any]:
    if file.size is None or file.size > MAX_UPLOAD_BYTES:
        raise FileTooLarge(detail={"max_bytes": MAX_UPLOAD_BYTES})
    report = IMPORTERS[kind](
        merchant=request.staff.merchant,
        data=file.read(),
        filename=file.name or "",
        options=form.options(),
        acting_staff=request.staff,
    )
    return report.as_dict()


@router.post("/imports/transactions", response={200: ImportReportOut, **ERRORS})
def import_transactions(request: StaffRequest, file: File[UploadedFile], form: Form[TransactionForm]):
    """Import order history as completed orders; all rows or (unless skip_bad_rows) none."""
    return _run(request, ImportKind.TRANSACTIONS, file, form)


@router.post("/imports/customers", response={200: ImportReportOut, **ERRORS})
def import_customers(request: StaffRequest, file: File[UploadedFile], form: Form[CustomerForm]):
    """Import a customer list."""
    return _run(request, ImportKind.CUSTOMERS, file, form)


@router.post("/imports/products", response={200: ImportReportOut, **ERRORS})
def import_products(request: StaffRequest, file: File[UploadedFile], form: Form[ProductForm]):
    """Import products and SKUs (as drafts, without stock)."""
    return _run(request, ImportKind.PRODUCTS, file, form)
