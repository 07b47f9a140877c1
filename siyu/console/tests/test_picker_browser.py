"""The picker in Chromium: an operator creates a flash sale by searching for a product, picking its SKU
and filling in the flash price and quota, then finds the sale in the list.

``SIYU_SHOTS_DIR=docs/screenshots`` saves the picker open (zh-hans, 1280 wide) as console-picker.png
and the English page beside it, for the README and for looking at what was built.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from siyu.catalog.services import SkuInput, create_product
from siyu.promotions.flashsale.models import FlashSale
from siyu.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP_1280 = {"width": 1280, "height": 860}


def _local(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta, timezone.get_fixed_timezone(480)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def _shot(page, name: str) -> None:
    folder = os.environ.get("SIYU_SHOTS_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


def test_an_operator_creates_a_flash_sale_by_picking_a_product(live_server, open_page, vendor_static, owner):
    tea = create_product(
        merchant=owner.merchant,
        name="明前龙井",
        skus=[
            SkuInput(code="LJ-250", price=12_800, stock=40, specs={"规格": "250g"}),
            SkuInput(code="LJ-500", price=23_800, stock=12, specs={"规格": "500g"}),
        ],
        status="on_sale",
        acting_staff=None,
    )
    create_product(
        merchant=owner.merchant,
        name="白毫银针",
        skus=[SkuInput(code="BH-100", price=9_900, stock=30)],
        status="on_sale",
        acting_staff=None,
    )
    small = tea.skus.get(code="LJ-250")
    page = open_page()
    page.set_viewport_size(DESKTOP_1280)
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/console/marketing/flash-sales/new/")
    page.fill("input[name=title]", "龙井限时秒杀")
    page.fill("input[name=starts_at]", _local(timedelta(hours=2)))
    page.fill("input[name=ends_at]", _local(timedelta(days=1)))

    page.click("[data-testid=picker-items] [data-role=open]")
    page.fill("[data-testid=picker-q]", "龙井")
    page.wait_for_selector(f"[data-testid=pick-{small.pk}]")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=picker-results] [data-pick]').length === 2"
    )
    results = page.locator("[data-testid=picker-results] [data-pick]")
    assert results.count() == 2  # both 龙井 SKUs, not the 白毫银针
    assert "¥128.00" in page.text_content(f"[data-testid=pick-{small.pk}]")
    page.click(f"[data-testid=pick-{small.pk}]")
    page.wait_for_selector(f"[data-testid=pick-{small.pk}].picked")
    _shot(page, "console-picker.png")
    page.click("[data-testid=picker-done]")

    row = page.locator("[data-testid=picker-items] [data-row]")
    assert row.count() == 1
    assert "明前龙井" in row.text_content() and "LJ-250" in row.text_content()
    row.locator("input[name=items-price]").fill("99")
    row.locator("input[name=items-quota]").fill("20")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=activity-stats]")

    sale = FlashSale.objects.get()
    item = sale.items.get()
    assert (sale.title, item.sku_id, item.price, item.quota) == ("龙井限时秒杀", small.pk, 9_900, 20)
    page.goto(f"{live_server.url}/console/marketing/flash-sales/")
    assert "龙井限时秒杀" in page.text_content("main")
    assert page.js_errors == []

    if os.environ.get("SIYU_SHOTS_DIR"):
        page.click("button[name=language][value=en]")
        page.wait_for_selector('html[lang="en"]')
        page.goto(f"{live_server.url}/console/marketing/flash-sales/new/")
        page.click("[data-testid=picker-items] [data-role=open]")
        page.wait_for_selector(f"[data-testid=pick-{small.pk}]")
        _shot(page, "console-picker-en.png")
