"""The console in Chromium: the operator's journey, the language switch, and no script errors anywhere."""

from __future__ import annotations

import pytest

from siyu.inventory.services import set_stock
from siyu.orders.models import Order
from siyu.orders.services import aftersales
from siyu.tenancy.models import Role
from siyu.testing.browser import log_in, settle
from siyu.testing.flows import pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_sees_a_new_order_on_the_overview_and_ships_it(
    live_server, open_page, vendor_static, make_staff, customer, address, sku
):
    operator = make_staff(Role.OPERATOR)
    order = pay(customer, place(customer, [(sku.pk, 2)], address=address))  # 2 x ¥50, free shipping
    page = open_page()

    log_in(page, live_server.url, operator)

    assert page.url == f"{live_server.url}/console/overview/"
    assert page.text_content("[data-testid=kpi-gmv]") == "¥100.00"
    assert page.text_content("[data-testid=kpi-orders]") == "1"
    assert page.text_content("[data-testid=kpi-paying_customers]") == "1"
    page.wait_for_selector("[data-chart] canvas")
    assert page.locator("[data-chart] canvas").count() >= 4

    page.click("[data-module=orders]")
    row = page.locator(f'tr[data-order="{order.number}"]')
    assert row.locator(".badge").first.text_content().strip() != ""
    row.locator("a").first.click()
    page.wait_for_selector('[data-testid=order-status][data-status="paid"]')
    page.select_option("[data-testid=ship-form] select[name=carrier]", "SF")
    page.fill("[data-testid=ship-form] input[name=tracking_number]", "SF1234567890123")
    page.click("[data-testid=ship-form] button[type=submit]")
    page.wait_for_selector('[data-testid=order-status][data-status="shipped"]')

    assert page.text_content("[data-testid=tracking]") == "SF1234567890123"
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "SF", "SF1234567890123")
    assert page.js_errors == []


def test_the_language_switches_from_chinese_to_english_and_back(live_server, open_page, vendor_static, owner):
    page = open_page(locale="zh-CN")
    page.goto(f"{live_server.url}/console/login/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    log_in(page, live_server.url, owner)
    assert page.text_content("[data-module=orders] .nav-label").strip() == "订单"

    page.click("button[name=language][value=en]")
    page.wait_for_selector('html[lang="en"]')
    assert page.url == f"{live_server.url}/console/overview/"  # the same page, now in English
    assert page.text_content("[data-module=orders] .nav-label").strip() == "Orders"

    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector('html[lang="zh-hans"]')
    assert page.text_content("[data-module=orders] .nav-label").strip() == "订单"
    assert page.js_errors == []


def test_every_console_page_runs_without_script_errors(
    live_server, open_page, vendor_static, owner, merchant, outlet, customer, address, sku, make_product
):
    delivery = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=3)
    pickup = pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))
    request = aftersales.request_after_sale(
        customer=customer, order_id=delivery.pk, kind="refund_only", reason="changed my mind"
    )
    page = open_page()
    base = live_server.url
    log_in(page, base, owner)
    urls = [
        "/console/overview/",
        "/console/products/",
        f"/console/products/{sku.product_id}/",
        "/console/stock/",
        "/console/orders/",
        f"/console/orders/{delivery.pk}/",
        "/console/pickup/",
        "/console/after-sales/",
        f"/console/after-sales/{request.pk}/",
        "/console/customers/",
        f"/console/customers/{customer.pk}/",
        "/console/marketing/",
        "/console/marketing/coupons/",
        "/console/marketing/coupons/new/",
        "/console/marketing/promotions/",
        "/console/marketing/promotions/new/?kind=tiered",
        "/console/marketing/pricing-policy/",
        "/console/marketing/activities/",
        "/console/marketing/flash-sales/",
        "/console/marketing/flash-sales/new/",
        "/console/products/new/",
        f"/console/products/{sku.product_id}/edit/",
        "/console/categories/",
        "/console/outlets/",
        "/console/outlets/new/",
        "/console/settings/merchant/",
        "/console/settings/staff/",
        "/console/settings/audit/",
    ]
    for url in urls:
        response = page.goto(f"{base}{url}")
        assert response.status == 200, url
        settle(page)
        assert page.js_errors == [], url

    # htmx: the overview's range switch redraws the charts in place and updates the address.
    page.goto(f"{base}/console/overview/")
    page.click(".segmented a[href='?days=7']")
    page.wait_for_url(f"{base}/console/overview/?days=7")
    page.wait_for_selector(".segmented a.current[href='?days=7']")
    page.wait_for_selector("[data-chart] canvas")
    # htmx: typing in the order search filters the table without leaving the page.
    page.goto(f"{base}/console/orders/")
    assert page.locator("tr[data-order]").count() == 2
    page.fill("input[name=q]", delivery.number)
    page.wait_for_function("document.querySelectorAll('tr[data-order]').length === 1")
    assert page.locator(f'tr[data-order="{delivery.number}"]').count() == 1
    # htmx: a pickup code verified in place (核销).
    page.goto(f"{base}/console/pickup/")
    page.fill("input[name=code]", pickup.pickup_code)
    page.click("form button[type=submit].primary")
    page.wait_for_selector("[data-testid=pickup-verified]")
    assert Order.objects.get(pk=pickup.pk).status == "delivered"
    assert page.js_errors == []


def test_an_operator_creates_a_coupon_and_finds_it_in_the_list(
    live_server, open_page, vendor_static, make_staff
):
    from siyu.promotions.models import CouponTemplate

    operator = make_staff(Role.OPERATOR)
    page = open_page()
    log_in(page, live_server.url, operator)

    page.click("[data-module=marketing]")
    page.click("nav.sidenav a[href='/console/marketing/coupons/']")
    page.click("[data-testid=new-coupon]")
    page.fill("input[name=title]", "新客满100减20")
    page.select_option("select[name=kind]", "amount")
    page.fill("input[name=amount]", "20")
    page.fill("input[name=threshold]", "100")
    page.select_option("select[name=validity]", "after_claim")
    page.fill("input[name=valid_days]", "7")
    page.fill("input[name=total_quantity]", "100")
    page.click("[data-testid=save]")
    page.wait_for_selector('[data-testid=coupon-status][data-status="active"]')

    template = CouponTemplate.objects.get()
    assert (template.amount, template.threshold, template.valid_days, template.total_quantity) == (
        2000,
        10000,
        7,
        100,
    )
    page.click("nav.sidenav a[href='/console/marketing/coupons/']")
    row = page.locator(f'tr[data-coupon="{template.pk}"]')
    assert "新客满100减20" in row.text_content()
    assert page.js_errors == []
