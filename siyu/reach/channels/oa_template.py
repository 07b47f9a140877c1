"""Official-account template messages (模板消息): ``POST /cgi-bin/message/template/send``.

- ``reachable``: the customer follows the merchant's official account now (an
  ``OfficialAccountFollower`` row with ``subscribed``, kept by the account's follow/unfollow
  callbacks): WeChat refuses a template message to a non-follower (43004).
- ``render``: ``{"touser", "template_id", "url"?, "miniprogram"?: {"appid", "pagepath"}, "data",
  "client_msg_id"}``. A template with a ``page`` opens the merchant's mini-program there (its
  account's app id); ``link_url`` is the web page (and WeChat's fallback on clients that cannot open
  a mini-program). ``client_msg_id`` is the message's key: WeChat sends one message per openid and
  client_msg_id within 10 minutes, so a retry of the same message inside that window is not a
  second message.
- ``send``: the answer's ``msgid`` is the provider id.
- Receipts: WeChat pushes ``TEMPLATESENDJOBFINISH`` to the account's callback with ``MsgID`` and
  ``Status`` (``success``, ``failed:user block``, ``failed: system failed``); ``receipt`` turns it into
  ``record_receipt`` (delivered / failed). It is registered with siyu/wechat/callbacks.py.

Not queryable: WeChat has no lookup of a template message by client_msg_id, and a re-send in doubt
is deduplicated only within 10 minutes, later than the engine may ask; a send left in doubt stays so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from siyu.members.models import Channel
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendInDoubt, SendResult
from siyu.reach.channels.subscribe import failure
from siyu.reach.channels.wechat_fields import check_keyed_template, data_of
from siyu.reach.models import Message, MessageTemplate
from siyu.wechat.accounts import account_for
from siyu.wechat.callbacks import oa_handler
from siyu.wechat.errors import WeChatApiError, WeChatOutcomeUnknown
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa.models import OfficialAccountFollower
from siyu.wechat.tokens import call_api

SEND_PATH = "/cgi-bin/message/template/send"
MAX_FIELDS = 20


def followers(merchant_id: int):
    return OfficialAccountFollower.objects.filter(
        merchant_id=merchant_id,
        subscribed=True,
        account__kind=AccountKind.OFFICIAL_ACCOUNT,
        account__is_active=True,
    )


class OfficialAccountTemplateAdapter(ChannelAdapter):
    channel = Channel.OFFICIAL_ACCOUNT
    batch_size = 1
    queryable = False

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q(Exists(followers(merchant_id).filter(customer_id=OuterRef("pk"))))

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        rows = (
            followers(merchant_id)
            .filter(customer_id__in=customer_ids)
            .order_by("customer_id", "-subscribed_at", "-id")
            .values_list("customer_id", "openid")
        )
        found: dict[int, str] = {}
        for customer_id, openid in rows:
            found.setdefault(customer_id, openid)
        return found

    def validate(self, template: MessageTemplate) -> None:
        check_keyed_template(template, max_fields=MAX_FIELDS, known_types_only=False)

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "touser": message.address,
            "template_id": template.external_id,
            "data": data_of(template.fields or {}, context),
            "client_msg_id": message.key,
        }
        if template.link_url:
            payload["url"] = template.link_url
        mini = account_for(template.merchant_id, AccountKind.MINI_PROGRAM) if template.page else None
        if mini is not None:
            payload["miniprogram"] = {"appid": mini.app_id, "pagepath": template.page}
        return payload

    def send(self, message: Message) -> SendResult:
        account = account_for(message.merchant_id, AccountKind.OFFICIAL_ACCOUNT)
        if account is None:
            return SendResult("failed", error="no official account", retryable=True)
        try:
            body = call_api(account, "POST", SEND_PATH, payload=message.payload)
        except WeChatOutcomeUnknown as exc:
            raise SendInDoubt(f"{exc.errcode} {exc.errmsg}") from exc
        except WeChatApiError as exc:
            return failure(exc)
        return SendResult("sent", provider_id=str(body.get("msgid") or ""))

    def ready(self, merchant_id: int) -> bool:
        account = account_for(merchant_id, AccountKind.OFFICIAL_ACCOUNT)
        return account is not None and account.has_secret("app_secret")


@oa_handler("templatesendjobfinish")
def receipt(account: WeChatAccount, fields: dict[str, str]) -> None:
    """``TEMPLATESENDJOBFINISH``: the template message ``MsgID`` reached the follower, or not."""
    from siyu.reach.services import record_receipt

    status = fields.get("Status", "").strip()
    msg_id = fields.get("MsgID", "").strip() or fields.get("MsgId", "").strip()
    if not msg_id:
        return
    try:
        at = datetime.fromtimestamp(int(fields.get("CreateTime", "")), tz=UTC)
    except ValueError:
        at = timezone.now()
    record_receipt(
        merchant_id=account.merchant_id,
        channel=Channel.OFFICIAL_ACCOUNT,
        provider_id=msg_id,
        outcome="delivered" if status == "success" else "failed",
        at=at,
        error="" if status == "success" else status[:255],
    )


ADAPTER = register(OfficialAccountTemplateAdapter())
