"""WeChat Pay use cases: the payment and refund callbacks, and the daily reconciliation (对账).

The callbacks name the merchant number in their URL (``/wechat/pay/<mchid>/notify``): it picks the
account whose keys verify the callback; the order is then looked up within that account's merchant
only, so a callback signed for one merchant can never touch another's payment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from siyu.core.errors import InvalidInput, NotFound
from siyu.orders.gateways import WECHATPAY
from siyu.orders.gateways.wechatpay import WeChatPayGateway
from siyu.orders.models import Payment, PaymentNotification, PaymentStatus, Refund, RefundStatus
from siyu.orders.services.payments import record_payment_notice, record_refund_notice
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require
from siyu.wechat.accounts import account_by_app_id, account_for
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.models_pay import MismatchKind, ReconciliationMismatch, ReconciliationRun, RunStatus
from siyu.wechat.pay import protocol
from siyu.wechat.pay.client import PayClient
from siyu.wechat.pay.errors import PayApiError, PayNotConfigured, PayResponseUnverified
from siyu.wechat.pay.notifications import read_notification

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _account(mchid: str) -> WeChatAccount:
    account = account_by_app_id(AccountKind.WECHAT_PAY, mchid)
    if account is None or not account.is_active:
        raise NotFound(detail={"mchid": mchid})
    return account


def receive_payment_notification(*, mchid: str, body: bytes, headers: Mapping[str, str]) -> Payment:
    """Verify a TRANSACTION.SUCCESS callback and record the payment (a replay changes nothing)."""
    account = _account(mchid)
    notice = WeChatPayGateway(account).parse_notification(body, headers)
    owned = Payment.objects.filter(
        merchant_id=account.merchant_id, number=notice.payment_number, gateway=WECHATPAY
    ).exists()
    if not owned:
        raise NotFound(detail={"payment_number": notice.payment_number})
    return record_payment_notice(gateway=WECHATPAY, notice=notice)


def receive_refund_notification(*, mchid: str, body: bytes, headers: Mapping[str, str]) -> Refund:
    """Verify a REFUND.* callback and settle the refund: SUCCESS succeeds it, ABNORMAL/CLOSED fail it."""
    account = _account(mchid)
    note = read_notification(account, body, headers)
    if not note.event_type.startswith("REFUND."):
        raise InvalidInput(detail={"event_type": note.event_type})
    r = note.resource
    try:
        status = str(r["refund_status"])
        amount = int(r["amount"]["refund"])
        settled_at = datetime.fromisoformat(str(r["success_time"])) if r.get("success_time") else None
        refund_number = str(r["out_refund_no"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(detail={"resource": "malformed"}) from exc
    if status not in ("SUCCESS", "ABNORMAL", "CLOSED"):
        raise InvalidInput(detail={"refund_status": status})
    return record_refund_notice(
        gateway=WECHATPAY,
        merchant_id=account.merchant_id,
        notification_id=note.id,
        refund_number=refund_number,
        amount=amount,
        succeeded=status == "SUCCESS",
        gateway_refund_id=str(r.get("refund_id", "")),
        settled_at=settled_at,
        payload=r,
    )


REFUND_QUERY_AFTER = timedelta(minutes=5)


def settle_pending_refunds(*, now: datetime | None = None) -> int:
    """Ask WeChat about refunds still pending a few minutes after they were made (their callback may
    have been lost) and settle the ones it has finished. Returns how many were settled."""
    now = now or timezone.now()
    pending = (
        Refund.objects.filter(
            status=RefundStatus.PENDING, payment__gateway=WECHATPAY, created_at__lte=now - REFUND_QUERY_AFTER
        )
        .order_by("pk")
        .values_list("merchant_id", "number", "amount")[:200]
    )
    settled = 0
    for merchant_id, number, amount in list(pending):
        account = account_for(merchant_id, AccountKind.WECHAT_PAY)
        if account is None:
            continue
        try:
            found = PayClient(account).query_refund(number)
        except (PayApiError, PayResponseUnverified, PayNotConfigured):
            log.warning("wechat pay refund %s could not be queried", number)
            continue
        status = str(found.get("status", ""))
        if status not in ("SUCCESS", "ABNORMAL", "CLOSED"):
            continue
        success_time = found.get("success_time")
        record_refund_notice(
            gateway=WECHATPAY,
            merchant_id=merchant_id,
            notification_id=f"query:{found.get('refund_id', number)}",
            refund_number=number,
            amount=int((found.get("amount") or {}).get("refund", amount)),
            succeeded=status == "SUCCESS",
            gateway_refund_id=str(found.get("refund_id", "")),
            settled_at=datetime.fromisoformat(str(success_time)) if success_time else None,
            payload=found,
        )
        settled += 1
    return settled


# Reconciliation --------------------------------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def _compare(merchant_id: int, day: date, rows: list[protocol.BillRow]) -> tuple[int, int, list[dict]]:
    """(bill payments, matched, mismatches) of one day: the bill's SUCCESS rows against Siyu's payments."""
    paid_there = {r.out_trade_no: r for r in rows if r.trade_state == "SUCCESS"}
    start, end = _day_bounds(day)
    paid_here = {
        p.number: p
        for p in Payment.objects.filter(
            merchant_id=merchant_id,
            gateway=WECHATPAY,
            status=PaymentStatus.SUCCEEDED,
            succeeded_at__gte=start,
            succeeded_at__lt=end,
        )
    }
    known = {
        p.number: p
        for p in Payment.objects.filter(
            merchant_id=merchant_id, gateway=WECHATPAY, number__in=list(paid_there)
        )
    }
    mismatches: list[dict] = []
    matched = 0
    for number, row in sorted(paid_there.items()):
        payment = known.get(number)
        if payment is None or not payment.gateway_transaction_id:
            mismatches.append(
                {
                    "kind": MismatchKind.MISSING_HERE,
                    "payment_number": number,
                    "transaction_id": row.transaction_id,
                    "amount_here": payment.amount if payment else None,
                    "amount_there": row.amount,
                }
            )
        elif payment.amount != row.amount:
            mismatches.append(
                {
                    "kind": MismatchKind.AMOUNT,
                    "payment_number": number,
                    "transaction_id": row.transaction_id,
                    "amount_here": payment.amount,
                    "amount_there": row.amount,
                }
            )
        else:
            matched += 1
    other_day = _paid_on_another_day(day, [n for n in paid_here if n not in paid_there])
    for number, payment in sorted(paid_here.items()):
        if number not in paid_there and number not in other_day:
            mismatches.append(
                {
                    "kind": MismatchKind.MISSING_THERE,
                    "payment_number": number,
                    "transaction_id": payment.gateway_transaction_id,
                    "amount_here": payment.amount,
                    "amount_there": None,
                }
            )
    return len(paid_there), matched, mismatches


def _paid_on_another_day(day: date, numbers: list[str]) -> set[str]:
    """Of these payments Siyu recorded on ``day``, the ones WeChat says were paid on another day: money
    taken at 23:59 whose callback arrived at 00:00 belongs to the earlier day's bill, not this one."""
    if not numbers:
        return set()
    other = set()
    for number, payload in PaymentNotification.objects.filter(
        gateway=WECHATPAY, payment_number__in=numbers
    ).values_list("payment_number", "payload"):
        try:
            paid = datetime.fromisoformat(str(payload["success_time"])).astimezone(SHANGHAI).date()
        except (KeyError, TypeError, ValueError):
            continue
        if paid != day:
            other.add(number)
    return other


def reconcile_trade_bill(
    *, merchant: Merchant, bill_date: date, staff: Staff | None = None
) -> ReconciliationRun:
    """Download the day's trade bill and record what does not match (replacing that day's earlier run).

    ``staff`` is the person who pressed "run" in the console (None for the daily task). The bill is
    fetched before the transaction opens: the HTTP calls hold no lock.
    """
    if staff is not None:
        require(staff, Perm.ORDERS_FULFIL)
    account = account_for(merchant, AccountKind.WECHAT_PAY)
    if account is None:
        raise PayNotConfigured(detail={"merchant": merchant.pk})
    error = ""
    rows: list[protocol.BillRow] = []
    mismatches: list[dict] = []
    try:
        rows = protocol.parse_trade_bill(PayClient(account).trade_bill(bill_date.isoformat()))
    except PayApiError as exc:
        error = exc.wx_code or "ERROR"
    except PayResponseUnverified:
        error = "UNVERIFIED"
    except ValueError:
        error = "BAD_BILL"
    with transaction.atomic():
        run, _ = ReconciliationRun.objects.select_for_update().get_or_create(
            merchant=merchant,
            bill_date=bill_date,
            defaults={"account": account, "status": RunStatus.FAILED, "ran_at": timezone.now()},
        )
        ReconciliationMismatch.objects.filter(run=run).delete()
        counted = matched = 0
        if not error:
            counted, matched, mismatches = _compare(merchant.pk, bill_date, rows)
        ReconciliationMismatch.objects.bulk_create(
            [ReconciliationMismatch(merchant=merchant, run=run, **m) for m in mismatches]
        )
        run.account = account
        run.status = (
            RunStatus.FAILED if error else (RunStatus.MISMATCHED if mismatches else RunStatus.MATCHED)
        )
        run.error = error[:200]
        run.bill_rows, run.matched, run.mismatch_count = counted, matched, len(mismatches)
        run.ran_at = timezone.now()
        run.save(
            update_fields=["account", "status", "error", "bill_rows", "matched", "mismatch_count", "ran_at"]
        )
    if mismatches:
        log.warning("wechat pay reconciliation %s %s: %d mismatches", merchant.pk, bill_date, len(mismatches))
    return run


def reconcile_yesterday(*, now: datetime | None = None) -> int:
    """For every active WeChat Pay account, reconcile yesterday (Asia/Shanghai) unless already done.

    WeChat publishes a day's bill after 10:00 the next day; before that the run is recorded as
    failed (NO_STATEMENT_EXIST) and the next tick tries again. Returns how many runs were made."""
    now = now or timezone.now()
    yesterday = now.astimezone(SHANGHAI).date() - timedelta(days=1)
    done = set(
        ReconciliationRun.objects.filter(bill_date=yesterday)
        .exclude(status=RunStatus.FAILED)
        .values_list("merchant_id", flat=True)
    )
    ran = 0
    accounts = WeChatAccount.objects.filter(kind=AccountKind.WECHAT_PAY, is_active=True).select_related(
        "merchant"
    )
    for account in accounts.order_by("pk"):
        if account.merchant_id in done:
            continue
        try:
            reconcile_trade_bill(merchant=account.merchant, bill_date=yesterday)
        except PayNotConfigured:
            continue
        ran += 1
    return ran
