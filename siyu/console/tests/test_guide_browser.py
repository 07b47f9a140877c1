"""In Chromium: a guide signs in and sees only their customers, with masked phones; an operator
reveals one number on the customer page (audited)."""

from __future__ import annotations

import os

import pytest

from siyu.tenancy.models import AuditEntry
from siyu.testing.guides import build_guide_world

pytestmark = pytest.mark.django_db
SHOTS = os.environ.get("SIYU_SHOTS", "")  # a folder to save screenshots into while working on these pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guide_sees_only_their_customers_with_masked_phones(
    live_server, open_page, vendor_static, merchant
):
    from siyu.testing.browser import log_in as browser_log_in

    w = build_guide_world(merchant)
    locale = "zh-CN"
    page = open_page(locale=locale)
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_log_in(page, live_server.url, w.guide_a)
    page.goto(f"{live_server.url}/console/customers/")

    assert page.text_content("[data-testid=customers-title]") == "我的客户"
    rows = page.locator("[data-testid=customers] tbody tr[data-customer]")
    assert rows.count() == 2
    assert sorted(page.locator("[data-testid=phone]").all_text_contents()) == ["138****0011", "138****0012"]
    assert "13800000011" not in page.content() and "bob" not in page.content()
    assert page.locator("[data-testid=guide-link] input").input_value().startswith(f"{live_server.url}/shop/")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/guide-customers-{locale[:2]}.png", full_page=True)

    page.click(f"tr[data-customer='{w.customers['anna'].pk}'] a")
    page.wait_for_selector("[data-testid=customer-guide]")
    assert page.text_content("#customer-phone") == "138****0011"
    assert page.locator("[data-testid=reveal-phone]").count() == 0  # a guide may not reveal
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/guide-customer-360-{locale[:2]}.png", full_page=True)
    assert page.js_errors == []
    # Another guide's customer, by address: not found (the browser logs the 404 itself).
    missing = page.goto(f"{live_server.url}/console/customers/{w.customers['bob'].pk}/")
    assert missing is not None and missing.status == 404

    operator = open_page(locale=locale)
    operator.set_viewport_size({"width": 1280, "height": 900})
    browser_log_in(operator, live_server.url, w.operator)
    operator.goto(f"{live_server.url}/console/customers/{w.customers['anna'].pk}/")
    assert operator.text_content("#customer-phone") == "138****0011"
    operator.click("[data-testid=reveal-phone]")
    operator.wait_for_selector("[data-testid=phone-full]")
    assert operator.text_content("[data-testid=phone-full]") == "13800000011"
    assert AuditEntry.objects.filter(action="customer.phone_revealed", staff=w.operator).count() == 1
    if SHOTS:
        operator.screenshot(path=f"{SHOTS}/operator-customer-360-{locale[:2]}.png", full_page=True)
    assert operator.js_errors == []
    if SHOTS:  # the guide's list in English too
        english = open_page(locale="en-US")
        english.set_viewport_size({"width": 1280, "height": 900})
        browser_log_in(english, live_server.url, w.guide_a)
        english.goto(f"{live_server.url}/console/customers/")
        assert english.text_content("[data-testid=customers-title]") == "My customers"
        english.screenshot(path=f"{SHOTS}/guide-customers-en.png", full_page=True)
        english.goto(f"{live_server.url}/console/customers/{w.customers['anna'].pk}/")
        english.screenshot(path=f"{SHOTS}/guide-customer-360-en.png", full_page=True)
