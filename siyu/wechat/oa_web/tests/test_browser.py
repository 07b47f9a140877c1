"""In Chromium: 微信登录 through the sandbox's authorisation page, in Chinese and in English
(the console's menu editor: siyu/console/tests/test_wechat_menu_browser.py).
``SIYU_SHOTS=<folder>`` saves screenshots."""

from __future__ import annotations

import os
import re

import pytest

from siyu.members.models import Customer
from siyu.testing import oa_web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SIYU_SHOTS", "")


@pytest.fixture
def fake(live_server, settings):
    with oa_web.running_fake(siyu_url=live_server.url) as running:
        settings.SIYU_WECHAT_BASES = running.bases()
        yield running


WORDS = {
    "zh-CN": {"wechat": "微信登录", "me": "我的"},
    "en-US": {"wechat": "Log in with WeChat", "me": "Me"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_customer_logs_in_with_wechat_through_the_sandbox(live_server, open_page, merchant, fake, locale):
    oa_web.make_oa_account(merchant, fake, userinfo=True)
    page = open_page(phone=True, locale=locale)
    page.goto(f"{live_server.url}/shop/tea/login/?next=/shop/tea/me/")
    button = page.get_by_test_id("wechat-login")
    assert button.inner_text() == WORDS[locale]["wechat"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oaweb-login-{locale[:2]}.png", full_page=True)
    button.click()

    page.wait_for_url(re.compile(r"/open/connect/oauth2/authorize\?"))
    assert page.get_by_test_id("oauth-user-lihua").is_visible()
    page.get_by_test_id("oauth-user-lihua").click()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oaweb-authorize-{locale[:2]}.png", full_page=True)
    page.get_by_test_id("oauth-allow").click()

    page.wait_for_url(re.compile(r"/shop/tea/me/$"))
    customer = Customer.objects.get(merchant=merchant)
    assert customer.nickname == "李华"
    assert "李华" in page.content()
    assert page.js_errors == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oaweb-logged-in-{locale[:2]}.png", full_page=True)
