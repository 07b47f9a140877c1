"""The 会员 journey in Chromium: an operator lowers a tier's threshold and gives a member points with a
reason; the member's card in the shop then shows both."""

from __future__ import annotations

import pytest

from siyu.members.loyalty.models import Membership
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing.membership import member_world

SHOTS = ""  # a folder to save screenshots into while working on these pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_operator_edits_a_tier_and_adjusts_points_and_the_shop_card_shows_it(
    live_server, open_page, vendor_static, merchant, owner, make_staff
):
    from siyu.testing.browser import log_in as browser_log_in

    world = member_world(owner)
    operator = make_staff(Role.OPERATOR)
    page = open_page()
    browser_log_in(page, live_server.url, operator)

    page.goto(f"{live_server.url}/console/members/tiers/")
    page.click("tr[data-tier=gold] [data-testid=edit-tier]")
    page.fill("input[name=growth_threshold]", "800")
    page.click("[data-testid=save]")
    page.wait_for_url(f"{live_server.url}/console/members/tiers/")
    assert page.locator("tr[data-tier=gold] [data-testid=tier-threshold]").text_content() == "800"

    page.goto(f"{live_server.url}/console/members/")
    page.fill("[data-testid=member-search]", "银卡李")
    page.wait_for_function("document.querySelectorAll('[data-testid=member-name]').length === 1")
    page.click("[data-testid=member-name]")
    page.wait_for_selector("[data-testid=adjust-form]")
    page.fill("input[name=amount]", "150")
    page.fill("input[name=reason]", "门店补发积分")
    page.click("[data-testid=adjust]")
    page.wait_for_selector(".flash-success")
    assert page.text_content("[data-testid=member-points]") == "200"
    assert page.locator("[data-testid=points-entry]").first.text_content().count("门店补发积分") == 1
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/member.png", full_page=True)
    assert page.js_errors == []
    audit = AuditEntry.objects.filter(action="points.adjust", staff=operator).get()
    assert audit.after == {"points_balance": 200, "delta": 150, "reason": "门店补发积分"}

    shop = open_page(phone=True)
    shop.goto(f"{live_server.url}/shop/tea/login/?next=/shop/tea/me/")
    shop.fill("[data-testid=nickname]", "silver-member")
    shop.click("[data-testid=login-submit]")
    shop.wait_for_url(f"{live_server.url}/shop/tea/me/")
    assert shop.text_content("[data-testid=points-balance]") == "200"
    assert shop.get_attribute("[data-testid=growth-missing]", "data-growth") == "800"
    shop.click("[data-testid=member-card]")
    shop.wait_for_url(f"{live_server.url}/shop/tea/me/member/")
    shop.click("[data-testid=check-in]")
    shop.wait_for_selector("[data-testid=checked-in]")
    assert shop.text_content("[data-testid=points-balance]") == "201"
    if SHOTS:
        shop.screenshot(path=f"{SHOTS}/shop-member.png", full_page=True)
    assert shop.js_errors == []
    assert Membership.objects.get(customer=world.silver).points_balance == 201
