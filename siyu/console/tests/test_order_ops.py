"""Order operations in the console: batch shipping from a file, export, 改价, remarks, flags and
bulk actions, through the pages a merchant uses. A refusal answers 4xx and changes nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from siyu.orders.models import Order, ShipmentBatch
from siyu.promotions.models import PricingPolicy
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.flows import place
from siyu.testing.order_ops import paid_orders, shipping_rows, xlsx_file
from siyu.testing.pages import texts
from siyu.testing.snapshots import changed, refused, tenant_rows

pytestmark = pytest.mark.django_db


def test_a_50_row_file_with_two_bad_rows_ships_48_and_reports_the_two(console, customer, address, sku):
    orders = paid_orders(customer, address, sku.pk, 50)
    rows = shipping_rows(orders)
    rows[4][2] = "SF12345"  # too short for SF
    rows[44][1] = "顺风"  # a typo of 顺丰: no such courier

    checked = console.post(
        "/console/orders/batch-ship/", {"file": SimpleUploadedFile("parcels.xlsx", xlsx_file(rows))}
    )

    assert checked.status_code == 302
    batch = ShipmentBatch.objects.get()
    assert checked["Location"] == f"/console/orders/batch-ship/{batch.pk}/"
    report = console.get(checked["Location"]).content.decode()
    assert (
        "48 orders are ready to ship, 0 already shipped with the same number, 2 rows have a problem" in report
    )
    problems = re.findall(r'<tr class="row-error" data-line="(\d+)" data-reason="(\w+)">', report)
    assert problems == [("6", "bad_tracking"), ("46", "unknown_courier")]
    assert "Not a tracking number of SF Express: they look like SF1234567890123." in report
    assert Order.objects.filter(status="shipped").count() == 0

    applied = console.post(f"/console/orders/batch-ship/{batch.pk}/apply/")
    again = console.post(f"/console/orders/batch-ship/{batch.pk}/apply/")  # a double click

    assert (applied.status_code, again.status_code) == (302, 302)
    assert Order.objects.filter(status="shipped").count() == 48
    assert set(Order.objects.filter(status="paid").values_list("pk", flat=True)) == {
        orders[4].pk,
        orders[44].pk,
    }
    page = console.get(applied["Location"]).content.decode()
    assert "48 orders shipped; 2 rows not shipped." in page
    assert "48 orders shipped, 0 already shipped with the same number, 2 rows not shipped." in page
    assert re.findall(r'data-line="(\d+)" data-reason', page) == ["6", "46"]
    assert AuditEntry.objects.filter(action="order.batch_ship").count() == 1


def test_an_upload_that_is_not_a_table_is_a_400_and_writes_nothing(console, merchant):
    response = refused(
        console,
        "/console/orders/batch-ship/",
        {"file": SimpleUploadedFile("x.csv", "订单号,运单号\nO1,SF1\n".encode())},
        merchant,
        400,
        "shipment_file_invalid",
    )
    assert "order number, courier and tracking number" in response.content.decode()


def test_staff_without_fulfilment_cannot_open_batch_shipping(console_as):
    client, _guide = console_as(Role.GUIDE)
    assert client.get("/console/orders/batch-ship/").status_code == 403


@pytest.fixture
def two_orders(owner, customer, address, sku) -> tuple[Order, Order]:
    paid = paid_orders(customer, address, sku.pk, 1)[0]
    unpaid = place(customer, [(sku.pk, 1)], address=address)
    return paid, unpaid


def test_export_follows_the_filters_and_is_exact(console, two_orders):
    paid, _unpaid = two_orders
    response = console.get("/console/orders/export/", {"status": "paid", "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert [r[0] for r in rows] == ["Order number", paid.number]
    assert rows[1][10:16] == ["50.00", "0.00", "10.00", "60.00", "60.00", "0.00"]
    assert rows[1][7] == "13800000000"  # the owner may see phones
    audit = AuditEntry.objects.get(action="order.export")
    assert audit.after == {"kind": "orders", "format": "csv", "filters": {"status": "paid"}}

    book = console.get("/console/orders/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content)), read_only=True).worksheets[0]
    assert len(list(sheet.iter_rows(values_only=True))) == 3


def test_an_analyst_exports_masked_phones(console_as, two_orders):
    client, _analyst = console_as(Role.ANALYST)
    response = client.get("/console/orders/export/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert {r[7] for r in rows[1:]} == {"138****0000"}


def test_a_bad_export_format_is_a_400(console, merchant):
    assert console.get("/console/orders/export/", {"format": "pdf"}).status_code == 400
    assert not AuditEntry.objects.filter(action="order.export").exists()


def test_the_owner_changes_an_unpaid_orders_price(console, two_orders):
    _paid, unpaid = two_orders
    page = console.get(f"/console/orders/{unpaid.pk}/").content.decode()
    assert 'data-testid="price-form"' in page

    response = console.post(
        f"/console/orders/{unpaid.pk}/price/", {"discount": "5.50", "shipping_fee": "0", "reason": "老客户"}
    )

    assert response.status_code == 302
    unpaid.refresh_from_db()
    assert (unpaid.price_adjustment, unpaid.shipping_fee, unpaid.payable_amount) == (550, 0, 4450)
    detail = console.get(f"/console/orders/{unpaid.pk}/").content.decode()
    assert texts(detail, "payable") == ["¥44.50"]


def test_a_price_change_below_the_floor_or_without_permission_changes_nothing(
    console, console_as, two_orders, merchant
):
    _paid, unpaid = two_orders
    PricingPolicy.objects.create(merchant=merchant, floor_min_cost_bp=10_000)  # never below cost (¥25)
    url = f"/console/orders/{unpaid.pk}/price/"
    below = refused(
        console,
        url,
        {"discount": "25.01", "shipping_fee": "10", "reason": "x"},
        merchant,
        400,
        "price_below_floor",
    )
    assert "This price is below the minimum allowed for this order." in below.content.decode()
    refused(console, url, {"discount": "1", "shipping_fee": "10", "reason": ""}, merchant, 400)
    guide, _ = console_as(Role.GUIDE)  # not their customer's order: as absent as one that never was
    refused(guide, url, {"discount": "1", "shipping_fee": "10", "reason": "x"}, merchant, 404, "not_found")
    paid, _ = two_orders
    refused(
        console,
        f"/console/orders/{paid.pk}/price/",
        {"discount": "1", "shipping_fee": "10", "reason": "x"},
        merchant,
        409,
        "order_not_adjustable",
    )


def test_flags_and_remarks_show_in_the_list_and_filter_it(console, two_orders):
    paid, _unpaid = two_orders
    response = console.post(f"/console/orders/{paid.pk}/marks/", {"remark": "先打电话", "flag": "red"})
    assert response.status_code == 302

    listed = console.get("/console/orders/").content.decode()
    assert re.findall(r'data-order="(\w+)" data-flag="(\w+)"', listed) == [(paid.number, "red")]
    assert texts(listed, "remark") == ["Remark: 先打电话"]
    red = console.get("/console/orders/", {"flag": "red"}).content.decode()
    assert re.findall(r'data-order="(\w+)"', red) == [paid.number]
    assert re.findall(
        r'data-order="(\w+)"', console.get("/console/orders/", {"flag": "any"}).content.decode()
    ) == [paid.number]
    assert (
        re.findall(r'data-order="(\w+)"', console.get("/console/orders/", {"flag": "blue"}).content.decode())
        == []
    )


def test_the_order_list_takes_the_same_queries_for_more_orders(
    console, customer, address, sku, django_assert_num_queries
):
    paid_orders(customer, address, sku.pk, 2)
    console.get("/console/orders/")  # warm the session and caches
    with django_assert_num_queries(7) as few:
        console.get("/console/orders/")
    paid_orders(customer, address, sku.pk, 5)
    with django_assert_num_queries(len(few.captured_queries)):
        console.get("/console/orders/")


def test_bulk_actions_report_each_order(console, two_orders, merchant):
    paid, unpaid = two_orders
    flagged = console.post(
        "/console/orders/bulk/", {"action": "flag", "flag": "green", "order_ids": [paid.pk, unpaid.pk]}
    )
    assert flagged.status_code == 200
    assert list(Order.objects.order_by("pk").values_list("flag", flat=True)) == ["green", "green"]
    assert "2 of 2 orders done." in flagged.content.decode()

    cancelled = console.post(
        "/console/orders/bulk/", {"action": "cancel", "order_ids": [paid.pk, unpaid.pk]}
    ).content.decode()
    assert re.findall(r'data-order-id="(\d+)" data-ok="(\d)"', cancelled) == [
        (str(paid.pk), "0"),
        (str(unpaid.pk), "1"),
    ]
    assert "Not awaiting payment: not cancelled" in cancelled
    assert "1 of 2 orders done." in cancelled

    sheet = console.post("/console/orders/bulk/", {"action": "export_shipping", "order_ids": [paid.pk]})
    rows = list(csv.reader(io.StringIO(b"".join(sheet.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:3] == ["Order number", "Courier", "Tracking number"] and rows[1][:3] == [
        paid.number,
        "",
        "",
    ]

    before = tenant_rows(merchant)
    nothing = console.post("/console/orders/bulk/", {"action": "flag", "flag": "green"})
    assert nothing.status_code == 400
    assert changed(before, tenant_rows(merchant)) == []
