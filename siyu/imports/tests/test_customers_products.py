"""Importing customer lists and product lists."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from siyu.catalog.models import Product, Sku
from siyu.imports.errors import ImportRejected
from siyu.imports.models import ExternalCustomerRef
from siyu.inventory.models import StockLevel
from siyu.members.models import Customer, CustomerIdentity
from siyu.members.services import bind_phone
from siyu.testing.snapshots import import_counts

SHANGHAI = ZoneInfo("Asia/Shanghai")

MEMBERS = """会员编号,昵称,手机号,性别,生日,省份,城市,注册时间
M1,小王,138 0013 8000,男,1990-02-03,浙江,杭州,2021-06-01 09:00:00
M2,Lily,,F,,,,2022-01-01
M3,,13900000000,,,,,
"""


def test_customers_land_with_profile_phone_identity_and_external_ref(run_import, merchant):
    report = run_import("customers", MEMBERS)

    assert (report.imported, report.created) == (3, {"customers": 3})
    wang = ExternalCustomerRef.objects.get(merchant=merchant, external_id="M1").customer
    assert (wang.nickname, wang.phone, wang.gender, wang.birthday) == (
        "小王",
        "13800138000",
        "male",
        date(1990, 2, 3),
    )
    assert (wang.province, wang.city, wang.first_touch_source) == ("浙江", "杭州", "import")
    assert wang.registered_at == datetime(2021, 6, 1, 9, tzinfo=SHANGHAI)
    assert wang.identities.get().value == "13800138000"
    lily = ExternalCustomerRef.objects.get(merchant=merchant, external_id="M2").customer
    assert (lily.phone, lily.gender) == (None, "female")
    assert CustomerIdentity.objects.filter(merchant=merchant).count() == 2


def test_customers_then_their_transactions_share_one_customer(run_import, merchant):
    run_import("customers", MEMBERS)
    report = run_import("transactions", "member_id,date,amount\nM1,2020-05-05,9.90\nM9,2024-01-01,1.00\n")
    assert report.created["customers"] == 1
    wang = ExternalCustomerRef.objects.get(merchant=merchant, external_id="M1").customer
    assert wang.orders.get().paid_amount == 990
    assert wang.registered_at == datetime(2020, 5, 5, tzinfo=SHANGHAI)  # moved back to the first order
    assert Customer.objects.filter(merchant=merchant).count() == 4


def test_customer_rerun_and_bad_rows(run_import, merchant, customer):
    bind_phone(customer=customer, phone="13700000000")
    run_import("customers", MEMBERS)
    before = import_counts(merchant)
    bad = MEMBERS + "M4,,13700000000,,,,,\nM4,,,,,,,\nM5,,13900000000,?,1990-99-99,,,\n"
    with pytest.raises(ImportRejected) as err:
        run_import("customers", bad)
    assert [(e["line"], e["column"], e["reason"]) for e in err.value.detail["errors"]] == [
        (5, "手机号", "This phone number already belongs to another customer."),
        (6, "会员编号", "Duplicate of line 5."),
        (7, "性别", "Unknown gender; use male, female or unknown."),
        (7, "手机号", "Duplicate of line 4."),
        (7, "生日", "Not a date or time that can be read; give a date format."),
    ]
    assert import_counts(merchant) == before
    report = run_import("customers", bad, skip_bad_rows=True)
    assert (report.rows, report.imported, report.skipped, report.duplicates) == (6, 0, 3, 3)


PRODUCTS = """spu,商品名称,商品编码,售价,原价,成本,条码
P1,Longjing 250g,LJ-250,128.00,158.00,60.5,6901234567890
P1,Longjing 500g,LJ-500,239.90,,,
,Tea cup,CUP-1,35,,,
"""


def test_products_group_skus_and_start_as_drafts_without_stock(run_import, merchant):
    report = run_import("products", PRODUCTS)

    assert report.created == {"products": 2, "skus": 3}
    lj = Sku.objects.get(merchant=merchant, code="LJ-250")
    assert (lj.price, lj.list_price, lj.cost, lj.barcode) == (12800, 15800, 6050, "6901234567890")
    assert lj.product.status == "draft"
    assert lj.product.name == "Longjing 250g"
    assert set(lj.product.skus.values_list("code", flat=True)) == {"LJ-250", "LJ-500"}
    assert Sku.objects.get(code="LJ-500").price == 23990
    assert StockLevel.objects.filter(merchant=merchant, on_hand=0).count() == 3

    again = run_import("products", PRODUCTS + "P9,Tea cup,CUP-2,40,,,\n")
    assert (again.imported, again.duplicates, again.created) == (1, 3, {"products": 0, "skus": 1})
    assert Sku.objects.get(code="CUP-2").product == Sku.objects.get(code="CUP-1").product
    assert Product.objects.filter(merchant=merchant).count() == 2


def test_product_bad_rows(run_import, merchant):
    with pytest.raises(ImportRejected) as err:
        run_import("products", "sku,name,price\nA,,1\nA,x,1.234\n")
    assert [(e["line"], e["field"], e["reason"]) for e in err.value.detail["errors"]] == [
        (2, "name", "A value is required."),
        (3, "price", "More than two decimal places."),
        (3, "sku", "Duplicate of line 2."),
    ]
    assert Sku.objects.filter(merchant=merchant).count() == 0
