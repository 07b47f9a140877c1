"""The admin API's order operations: batch shipping by upload, export, 改价, marks, bulk cancel."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from siyu.orders.models import Order
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.clients import ApiClient
from siyu.testing.flows import place
from siyu.testing.order_ops import csv_file, paid_orders, shipping_rows
from siyu.testing.snapshots import changed, tenant_rows

pytestmark = pytest.mark.django_db
ADM = "/api/v1/admin"


def upload(token: str, data: bytes, name: str = "parcels.csv"):
    return Client().post(
        f"{ADM}/orders/shipments",
        {"file": SimpleUploadedFile(name, data)},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )


def test_batch_shipping_by_upload_then_apply(owner, customer, address, sku):
    token = issue_staff_token(staff=owner)
    orders = paid_orders(customer, address, sku.pk, 3)
    rows = shipping_rows(orders)
    rows[1][1] = "UPS"

    preview = upload(token, csv_file(rows))

    assert preview.status_code == 201, preview.content
    body = preview.json()
    assert (body["status"], body["counts"]) == (
        "previewed",
        {"ready": 2, "shipped": 0, "unchanged": 0, "error": 1},
    )
    assert [(r["line"], r["outcome"], r["reason"], r["message"]) for r in body["rows"]][1] == (
        3,
        "error",
        "unknown_courier",
        "Unknown courier.",
    )
    applied = ApiClient(token).post(f"{ADM}/orders/shipments/{body['id']}/apply")
    assert applied.status_code == 200
    assert applied.json()["counts"] == {"ready": 0, "shipped": 2, "unchanged": 0, "error": 1}
    assert list(Order.objects.order_by("pk").values_list("status", flat=True)) == [
        "shipped",
        "paid",
        "shipped",
    ]
    shipped = ApiClient(token).get(f"{ADM}/orders/{orders[0].pk}").json()
    assert (shipped["carrier"], shipped["carrier_name"]) == ("SF", "SF Express")


def test_an_unreadable_upload_is_a_400_and_writes_nothing(owner, merchant):
    token = issue_staff_token(staff=owner)
    before = tenant_rows(merchant)
    response = upload(token, "订单号,快递单号\nO1,SF1\n".encode())
    assert (response.status_code, response.json()["code"]) == (400, "shipment_file_invalid")
    assert changed(before, tenant_rows(merchant)) == []


def test_adjust_price_marks_and_export(owner, make_staff, customer, address, sku, merchant):
    token = issue_staff_token(staff=owner)
    api = ApiClient(token)
    order = place(customer, [(sku.pk, 2)], address=address)

    adjusted = api.post(
        f"{ADM}/orders/{order.pk}/adjust-price", {"discount": 1500, "shipping_fee": 800, "reason": "VIP"}
    )
    assert adjusted.status_code == 200, adjusted.content
    assert (adjusted.json()["payable_amount"], adjusted.json()["price_adjustment"]) == (9300, 1500)

    guide = ApiClient(issue_staff_token(staff=make_staff(Role.GUIDE)))
    before = tenant_rows(merchant)
    refused = guide.post(
        f"{ADM}/orders/{order.pk}/adjust-price", {"discount": 1, "shipping_fee": 0, "reason": "x"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    below = api.post(
        f"{ADM}/orders/{order.pk}/adjust-price", {"discount": 10_000, "shipping_fee": 0, "reason": "x"}
    )
    assert (below.status_code, below.json()["code"]) == (400, "price_below_floor")
    assert changed(before, tenant_rows(merchant)) == []

    marked = api.post(f"{ADM}/orders/marks", {"order_ids": [order.pk], "flag": "purple", "remark": "礼盒"})
    assert marked.json() == [
        {"order_id": order.pk, "number": order.number, "ok": True, "code": "", "message": ""}
    ]
    flagged = api.get(f"{ADM}/orders", {"flag": "purple"}).json()
    assert [(o["number"], o["flag"], o["merchant_remark"]) for o in flagged["items"]] == [
        (order.number, "purple", "礼盒")
    ]
    assert api.get(f"{ADM}/orders", {"flag": "red"}).json()["count"] == 0

    response = api.get(f"{ADM}/orders/export", {"flag": "purple", "kind": "shipping"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:3] == ["Order number", "Courier", "Tracking number"]
    assert rows[1][:3] == [order.number, "", ""] and len(rows) == 2

    cancelled = api.post(f"{ADM}/orders/cancel-unpaid", {"order_ids": [order.pk]})
    assert [o["ok"] for o in cancelled.json()] == [True]
    assert Order.objects.get(pk=order.pk).status == "cancelled"
