"""Stored codes the console used to print raw, each as the Chinese reader sees it now.

test_readable_pages.py reads every page of the demo; these pin the exact words for values the
demo does not hold (a shop-chosen after-sale reason) or that read best checked exactly.
"""

from __future__ import annotations

import re

import pytest

from siyu.console.readable import audit_action, config_rows, counts_text
from siyu.orders.services import aftersales, lifecycle
from siyu.tenancy.models import Outlet
from siyu.testing.clients import log_in

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_after_sale_reason_code_reads_as_words(paid_order, customer, owner):
    after_sale = aftersales.request_after_sale(
        customer=customer, order_id=paid_order.pk, kind="refund_only", reason="quality"
    )
    client = log_in(owner, language="zh-hans")
    assert "质量问题" in _text(client.get(f"/console/after-sales/{after_sale.pk}/").content.decode())
    listed = _text(client.get("/console/after-sales/").content.decode())
    assert "质量问题" in listed
    assert "quality" not in listed


def test_audit_log_reads_as_sentences(paid_order, owner):
    lifecycle.ship_order(
        staff=owner, order_id=paid_order.pk, carrier="顺丰", tracking_number="SF1000000000100"
    )
    html = log_in(owner, language="zh-hans").get("/console/settings/audit/").content.decode()
    row = re.search(r'<tr data-action="order.ship">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells[2:] == [
        "订单 发货",
        f"订单 #{paid_order.pk}",
        "状态：已付款 → 已发货 快递公司：顺丰速运 运单号：SF1000000000100",
    ]
    assert "{'" not in html


def test_outlet_hours_name_the_weekdays(merchant, owner):
    Outlet.objects.create(
        merchant=merchant,
        code="SH1",
        name="新天地店",
        opening_hours={"mon": [["09:00", "21:00"]], "sun": []},
    )
    text = _text(log_in(owner, language="zh-hans").get("/console/outlets/").content.decode())
    assert "周一 09:00–21:00" in text
    assert "周日 休息" in text
    assert "mon" not in text.split("新天地店", 1)[1]


def test_promotion_config_in_yuan_and_words():
    from django.utils import translation

    config = {
        "basis": "amount",
        "repeat": False,
        "tiers": [{"threshold": 19900, "reduce": 2000}, {"threshold": 29900, "reduce": 4000}],
    }
    with translation.override("zh-hans"):
        rows = config_rows(config)
        assert rows == [
            ("门槛依据", "按金额"),
            ("每满重复", "否"),
            ("阶梯", "门槛 ¥199.00，减 ¥20.00；门槛 ¥299.00，减 ¥40.00"),
        ]
        by_units = config_rows({"basis": "quantity", "tiers": [{"threshold": 3, "reduce": 500}]})
        assert by_units[1] == ("阶梯", "门槛 3，减 ¥5.00")
        assert counts_text({"pending": 1, "drawn": 2}) == "待开奖 1，已开奖 2"
        assert audit_action("order.verify_pickup") == "订单 自提核销"
