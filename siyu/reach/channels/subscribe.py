"""Mini-program subscribe messages (订阅消息): ``POST /cgi-bin/message/subscribe/send``.

A subscribe message may be sent only to a customer who accepted the template in the mini-program
(``wx.requestSubscribeMessage``): each one-time acceptance allows one send, a long-term template any
number. The mini-program reports the answers (``POST /api/v1/shop/{merchant}/reach/subscriptions``)
and they are kept as ``SubscriptionGrant`` rows; this adapter spends them:

1. ``reachable``: the customer has an ``mp_openid`` identity and a grant of the template's
   ``external_id`` (WeChat's priTmplId) with ``remaining > 0`` or ``long_term``.
2. ``prepare`` (inside the engine's claim transaction): ``UPDATE ... SET remaining = remaining - 1
   WHERE remaining > 0`` on the grant; no row updated and no long-term grant -> "no_quota". Two
   sends racing for the last acceptance: PostgreSQL's row lock makes the second UPDATE re-read the
   row after the first commits, see 0 and update nothing, so exactly one send goes out. A claim
   that rolls back gives the acceptance back with it.
3. ``send``: 43101 ("user refused to accept the msg": the customer turned the template off in
   their settings) fails the message and zeroes the grant, so planning stops choosing this channel
   for them; 40003 (invalid openid) and 47003 (a value WeChat refuses) fail it; 45009 and other
   rate limits fail it retryable.

A send cannot be asked about afterwards (WeChat has no query for subscribe messages), so the
channel is not queryable: a send left in doubt stays in doubt (docs/wechat/reach.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, Q

from siyu.members.models import Channel, CustomerIdentity, IdentityKind
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendInDoubt, SendResult
from siyu.reach.channels.wechat_fields import check_keyed_template, data_of
from siyu.reach.models import Message, MessageTemplate, SubscriptionGrant
from siyu.wechat.accounts import account_for
from siyu.wechat.errors import WeChatApiError, WeChatOutcomeUnknown, WeChatRetryable
from siyu.wechat.models import AccountKind
from siyu.wechat.tokens import call_api

SEND_PATH = "/cgi-bin/message/subscribe/send"
USER_REFUSED = 43101
# WeChat's miniprogram_state: which version of the mini-program a tap opens.
STATES = ("developer", "trial", "formal")
MAX_FIELDS = 5  # a subscribe template has at most five keywords


def failure(exc: WeChatApiError) -> SendResult:
    """A WeChat refusal as a failed send: retryable for rate limits and network failures."""
    return SendResult(
        "failed",
        error=f"{exc.errcode} {exc.errmsg}"[:255],
        retryable=isinstance(exc, WeChatRetryable),
    )


def usable_grants(merchant_id: int, template_id: str):
    return SubscriptionGrant.objects.filter(merchant_id=merchant_id, template_id=template_id).filter(
        Q(remaining__gt=0) | Q(long_term=True)
    )


def spend(merchant_id: int, customer_id: int, template_id: str) -> bool:
    """Take one acceptance of ``template_id`` (a long-term grant is never used up). False: none left."""
    grants = SubscriptionGrant.objects.filter(
        merchant_id=merchant_id, customer_id=customer_id, template_id=template_id
    )
    if grants.filter(long_term=True).exists():
        return True
    return grants.filter(remaining__gt=0).update(remaining=F("remaining") - 1) == 1


class SubscribeMessageAdapter(ChannelAdapter):
    channel = Channel.SUBSCRIBE_MESSAGE
    batch_size = 1
    queryable = False

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        openid = CustomerIdentity.objects.filter(customer_id=OuterRef("pk"), kind=IdentityKind.MP_OPENID)
        granted = usable_grants(merchant_id, template.external_id).filter(customer_id=OuterRef("pk"))
        return Q(Exists(openid)) & Q(Exists(granted))

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        rows = (
            CustomerIdentity.objects.filter(
                merchant_id=merchant_id, customer_id__in=customer_ids, kind=IdentityKind.MP_OPENID
            )
            .order_by("customer_id", "id")
            .values_list("customer_id", "value")
        )
        found: dict[int, str] = {}
        for customer_id, openid in rows:
            found.setdefault(customer_id, openid)
        return found

    def validate(self, template: MessageTemplate) -> None:
        check_keyed_template(template, max_fields=MAX_FIELDS, known_types_only=True)

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        account = account_for(template.merchant_id, AccountKind.MINI_PROGRAM)
        state = str((account.config if account else {}).get("miniprogram_state") or "formal")
        payload: dict[str, Any] = {
            "touser": message.address,
            "template_id": template.external_id,
            "data": data_of(template.fields or {}, context),
            "miniprogram_state": state if state in STATES else "formal",
            "lang": "zh_CN",
        }
        if template.page:
            payload["page"] = template.page
        return payload

    def prepare(self, message: Message) -> str | None:
        template_id = (message.payload or {}).get("template_id")
        if not template_id and message.template is not None:
            template_id = message.template.external_id
        if not template_id or not spend(message.merchant_id, message.customer_id, template_id):
            return "no_quota"
        return None

    def send(self, message: Message) -> SendResult:
        account = account_for(message.merchant_id, AccountKind.MINI_PROGRAM)
        if account is None:
            return SendResult("failed", error="no mini-program account", retryable=True)
        try:
            body = call_api(account, "POST", SEND_PATH, payload=message.payload)
        except WeChatOutcomeUnknown as exc:
            raise SendInDoubt(f"{exc.errcode} {exc.errmsg}") from exc
        except WeChatApiError as exc:
            if exc.errcode == USER_REFUSED:
                SubscriptionGrant.objects.filter(
                    merchant_id=message.merchant_id,
                    customer_id=message.customer_id,
                    template_id=message.payload.get("template_id", ""),
                ).update(remaining=0, long_term=False)
            return failure(exc)
        return SendResult("sent", provider_id=str(body.get("msgid") or ""))

    def ready(self, merchant_id: int) -> bool:
        account = account_for(merchant_id, AccountKind.MINI_PROGRAM)
        return account is not None and account.has_secret("app_secret")


ADAPTER = register(SubscribeMessageAdapter())
