"""Helpers of the order-operation tests: many paid orders, batch-shipping files (CSV and .xlsx),
valid tracking numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.testing.flows import pay, place


def sf_number(i: int) -> str:
    """A valid SF Express tracking number, different for every ``i``."""
    return f"SF{1_000_000_000_000 + i:013d}"


def paid_orders(customer: Customer, address: Address, sku_id: int, n: int) -> list[Order]:
    """``n`` paid delivery orders of one unit each, oldest first."""
    return [pay(customer, place(customer, [(sku_id, 1)], address=address)) for _ in range(n)]


def shipping_rows(orders: Sequence[Order]) -> list[list[str]]:
    """One valid row per order: number, SF, a distinct SF number."""
    return [[o.number, "SF", sf_number(o.pk)] for o in orders]


def csv_file(
    rows: Sequence[Sequence[object]], *, header: Sequence[str] | None = ("订单号", "快递公司", "快递单号")
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_file(
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = ("Order number", "Courier", "Tracking number"),
) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
