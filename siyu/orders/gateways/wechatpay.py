"""WeChat Pay APIv3 (JSAPI and mini-program) behind the gateway interface, for one merchant's account.

- ``create_payment``: ``POST /v3/pay/transactions/jsapi`` with the customer's openid as payer, then
  the ``requestPayment`` parameters signed with the merchant key. For a sandbox account the action
  also carries the sandbox cashier's URL, which stands in for WeChat's own cashier in an H5 browser.
- ``parse_notification``: the payment callback, verified and decrypted (``siyu.wechat.pay.notifications``).
- ``refund``: ``POST /v3/refund/domestic/refunds``; WeChat usually answers PROCESSING, so the refund
  stays pending until the refund callback (or a query) settles it.
- ``query_payment`` / ``close_payment``: asked before an unpaid order times out
  (``payments.settle_before_timeout``), so money paid at the last second is recorded, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from siyu.core.errors import InvalidInput
from siyu.members.models import CustomerIdentity, IdentityKind
from siyu.orders.gateways.base import PaymentAction, PaymentNotice, PaymentRequest, RefundResult
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.pay import protocol
from siyu.wechat.pay.client import PayClient
from siyu.wechat.pay.errors import PayerUnknown
from siyu.wechat.pay.notifications import read_notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def sandbox_openid(customer_id: int) -> str:
    """The openid a sandbox account pays with when the customer never opened the shop in WeChat."""
    return f"o_sandbox_{customer_id}"


class WeChatPayGateway:
    name = "wechatpay"

    def __init__(self, account: WeChatAccount) -> None:
        self.account = account

    def _payer(self, customer_id: int | None) -> str:
        """The payer's openid under the paying appid: the mini-program's openid when the pay account
        pays for the merchant's mini-program, else the official account's. A sandbox account takes any
        openid the customer has, or a made-up one (the H5 demo has no WeChat to give one)."""
        mini = account_for(self.account.merchant, AccountKind.MINI_PROGRAM)
        pay_app = str((self.account.config or {}).get("app_id", ""))
        kind = (
            IdentityKind.MP_OPENID if mini is not None and mini.app_id == pay_app else IdentityKind.OA_OPENID
        )
        if customer_id is None:
            raise PayerUnknown()
        found = dict(
            CustomerIdentity.objects.filter(
                merchant_id=self.account.merchant_id,
                customer_id=customer_id,
                kind__in=[IdentityKind.MP_OPENID, IdentityKind.OA_OPENID],
            ).values_list("kind", "value")
        )
        if found.get(kind):
            return found[kind]
        if self.account.sandbox:
            return next(iter(found.values()), sandbox_openid(customer_id))
        raise PayerUnknown()

    def create_payment(self, request: PaymentRequest) -> PaymentAction:
        client = PayClient(self.account)
        prepay_id = client.jsapi_prepay(
            out_trade_no=request.payment_number,
            description=request.description,
            amount=request.amount,
            payer_openid=self._payer(request.customer_id),
            time_expire=_rfc3339(request.expires_at),
        )
        params = protocol.request_payment_params(
            private_pem=client.private_pem,
            app_id=client.app_id,
            prepay_id=prepay_id,
            timestamp=str(int(datetime.now().timestamp())),
            nonce_str=protocol.nonce(),
        )
        url = ""
        if self.account.sandbox:
            url = f"{settings.SIYU_WECHAT_SANDBOX_URL.rstrip('/')}/ui/pay/{prepay_id}"
        return PaymentAction(kind="jsapi", url=url, params=params)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        note = read_notification(self.account, body, headers)
        if note.event_type != "TRANSACTION.SUCCESS" or note.resource.get("trade_state") != "SUCCESS":
            raise InvalidInput(detail={"event_type": note.event_type})
        return self._notice(note.resource, notification_id=note.id)

    def _notice(self, resource: Mapping, *, notification_id: str) -> PaymentNotice:
        try:
            return PaymentNotice(
                notification_id=notification_id,
                payment_number=str(resource["out_trade_no"]),
                transaction_id=str(resource["transaction_id"]),
                amount=int(resource["amount"]["total"]),
                paid_at=datetime.fromisoformat(str(resource["success_time"])),
                payload=dict(resource),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(detail={"resource": "malformed"}) from exc

    def query_payment(self, payment_number: str) -> PaymentNotice | None:
        """The payment if WeChat has it paid (trade_state SUCCESS), else None."""
        found = PayClient(self.account).query_order(payment_number)
        if found.get("trade_state") != "SUCCESS":
            return None
        if str(found.get("mchid", "")) != self.account.app_id:
            return None
        return self._notice(found, notification_id=f"query:{found.get('transaction_id', '')}")

    def close_payment(self, payment_number: str) -> None:
        PayClient(self.account).close_order(payment_number)

    def refund(
        self, *, payment_number: str, transaction_id: str, refund_number: str, amount: int, total: int
    ) -> RefundResult:
        if amount <= 0 or amount > total:
            raise InvalidInput(detail={"amount": amount, "total": total})
        answer = PayClient(self.account).refund(
            out_trade_no=payment_number, out_refund_no=refund_number, amount=amount, total=total
        )
        status = str(answer.get("status", ""))
        return RefundResult(
            refund_id=str(answer.get("refund_id", "")),
            succeeded=status == "SUCCESS",
            pending=status in ("PROCESSING", ""),
        )
