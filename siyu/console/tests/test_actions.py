"""Console writes go through the services: shipping, cancelling, pickup verification, after-sales,
shelf status, product roles, stocktakes and staff. A refused request answers 4xx and changes nothing.
"""

from __future__ import annotations

import pytest

from siyu.catalog.models import Product, ProductRoleAssignment
from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.members.services import bind_guide
from siyu.orders.models import AfterSale, Order
from siyu.orders.services import aftersales
from siyu.tenancy.models import AuditEntry, Role, Staff
from siyu.testing.clients import log_in
from siyu.testing.factories import make_merchant
from siyu.testing.flows import pay, place
from siyu.testing.snapshots import changed, refused, tenant_rows

pytestmark = pytest.mark.django_db


# Shipping and cancelling -------------------------------------------------------------------------


def test_an_operator_ships_a_paid_order(console_as, paid_order):
    client, operator = console_as(Role.OPERATOR)

    response = client.post(
        f"/console/orders/{paid_order.pk}/ship/", {"carrier": "SF", "tracking_number": "sf 1234567890123"}
    )

    assert response.status_code == 302 and response["Location"] == f"/console/orders/{paid_order.pk}/"
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.carrier, paid_order.tracking_number) == (
        "shipped",
        "SF",
        "SF1234567890123",
    )
    audit = AuditEntry.objects.get(action="order.ship")
    assert (audit.staff_id, audit.object_id) == (operator.pk, str(paid_order.pk))
    page = client.get(response["Location"]).content.decode()
    assert f"Order {paid_order.number} was shipped." in page
    assert 'data-status="shipped"' in page and 'data-testid="ship-form"' not in page


def test_shipping_without_a_tracking_number_is_a_400(console, paid_order, merchant):
    response = refused(
        console,
        f"/console/orders/{paid_order.pk}/ship/",
        {"carrier": "SF", "tracking_number": ""},
        merchant,
        400,
    )
    assert "Choose the courier and enter the tracking number." in response.content.decode()


def test_shipping_twice_is_a_409(console, paid_order, merchant):
    console.post(
        f"/console/orders/{paid_order.pk}/ship/", {"carrier": "SF", "tracking_number": "SF1234567890123"}
    )

    response = refused(
        console,
        f"/console/orders/{paid_order.pk}/ship/",
        {"carrier": "SF", "tracking_number": "SF1234567890124"},
        merchant,
        409,
    )
    assert 'data-testid="error"' in response.content.decode()


def test_a_pickup_order_cannot_be_shipped(console, pickup, merchant):
    refused(
        console,
        f"/console/orders/{pickup.pk}/ship/",
        {"carrier": "SF", "tracking_number": "SF1234567890123"},
        merchant,
        409,
    )


@pytest.mark.parametrize("role", [Role.ANALYST, Role.GUIDE, Role.SERVICE])
def test_roles_without_fulfilment_cannot_ship(role, console_as, paid_order, merchant):
    client, staff = console_as(role)
    if role == Role.GUIDE:  # a guide sees their own customers' orders only: make this one theirs
        bind_guide(staff=staff, customer_id=paid_order.customer_id, guide_id=staff.pk, source="share_link")
    refused(
        client,
        f"/console/orders/{paid_order.pk}/ship/",
        {"carrier": "SF", "tracking_number": "SF1234567890123"},
        merchant,
        403,
        "permission_denied",
    )


def test_an_unpaid_order_is_cancelled_and_a_paid_one_is_not(
    console, customer, address, sku, paid_order, merchant
):
    unpaid = place(customer, [(sku.pk, 1)], address=address)

    response = console.post(f"/console/orders/{unpaid.pk}/cancel/")

    assert response.status_code == 302
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.cancel_reason) == ("cancelled", "merchant_cancelled")
    refused(console, f"/console/orders/{paid_order.pk}/cancel/", {}, merchant, 409)


# Pickup verification (核销) ------------------------------------------------------------------------


@pytest.fixture
def pickup(customer, sku, outlet, merchant) -> Order:
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=5)
    return pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))


def test_outlet_staff_verify_a_pickup_code(pickup, outlet, make_staff):
    client = log_in(make_staff(Role.OUTLET_MANAGER, outlets=[outlet]))

    response = client.post("/console/pickup/", {"code": pickup.pickup_code}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="pickup-verified"' in html and pickup.number in html and "<html" not in html
    pickup.refresh_from_db()
    assert pickup.status == "delivered"
    assert AuditEntry.objects.filter(action="order.verify_pickup", object_id=str(pickup.pk)).count() == 1


def test_a_wrong_or_malformed_code_is_refused(console, pickup, merchant):
    wrong = "0000" if pickup.pickup_code != "0000" else "1111"
    response = refused(console, "/console/pickup/", {"code": wrong}, merchant, 404)
    assert "No order awaiting pickup has this code." in response.content.decode()
    refused(console, "/console/pickup/", {"code": "12ab"}, merchant, 400)


def test_a_manager_of_another_outlet_cannot_hand_over_the_order(pickup, merchant, make_staff):
    from siyu.tenancy.models import Outlet

    elsewhere = Outlet.objects.create(merchant=merchant, code="HZ", name="Hangzhou")
    client = log_in(make_staff(Role.OUTLET_MANAGER, outlets=[elsewhere]))

    refused(client, "/console/pickup/", {"code": pickup.pickup_code}, merchant, 404)


# After-sales -----------------------------------------------------------------------------------------


def test_a_refund_only_request_is_approved_and_refunded(console, customer, paid_order):
    request = aftersales.request_after_sale(
        customer=customer, order_id=paid_order.pk, kind="refund_only", reason="changed my mind"
    )

    response = console.post(f"/console/after-sales/{request.pk}/approve/", {"note": "ok"})

    assert response.status_code == 302
    request.refresh_from_db()
    paid_order.refresh_from_db()
    assert request.status == "refunded"
    assert paid_order.refunded_amount == request.amount == paid_order.paid_amount
    assert paid_order.status == "closed"


def test_a_return_is_approved_then_refunded_when_the_goods_arrive(console, customer, paid_order, owner, sku):
    from siyu.orders.services import lifecycle

    lifecycle.ship_order(staff=owner, order_id=paid_order.pk, carrier="SF", tracking_number="SF1234567890123")
    request = aftersales.request_after_sale(
        customer=customer, order_id=paid_order.pk, kind="return_refund", reason="broken"
    )
    stock_before = StockLevel.objects.get(sku=sku, outlet=None).on_hand

    console.post(f"/console/after-sales/{request.pk}/approve/", {"note": ""})
    request.refresh_from_db()
    assert request.status == "approved"
    page = console.get(f"/console/after-sales/{request.pk}/").content.decode()
    assert "Goods received: restock and refund" in page

    console.post(f"/console/after-sales/{request.pk}/receive/")

    request.refresh_from_db()
    assert request.status == "refunded"
    assert StockLevel.objects.get(sku=sku, outlet=None).on_hand == stock_before + 2


def test_rejecting_needs_a_reason_and_other_roles_cannot_decide(
    console, console_as, customer, paid_order, merchant
):
    request = aftersales.request_after_sale(
        customer=customer, order_id=paid_order.pk, kind="refund_only", reason="late"
    )
    url = f"/console/after-sales/{request.pk}"
    refused(console, f"{url}/reject/", {"note": "  "}, merchant, 400, "invalid_input")
    guide, guide_staff = console_as(Role.GUIDE)
    refused(guide, f"{url}/approve/", {"note": ""}, merchant, 404)  # not their customer's order
    bind_guide(staff=guide_staff, customer_id=customer.pk, guide_id=guide_staff.pk, source="share_link")
    refused(guide, f"{url}/approve/", {"note": ""}, merchant, 403)
    refused(console, f"{url}/explode/", {}, merchant, 404)
    refused(console, f"{url}/receive/", {}, merchant, 409)  # a refund-only request has no goods to receive

    console.post(f"{url}/reject/", {"note": "outside the window"})

    request.refresh_from_db()
    assert (request.status, request.review_note) == ("rejected", "outside the window")
    assert AfterSale.objects.get(pk=request.pk).reviewed_by_id == Staff.objects.get(role=Role.OWNER).pk


# Products: shelf status, roles; stocktakes ----------------------------------------------------------------


def test_bulk_off_shelf_and_back_on_sale(console, make_product):
    a, b, _c = make_product("A"), make_product("B"), make_product("C")

    response = console.post("/console/products/status/", {"product_ids": [a.pk, b.pk], "status": "off_shelf"})

    assert response.status_code == 302
    assert dict(Product.objects.values_list("name", "status")) == {
        "A": "off_shelf",
        "B": "off_shelf",
        "C": "on_sale",
    }
    assert AuditEntry.objects.filter(action="product.status").count() == 2
    page = console.get(response["Location"]).content.decode()
    assert "2 products are off shelf." in page

    console.post("/console/products/status/", {"product_ids": [a.pk], "status": "on_sale"})
    assert Product.objects.get(pk=a.pk).status == "on_sale"


def test_bulk_status_with_another_merchants_product_changes_none(console, make_product, merchant):
    mine = make_product("Mine")
    other = make_merchant("other")
    theirs = make_product("Theirs", m=other)
    before_other = tenant_rows(other)

    refused(
        console,
        "/console/products/status/",
        {"product_ids": [mine.pk, theirs.pk], "status": "off_shelf"},
        merchant,
        404,
    )

    assert changed(before_other, tenant_rows(other)) == []


def test_bulk_status_refusals(console, console_as, make_product, merchant):
    product = make_product("A")
    refused(console, "/console/products/status/", {"product_ids": [], "status": "off_shelf"}, merchant, 400)
    refused(
        console, "/console/products/status/", {"product_ids": [product.pk], "status": "draft"}, merchant, 400
    )
    refused(
        console, "/console/products/status/", {"product_ids": ["x"], "status": "off_shelf"}, merchant, 400
    )
    guide, _ = console_as(Role.GUIDE)
    refused(
        guide,
        "/console/products/status/",
        {"product_ids": [product.pk], "status": "off_shelf"},
        merchant,
        403,
    )


def test_product_roles_are_set_from_the_product_page(console, make_product, merchant):
    product = make_product("A", roles=["flagship"])

    response = console.post(
        f"/console/products/{product.pk}/roles/", {"roles": ["hot_item", "traffic_driver"]}
    )

    assert response.status_code == 302
    assert sorted(ProductRoleAssignment.objects.filter(product=product).values_list("role", flat=True)) == [
        "hot_item",
        "traffic_driver",
    ]
    refused(console, f"/console/products/{product.pk}/roles/", {"roles": ["hero"]}, merchant, 400)


def test_a_stocktake_sets_the_counted_units(console, sku, merchant, customer, address):
    level = StockLevel.objects.get(sku=sku, outlet=None)

    response = console.post(f"/console/stock/{level.pk}/", {"on_hand": 42, "low_stock_threshold": 5})

    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.on_hand, level.low_stock_threshold) == (42, 5)
    place(customer, [(sku.pk, 3)], address=address)  # 3 units reserved by an unpaid order
    refused(console, f"/console/stock/{level.pk}/", {"on_hand": 2}, merchant, 409)
    refused(console, f"/console/stock/{level.pk}/", {"on_hand": -1}, merchant, 400)


# Staff ------------------------------------------------------------------------------------------------


def test_the_owner_adds_staff_who_can_then_log_in(console, outlet):
    response = console.post(
        "/console/settings/staff/",
        {
            "username": "clerk.wang",
            "password": "pw-12345678",
            "display_name": "Wang",
            "role": "outlet_manager",
            "outlets": [outlet.pk],
        },
    )

    assert response.status_code == 302
    clerk = Staff.objects.get(user__username="clerk.wang")
    assert (clerk.role, list(clerk.outlets.values_list("pk", flat=True))) == ("outlet_manager", [outlet.pk])
    assert AuditEntry.objects.filter(action="staff.create", object_id=str(clerk.pk)).exists()
    from django.test import Client

    assert (
        Client().post("/console/login/", {"username": "clerk.wang", "password": "pw-12345678"}).status_code
        == 302
    )


def test_adding_staff_is_refused_for_a_taken_name_a_short_password_or_a_foreign_outlet(
    console, owner, merchant
):
    from siyu.tenancy.models import Outlet

    foreign = Outlet.objects.create(merchant=make_merchant("other"), code="X", name="X")
    good = {"username": "clerk", "password": "pw-12345678", "display_name": "C", "role": "guide"}
    refused(console, "/console/settings/staff/", {**good, "username": owner.user.username}, merchant, 400)
    refused(console, "/console/settings/staff/", {**good, "password": "short"}, merchant, 400)
    refused(console, "/console/settings/staff/", {**good, "role": "king"}, merchant, 400)
    refused(console, "/console/settings/staff/", {**good, "outlets": [foreign.pk]}, merchant, 400)


def test_a_used_pickup_code_shows_when_by_whom_and_where_it_was_verified(
    pickup, outlet, merchant, make_staff
):
    from datetime import UTC, datetime
    from unittest import mock

    clerk = make_staff(Role.OUTLET_MANAGER, outlets=[outlet])
    clerk.display_name = "王店长"
    clerk.save(update_fields=["display_name"])
    client = log_in(clerk, language="zh-hans")
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 6, 15, 16, 30, tzinfo=UTC)):
        assert client.post("/console/pickup/", {"code": pickup.pickup_code}).status_code == 200

    response = refused(
        client, "/console/pickup/", {"code": pickup.pickup_code}, merchant, 409, "pickup_already_verified"
    )

    html = response.content.decode()
    assert (
        f"该取货码已核销：订单 {pickup.number} 已于 2026-06-16 00:30 由 王店长 在 Shanghai Xintiandi 核销。"
        in html
    )
    assert f'<a href="/console/orders/{pickup.pk}/" data-testid="verified-order">查看订单</a>' in html
