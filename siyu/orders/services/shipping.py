"""Batch shipping (批量发货): a CSV or .xlsx of order numbers, couriers and tracking numbers.

Two steps, both by staff with ``orders.fulfil``:

1. ``preview_shipment_batch`` reads the file and judges every row (``ready`` or ``error`` with a
   reason: unknown order, not paid, already shipped, bad tracking format, duplicate row, pickup
   order ...); it writes only the ``ShipmentBatch`` with that report.
2. ``apply_shipment_batch`` ships the rows that were ``ready``, in one transaction.

"Nothing half-applied" means, here: **the valid rows ship and the bad rows are reported** (a file of
50 rows with two typos ships 48 orders and lists the two), and

- *each row is applied at most once*: the batch row is locked and applied once (a second click on
  "Ship" returns the first result); uploading the same file again finds its orders shipped with the
  same courier and number and reports them ``unchanged``, never ships them twice;
- *a row is applied whole or not at all*: each order ships inside a savepoint of the batch's
  transaction (status, timeline, audit together), a row that fails at apply time (the order was
  refunded since the preview) rolls back alone and is reported, and a crash anywhere rolls the whole
  batch back, so it can simply be applied again;
- orders are locked in id order (as every other path takes order locks), so two batches naming
  the same orders cannot deadlock, and the second sees the first's shipments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from hashlib import sha256
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.core.errors import NotFound, SiyuError
from siyu.imports.errors import WrongEncoding
from siyu.imports.services.readers import Cell, read_table
from siyu.orders.couriers import check_tracking, courier_label, find_courier
from siyu.orders.errors import OrderOnHold, ShipmentBatchInvalid, TrackingNumberInvalid, UnknownCourier
from siyu.orders.models import (
    Fulfilment,
    Order,
    OrderStatus,
    ShipmentBatch,
    ShipmentBatchStatus,
)
from siyu.orders.services import lifecycle
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope, record_audit, require

MAX_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024

# The names a header cell may have for each column (case and spaces ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_number": ("order number", "order_number", "order no", "order", "订单号", "订单编号", "订单"),
    "carrier": ("courier", "carrier", "courier company", "快递公司", "物流公司", "快递", "承运商"),
    "tracking_number": (
        "tracking number",
        "tracking_number",
        "tracking",
        "waybill",
        "快递单号",
        "运单号",
        "物流单号",
        "单号",
    ),
}
_HEADER_NAMES = {" ".join(name.split()).casefold(): key for key, names in COLUMNS.items() for name in names}


class Outcome:
    READY = "ready"  # previewed: will ship
    SHIPPED = "shipped"
    UNCHANGED = "unchanged"  # already shipped with this courier and number (the file came twice)
    ERROR = "error"


# Why a row does not ship, for the report.
REASONS: dict[str, Any] = {
    "missing_field": _("The order number, courier or tracking number is empty."),
    "unknown_order": _("No order has this number."),
    "not_paid": _("The order is not paid yet."),
    "closed": _("The order was cancelled or closed."),
    "already_shipped": _("The order was already shipped with another tracking number."),
    "pickup_order": _("This is a self-pickup order: it is handed over at the outlet, not shipped."),
    "on_hold": _("The order cannot ship yet: its activity has not finished."),
    "unknown_courier": _("Unknown courier."),
    "bad_tracking": _("The tracking number does not match the courier's format."),
    "duplicate_row": _("This order is already on an earlier line of the file."),
    "unchanged": _("Already shipped with this courier and tracking number: nothing to do."),
    "refused": _("The order could not be shipped."),
}


@dataclass
class Row:
    """One line of the file and what became of it (stored in ``ShipmentBatch.rows``)."""

    line: int
    order_number: str
    carrier: str  # the courier's code once recognised, else the text of the file
    tracking_number: str
    outcome: str = Outcome.READY
    reason: str = ""
    order_id: int | None = None
    duplicate_of: int | None = None  # the earlier line naming the same order


def reason_text(row: dict[str, Any]) -> str:
    """The reason of a stored row, in the reader's language."""
    text = str(REASONS.get(row.get("reason") or "", ""))
    if row.get("reason") == "duplicate_row" and row.get("duplicate_of"):
        text = str(_("This order is already on line %(line)s of the file.")) % {"line": row["duplicate_of"]}
    courier = find_courier(str(row.get("carrier") or ""))
    if row.get("reason") == "bad_tracking" and courier is not None:
        text = TrackingNumberInvalid.for_courier(courier)
    return text


def row_courier(row: dict[str, Any]) -> str:
    return courier_label(str(row.get("carrier") or ""))


def _text(cell: Cell) -> str:
    """A cell as the text a person typed: Excel keeps long numbers as numbers (781234567890.0)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float | Decimal) and cell == int(cell):
        return str(int(cell))
    return str(cell).strip()


def _positions(first: list[str]) -> dict[str, int] | None:
    """Where each column is, if ``first`` is a header row; None if it is data."""
    found: dict[str, int] = {}
    for index, cell in enumerate(first):
        key = _HEADER_NAMES.get(" ".join(cell.split()).casefold())
        if key is not None and key not in found:
            found[key] = index
    if not found:
        return None
    if len(found) < len(COLUMNS):
        missing = [key for key in COLUMNS if key not in found]
        raise ShipmentBatchInvalid(detail={"missing_columns": missing})
    return found


def _open(data: bytes, filename: str):
    try:
        return read_table(data, filename=filename, has_header=False)
    except WrongEncoding:  # Excel in China saves CSV as GBK
        return read_table(
            data, filename=filename, has_header=False, encoding="gb18030", max_rows=MAX_ROWS + 1
        )


def read_rows(data: bytes, filename: str = "") -> list[Row]:
    """The file's data rows: a header row (any of the names in ``COLUMNS``) says which column is
    which; without one, the columns are order number, courier, tracking number in that order."""
    if len(data) > MAX_FILE_BYTES:
        raise ShipmentBatchInvalid(detail={"max_bytes": MAX_FILE_BYTES})
    table = _open(data, filename)
    rows: list[Row] = []
    positions: dict[str, int] | None = None
    for number, cells in table.rows:
        texts = [_text(c) for c in cells]
        if positions is None and not rows:
            positions = _positions(texts)
            if positions is not None:
                continue
        where = positions or {"order_number": 0, "carrier": 1, "tracking_number": 2}
        cell = {key: texts[i] if i < len(texts) else "" for key, i in where.items()}
        rows.append(
            Row(
                line=number,
                order_number=cell["order_number"],
                carrier=cell["carrier"],
                tracking_number=cell["tracking_number"],
            )
        )
        if len(rows) > MAX_ROWS:
            raise ShipmentBatchInvalid(detail={"max_rows": MAX_ROWS})
    if not rows:
        raise ShipmentBatchInvalid(detail={"rows": 0})
    return rows


def _visible(staff: Staff):
    qs = Order.objects.for_merchant(staff.merchant_id)
    scope = outlet_scope(staff)
    if scope is not None:
        qs = qs.filter(pickup_outlet_id__in=scope)
    return qs


def _judge(row: Row, order: Order | None) -> None:
    """Set ``row``'s outcome from the order as it stands (courier and number already checked)."""
    if order is None:
        row.outcome, row.reason = Outcome.ERROR, "unknown_order"
        return
    row.order_id = order.pk
    if order.fulfilment == Fulfilment.PICKUP:
        row.outcome, row.reason = Outcome.ERROR, "pickup_order"
    elif order.status == OrderStatus.PENDING_PAYMENT:
        row.outcome, row.reason = Outcome.ERROR, "not_paid"
    elif order.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED):
        row.outcome, row.reason = Outcome.ERROR, "closed"
    elif order.status != OrderStatus.PAID or order.shipped_at is not None:
        same = (order.carrier, order.tracking_number) == (row.carrier, row.tracking_number)
        row.outcome, row.reason = (
            (Outcome.UNCHANGED, "unchanged") if same else (Outcome.ERROR, "already_shipped")
        )
    elif order.hold_reason:
        row.outcome, row.reason = Outcome.ERROR, "on_hold"
    else:
        row.outcome, row.reason = Outcome.READY, ""


def judge_rows(staff: Staff, rows: list[Row]) -> list[dict[str, Any]]:
    """Every row's verdict, with the orders read in one query."""
    seen: dict[str, int] = {}
    candidates: list[Row] = []
    for row in rows:
        row.order_number = row.order_number.strip().upper()
        if not (row.order_number and row.carrier and row.tracking_number):
            row.outcome, row.reason = Outcome.ERROR, "missing_field"
            continue
        try:
            courier, number = check_tracking(row.carrier, row.tracking_number)
        except UnknownCourier:
            row.outcome, row.reason = Outcome.ERROR, "unknown_courier"
            continue
        except TrackingNumberInvalid:
            row.outcome, row.reason = Outcome.ERROR, "bad_tracking"
            continue
        row.carrier, row.tracking_number = courier.code, number
        if row.order_number in seen:
            row.outcome, row.reason, row.duplicate_of = Outcome.ERROR, "duplicate_row", seen[row.order_number]
            continue
        seen[row.order_number] = row.line
        candidates.append(row)
    numbers = [row.order_number for row in candidates]
    orders = {o.number: o for o in _visible(staff).filter(number__in=numbers)} if numbers else {}
    for row in candidates:
        _judge(row, orders.get(row.order_number))
    return [asdict(row) for row in rows]


def preview_shipment_batch(*, staff: Staff, data: bytes | IO[bytes], filename: str = "") -> ShipmentBatch:
    """Read and judge a file; nothing ships yet. Refuses an unreadable file with ``ShipmentBatchInvalid``
    (or the reader's own refusal: empty, not CSV or .xlsx)."""
    require(staff, Perm.ORDERS_FULFIL)
    raw = data if isinstance(data, bytes) else data.read(MAX_FILE_BYTES + 1)
    rows = judge_rows(staff, read_rows(raw, filename))
    return ShipmentBatch.objects.create(
        merchant_id=staff.merchant_id,
        staff=staff,
        filename=filename[:200],
        sha256=sha256(raw).hexdigest(),
        rows=rows,
    )


def get_batch(*, staff: Staff, batch_id: int, lock: bool = False) -> ShipmentBatch:
    qs = ShipmentBatch.objects.for_merchant(staff.merchant_id).filter(pk=batch_id)
    if lock:
        qs = qs.select_for_update()
    batch = qs.first()
    if batch is None:
        raise NotFound(detail={"batch_id": batch_id})
    return batch


REFUSALS = {OrderOnHold.code: "on_hold", UnknownCourier.code: "unknown_courier"}


@transaction.atomic
def apply_shipment_batch(*, staff: Staff, batch_id: int) -> ShipmentBatch:
    """Ship the batch's ``ready`` rows; the rest keep their verdicts. A second apply returns the first."""
    require(staff, Perm.ORDERS_FULFIL)
    batch = get_batch(staff=staff, batch_id=batch_id, lock=True)
    if batch.status == ShipmentBatchStatus.APPLIED:
        return batch
    ready = [row for row in batch.rows if row["outcome"] == Outcome.READY]
    locked = {
        o.pk: o
        for o in _visible(staff)
        .filter(pk__in=[row["order_id"] for row in ready])
        .select_for_update()
        .order_by("pk")
    }
    for row in sorted(ready, key=lambda r: r["order_id"]):
        current = Row(**{k: v for k, v in row.items() if k in Row.__dataclass_fields__})
        _judge(current, locked.get(row["order_id"]))
        if current.outcome != Outcome.READY:
            row.update(outcome=current.outcome, reason=current.reason)
            continue
        try:
            with transaction.atomic():
                lifecycle.ship_order(
                    staff=staff,
                    order_id=row["order_id"],
                    carrier=row["carrier"],
                    tracking_number=row["tracking_number"],
                )
        except SiyuError as exc:
            row.update(outcome=Outcome.ERROR, reason=REFUSALS.get(exc.code, "refused"))
        else:
            row.update(outcome=Outcome.SHIPPED, reason="")
    batch.status = ShipmentBatchStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.applied_by = staff
    batch.save(update_fields=["rows", "status", "applied_at", "applied_by"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="order.batch_ship",
        obj=batch,
        after={
            "filename": batch.filename,
            "shipped": batch.count(Outcome.SHIPPED),
            "unchanged": batch.count(Outcome.UNCHANGED),
            "errors": batch.count(Outcome.ERROR),
        },
    )
    return batch


def summary(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many rows had each outcome."""
    counts = {Outcome.READY: 0, Outcome.SHIPPED: 0, Outcome.UNCHANGED: 0, Outcome.ERROR: 0}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return counts
