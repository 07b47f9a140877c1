"""Playwright journeys on a phone viewport against the live server (Debian's Chromium)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.catalog.models import ProductRole
from siyu.members.models import Customer
from siyu.members.services import save_address
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services.cart import add_to_cart
from siyu.promotions.flashsale.services import manage
from siyu.testing.flows import pay, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(merchant, make_product):
    product = make_product("西湖龙井", price=4800, stock=20, skus=2, roles=[ProductRole.HOT_ITEM])
    first, second = product.skus.order_by("id")
    first.specs, second.specs, second.price = {"规格": "50g"}, {"规格": "100g"}, 8800
    first.save(update_fields=["specs"])
    second.save(update_fields=["specs", "price"])
    return product


def test_buyer_journey_from_home_to_a_paid_order(live_server, open_page, shop, merchant):
    page = open_page(phone=True)
    base = f"{live_server.url}/shop/tea"
    page.goto(f"{base}/")
    page.get_by_test_id("zone-hot_item").get_by_test_id("product-card").first.click()
    page.wait_for_url(re.compile(rf"/shop/tea/p/{shop.pk}/$"))

    # The SKU picker updates the price without a reload.
    assert page.get_by_test_id("price").inner_text() == "¥48.00"
    page.get_by_test_id("sku").nth(1).click()
    assert page.get_by_test_id("price").inner_text() == "¥88.00"
    page.get_by_test_id("add-to-cart").click()

    # Not logged in: the sandbox login page, then back to the product.
    page.wait_for_url(re.compile(r"/shop/tea/login/"))
    page.get_by_test_id("nickname").fill("小明")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(rf"/shop/tea/p/{shop.pk}/$"))
    page.get_by_test_id("sku").nth(1).click()
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url(re.compile(rf"/shop/tea/p/{shop.pk}/$"))
    assert page.get_by_test_id("cart-count").inner_text() == "1"

    page.get_by_test_id("tab-cart").click()
    page.wait_for_url(re.compile(r"/shop/tea/cart/$"))
    assert page.get_by_test_id("cart-total").inner_text() == "¥88.00"
    page.get_by_test_id("go-checkout").click()

    # No address yet: add one from the checkout page and come back with it chosen.
    page.wait_for_url(re.compile(r"/shop/tea/checkout/"))
    page.get_by_test_id("add-address").click()
    form = page.get_by_test_id("address-form")
    for name, value in [("recipient", "王小明"), ("phone", "13800000000"), ("detail", "南京东路1号")]:
        form.locator(f"input[name={name}]").fill(value)
    # the region picker: the province lists its cities, the city its districts (regions.js)
    form.get_by_test_id("province").select_option(label="上海市")
    form.get_by_test_id("city").select_option(label="上海市")
    form.get_by_test_id("district").select_option(label="黄浦区")
    page.get_by_test_id("save-address").click()
    page.wait_for_url(re.compile(r"/shop/tea/checkout/\?.*address=\d+"))
    assert page.get_by_test_id("payable").inner_text() == "¥98.00"  # ¥88 + ¥10 shipping (free from ¥99)
    assert page.js_errors == []
    page.get_by_test_id("place-order").click()

    # The sandbox cashier (siyu/orders, not ours: its missing favicon logs a 404), then the order.
    page.wait_for_url(re.compile(r"/sandbox-pay/"))
    page.get_by_test_id("pay").click()
    page.get_by_test_id("paid").wait_for()
    page.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/shop/tea/orders/\d+/$"))
    page.js_errors.clear()
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert page.get_by_test_id("order-status").inner_text() == "已付款"

    page.goto(f"{base}/orders/")
    card = page.locator(f'[data-number="{order.number}"]')
    assert card.get_by_test_id("order-status").inner_text() == "已付款"
    assert page.js_errors == []


def test_language_switch_keeps_the_page(live_server, open_page, shop, merchant):
    page = open_page(phone=True)
    page.goto(f"{live_server.url}/shop/tea/p/{shop.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_test_id("lang-en").click()
    page.wait_for_url(re.compile(rf"/shop/tea/p/{shop.pk}/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("tab-cart").inner_text().strip().endswith("Cart")
    page.get_by_test_id("lang-zh").click()
    page.wait_for_url(re.compile(rf"/shop/tea/p/{shop.pk}/$"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.js_errors == []


def test_no_page_logs_a_js_error(live_server, open_page, shop, merchant):
    page = open_page(phone=True)
    base = f"{live_server.url}/shop/tea"
    page.goto(f"{base}/login/")
    page.get_by_test_id("nickname").fill("alice")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"/shop/tea/me/$"))
    customer = Customer.objects.get(nickname="alice")
    address = save_address(
        customer=customer, recipient="A", phone="1390000", province="p", city="c", detail="d"
    )
    sku = shop.skus.order_by("id").first()
    order = pay(customer, place(customer, [(sku.pk, 1)], address=address))
    add_to_cart(customer=customer, sku_id=sku.pk, quantity=2)
    for path in [
        "/",
        "/categories/",
        "/search/?q=龙井",
        f"/p/{shop.pk}/",
        "/cart/",
        "/checkout/",
        "/checkout/?fulfilment=delivery&address=",
        "/orders/",
        f"/orders/{order.pk}/",
        f"/orders/{order.pk}/after-sale/",
        "/after-sales/",
        "/me/",
        "/me/addresses/",
        "/me/addresses/new/",
        f"/me/addresses/{address.pk}/",
    ]:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        assert page.js_errors == [], path
    # The interactive bits run without errors too: steppers, autosubmit, share copy, countdown.
    page.goto(f"{base}/p/{shop.pk}/")
    page.get_by_test_id("share").locator("summary").click()
    page.get_by_test_id("share").locator("button").first.click()
    page.goto(f"{base}/cart/")
    page.get_by_test_id("cart-row").locator("button[data-step='1']").click()
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelector('[data-testid=cart-qty]').value === '3'")
    assert page.js_errors == []


def test_activity_pages_count_down_without_js_errors(live_server, open_page, shop, merchant, owner, settings):
    settings.REDIS_URL = ""
    sku = shop.skus.order_by("id").first()
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="618 秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
        items=[manage.ItemInput(sku.pk, 2990, 10)],
    )
    page = open_page(phone=True)
    base = f"{live_server.url}/shop/tea"
    page.goto(f"{base}/")
    page.get_by_test_id("flash-banner").click()
    page.wait_for_url(re.compile(rf"/shop/tea/flash/{sale.pk}/$"))
    countdown = page.get_by_test_id("countdown")
    page.wait_for_function(
        "el => /^\\d{2}:\\d{2}:\\d{2}$/.test(el.textContent)", arg=countdown.element_handle()
    )
    first = countdown.inner_text()
    assert "01:5" in first  # a little under two hours left
    page.wait_for_function("([el, t]) => el.textContent !== t", arg=[countdown.element_handle(), first])
    assert page.js_errors == []
