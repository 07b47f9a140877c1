"""In Chromium: batch-ship 50 orders from a file with two bad rows reported; the list shows flags.

Set SIYU_SHOTS_DIR to keep the screenshots taken on the way (zh-hans and English).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from siyu.orders.models import Order
from siyu.orders.services import marks
from siyu.testing.browser import log_in
from siyu.testing.order_ops import csv_file, paid_orders, shipping_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_batch_ship_50_orders_from_a_file_with_two_bad_rows_reported(
    live_server, open_page, vendor_static, owner, customer, address, sku, tmp_path
):
    shots = Path(os.environ.get("SIYU_SHOTS_DIR") or tmp_path)
    orders = paid_orders(customer, address, sku.pk, 50)
    rows = shipping_rows(orders)
    rows[7][2] = "SF99"  # a tracking number cut short
    rows[19][0] = rows[3][0]  # the same order twice
    upload = tmp_path / "发货.csv"
    upload.write_bytes(csv_file(rows))
    page = open_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, owner)

    page.goto(f"{live_server.url}/console/orders/")
    page.click("[data-testid=batch-ship]")
    page.set_input_files("[data-testid=batch-file]", str(upload))
    page.click("[data-testid=batch-check]")
    page.wait_for_selector("[data-testid=batch-apply]")
    assert page.text_content("[data-testid=batch-apply]").strip() == "发货 48 单"
    assert page.locator("[data-testid=batch-problems] tr.row-error").count() == 2
    page.click("[data-testid=batch-apply]")
    page.wait_for_selector('[data-testid=batch-status][data-status="applied"]')

    problems = page.locator("[data-testid=batch-problems] tr.row-error")
    assert [problems.nth(i).get_attribute("data-reason") for i in range(2)] == [
        "bad_tracking",
        "duplicate_row",
    ]
    assert (
        problems.nth(0).locator("td").last.text_content() == "不是顺丰速运的运单号，格式如 SF1234567890123。"
    )
    assert problems.nth(1).locator("td").last.text_content() == "该订单已在文件第 5 行出现。"
    assert Order.objects.filter(status="shipped").count() == 48
    assert Order.objects.get(pk=orders[7].pk).status == "paid"
    page.screenshot(path=str(shots / "order-batch-report.png"), full_page=False)

    for order, flag in zip(orders[-4:], ("red", "yellow", "green", "purple"), strict=True):
        marks.set_order_marks(
            staff=owner, order_ids=[order.pk], flag=flag, remark="" if flag != "red" else "加急，周五前送达"
        )
    page.goto(f"{live_server.url}/console/orders/")
    assert page.locator("tr[data-flag]").count() == 4
    page.screenshot(path=str(shots / "order-list-flags.png"))

    page.click("button[name=language][value=en]")
    page.wait_for_selector('html[lang="en"]')
    page.screenshot(path=str(shots / "order-list-flags-en.png"))
    page.goto(f"{live_server.url}/console/orders/batch-ship/{_batch_id()}/")
    assert "48 orders shipped" in page.text_content("[data-testid=batch-summary]")
    page.screenshot(path=str(shots / "order-batch-report-en.png"))
    assert page.js_errors == []


def _batch_id() -> int:
    from siyu.orders.models import ShipmentBatch

    return ShipmentBatch.objects.get().pk
