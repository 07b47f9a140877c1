"""Importing order history: what lands in the real models, bad rows, skipping, re-runs, Excel."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db.models import Sum

from siyu.catalog.models import ProductStatus, Sku
from siyu.core.errors import PermissionDenied
from siyu.imports.errors import ImportRejected, MissingColumns
from siyu.imports.models import ExternalCustomerRef, ExternalOrderRef, ImportBatch
from siyu.imports.services.transactions import PLACEHOLDER_SKU_CODE, order_number
from siyu.inventory.models import StockMovement
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderLine
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.snapshots import import_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")

SIMPLE = """cust,order_date,qty,total
c1,2024-01-05,1,19.99
c1,2024-02-10,3,10.00
c2,2024-01-07,2,0.01
"""


def test_rows_become_completed_historical_orders(run_import, merchant):
    report = run_import("transactions", SIMPLE, mapping={"customer_id": "cust", "amount": "total"})

    assert report.as_dict() | {"sha256": "", "batch_id": 0} == {
        "kind": "transactions",
        "status": "imported",
        "source": "import",
        "sha256": "",
        "batch_id": 0,
        "rows": 3,
        "imported": 3,
        "skipped": 0,
        "duplicates": 0,
        "created": {"customers": 2, "orders": 3, "order_lines": 3},
        "error_count": 0,
        "errors_truncated": False,
        "errors": [],
    }
    c1 = ExternalCustomerRef.objects.get(merchant=merchant, source="import", external_id="c1").customer
    assert c1.first_touch_source == "import"
    assert c1.registered_at == datetime(2024, 1, 5, tzinfo=SHANGHAI)  # the first order's time
    first = Order.objects.get(merchant=merchant, customer=c1, paid_amount=1999)
    when = datetime(2024, 1, 5, tzinfo=SHANGHAI)
    assert (first.status, first.fulfilment, first.source) == ("completed", "delivery", "import")
    assert (first.goods_amount, first.discount_amount, first.shipping_fee) == (1999, 0, 0)
    assert (first.payable_amount, first.paid_amount, first.refunded_amount) == (1999, 1999, 0)
    assert first.created_at == first.paid_at == first.completed_at == first.expires_at == when
    assert first.delivered_at == when
    assert first.number == order_number("import", first.import_ref.external_id)
    assert len(first.number) == 24
    line = first.lines.get()
    assert (line.sku.code, line.quantity, line.unit_price, line.goods_amount, line.paid_amount) == (
        PLACEHOLDER_SKU_CODE,
        1,
        1999,
        1999,
        1999,
    )
    assert line.product_name == "历史导入商品 Imported item"
    assert line.sku.product.status == ProductStatus.OFF_SHELF
    assert not line.sku.is_active
    assert StockMovement.objects.filter(merchant=merchant).count() == 0  # history moves no stock
    batch = ImportBatch.objects.get(merchant=merchant)
    assert (batch.kind, batch.rows, batch.imported, batch.filename) == ("transactions", 3, 3, "file.csv")
    assert AuditEntry.objects.filter(merchant=merchant, action="import.transactions").count() == 1


def test_a_line_total_that_does_not_divide_keeps_every_fen(run_import, merchant):
    run_import("transactions", "customer_id,date,quantity,amount\nc1,2024-01-05,3,10.00\n")
    order = Order.objects.get(merchant=merchant)
    line = order.lines.get()
    # 1000 fen for 3 units: 334 each is 1002, and the 2 fen of rounding are the line's discount.
    assert (line.unit_price, line.goods_amount, line.discount_amount, line.paid_amount) == (
        334,
        1002,
        2,
        1000,
    )
    assert line.unit_price * line.quantity == line.goods_amount
    assert (order.goods_amount, order.discount_amount, order.payable_amount, order.paid_amount) == (
        1002,
        2,
        1000,
        1000,
    )


def test_rows_with_an_order_id_make_one_order_with_lines_of_real_skus(run_import, merchant, make_product):
    tea = make_product("Longjing", price=5000).skus.get()
    cup = make_product("Cup", price=1200).skus.get()
    csv = (
        "order_no,customer_id,timestamp,sku,qty,amount,channel\n"
        f"A-1,c1,2024-03-01 10:00:00,{tea.code},2,100.00,tmall\n"
        f"A-1,c1,2024-03-01 10:00:00,{cup.code},1,12.00,tmall\n"
        "A-2,c2,2024-03-02 09:30:00,,1,5.50,store\n"
    )
    report = run_import("transactions", csv)

    assert report.created == {"customers": 2, "orders": 2, "order_lines": 3}
    ref = ExternalOrderRef.objects.get(merchant=merchant, external_id="A-1")
    assert ref.channel == "tmall"
    order = ref.order
    assert order.created_at == datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    assert order.paid_amount == 11200
    assert [
        (line.sku_id, line.product_name, line.quantity, line.unit_price) for line in order.lines.all()
    ] == [
        (tea.pk, "Longjing", 2, 5000),
        (cup.pk, "Cup", 1, 1200),
    ]
    assert ExternalOrderRef.objects.get(external_id="A-2").order.lines.get().sku_code == PLACEHOLDER_SKU_CODE
    stock = {s.code: s.stock_levels.get().on_hand for s in Sku.objects.filter(pk__in=[tea.pk, cup.pk])}
    assert stock == {tea.code: 100, cup.code: 100}


BAD = """customer_id,date,quantity,amount
c1,2024-01-05,1,19.99
c2,2024/13/01,1,5.00
,2024-01-06,0,abc
c3,2024-01-07,2,1.999
c4,2024-01-08,1,3.00
"""


def test_bad_rows_reject_the_whole_file_with_line_column_and_reason(run_import, merchant):
    before = import_counts(merchant)
    with pytest.raises(ImportRejected) as err:
        run_import("transactions", BAD)

    report = err.value.detail
    assert (report["status"], report["rows"], report["imported"], report["error_count"]) == (
        "rejected",
        5,
        0,
        5,
    )
    assert [(e["line"], e["column"], e["reason"]) for e in report["errors"]] == [
        (3, "date", "Not a date or time that can be read; give a date format."),
        (4, "amount", "Not a number."),
        (4, "customer_id", "A value is required."),
        (4, "quantity", "Must be at least 1."),
        (5, "amount", "More than two decimal places."),
    ]
    assert import_counts(merchant) == before  # nothing written, not even the batch or the placeholder SKU


def test_skip_bad_rows_imports_the_good_ones_and_lists_the_rest(run_import, merchant):
    report = run_import("transactions", BAD, skip_bad_rows=True)

    assert (report.rows, report.imported, report.skipped, report.duplicates) == (5, 2, 3, 0)
    assert sorted({e.line for e in report.errors}) == [3, 4, 5]
    assert Order.objects.filter(merchant=merchant).aggregate(s=Sum("paid_amount"))["s"] == 1999 + 300
    batch = ImportBatch.objects.get(merchant=merchant)
    assert (batch.imported, batch.skipped, batch.report["error_count"]) == (2, 3, 5)


def test_an_order_with_one_bad_row_is_left_out_whole(run_import, merchant):
    csv = (
        "order_id,customer_id,date,quantity,amount\n"
        "A,c1,2024-01-05,1,1.00\n"
        "A,c1,2024-01-05,1,oops\n"
        "B,c2,2024-01-05,1,2.00\n"
        "B,c3,2024-01-05,1,2.00\n"
        "C,c4,2024-01-05,1,3.00\n"
    )
    report = run_import("transactions", csv, skip_bad_rows=True)

    assert [
        (e.line, e.field, str(e.reason)) for e in sorted(report.errors, key=lambda e: (e.line, e.field))
    ] == [
        (2, "order_id", "Another row of order A is invalid (line 3)."),
        (3, "amount", "Not a number."),
        (4, "order_id", "Another row of order B is invalid (line 5)."),
        (5, "customer_id", "Order B belongs to another customer on line 4."),
    ]
    assert (report.imported, report.skipped) == (1, 4)
    assert list(ExternalOrderRef.objects.filter(merchant=merchant).values_list("external_id", flat=True)) == [
        "C"
    ]


def test_unknown_sku_codes_are_bad_rows(run_import, merchant):
    with pytest.raises(ImportRejected) as err:
        run_import("transactions", "customer_id,date,amount,sku\nc1,2024-01-05,1.00,NOPE\n")
    assert err.value.detail["errors"] == [
        {"line": 2, "column": "sku", "field": "sku", "reason": "No SKU has this code."}
    ]


def test_running_the_same_file_again_imports_nothing_twice(run_import, merchant):
    csv = SIMPLE + "c2,2024-01-07,2,0.01\n"  # the same purchase twice is two orders, both times
    first = run_import("transactions", csv)
    after_first = import_counts(merchant)
    second = run_import("transactions", csv)

    assert (first.imported, first.duplicates) == (4, 0)
    assert (second.imported, second.duplicates) == (0, 4)
    assert second.created == {"customers": 0, "orders": 0, "order_lines": 0}
    assert import_counts(merchant) | {"batches": 0, "audit": 0} == after_first | {"batches": 0, "audit": 0}
    assert Order.objects.filter(merchant=merchant).count() == 4


def test_a_longer_export_adds_only_the_new_orders_and_moves_registration_back(run_import, merchant):
    run_import("transactions", SIMPLE)
    longer = SIMPLE + "c3,2024-03-01,1,8.00\nc2,2023-12-24,1,66.00\n"
    report = run_import("transactions", longer)

    assert (report.imported, report.duplicates) == (2, 3)
    assert report.created["customers"] == 1
    c2 = ExternalCustomerRef.objects.get(merchant=merchant, external_id="c2").customer
    assert c2.registered_at == datetime(2023, 12, 24, tzinfo=SHANGHAI)
    assert Customer.objects.filter(merchant=merchant).count() == 3


def test_no_header_with_positional_columns_and_amounts_in_fen(run_import, merchant):
    report = run_import(
        "transactions",
        "c1;20240105;2;1999\nc2;20240106;1;1\n",
        has_header=False,
        columns=("customer_id", "date", "quantity", "amount"),
        delimiter="semicolon",
        date_format="%Y%m%d",
        amount_unit="fen",
    )
    assert report.imported == 2
    assert sorted(Order.objects.filter(merchant=merchant).values_list("paid_amount", flat=True)) == [1, 1999]


def test_a_file_without_any_time_column_is_refused(run_import):
    with pytest.raises(MissingColumns) as err:
        run_import("transactions", "customer_id,amount\nc1,1.00\n")
    assert err.value.detail["missing"] == ["timestamp or date"]


def test_sources_keep_ids_of_different_systems_apart(run_import, merchant):
    run_import("transactions", SIMPLE, source="tmall")
    report = run_import("transactions", SIMPLE, source="jd")
    assert report.imported == 3
    assert Customer.objects.filter(merchant=merchant).count() == 4


def test_merchants_are_kept_apart(run_import, merchant):
    from siyu.testing.factories import make_merchant

    other = make_merchant("oolong")
    run_import("transactions", SIMPLE)
    report = run_import("transactions", SIMPLE, m=other)
    assert report.imported == 3
    assert Order.objects.filter(merchant=other).count() == 3
    assert OrderLine.objects.filter(merchant=other).values("sku__merchant").distinct().get() == {
        "sku__merchant": other.pk
    }


def test_dry_run_counts_everything_and_keeps_nothing(run_import, merchant):
    before = import_counts(merchant)
    report = run_import("transactions", SIMPLE, dry_run=True)
    assert (report.status, report.imported, report.batch_id) == ("dry_run", 3, None)
    assert report.created == {"customers": 2, "orders": 3, "order_lines": 3}
    assert import_counts(merchant) == before


def test_staff_need_the_owner_or_operator_rights(run_import, merchant, make_staff):
    guide, operator = make_staff(Role.GUIDE), make_staff(Role.OPERATOR)
    before = import_counts(merchant)
    with pytest.raises(PermissionDenied):
        run_import("transactions", SIMPLE, staff=guide)
    assert import_counts(merchant) == before
    report = run_import("transactions", SIMPLE, staff=operator)
    assert report.imported == 3


def test_excel_workbook_with_dates_and_float_amounts(run_import, merchant):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["会员编号", "付款时间", "数量", "实付金额"])
    sheet.append([10001, datetime(2024, 5, 1, 20, 15), 1, 19.99])
    sheet.append([10002, datetime(2024, 5, 2, 8, 0), 3, 59.970000000000006])
    sheet.append(["10001", "2024-05-03 12:00:00", 2.0, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = run_import("transactions", buffer.getvalue(), filename="history.xlsx")

    assert (report.imported, report.created["customers"]) == (3, 2)
    paid = (
        Order.objects.filter(merchant=merchant)
        .order_by("created_at")
        .values_list("created_at", "paid_amount")
    )
    assert list(paid) == [
        (datetime(2024, 5, 1, 20, 15, tzinfo=SHANGHAI), 1999),
        (datetime(2024, 5, 2, 8, 0, tzinfo=SHANGHAI), 5997),
        (datetime(2024, 5, 3, 12, 0, tzinfo=SHANGHAI), 10000),
    ]
    assert ExternalCustomerRef.objects.filter(merchant=merchant, external_id="10001").count() == 1


def test_bad_excel_cells_are_reported_by_row_and_header(run_import, merchant):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["customer_id", "date", "amount"])
    sheet.append(["c1", datetime(2024, 5, 1), -5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRejected) as err:
        run_import("transactions", buffer.getvalue(), filename="h.xlsx")
    assert err.value.detail["errors"] == [
        {"line": 2, "column": "amount", "field": "amount", "reason": "Must not be negative."}
    ]
