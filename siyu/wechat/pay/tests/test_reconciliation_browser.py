"""Playwright: the owner reconciles a day in 微信 > 支付对账 and reads the mismatches (zh-hans and en)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from siyu.orders.gateways.base import PaymentNotice
from siyu.orders.models import Payment
from siyu.orders.services import payments
from siyu.testing.browser import log_in
from siyu.testing.flows import place
from siyu.testing.wechat_pay import APP_ID, MCHID, django_sender, make_account, served
from siyu.wechat.pay import protocol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[4] / "var" / "screenshots"


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "zh-CN",
            (
                "微信支付对账",
                "发现差异",
                "微信支付已收款，思域未记录",
                "思域已记录，微信账单中没有",
                "¥12.00",
                "¥100.00",
            ),
        ),
        (
            "en-US",
            (
                "WeChat Pay reconciliation",
                "Mismatches found",
                "Paid in WeChat Pay, not recorded in Siyu",
                "Paid in Siyu, not in the WeChat Pay bill",
                "¥12.00",
                "¥100.00",
            ),
        ),
    ],
)
def test_owner_reconciles_a_day_and_reads_the_mismatches(
    live_server, open_page, settings, client, merchant, owner, wechat_customer, sku, address, locale, words
):
    # Two days ago (Shanghai): WeChat's bill is out by then, whatever the hour of the test.
    day = timezone.localdate() - timedelta(days=2)
    with served(settings, sender=django_sender(client)) as (fake, _app, _base):
        make_account(merchant, fake)
        order = place(wechat_customer, [(sku.pk, 2)], address=address)
        started = payments.start_payment(customer=wechat_customer, order_id=order.pk)
        payments.record_payment_notice(
            gateway="wechatpay",
            notice=PaymentNotice(
                "n-1", started.payment.number, "4200000000000000000000000001", 10000, timezone.now(), {}
            ),
        )
        Payment.objects.filter(pk=started.payment.pk).update(
            succeeded_at=timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)
        )
        fake.extra_bill_rows[(MCHID, day.isoformat())] = [
            protocol.BillRow(
                trade_time=f"{day} 10:30:00",
                app_id=APP_ID,
                mchid=MCHID,
                transaction_id="4200000000000000000000000099",
                out_trade_no="P_NOT_OURS",
                trade_state="SUCCESS",
                amount=1200,
                refund_id="",
                out_refund_no="",
                refund_amount=0,
                refund_state="",
                order_amount=1200,
            )
        ]
        page = open_page(locale=locale)
        log_in(page, live_server.url, owner)
        page.goto(f"{live_server.url}/console/wechat/reconciliation/")
        page.get_by_test_id("reconcile-form").locator("input[name=bill_date]").fill(day.isoformat())
        page.get_by_test_id("reconcile").click()
        page.wait_for_url(re.compile(r"/console/wechat/reconciliation/$"))

        row = page.locator(f'[data-testid="run-row"][data-date="{day.isoformat()}"]')
        assert row.locator("[data-status]").get_attribute("data-status") == "mismatched"
        text = page.locator("main").inner_text()
        for word in words:
            assert word in text, word
        assert page.get_by_test_id("mismatch-row").count() == 2
        assert page.js_errors == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"wechat-pay-reconciliation-{locale}.png"), full_page=True)
