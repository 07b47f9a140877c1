"""Import order history: one row per purchase (or per line of an order that has an order id).

Every imported order is a completed historical order: paid in full at the row's time, delivered, no
stock moved, ``source="import"``. Rows with the same order id make one order with one line each; a
file without order ids makes one order per row (so CDNOW's 69,659 rows are 69,659 orders, even when
a customer bought twice on one day). An order is known by (source, external id): the order id, or,
without one, a digest of the row's content and how many identical rows came before it in the file,
so importing the file again, or a longer export of the same history, adds only the new orders.
Without a quantity column each row is one unit; without a sku column lines point at a placeholder
SKU (off shelf); the amount is what was paid for the row.
A file's own source column (field ``channel``: tmall, store ...) is kept on the order's
``ExternalOrderRef``; ``Order.source`` stays ``import`` so that history is always told apart from
orders placed in Siyu.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.catalog.models import Product, ProductStatus, Sku
from siyu.imports.errors import MissingColumns
from siyu.imports.models import ExternalCustomerRef, ExternalOrderRef, ImportBatch, ImportKind
from siyu.imports.services import bulk, cells
from siyu.imports.services.batches import (
    BATCH_SIZE,
    authorize,
    chunks,
    existing,
    finish_reading,
    open_table,
    writing,
)
from siyu.imports.services.mapping import CUSTOMER_ID, Column, Field
from siyu.imports.services.options import ImportOptions
from siyu.imports.services.readers import Progress
from siyu.imports.services.report import ImportReport, RowError, RowScope
from siyu.inventory.models import StockLevel
from siyu.members.models import Customer, Source
from siyu.orders.models import Fulfilment, Order, OrderLine, OrderStatus
from siyu.tenancy.models import Merchant, Staff

FIELDS = (
    CUSTOMER_ID,
    Field(
        "timestamp",
        ("datetime", "order_time", "created_at", "paid_at", "pay_time", "下单时间", "付款时间", "支付时间"),
    ),
    Field("date", ("order_date", "transaction_date", "日期", "下单日期", "订单日期")),
    Field("quantity", ("qty", "number_of_cds", "units", "数量", "件数", "购买数量")),
    Field(
        "amount",
        (
            "total",
            "dollar_value",
            "paid_amount",
            "amount_paid",
            "sales",
            "金额",
            "实付金额",
            "订单金额",
            "支付金额",
        ),
        required=True,
    ),
    Field("order_id", ("order_no", "order_number", "订单号", "订单编号")),
    Field("sku", ("sku_code", "商品编码", "货号")),
    Field("channel", ("source", "来源", "渠道")),
)
PLACEHOLDER_SKU_CODE = "IMPORTED"
PLACEHOLDER_PRODUCT_NAME = "历史导入商品 Imported item"
MAX_EXTERNAL_ID = 128
MAX_CHANNEL = 32
# Orders inserted per round trip of rows (with their lines and refs).
WRITE_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Txn:
    """One valid row."""

    line: int
    customer: str
    at: datetime
    quantity: int
    amount: int
    order_id: str
    sku: str
    channel: str


@dataclass
class PlannedOrder:
    external_id: str
    rows: list[Txn] = field(default_factory=list)

    @property
    def customer(self) -> str:
        return self.rows[0].customer

    @property
    def at(self) -> datetime:
        return min(r.at for r in self.rows)


def import_transactions(
    *,
    merchant: Merchant,
    data: bytes | IO[bytes],
    filename: str = "",
    options: ImportOptions | None = None,
    acting_staff: Staff | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a file of transactions as completed orders of ``merchant``, all of it or (with bad rows) none.

    Raises ``ImportRejected`` (with the row report as detail) when rows are bad and
    ``options.skip_bad_rows`` is off; otherwise the good rows go in and the report lists the bad ones.
    """
    options = options or ImportOptions()
    authorize(acting_staff, ImportKind.TRANSACTIONS)
    table, columns, report = open_table(
        kind=ImportKind.TRANSACTIONS,
        data=data,
        filename=filename,
        options=options,
        fields=FIELDS,
        progress=progress,
    )
    if "timestamp" not in columns and "date" not in columns:
        raise MissingColumns(detail={"missing": ["timestamp or date"], "header": table.header})
    zone, now = ZoneInfo(merchant.timezone), timezone.now()
    txns: list[Txn] = []
    bad_orders: dict[str, int] = {}
    for line, row in table.rows:
        scope = RowScope(line, row, columns)
        txn = _parse_row(scope, options, zone, now)
        if scope.errors:
            report.errors += scope.errors
            order_id = scope.get("order_id", lambda c: cells.text(c, max_length=MAX_EXTERNAL_ID), "")
            if order_id:
                bad_orders.setdefault(order_id, line)
        else:
            txns.append(txn)
    finish_reading(table, report)
    skus = _skus_by_code(merchant, {t.sku for t in txns if t.sku})
    for txn in txns:
        if txn.sku and txn.sku not in skus:
            report.errors.append(_error(columns, txn.line, "sku", _("No SKU has this code.")))
            if txn.order_id:
                bad_orders.setdefault(txn.order_id, txn.line)
    bad_lines = {e.line for e in report.errors}
    plans = _plan_orders([t for t in txns if t.line not in bad_lines], columns, report, bad_orders)
    report.skipped = len({e.line for e in report.errors})

    with writing(
        merchant=merchant, report=report, options=options, filename=filename, staff=acting_staff
    ) as batch:
        _write_orders(merchant, plans, skus, batch, report)
    return report


def _error(columns: dict[str, Column], line: int, name: str, reason: str | Promise) -> RowError:
    column = columns.get(name)
    return RowError(line, column.label if column else name, name, reason)


def _parse_row(scope: RowScope, options: ImportOptions, zone: ZoneInfo, now: datetime) -> Txn:
    def when(cell: cells.Cell) -> datetime:
        return cells.moment(cell, date_format=options.date_format or None, zone=zone, now=now)

    at = scope.get("timestamp", when, now) if scope.has("timestamp") else scope.get("date", when, now)
    return Txn(
        line=scope.line,
        customer=scope.get(
            "customer_id", lambda c: cells.text(c, max_length=MAX_EXTERNAL_ID, required=True), ""
        ),
        at=at,
        quantity=scope.get("quantity", cells.quantity, 1),
        amount=scope.get("amount", lambda c: cells.amount_fen(c, unit=options.amount_unit), 0),
        order_id=scope.get("order_id", lambda c: cells.text(c, max_length=MAX_EXTERNAL_ID), ""),
        sku=scope.get("sku", lambda c: cells.text(c, max_length=64), ""),
        channel=scope.get("channel", lambda c: cells.text(c, max_length=MAX_CHANNEL), ""),
    )


def _skus_by_code(merchant: Merchant, codes: set[str]) -> dict[str, Sku]:
    qs = Sku.objects.for_merchant(merchant).select_related("product")
    found: dict[str, Sku] = {}
    ordered = sorted(codes)
    for codes_chunk in chunks(ordered):
        found.update((s.code, s) for s in qs.filter(code__in=codes_chunk))
    return found


def _derived_id(txn: Txn, occurrence: int) -> str:
    content = "\x1f".join(
        [
            txn.customer,
            txn.at.isoformat(),
            str(txn.quantity),
            str(txn.amount),
            txn.sku,
            txn.channel,
            str(occurrence),
        ]
    )
    return "row:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def _plan_orders(
    txns: list[Txn],
    columns: dict[str, Column],
    report: ImportReport,
    bad_orders: dict[str, int],
) -> list[PlannedOrder]:
    """Group valid rows into orders; an order with any bad row is left out whole.

    A row without an order id (or any row, when the file has no order id column) is an order of its own.
    """
    seen: Counter[tuple] = Counter()
    groups: dict[str, list[Txn]] = defaultdict(list)
    for txn in txns:
        if txn.order_id:
            groups[txn.order_id].append(txn)
        else:
            key = (txn.customer, txn.at, txn.quantity, txn.amount, txn.sku, txn.channel)
            groups[_derived_id(txn, seen[key])].append(txn)
            seen[key] += 1
    for order_id, rows in groups.items():
        for txn in rows[1:]:
            if txn.customer != rows[0].customer:
                reason = _("Order %(order)s belongs to another customer on line %(line)d.") % {
                    "order": order_id,
                    "line": rows[0].line,
                }
                report.errors.append(_error(columns, txn.line, "customer_id", reason))
                bad_orders.setdefault(order_id, txn.line)
    plans = []
    errored = {e.line for e in report.errors}
    for order_id, rows in groups.items():
        if order_id in bad_orders:
            for txn in rows:
                if txn.line not in errored:
                    reason = _("Another row of order %(order)s is invalid (line %(line)d).") % {
                        "order": order_id,
                        "line": bad_orders[order_id],
                    }
                    report.errors.append(_error(columns, txn.line, "order_id", reason))
            continue
        if sum(_goods(t)[1] for t in rows) > cells.MAX_FEN:
            for txn in rows:
                report.errors.append(
                    _error(columns, txn.line, "amount", _("The order's total is too large."))
                )
            continue
        plans.append(PlannedOrder(order_id, rows))
    return plans


def order_number(source: str, external_id: str) -> str:
    """The order number of an imported order: the same for the same external id, 24 characters."""
    return "IM" + hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()[:22].upper()


def _placeholder_sku(merchant: Merchant) -> Sku:
    """The SKU that lines without a SKU code point at; created off-shelf, once per merchant."""
    sku = (
        Sku.objects.for_merchant(merchant).select_related("product").filter(code=PLACEHOLDER_SKU_CODE).first()
    )
    if sku is not None:
        return sku
    product = Product.objects.create(
        merchant=merchant,
        name=PLACEHOLDER_PRODUCT_NAME,
        description="Order lines imported from history without a SKU.",
        status=ProductStatus.OFF_SHELF,
    )
    sku = Sku.objects.create(
        merchant=merchant, product=product, code=PLACEHOLDER_SKU_CODE, price=0, is_active=False
    )
    StockLevel.objects.create(merchant=merchant, sku=sku, on_hand=0)
    return sku


def _customer_ids(
    merchant: Merchant, source: str, first_seen: dict[str, datetime], batch: ImportBatch, report: ImportReport
) -> dict[str, int]:
    """Customer ids by external id: existing ones found by their ref, the others created now.

    A customer cannot have registered after their first order: an earlier order moves
    ``registered_at`` back.
    """
    refs = ExternalCustomerRef.objects.for_merchant(merchant).filter(source=source)
    known: dict[str, int] = existing(refs, "external_id", first_seen, also="customer_id")
    external_by_id = {customer_id: external for external, customer_id in known.items()}
    moved = []
    for ids in chunks(list(external_by_id)):
        for customer in Customer.objects.filter(pk__in=ids).only("id", "registered_at"):
            first = first_seen[external_by_id[customer.pk]]
            if customer.registered_at > first:
                customer.registered_at = first
                moved.append(customer)
    Customer.objects.bulk_update(moved, ["registered_at"], batch_size=BATCH_SIZE)
    new = [external for external in first_seen if external not in known]
    new_ids = bulk.insert(
        Customer,
        [
            {
                "merchant_id": merchant.pk,
                "registered_at": first_seen[external],
                "first_touch_source": Source.IMPORT,
            }
            for external in new
        ],
        returning=True,
    )
    bulk.insert(
        ExternalCustomerRef,
        [
            {
                "merchant_id": merchant.pk,
                "customer_id": customer_id,
                "source": source,
                "external_id": external,
                "batch_id": batch.pk,
            }
            for external, customer_id in zip(new, new_ids, strict=True)
        ],
    )
    report.created["customers"] = len(new_ids)
    known.update(zip(new, new_ids, strict=True))
    return known


def _goods(txn: Txn) -> tuple[int, int]:
    """Unit price and goods amount of a row's line.

    The file gives a line total; the unit price is rounded up so that unit_price * quantity stays the
    line's goods amount, and the few fen of rounding are the line's discount (paid = the file's amount).
    """
    unit_price = -(-txn.amount // txn.quantity)
    return unit_price, unit_price * txn.quantity


def _line(txn: Txn, sku: Sku) -> dict[str, Any]:
    unit_price, goods = _goods(txn)
    return {
        "merchant_id": sku.merchant_id,
        "sku_id": sku.pk,
        "product_id_snapshot": sku.product_id,
        "product_name": sku.product.name,
        "sku_code": sku.code,
        "specs": sku.specs,
        "unit_price": unit_price,
        "quantity": txn.quantity,
        "goods_amount": goods,
        "discount_amount": goods - txn.amount,
        "paid_amount": txn.amount,
    }


def _write_orders(
    merchant: Merchant,
    plans: list[PlannedOrder],
    skus: dict[str, Sku],
    batch: ImportBatch,
    report: ImportReport,
) -> None:
    source = batch.source
    refs = ExternalOrderRef.objects.for_merchant(merchant).filter(source=source)
    done = existing(refs, "external_id", [p.external_id for p in plans])
    fresh = [p for p in plans if p.external_id not in done]
    report.duplicates = sum(len(p.rows) for p in plans if p.external_id in done)
    report.imported = sum(len(p.rows) for p in fresh)
    first_seen: dict[str, datetime] = {}
    for plan in fresh:
        if plan.customer not in first_seen or plan.at < first_seen[plan.customer]:
            first_seen[plan.customer] = plan.at
    customer_ids = _customer_ids(merchant, source, first_seen, batch, report)
    if any(not t.sku for p in fresh for t in p.rows):
        skus = {**skus, "": _placeholder_sku(merchant)}  # rows without a SKU code

    created_orders = created_lines = 0
    # A chunk of orders at a time: the rows to insert never exist for the whole file at once.
    for start in range(0, len(fresh), WRITE_CHUNK):
        chunk = fresh[start : start + WRITE_CHUNK]
        order_count, line_count = _write_chunk(merchant, source, chunk, skus, customer_ids, batch)
        created_orders += order_count
        created_lines += line_count
    report.created.update(orders=created_orders, order_lines=created_lines)


def _write_chunk(
    merchant: Merchant,
    source: str,
    fresh: list[PlannedOrder],
    skus: dict[str, Sku],
    customer_ids: dict[str, int],
    batch: ImportBatch,
) -> tuple[int, int]:
    """Insert some planned orders with their lines and refs; how many orders and lines."""
    orders: list[dict[str, Any]] = []
    lines_per_order: list[list[dict[str, Any]]] = []
    for plan in fresh:
        lines = [_line(txn, skus[txn.sku]) for txn in plan.rows]
        paid = sum(line["paid_amount"] for line in lines)
        at = plan.at
        orders.append(
            {
                "merchant_id": merchant.pk,
                "number": order_number(source, plan.external_id),
                "customer_id": customer_ids[plan.customer],
                "status": OrderStatus.COMPLETED,
                "fulfilment": Fulfilment.DELIVERY,
                "goods_amount": sum(line["goods_amount"] for line in lines),
                "discount_amount": sum(line["discount_amount"] for line in lines),
                "payable_amount": paid,
                "paid_amount": paid,
                "source": Source.IMPORT,
                "created_at": at,
                "expires_at": at,
                "paid_at": at,
                "delivered_at": at,
                "completed_at": at,
            }
        )
        lines_per_order.append(lines)
    order_ids = bulk.insert(Order, orders, returning=True)
    for order_id, lines in zip(order_ids, lines_per_order, strict=True):
        for line in lines:
            line["order_id"] = order_id
    bulk.insert(OrderLine, [line for lines in lines_per_order for line in lines])
    bulk.insert(
        ExternalOrderRef,
        [
            {
                "merchant_id": merchant.pk,
                "order_id": order_id,
                "source": source,
                "external_id": plan.external_id,
                "channel": plan.rows[0].channel,
                "batch_id": batch.pk,
            }
            for plan, order_id in zip(fresh, order_ids, strict=True)
        ],
    )
    return len(order_ids), sum(len(lines) for lines in lines_per_order)
