"""Remarks, flags and cancelling a selection answer order by order; the export's content is exact,
with phones as the staff member may see them and formulas defused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from siyu.core.errors import InvalidInput, PermissionDenied
from siyu.orders.models import Order
from siyu.orders.services import export, marks
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.factories import add_address, log_in_customer, make_merchant, make_product
from siyu.testing.flows import pay, place
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db


def test_flags_and_remarks_are_set_per_order_and_audited(owner, customer, address, sku):
    one = place(customer, [(sku.pk, 1)], address=address)
    two = place(customer, [(sku.pk, 1)], address=address)
    theirs = _foreign_order()

    outcomes = marks.set_order_marks(staff=owner, order_ids=[one.pk, theirs.pk, two.pk], flag="red")

    assert [(o.order_id, o.ok, o.code) for o in outcomes] == [
        (one.pk, True, ""),
        (theirs.pk, False, "not_found"),
        (two.pk, True, ""),
    ]
    assert list(Order.objects.filter(pk__in=[one.pk, two.pk]).values_list("flag", flat=True)) == [
        "red",
        "red",
    ]
    assert Order.objects.get(pk=theirs.pk).flag == ""
    marks.set_order_marks(staff=owner, order_ids=[one.pk], remark="  先打电话  ")
    assert Order.objects.get(pk=one.pk).merchant_remark == "先打电话"
    assert [
        (a.object_id, a.before, a.after)
        for a in AuditEntry.objects.filter(action="order.mark").order_by("id")
    ] == [
        (str(one.pk), {"flag": ""}, {"flag": "red"}),
        (str(two.pk), {"flag": ""}, {"flag": "red"}),
        (str(one.pk), {"merchant_remark": ""}, {"merchant_remark": "先打电话"}),
    ]


def _foreign_order() -> Order:
    other = make_merchant("other")
    sku = make_product(other, code="X").skus.get()
    buyer, _token = log_in_customer(other, "bob")
    return place(buyer, [(sku.pk, 1)], address=add_address(buyer))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"flag": "pink"}, InvalidInput), ({"remark": "x" * 501}, InvalidInput), ({}, InvalidInput)],
)
def test_bad_marks_are_refused_and_change_nothing(owner, customer, address, sku, merchant, kwargs, error):
    order = place(customer, [(sku.pk, 1)], address=address)
    before = tenant_rows(merchant)
    with pytest.raises(error):
        marks.set_order_marks(staff=owner, order_ids=[order.pk], **kwargs)
    assert changed(before, tenant_rows(merchant)) == []


def test_a_guide_cannot_flag(make_staff, customer, address, sku, merchant):
    order = place(customer, [(sku.pk, 1)], address=address)
    guide = make_staff(Role.GUIDE)
    with pytest.raises(PermissionDenied):
        marks.set_order_marks(staff=guide, order_ids=[order.pk], flag="red")


def test_cancelling_a_selection_cancels_the_unpaid_and_names_the_rest(owner, customer, address, sku):
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    paid = pay(customer, place(customer, [(sku.pk, 1)], address=address))

    outcomes = marks.cancel_unpaid_orders_of(staff=owner, order_ids=[unpaid.pk, paid.pk, 999_999])

    assert [(o.number, o.ok, o.code) for o in outcomes] == [
        (unpaid.number, True, ""),
        (paid.number, False, "not_unpaid"),
        ("", False, "not_found"),
    ]
    assert Order.objects.get(pk=unpaid.pk).status == "cancelled"
    assert Order.objects.get(pk=paid.pk).status == "paid"


@pytest.fixture
def exported(owner, customer, sku, merchant) -> Order:
    address = add_address(customer, recipient='=HYPERLINK("x")', phone="13812345678")
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC),
        paid_at=datetime(2025, 3, 1, 2, 5, tzinfo=UTC),
        flag="yellow",
        merchant_remark="+86 call",
        note="-5 please",
    )
    return Order.objects.get(pk=order.pk)


def test_the_csv_export_is_exact_and_masks_phones_for_staff_who_may_not_see_them(
    owner, make_staff, exported, customer, settings
):
    from django.utils import translation

    analyst = make_staff(Role.ANALYST)
    with translation.override("en"):
        text = "".join(export.csv_lines(analyst, Order.objects.filter(pk=exported.pk)))
        full = "".join(export.csv_lines(owner, Order.objects.filter(pk=exported.pk)))
        name = str(customer)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:6] == ["Order number", "Placed at", "Status", "Fulfilment", "Customer", "Customer phone"]
    assert rows[1] == [
        exported.number,
        "2025-03-01 10:00:00",  # Asia/Shanghai
        "Paid",
        "Delivery",
        name,
        "",
        '\'=HYPERLINK("x")',
        "138****5678",
        "上海 上海 黄浦 南京东路1号",
        "Longjing tea × 2",
        "100.00",
        "0.00",
        "0.00",
        "100.00",
        "100.00",
        "0.00",
        "2025-03-01 10:05:00",
        "",
        "",
        "Yellow flag",
        "'+86 call",
        "'-5 please",
    ]
    assert list(csv.reader(io.StringIO(full[1:])))[1][7] == "13812345678"


def test_the_xlsx_export_has_numbers_as_numbers_and_the_shipping_sheet_reads_back(owner, exported):
    book = load_workbook(export.xlsx_file(owner, Order.objects.filter(pk=exported.pk)), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(values) == 2
    assert values[1][10:16] == (100, 0, 0, 100, 100, 0)  # yuan, as numbers a sheet can add up
    shipping_sheet = load_workbook(export.xlsx_file(owner, Order.objects.filter(pk=exported.pk), "shipping"))
    first = list(shipping_sheet.worksheets[0].iter_rows(values_only=True))
    assert first[1][:3] == (exported.number, None, None)


def test_starting_an_export_is_audited(owner):
    export.start_order_export(staff=owner, kind="orders", file_format="csv", filters={"flag": "red"})
    audit = AuditEntry.objects.get(action="order.export")
    assert audit.after == {"kind": "orders", "format": "csv", "filters": {"flag": "red"}}
