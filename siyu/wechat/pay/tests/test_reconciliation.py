"""Daily reconciliation (对账): the trade bill from the fake WeChat Pay against Siyu's payments, from the
console's "run for date" button and from the scheduled task."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from siyu.core.scheduler import PERIODIC_TASKS
from siyu.orders.gateways.base import PaymentNotice
from siyu.orders.services import payments
from siyu.tenancy.models import Role
from siyu.testing.clients import log_in
from siyu.testing.flows import place
from siyu.testing.snapshots import refused
from siyu.testing.wechat_pay import APP_ID, MCHID
from siyu.wechat.models_pay import MismatchKind, ReconciliationMismatch, ReconciliationRun, RunStatus
from siyu.wechat.pay import protocol
from siyu.wechat.pay.tasks import reconcile_wechat_pay

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
# 10:00 on 5 December in Shanghai, then 11:00 the next day (WeChat publishes the bill after 10:00).
PAY_DAY = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
BILL_DATE = date(2026, 12, 5)


def _prepay(started) -> str:
    return started.action.params["package"].removeprefix("prepay_id=")


def _day_of_payments(pay, customer, sku, address):
    """Five payments on 5 December: matched, paid there only, paid here only, amount differs, and a
    bill row for a payment Siyu never opened."""
    numbers = {}
    for name in ("matched", "lost_callback", "here_only", "amount"):
        order = place(customer, [(sku.pk, 1)], address=address)
        started = payments.start_payment(customer=customer, order_id=order.pk)
        numbers[name] = started.payment.number
        if name == "matched":
            pay.fake.pay(_prepay(started))
        elif name == "lost_callback":
            pay.fake.pay(_prepay(started), deliver=False)
        elif name == "here_only":
            # Siyu recorded it (say, a forged query answer once slipped through): WeChat has no such money.
            payments.record_payment_notice(
                gateway="wechatpay",
                notice=PaymentNotice(
                    notification_id="manual-1",
                    payment_number=started.payment.number,
                    transaction_id="4200000000000000000000000001",
                    amount=started.payment.amount,
                    paid_at=PAY_DAY,
                    payload={},
                ),
            )
        else:
            t, _ = pay.fake.pay(_prepay(started))
            t.amount = 4900  # WeChat settled less than Siyu recorded
    pay.fake.extra_bill_rows[(MCHID, "2026-12-05")] = [
        protocol.BillRow(
            trade_time="2026-12-05 10:30:00",
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
    return numbers


def test_console_runs_a_day_and_lists_every_kind_of_mismatch_in_yuan(
    pay, wechat_customer, make_product, address, console, time_machine
):
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(PAY_DAY)
    numbers = _day_of_payments(pay, wechat_customer, sku, address)
    time_machine.move_to(NEXT_MORNING)

    response = console.post("/console/wechat/reconciliation/run/", {"bill_date": "2026-12-05"})

    assert response.status_code == 302
    run = ReconciliationRun.objects.get()
    assert (run.bill_date, run.status, run.bill_rows, run.matched, run.mismatch_count) == (
        BILL_DATE,
        RunStatus.MISMATCHED,
        4,
        1,
        4,
    )
    found = sorted(
        ReconciliationMismatch.objects.values_list("kind", "payment_number", "amount_here", "amount_there")
    )
    assert found == sorted(
        [
            (MismatchKind.MISSING_HERE, numbers["lost_callback"], 6000, 6000),
            (MismatchKind.MISSING_HERE, "P_NOT_OURS", None, 1200),
            (MismatchKind.MISSING_THERE, numbers["here_only"], 6000, None),
            (MismatchKind.AMOUNT, numbers["amount"], 6000, 4900),
        ]
    )
    page = console.get("/console/wechat/reconciliation/").content.decode()
    assert 'data-status="mismatched"' in page
    for text in (
        "Mismatches found",
        "¥60.00",
        "¥49.00",
        "¥12.00",
        "Amounts differ",
        "Paid in WeChat Pay, not recorded in Siyu",
        "Paid in Siyu, not in the WeChat Pay bill",
    ):
        assert text in page, text
    assert "missing_here" not in page.replace('data-kind="missing_here"', "")

    # Running the day again replaces its findings rather than adding to them.
    assert console.post("/console/wechat/reconciliation/run/", {"bill_date": "2026-12-05"}).status_code == 302
    assert ReconciliationRun.objects.count() == 1
    assert ReconciliationMismatch.objects.count() == 4


def test_the_page_reads_in_chinese(pay, wechat_customer, make_product, address, owner, time_machine):
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(PAY_DAY)
    _day_of_payments(pay, wechat_customer, sku, address)
    time_machine.move_to(NEXT_MORNING)
    client = log_in(owner, language="zh-hans")
    client.post("/console/wechat/reconciliation/run/", {"bill_date": "2026-12-05"})

    page = client.get("/console/wechat/reconciliation/").content.decode()

    for text in (
        "支付对账",
        "发现差异",
        "金额不一致",
        "微信支付已收款，思域未记录",
        "思域已记录，微信账单中没有",
    ):
        assert text in page, text


def test_before_wechat_publishes_the_bill_the_run_fails_with_the_reason_and_is_retried(
    pay, wechat_customer, make_product, address, console, time_machine
):
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(PAY_DAY)
    order = place(wechat_customer, [(sku.pk, 1)], address=address)
    pay.fake.pay(_prepay(payments.start_payment(customer=wechat_customer, order_id=order.pk)))
    time_machine.move_to(datetime(2026, 12, 5, 17, 0, tzinfo=UTC))  # 01:00 on the 6th in Shanghai

    assert reconcile_wechat_pay.call() == 1

    run = ReconciliationRun.objects.get()
    assert (run.bill_date, run.status, run.error, run.mismatch_count) == (
        BILL_DATE,
        RunStatus.FAILED,
        "NO_STATEMENT_EXIST",
        0,
    )
    page = console.get("/console/wechat/reconciliation/").content.decode()
    assert "has not published this day" in page and "NO_STATEMENT_EXIST" not in page

    time_machine.move_to(NEXT_MORNING)
    assert reconcile_wechat_pay.call() == 1  # a failed day is tried again
    run.refresh_from_db()
    assert (run.status, run.error, run.matched) == (RunStatus.MATCHED, "", 1)


@pytest.mark.parametrize(
    ("data", "code"),
    [({"bill_date": "2026-12-06"}, "invalid_input"), ({"bill_date": "soon"}, "invalid_input")],
)
def test_today_or_a_bad_date_is_refused_and_changes_nothing(pay, console, merchant, time_machine, data, code):
    time_machine.move_to(NEXT_MORNING)
    refused(console, "/console/wechat/reconciliation/run/", data, merchant, 400, code)


def test_an_analyst_sees_the_runs_but_cannot_run_one(pay, console_as, merchant, time_machine):
    time_machine.move_to(NEXT_MORNING)
    analyst, _staff = console_as(Role.ANALYST)

    page = analyst.get("/console/wechat/reconciliation/")

    assert page.status_code == 200
    assert 'data-testid="reconcile-form"' not in page.content.decode()
    refused(
        analyst,
        "/console/wechat/reconciliation/run/",
        {"bill_date": "2026-12-05"},
        merchant,
        403,
        "permission_denied",
    )


def test_the_task_reconciles_yesterday_once_per_merchant(
    pay, wechat_customer, make_product, address, time_machine
):
    assert PERIODIC_TASKS["reconcile_wechat_pay"] == "siyu.wechat.pay.tasks.reconcile_wechat_pay"
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(PAY_DAY)
    order = place(wechat_customer, [(sku.pk, 1)], address=address)
    pay.fake.pay(_prepay(payments.start_payment(customer=wechat_customer, order_id=order.pk)))
    time_machine.move_to(NEXT_MORNING)

    assert reconcile_wechat_pay.call() == 1
    assert reconcile_wechat_pay.call() == 0  # already done for that day

    run = ReconciliationRun.objects.get()
    assert (run.bill_date, run.status, run.bill_rows, run.matched) == (BILL_DATE, RunStatus.MATCHED, 1, 1)


def test_next_day_boundary_is_the_shanghai_day(pay, wechat_customer, make_product, address, time_machine):
    """A payment at 23:30 on 5 December in Shanghai (15:30 UTC) belongs to the 5th's bill."""
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(datetime(2026, 12, 5, 15, 30, tzinfo=UTC))
    order = place(wechat_customer, [(sku.pk, 1)], address=address)
    pay.fake.pay(_prepay(payments.start_payment(customer=wechat_customer, order_id=order.pk)))
    time_machine.move_to(NEXT_MORNING + timedelta(hours=1))

    reconcile_wechat_pay.call()

    run = ReconciliationRun.objects.get()
    assert (run.bill_date, run.status, run.matched) == (BILL_DATE, RunStatus.MATCHED, 1)


def test_money_taken_before_midnight_and_recorded_after_it_belongs_to_the_earlier_day(
    pay, wechat_customer, make_product, address, time_machine
):
    sku = make_product(price=5000).skus.get()
    time_machine.move_to(datetime(2026, 12, 5, 15, 59, 30, tzinfo=UTC))  # 23:59:30 in Shanghai
    order = place(wechat_customer, [(sku.pk, 1)], address=address)
    t, _ = pay.fake.pay(
        _prepay(payments.start_payment(customer=wechat_customer, order_id=order.pk)), deliver=False
    )
    time_machine.move_to(datetime(2026, 12, 5, 16, 0, 30, tzinfo=UTC))  # the callback lands at 00:00:30
    url, body, headers = pay.fake.transaction_notification(t)
    pay.fake.sender(url, body, headers)
    time_machine.move_to(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    from siyu.wechat.pay import services

    earlier = services.reconcile_trade_bill(merchant=order.merchant, bill_date=date(2026, 12, 5))
    later = services.reconcile_trade_bill(merchant=order.merchant, bill_date=date(2026, 12, 6))

    assert (earlier.status, earlier.matched, earlier.mismatch_count) == (RunStatus.MATCHED, 1, 0)
    assert (later.status, later.bill_rows, later.mismatch_count) == (RunStatus.MATCHED, 0, 0)
