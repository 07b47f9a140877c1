"""In Chromium: an operator creates a 渠道活码 in the console, a WeChat user scans it in the sandbox and
sees the welcome message, and the customer 360 shows the guide and the source."""

from __future__ import annotations

import os

import pytest

from siyu.members.models import Customer

pytestmark = pytest.mark.django_db
SHOTS = os.environ.get("SIYU_SHOTS", "")  # a folder to save screenshots into while working on these pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_a_contact_way_scan_it_and_see_the_customer(live_server, open_page, vendor_static, world):
    from siyu.testing.browser import log_in as browser_log_in

    world.fake.siyu_url = live_server.url  # the sandbox pushes WeCom's callbacks to this Siyu
    page = open_page(locale="zh-CN")
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_log_in(page, live_server.url, world.owner)
    page.goto(f"{live_server.url}/console/wechat/contact-ways/")
    page.click("[data-testid=new-contact-way]")
    page.fill("[data-field=name] input", "门店活码")
    page.check(f"[data-field=staff_ids] input[value='{world.guide_a.pk}']")
    page.select_option("[data-field=source] select", "outlet")
    page.fill("[data-field=campaign] input", "spring")
    page.fill("[data-field=welcome_text] textarea", "你好，我是你的专属导购")
    page.fill("[data-field=card_title] input", "新人礼包")
    page.fill("[data-field=card_page] input", "pages/index/index.html")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-way-form-zh.png", full_page=True)
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=contact-way]")
    assert page.text_content("[data-testid=way-name]") == "门店活码"
    assert page.text_content("[data-testid=way-adds]") == "0"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-ways-zh.png", full_page=True)

    sandbox = open_page(phone=True, locale="zh-CN")
    sandbox.goto(f"{world.fake.base_url}/ui/wecom/")
    sandbox.fill("[data-testid=scan-name]", "小美")
    sandbox.click("[data-testid=scan]")
    sandbox.wait_for_selector("[data-testid=scan-result]")
    assert sandbox.text_content("[data-testid=welcome-text]") == "你好，我是你的专属导购"
    assert "新人礼包" in sandbox.text_content("[data-testid=welcome-card]")
    if SHOTS:
        sandbox.screenshot(path=f"{SHOTS}/wecom-sandbox-welcome.png", full_page=True)

    customer = Customer.objects.get(nickname="小美")
    page.reload()
    assert page.text_content("[data-testid=way-adds]") == "1"
    page.goto(f"{live_server.url}/console/customers/{customer.pk}/")
    assert page.text_content("[data-testid=customer-guide]").startswith("Guide A")
    card = page.text_content("[data-testid=wecom-contact]")
    assert "Guide A" in card and "门店活码" in card and "spring" in card
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/wecom-customer-360-zh.png", full_page=True)
    assert page.js_errors == []
    # The sandbox frame serves no favicon: the browser's one 404 for it is not the page's doing.
    assert [e for e in sandbox.js_errors if "404" not in e] == []

    english = open_page(locale="en-US")
    english.set_viewport_size({"width": 1280, "height": 900})
    browser_log_in(english, live_server.url, world.owner)
    english.goto(f"{live_server.url}/console/customers/{customer.pk}/")
    assert "via 门店活码 (Outlet · spring)" in english.text_content("[data-testid=wecom-contact]")
    if SHOTS:
        english.screenshot(path=f"{SHOTS}/wecom-customer-360-en.png", full_page=True)
        english.goto(f"{live_server.url}/console/wechat/contact-ways/")
        english.screenshot(path=f"{SHOTS}/wecom-ways-en.png", full_page=True)
    assert english.js_errors == []
