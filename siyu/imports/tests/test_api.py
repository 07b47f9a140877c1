"""The staff upload: POST /api/v1/admin/imports/{transactions,customers,products} as multipart."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import siyu.api  # noqa: F401  (first: the API package mounts this router, importing it back)
from siyu.api import imports as imports_api
from siyu.orders.models import Order
from siyu.tenancy.models import Role
from siyu.tenancy.services import issue_staff_token
from siyu.testing.snapshots import import_counts

pytestmark = pytest.mark.urls("siyu.imports.tests.urls")

URL = "/api/v1/admin/imports/transactions"


def _post(token: str | None, data: dict, url: str = URL):
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().post(url, data=data, headers=headers)


def _csv(text: str, name: str = "history.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def token(owner) -> str:
    return issue_staff_token(staff=owner)


def test_upload_with_a_mapping_returns_the_report(token, merchant):
    response = _post(
        token,
        {
            "file": _csv("buyer,day,n,paid\nc1,20240105,2,19.99\nc2,20240106,1,0.50\n"),
            "customer_id": "buyer",
            "date": "day",
            "quantity": "n",
            "amount": "4",
            "date_format": "%Y%m%d",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("status", "rows", "imported", "skipped", "duplicates", "errors")} == {
        "status": "imported",
        "rows": 2,
        "imported": 2,
        "skipped": 0,
        "duplicates": 0,
        "errors": [],
    }
    assert body["created"] == {"customers": 2, "orders": 2, "order_lines": 2}
    assert sorted(Order.objects.filter(merchant=merchant).values_list("paid_amount", flat=True)) == [50, 1999]


def test_bad_rows_are_a_400_with_the_report_and_write_nothing(token, merchant):
    before = import_counts(merchant)
    response = _post(
        token, {"file": _csv("customer_id,date,amount\nc1,2024-01-05,1.00\nc2,2024-01-06,1.001\n")}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert body["detail"]["errors"] == [
        {"line": 3, "column": "amount", "field": "amount", "reason": "More than two decimal places."}
    ]
    assert import_counts(merchant) == before


def test_skip_bad_rows_over_the_api(token, merchant):
    response = _post(
        token,
        {
            "file": _csv("customer_id,date,amount\nc1,2024-01-05,1.00\nc2,2024-01-06,1.001\n"),
            "skip_bad_rows": "true",
        },
    )
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["skipped"], response.json()["error_count"]) == (
        1,
        1,
        1,
    )


def test_excel_upload_of_customers_and_products(token, merchant):
    workbook = openpyxl.Workbook()
    workbook.active.append(["sku", "name", "price"])
    workbook.active.append(["T1", "Tea", 19.99])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("skus.xlsx", buffer.getvalue())
    response = _post(token, {"file": upload}, url="/api/v1/admin/imports/products")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == {"products": 1, "skus": 1}

    response = _post(
        token,
        {"file": _csv("phone,name,id\n13800000000,Li,7\n"), "customer_id": "id"},
        url="/api/v1/admin/imports/customers",
    )
    assert response.status_code == 200, response.content
    assert response.json()["imported"] == 1


def test_only_owners_and_operators_may_import(make_staff, merchant):
    for role, status in [(Role.GUIDE, 403), (Role.ANALYST, 403), (Role.OPERATOR, 200)]:
        token = issue_staff_token(staff=make_staff(role))
        response = _post(
            token, {"file": _csv("customer_id,date,amount\nc1,2024-01-05,1.00\n"), "source": role}
        )
        assert response.status_code == status, role
    assert Order.objects.filter(merchant=merchant).count() == 1
    assert _post(None, {"file": _csv("x")}).status_code == 401


def test_refusals_are_clear_4xx(token, merchant, monkeypatch):
    cases = [
        ({"file": _csv("a,b\n1,2\n")}, 400, "missing_columns"),
        ({"file": _csv("customer_id,date,amount\n")}, 400, "empty_file"),
        (
            {"file": _csv("customer_id,date,amount\nc,2024-01-01,1\n"), "date_format": "%Q"},
            400,
            "invalid_import_option",
        ),
        (
            {"file": _csv("customer_id,date,amount\nc,2024-01-01,1\n"), "price": "x", "columns": "price"},
            400,
            "unknown_import_field",
        ),
        (
            {"file": _csv("customer_id,date,amount\nc,2024-01-01,1\n"), "amount": "paid"},
            400,
            "column_not_found",
        ),
        ({"file": SimpleUploadedFile("h.csv", "客户,日期\n".encode("gbk"))}, 400, "wrong_encoding"),
        ({"file": SimpleUploadedFile("h.xlsx", b"PK\x03\x04garbage")}, 400, "unreadable_file"),
        ({"file": _csv("x"), "source": "Not A Slug"}, 422, "validation_error"),
        ({"customer_id": "x"}, 422, "validation_error"),
    ]
    for data, status, code in cases:
        response = _post(token, data)
        assert (response.status_code, response.json()["code"]) == (status, code), data
    monkeypatch.setattr(imports_api, "MAX_UPLOAD_BYTES", 10)
    response = _post(token, {"file": _csv("customer_id,date,amount\nc,2024-01-01,1\n")})
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")
    assert Order.objects.filter(merchant=merchant).count() == 0
