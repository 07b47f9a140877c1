"""Playwright: an H5 customer pays an order through the sandbox WeChat cashier and sees it paid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from siyu.members.models import Customer
from siyu.orders.models import Order, OrderStatus
from siyu.simulate.demo_wechat import ensure_demo_wechat_pay
from siyu.testing.factories import add_address
from siyu.testing.flows import place
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import serve_in_thread
from siyu.wechat.sandbox_accounts import register_sandbox_accounts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[4] / "var" / "screenshots"


@pytest.fixture
def sandbox(live_server, settings):
    """The whole WeChat sandbox as ``siyu demo`` runs it, reading sandbox accounts from the database."""
    app = server.build(live_server.url)
    register_sandbox_accounts(app)
    base, stop = serve_in_thread(app)
    settings.SIYU_WECHAT_SANDBOX_URL = base
    settings.SIYU_PUBLIC_URL = live_server.url
    yield base
    stop()


@pytest.mark.parametrize(("locale", "paid_text"), [("zh-CN", "已付款"), ("en-US", "Paid")])
def test_h5_order_is_paid_through_the_sandbox_cashier(
    live_server, sandbox, open_page, merchant, make_product, locale, paid_text
):
    ensure_demo_wechat_pay(merchant)
    sku = make_product("西湖龙井", price=4800).skus.get()
    page = open_page(phone=True, locale=locale)
    shop = f"{live_server.url}/shop/{merchant.slug}"
    page.goto(f"{shop}/login/")
    page.get_by_test_id("nickname").fill("小明")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(rf"/shop/{merchant.slug}/"))
    customer = Customer.objects.get(merchant=merchant)
    order = place(customer, [(sku.pk, 1)], address=add_address(customer))
    page.goto(f"{shop}/orders/{order.pk}/")

    page.get_by_test_id("pay-order").click()

    page.wait_for_url(re.compile(rf"^{re.escape(sandbox)}/ui/pay/wx\w+\?return="))
    assert page.get_by_test_id("amount").inner_text() == "¥58.00"  # ¥48 + ¥10 shipping
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"wechat-pay-cashier-{locale}.png"))
    page.get_by_test_id("pay").click()
    page.wait_for_url(re.compile(rf"/shop/{merchant.slug}/orders/{order.pk}/$"))
    assert page.get_by_test_id("order-status").inner_text() == paid_text
    page.screenshot(path=str(SHOTS / f"wechat-pay-paid-{locale}.png"))
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 5800)
    assert Order.objects.get().payments.get().gateway == "wechatpay"
