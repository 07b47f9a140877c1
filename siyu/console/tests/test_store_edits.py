"""商品, 门店 and 设置 edits: products with SKUs (create, edit, add SKUs), categories, outlets, the
merchant's settings and staff. Each goes through its service; a refused one changes no row."""

from __future__ import annotations

import pytest

from siyu.catalog.models import Category, Product, Sku
from siyu.catalog.services import create_category
from siyu.inventory.models import StockLevel
from siyu.tenancy.models import AuditEntry, Merchant, Outlet, Role, Staff
from siyu.testing.clients import log_in
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db

PRODUCT = {
    "name": "明前龙井",
    "subtitle": "2025 新茶",
    "selling_points": "手工炒制\n西湖产区",
    "description": "清香",
    "images": "https://img.example.com/a.jpg\nhttps://img.example.com/b.jpg",
    "keywords": "龙井 绿茶",
    "sort_order": "5",
    "roles": ["flagship", "hot_item"],
    "status": "on_sale",
    "skus": "LJ-50, 128, 30, 60, 158, 6901234, 规格:50g\nLJ-100, 238.5, 10, 110",
}


def test_a_product_is_created_with_its_skus_stock_and_roles(console_as, merchant):
    client, operator = console_as(Role.OPERATOR)
    tea = create_category(merchant=merchant, name="Tea", acting_staff=None)

    response = client.post("/console/products/new/", {**PRODUCT, "category": tea.pk})

    assert response.status_code == 302, response.content[:1500]
    product = Product.objects.get()
    assert response["Location"] == f"/console/products/{product.pk}/"
    assert (product.name, product.status, product.category_id, product.sort_order) == (
        "明前龙井",
        "on_sale",
        tea.pk,
        5,
    )
    assert product.images == ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    assert product.selling_points == ["手工炒制", "西湖产区"]
    assert sorted(product.role_rows.values_list("role", flat=True)) == ["flagship", "hot_item"]
    skus = list(
        product.skus.order_by("code").values_list("code", "price", "cost", "list_price", "barcode", "specs")
    )
    assert skus == [
        ("LJ-100", 23850, 11000, 0, "", {}),
        ("LJ-50", 12800, 6000, 15800, "6901234", {"规格": "50g"}),
    ]
    stock = dict(StockLevel.objects.filter(outlet=None).values_list("sku__code", "on_hand"))
    assert stock == {"LJ-50": 30, "LJ-100": 10}
    assert AuditEntry.objects.get(action="product.create").staff_id == operator.pk


def test_a_product_the_catalogue_refuses_creates_nothing(console, console_as, make_product, merchant):
    taken = make_product("Old").skus.get().code
    refused(
        console,
        "/console/products/new/",
        {**PRODUCT, "skus": f"{taken}, 10"},
        merchant,
        409,
        "duplicate_sku_code",
    )
    refused(console, "/console/products/new/", {**PRODUCT, "skus": ""}, merchant, 400)
    refused(console, "/console/products/new/", {**PRODUCT, "skus": "A, ten"}, merchant, 400)
    refused(console, "/console/products/new/", {**PRODUCT, "images": "not a url"}, merchant, 400)
    guide, _staff = console_as(Role.GUIDE)
    refused(guide, "/console/products/new/", PRODUCT, merchant, 403, "permission_denied")


def _edit_data(product: Product, **changes) -> dict:
    data = {
        "name": product.name,
        "sort_order": "0",
        "roles": ["flagship"],
        "images": "",
        "category": product.category_id or "",
    }
    for sku in product.skus.all():
        p = f"sku{sku.pk}"
        data |= {
            f"{p}-price": f"{sku.price / 100:.2f}",
            f"{p}-list_price": f"{sku.list_price / 100:.2f}",
            f"{p}-cost": f"{sku.cost / 100:.2f}",
            f"{p}-barcode": sku.barcode,
            f"{p}-weight_grams": str(sku.weight_grams),
            f"{p}-is_active": "on" if sku.is_active else "",
        }
    return data | changes


def test_editing_a_product_changes_its_fields_roles_and_sku_prices(console, make_product, merchant):
    product = make_product("Tea", skus=2, roles=["hot_item"])
    a, b = product.skus.order_by("id")
    green = create_category(merchant=merchant, name="Green", acting_staff=None)
    page = console.get(f"/console/products/{product.pk}/edit/").content.decode()
    assert 'name="name"' in page and f'name="sku{a.pk}-price" value="50.00"' in page

    data = _edit_data(
        product,
        name="Tea 2025",
        description="new",
        images="https://img.example.com/t.jpg",
        category=green.pk,
        roles=["flagship", "clearance"],
        **{f"sku{a.pk}-price": "45.50", f"sku{a.pk}-barcode": "690", f"sku{b.pk}-is_active": ""},
    )
    response = console.post(f"/console/products/{product.pk}/edit/", data)

    assert response.status_code == 302, response.content[:1500]
    product.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (product.name, product.description, product.category_id) == ("Tea 2025", "new", green.pk)
    assert product.images == ["https://img.example.com/t.jpg"]
    assert sorted(product.role_rows.values_list("role", flat=True)) == ["clearance", "flagship"]
    assert (a.price, a.barcode, a.is_active, b.price, b.is_active) == (4550, "690", True, 5000, False)
    assert AuditEntry.objects.filter(action="sku.update").count() == 2


def test_a_refused_sku_leaves_the_whole_product_as_it_was(console, make_product, merchant):
    product = make_product("Tea", skus=1)
    sku = product.skus.get()
    other = Merchant.objects.create(slug="o", name="O")
    foreign = create_category(merchant=other, name="Foreign", acting_staff=None)

    refused(
        console,
        f"/console/products/{product.pk}/edit/",
        _edit_data(product, name="X", **{f"sku{sku.pk}-price": "-1"}),
        merchant,
        400,
    )
    refused(
        console,
        f"/console/products/{product.pk}/edit/",
        _edit_data(product, name="X", category=foreign.pk),
        merchant,
        400,
    )
    with_category = make_product(
        "Cat", category_id=create_category(merchant=merchant, name="C", acting_staff=None).pk
    )
    refused(
        console,
        f"/console/products/{with_category.pk}/edit/",
        _edit_data(with_category, category=""),
        merchant,
        400,
    )


def test_skus_are_added_to_a_product(console, make_product, merchant):
    product = make_product("Tea")

    response = console.post(f"/console/products/{product.pk}/skus/", {"skus": "TEA-XL, 99, 5, , , , 规格:XL"})

    assert response.status_code == 302
    added = Sku.objects.get(code="TEA-XL")
    assert (added.product_id, added.price, added.specs) == (product.pk, 9900, {"规格": "XL"})
    assert StockLevel.objects.get(sku=added, outlet=None).on_hand == 5
    refused(console, f"/console/products/{product.pk}/skus/", {"skus": "TEA-XL, 99"}, merchant, 409)


def test_categories_are_listed_and_added(console, console_as, merchant):
    response = console.post("/console/categories/", {"name": "绿茶", "sort_order": "1"})
    assert response.status_code == 302
    parent = Category.objects.get(name="绿茶")
    console.post("/console/categories/", {"name": "龙井", "parent": parent.pk, "sort_order": "0"})
    assert Category.objects.get(name="龙井").parent_id == parent.pk
    page = console.get("/console/categories/").content.decode()
    assert f'data-category="{parent.pk}"' in page and "龙井" in page
    guide, _staff = console_as(Role.GUIDE)
    assert 'data-testid="category-form"' not in guide.get("/console/categories/").content.decode()
    refused(guide, "/console/categories/", {"name": "X", "sort_order": "0"}, merchant, 403)


# ---- outlets ---------------------------------------------------------------------------------------------

OUTLET = {
    "code": "HZ01",
    "name": "西湖店",
    "province": "浙江",
    "city": "杭州",
    "district": "西湖区",
    "address": "北山街1号",
    "phone": "0571-1234",
    "supports_pickup": "on",
    "is_active": "on",
    "hours_mon": "09:00-12:00, 13:00-21:00",
    "hours_sat": "10:00-22:00",
}


def test_an_outlet_is_opened_and_edited(console_as, merchant):
    client, operator = console_as(Role.OPERATOR)

    assert client.post("/console/outlets/new/", OUTLET).status_code == 302

    outlet = Outlet.objects.get(code="HZ01")
    assert (outlet.name, outlet.city, outlet.supports_pickup) == ("西湖店", "杭州", True)
    assert outlet.opening_hours["mon"] == [["09:00", "12:00"], ["13:00", "21:00"]]
    assert outlet.opening_hours["sat"] == [["10:00", "22:00"]] and outlet.opening_hours["sun"] == []
    page = client.get(f"/console/outlets/{outlet.pk}/edit/").content.decode()
    assert 'value="09:00-12:00, 13:00-21:00"' in page

    data = {**OUTLET, "name": "西湖旗舰店", "supports_pickup": "", "hours_mon": ""}
    assert client.post(f"/console/outlets/{outlet.pk}/edit/", data).status_code == 302
    outlet.refresh_from_db()
    assert (outlet.name, outlet.supports_pickup, outlet.opening_hours["mon"]) == ("西湖旗舰店", False, [])
    assert AuditEntry.objects.filter(action__startswith="outlet.", staff=operator).count() == 2
    assert "西湖旗舰店" in client.get("/console/outlets/").content.decode()


def test_outlet_refusals_change_nothing(console, console_as, outlet, merchant):
    refused(console, "/console/outlets/new/", {**OUTLET, "code": outlet.code}, merchant, 400, "invalid_input")
    refused(console, "/console/outlets/new/", {**OUTLET, "hours_mon": "21:00-09:00"}, merchant, 400)
    refused(console, "/console/outlets/new/", {**OUTLET, "hours_mon": "9-5"}, merchant, 400)
    analyst, _staff = console_as(Role.ANALYST)
    refused(analyst, "/console/outlets/new/", OUTLET, merchant, 403)
    assert 'data-testid="new-outlet"' not in analyst.get("/console/outlets/").content.decode()


# ---- merchant and staff -----------------------------------------------------------------------------------

MERCHANT = {
    "name": "Tea House",
    "timezone": "Europe/London",
    "login_adapter": "sandbox",
    "payment_timeout_minutes": "15",
    "auto_confirm_receipt_days": "7",
    "after_sale_window_days": "14",
    "shipping_fee": "8",
    "free_shipping_threshold": "88",
}


def test_the_owner_edits_the_merchant_settings(console, merchant):
    response = console.post("/console/settings/merchant/", MERCHANT)

    assert response.status_code == 302, response.content[:1500]
    merchant.refresh_from_db()
    assert (merchant.name, merchant.timezone, merchant.payment_timeout_minutes) == (
        "Tea House",
        "Europe/London",
        15,
    )
    assert (merchant.shipping_fee, merchant.free_shipping_threshold, merchant.after_sale_window_days) == (
        800,
        8800,
        14,
    )
    audit = AuditEntry.objects.get(action="merchant.update")
    assert audit.after["timezone"] == "Europe/London" and audit.before["timezone"] == "Asia/Shanghai"
    assert "Tea House" in console.get("/console/settings/merchant/").content.decode()


def test_merchant_refusals_change_nothing(console, console_as, merchant):
    refused(console, "/console/settings/merchant/", {**MERCHANT, "timezone": "Mars/Olympus"}, merchant, 400)
    refused(console, "/console/settings/merchant/", {**MERCHANT, "login_adapter": "wechat"}, merchant, 400)
    refused(
        console, "/console/settings/merchant/", {**MERCHANT, "payment_timeout_minutes": "1"}, merchant, 400
    )
    operator, _staff = console_as(Role.OPERATOR)
    refused(operator, "/console/settings/merchant/", MERCHANT, merchant, 403)


def test_the_owner_changes_a_role_and_disables_staff(console, owner, make_staff, outlet, merchant):
    clerk = make_staff(Role.GUIDE)
    url = f"/console/settings/staff/{clerk.pk}/"
    data = {"display_name": "Wang", "role": "outlet_manager", "outlets": [outlet.pk], "is_active": "on"}

    assert console.post(url, data).status_code == 302
    clerk.refresh_from_db()
    assert (clerk.display_name, clerk.role, list(clerk.outlets.values_list("pk", flat=True))) == (
        "Wang",
        "outlet_manager",
        [outlet.pk],
    )
    assert console.post(url, {**data, "is_active": ""}).status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_active is False
    from django.test import Client

    assert (
        Client()
        .post("/console/login/", {"username": clerk.user.username, "password": "pw-123456"})
        .status_code
        != 302
    )
    assert AuditEntry.objects.filter(action="staff.update", object_id=str(clerk.pk)).count() == 2


def test_nobody_demotes_or_disables_themselves_and_a_merchant_keeps_an_owner(
    console, owner, make_staff, merchant
):
    own = f"/console/settings/staff/{owner.pk}/"
    refused(console, own, {"display_name": "Me", "role": "guide", "is_active": "on"}, merchant, 400)
    refused(console, own, {"display_name": "Me", "role": "owner", "is_active": ""}, merchant, 400)
    second = make_staff(Role.OWNER)
    client = log_in(second)
    assert client.post(own, {"display_name": "Old", "role": "operator", "is_active": "on"}).status_code == 302
    assert Staff.objects.get(pk=owner.pk).role == "operator"
    # Now ``second`` is the only active owner: nobody can take that away (they cannot themselves).
    refused(
        client,
        f"/console/settings/staff/{second.pk}/",
        {"display_name": "S", "role": "guide", "is_active": "on"},
        merchant,
        400,
    )
