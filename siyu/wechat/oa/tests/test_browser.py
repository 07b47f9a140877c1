"""In Chromium: an operator sets a welcome reply and makes a channel QR code in the console; a WeChat
user scans it in the sandbox's follower simulator (real HTTP both ways), gets the welcome reply and
the follow coupon, and the console's QR list counts the scan and the follow."""

from __future__ import annotations

import pytest

from siyu.promotions.models import Coupon
from siyu.testing.browser import log_in
from siyu.testing.factories import make_template
from siyu.testing.wechat import serve_fake
from siyu.testing.wechat_oa import add_official_account, follower_customer
from siyu.wechat.oa.models import OfficialAccountQrCode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ""  # a folder to save screenshots into while working on these pages


@pytest.fixture
def sandbox(settings, live_server):
    yield from serve_fake(settings, siyu_url=live_server.url)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_qr_code_made_in_the_console_is_scanned_in_the_sandbox_and_counted(
    locale, live_server, sandbox, open_page, owner, merchant
):
    account = add_official_account(merchant, sandbox)
    account.sandbox = True
    account.save(update_fields=["sandbox"])
    template = make_template(owner, title="关注有礼", triggers=["follow"], claimable=False)
    base = live_server.url
    page = open_page(locale=locale)
    log_in(page, base, owner)

    page.goto(f"{base}/console/wechat/replies/new/")
    page.select_option("select[name=kind]", "subscribe")
    page.fill("textarea[name=text]", "欢迎关注思语茶铺")
    page.click("[data-testid=save]")
    page.wait_for_url(f"{base}/console/wechat/replies/")
    assert "欢迎关注思语茶铺" in page.locator("[data-testid=replies]").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oa-replies-{locale}.png", full_page=True)

    page.goto(f"{base}/console/wechat/qrcodes/new/")
    page.fill("input[name=name]", "静安门店收银台")
    page.select_option("select[name=source]", "outlet")
    page.fill("input[name=campaign]", "门店开业")
    page.click("[data-testid=save]")
    page.wait_for_url(f"{base}/console/wechat/qrcodes/")
    qr = OfficialAccountQrCode.objects.get()
    assert page.locator(f"[data-scene='{qr.scene}'] svg").count() == 1

    with page.expect_popup() as popup:
        page.click("[data-testid=scan-in-sandbox]")
    simulator = popup.value
    simulator.wait_for_load_state()
    assert simulator.input_value("[data-testid=ticket]") == qr.ticket
    simulator.fill("[data-testid=openid]", "o-browser-fan")
    simulator.click("[data-testid=scan]")
    simulator.wait_for_selector("[data-testid=result]")
    assert simulator.inner_text("[data-testid=status]") == "200"
    assert simulator.inner_text("[data-testid=reply]") == "欢迎关注思语茶铺"
    if SHOTS:
        simulator.screenshot(path=f"{SHOTS}/oa-simulator-{locale}.png", full_page=True)

    customer = follower_customer(merchant, "o-browser-fan")
    assert (customer.first_touch_source, customer.first_touch_campaign) == ("outlet", "门店开业")
    assert list(Coupon.objects.filter(customer=customer).values_list("template_id", flat=True)) == [
        template.pk
    ]
    page.reload()
    row = page.locator(f"[data-scene='{qr.scene}']")
    counts = [row.locator(f"[data-testid={name}]").inner_text() for name in ("scans", "follows", "following")]
    assert counts == ["1", "1", "1"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/oa-qrcodes-{locale}.png", full_page=True)
    assert page.js_errors == []
