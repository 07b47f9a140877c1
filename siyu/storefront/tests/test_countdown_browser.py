"""The countdown ticking in the browser writes days in the page's language (Chromium, phone)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.promotions.flashsale.services import manage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEFT = timedelta(days=1, hours=2, minutes=3, seconds=4)


def test_the_ticking_countdown_says_days_in_chinese_and_in_english(
    live_server, open_page, merchant, owner, make_product, settings
):
    settings.REDIS_URL = ""
    now = timezone.now()
    sale = manage.create_flash_sale(
        staff=owner,
        title="618 秒杀",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=3),
        items=[manage.ItemInput(make_product("Longjing").skus.get().pk, 2990, 10)],
    )
    for locale, expected in [("zh-CN", "1天 02:03:04"), ("en-US", "1d 02:03:04")]:
        page = open_page(phone=True, locale=locale)
        # The browser's clock stands still 1 day 2:03:04 before the end; the server's runs on, so
        # the page must have been rewritten by the script to show exactly this.
        page.clock.set_fixed_time(sale.ends_at - LEFT)
        page.goto(f"{live_server.url}/shop/tea/flash/{sale.pk}/")
        assert page.get_by_test_id("countdown").inner_text() == expected
        page.goto(f"{live_server.url}/shop/tea/")
        assert page.get_by_test_id("flash-banner").locator("[data-countdown]").inner_text() == expected
        assert page.js_errors == []
