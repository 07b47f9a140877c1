"""Orders out to a spreadsheet: CSV streamed row by row, or an .xlsx written by openpyxl's write-only
workbook (rows go to a temporary file, never all held in memory).

Two sheets: ``orders`` (everything a merchant reconciles: amounts, status, courier, remark, flag)
and ``shipping`` (发货单: the columns batch shipping reads, with the courier and tracking number left
blank to fill in, then the recipient and the goods), so a selection exported for shipping can be
uploaded again once the parcels have numbers.

Phones go through ``siyu.members.privacy.shown_phone``: staff without ``customers.view_phone`` get
138****1234. A text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
first) is written with a leading apostrophe. Every export is audited before its first byte.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.members.privacy import shown_phone
from siyu.orders.couriers import courier_label
from siyu.orders.models import Order, OrderFlag, OrderLine, OrderStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500
KINDS = ("orders", "shipping")
FORMATS = ("csv", "xlsx")
ExportCell = str | Decimal


def safe(value: str) -> str:
    """Text a spreadsheet shows as text, never runs."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _address(order: Order) -> tuple[str, str, str]:
    a = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    place = " ".join(str(a.get(k) or "") for k in ("province", "city", "district", "detail")).strip()
    return str(a.get("recipient") or ""), str(a.get("phone") or ""), " ".join(place.split())


def _goods(order: Order) -> str:
    return "; ".join(f"{line.product_name} × {line.quantity}" for line in order.lines.all())


def _headers(kind: str) -> list[str]:
    if kind == "shipping":
        # The first three are the names batch shipping reads (siyu/orders/services/shipping.py).
        return [
            _("Order number"),
            _("Courier"),
            _("Tracking number"),
            _("Recipient"),
            _("Recipient phone"),
            _("Address"),
            _("Goods"),
            _("Buyer note"),
            _("Merchant remark"),
        ]
    return [
        _("Order number"),
        _("Placed at"),
        _("Status"),
        _("Fulfilment"),
        _("Customer"),
        _("Customer phone"),
        _("Recipient"),
        _("Recipient phone"),
        _("Address"),
        _("Goods"),
        _("Goods amount (yuan)"),
        _("Discount (yuan)"),
        _("Shipping (yuan)"),
        _("Payable (yuan)"),
        _("Paid (yuan)"),
        _("Refunded (yuan)"),
        _("Paid at"),
        _("Courier"),
        _("Tracking number"),
        _("Flag"),
        _("Merchant remark"),
        _("Buyer note"),
    ]


def _row_maker(staff: Staff, kind: str) -> Callable[[Order], list[ExportCell]]:
    zone = ZoneInfo(staff.merchant.timezone)
    statuses = dict(OrderStatus.choices)
    flags = dict(OrderFlag.choices)
    fulfilments = {"delivery": _("Delivery"), "pickup": _("Self-pickup")}

    def when(value: Any) -> str:
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    def row(order: Order) -> list[ExportCell]:
        recipient, phone, place = _address(order)
        if kind == "shipping":
            texts: list[ExportCell] = [
                order.number,
                "",
                "",
                safe(recipient),
                shown_phone(staff, phone),
                safe(place),
                safe(_goods(order)),
                safe(order.note),
                safe(order.merchant_remark),
            ]
            return texts
        return [
            order.number,
            when(order.created_at),
            str(statuses.get(order.status, order.status)),
            str(fulfilments.get(order.fulfilment, order.fulfilment)),
            safe(str(order.customer)),
            shown_phone(staff, order.customer.phone),
            safe(recipient),
            shown_phone(staff, phone),
            safe(place),
            safe(_goods(order)),
            _yuan(order.goods_amount),
            _yuan(order.discount_amount),
            _yuan(order.shipping_fee),
            _yuan(order.payable_amount),
            _yuan(order.paid_amount),
            _yuan(order.refunded_amount),
            when(order.paid_at),
            safe(courier_label(order.carrier)),
            safe(order.tracking_number),
            str(flags.get(order.flag, "")),
            safe(order.merchant_remark),
            safe(order.note),
        ]

    return row


def rows(staff: Staff, orders: QuerySet[Order], kind: str = "orders") -> Iterator[list[ExportCell]]:
    """The header, then one row per order, read ``CHUNK`` orders (and their lines) at a time."""
    yield list(_headers(kind))
    make = _row_maker(staff, kind)
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    qs = orders.select_related("customer").prefetch_related(None).prefetch_related(lines)
    for order in qs.iterator(chunk_size=CHUNK):
        yield make(order)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(staff: Staff, orders: QuerySet[Order], kind: str = "orders") -> Iterator[str]:
    """The CSV as it is sent: a byte-order mark first, so Excel opens the UTF-8 as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for values in rows(staff, orders, kind):
        yield writer.writerow([f"{v:.2f}" if isinstance(v, Decimal) else v for v in values])


def xlsx_file(staff: Staff, orders: QuerySet[Order], kind: str = "orders") -> IO[bytes]:
    """The workbook in a temporary file (on disk past 8 MB), positioned at its start."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("Orders") if kind == "orders" else _("Shipping list"))
    for values in rows(staff, orders, kind):
        sheet.append(values)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    book.save(out)
    out.seek(0)
    return out


@transaction.atomic
def start_order_export(*, staff: Staff, kind: str, file_format: str, filters: dict[str, Any]) -> None:
    """Check access and record who exported which orders, before the first byte is sent."""
    require(staff, Perm.ORDERS_VIEW)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="order.export",
        obj=staff.merchant,
        after={"kind": kind, "format": file_format, "filters": filters},
    )
