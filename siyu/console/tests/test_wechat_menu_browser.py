"""In Chromium: an operator edits the official account's menu, is refused a too-long name on its
field, publishes to the sandbox and sees it live, in Chinese and in English.
``SIYU_SHOTS=<folder>`` saves screenshots (and the sandbox's phone view of the menu)."""

from __future__ import annotations

import os

import pytest

from siyu.testing import oa_web
from siyu.testing.browser import log_in as browser_log_in
from siyu.wechat.oa_web.models import MenuPublish
from siyu.wechat.sandbox import oa_web as fake_oa_web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SIYU_SHOTS", "")


@pytest.fixture
def fake(live_server, settings):
    with oa_web.running_fake(siyu_url=live_server.url) as running:
        settings.SIYU_WECHAT_BASES = running.bases()
        yield running


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_an_operator_edits_and_publishes_the_menu(live_server, open_page, vendor_static, owner, fake, locale):
    account = oa_web.make_oa_account(owner.merchant, fake)
    page = open_page(locale=locale)
    browser_log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/console/wechat/menu/")
    shop = f"{live_server.url}/shop/tea/"

    # Too long a name first: refused on its field, nothing published.
    page.get_by_test_id("b0_name").fill("欢迎光临本店铺")
    page.get_by_test_id("b0_type").select_option("view")
    page.get_by_test_id("b0_url").fill(shop)
    page.get_by_test_id("publish").click()
    page.get_by_test_id("b0_name-error").wait_for()
    assert not MenuPublish.objects.exists()
    page.js_errors.clear()  # the refusal's 400 is the page answering as it should

    page.get_by_test_id("b0_name").fill("逛商城")
    page.get_by_test_id("b1_name").fill("会员")
    page.get_by_test_id("add-s1_0").locator("summary").click()  # empty sub buttons start folded
    page.get_by_test_id("s1_0_name").fill("会员中心")
    page.get_by_test_id("s1_0_type").select_option("view")
    page.get_by_test_id("s1_0_url").fill(shop + "me/member/")
    assert not page.get_by_test_id("s1_0_key").is_visible()  # a link has no key to fill
    page.get_by_test_id("b2_name").fill("联系我们")
    page.get_by_test_id("b2_key").fill("CONTACT_US")
    page.get_by_test_id("publish").click()
    page.get_by_test_id("live-menu").wait_for()
    assert page.get_by_test_id("last-publish").locator(".badge").inner_text() == (
        "已发布" if locale == "zh-CN" else "Published"
    )
    assert page.js_errors == []
    published = fake_oa_web.published_menu(fake.app, account.app_id)
    assert [b["name"] for b in published["button"]] == ["逛商城", "会员", "联系我们"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oaweb-menu-{locale[:2]}.png", full_page=True)
        page.goto(f"{fake.base}/ui/oa/menu")
        page.screenshot(path=f"{SHOTS}/oaweb-sandbox-menu-{locale[:2]}.png", full_page=True)
