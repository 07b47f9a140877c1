"""WeCom mass-send (企业群发): to a customer 1:1 from their guide, or to the WeCom groups they are in.

Both channels call ``POST /cgi-bin/externalcontact/add_msg_template`` (the corp's 客户联系 token):

- ``wecom`` (1:1): the sender is the customer's bound guide (``Customer.guide`` -> ``WeComMember``
  userid); reachable = the customer is a live WeCom contact (``WeComContact``, not deleted) of that
  userid; the address is the customer's ``external_userid``. One call per guide:
  ``{"chat_type": "single", "sender": userid, "external_userid": [...], "text": {"content"},
  "attachments": [...]}``.
- ``wecom_group``: the address is the ``chat_id`` of a live WeCom group the customer is a member of
  and whose owner is one of the merchant's WeCom members; the sender is the owner. One call per
  owner with the distinct ``chat_id_list``.

A mass-send is not a send: WeCom answers with a task (``msgid``) that the guide confirms on their
phone. ``send_batch`` therefore answers ``accepted`` with ``batch_key = msgid`` for every recipient
WeCom took, ``failed`` (not a contact) for those in the answer's ``fail_list``, and records a
``WeComSendTask``; siyu/reach/channels/wecom_results.py polls each task's results and settles every
recipient through ``record_receipt``.

Every recipient of one task reads the same text, so a WeCom template may use only variables that
are the same for all of them (coupon, product): ``validate`` refuses ``customer``, ``order`` and
``link`` (a tracked link is per message). Messages whose rendered text differs still go out, as
separate tasks.

Not queryable: a task made by a worker that died before recording it could be found only by
listing the guide's tasks by time (``get_groupmsg_list_v2``) and matching the text, which two
broadcasts with one text would confuse; such a send stays in doubt (docs/wechat/reach.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q

from siyu.members.models import Channel, Customer
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendInDoubt, SendResult
from siyu.reach.channels.subscribe import failure
from siyu.reach.channels.wechat_fields import fill, variables
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import Message, MessageTemplate, WeComSendTask
from siyu.wechat.accounts import account_for
from siyu.wechat.errors import WeChatApiError, WeChatOutcomeUnknown
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.tokens import call_api
from siyu.wechat.wecom.models import WeComContact, WeComMember
from siyu.wechat.wecom_groups.models import MemberType, WeComGroup, WeComGroupMember

log = logging.getLogger(__name__)

PURPOSE = "contact"
MAX_RECIPIENTS = 10_000  # add_msg_template takes at most 10,000 external_userids a call
MAX_TEXT_BYTES = 4000
MAX_TITLE_BYTES = 64
NO_RECIPIENT = 41048  # "no valid external contact": every recipient was refused
PERSONAL = ("customer", "order", "link")


def add_msg_template(account: WeChatAccount, payload: dict[str, Any]) -> dict[str, Any]:
    """``externalcontact/add_msg_template``: {msgid, fail_list}."""
    return call_api(
        account, "POST", "/cgi-bin/externalcontact/add_msg_template", purpose=PURPOSE, payload=payload
    )


def _content(template: MessageTemplate, context: dict[str, Any], merchant_id: int) -> dict[str, Any]:
    """The text and attachments every recipient of the task reads."""
    fields = template.fields or {}
    content: dict[str, Any] = {"text": {"content": fill(str(fields.get("text", "")), context)}}
    title = fill(str(fields.get("title") or template.name), context)
    attachments: list[dict[str, Any]] = []
    mini = account_for(merchant_id, AccountKind.MINI_PROGRAM) if template.page else None
    if mini is not None:
        attachments.append(
            {
                "msgtype": "miniprogram",
                "miniprogram": {
                    "title": title,
                    "pic_media_id": str(fields.get("pic_media_id", "")),
                    "appid": mini.app_id,
                    "page": template.page,
                },
            }
        )
    if template.link_url:
        link: dict[str, Any] = {"title": title, "url": template.link_url}
        if fields.get("description"):
            link["desc"] = fill(str(fields["description"]), context)
        if fields.get("picture_url"):
            link["picurl"] = str(fields["picture_url"])
        attachments.append({"msgtype": "link", "link": link})
    if attachments:
        content["attachments"] = attachments
    return content


def _group_key(message: Message) -> tuple[int, str, str]:
    payload = message.payload or {}
    content = {k: payload.get(k) for k in ("chat_type", "text", "attachments")}
    return message.merchant_id, str(payload.get("sender", "")), json.dumps(content, sort_keys=True)


class WeComAdapter(ChannelAdapter):
    """1:1 mass-send from the customer's guide."""

    channel = Channel.WECOM
    batch_size = MAX_RECIPIENTS
    queryable = False
    chat_type = "single"
    target_field = "external_userid"

    def _guide_contacts(self, merchant_id: int):
        guide = OuterRef(OuterRef("guide_id"))  # the Customer the Exists runs over
        guide_userids = WeComMember.objects.filter(merchant_id=merchant_id, staff_id=guide)
        return WeComContact.objects.filter(
            merchant_id=merchant_id, deleted_at__isnull=True, userid__in=guide_userids.values("userid")
        )

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q(Exists(self._guide_contacts(merchant_id).filter(customer_id=OuterRef("pk"))))

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        senders = self.senders(merchant_id, customer_ids)
        rows = WeComContact.objects.filter(
            merchant_id=merchant_id, customer_id__in=customer_ids, deleted_at__isnull=True
        ).values_list("customer_id", "userid", "external_userid")
        return {c: ext for c, userid, ext in rows if senders.get(c) == userid}

    def senders(self, merchant_id: int, customer_ids: Sequence[int]) -> dict[int, str]:
        """Each customer's guide's WeCom userid."""
        customers = Customer.objects.filter(merchant_id=merchant_id, pk__in=customer_ids, guide__isnull=False)
        guides = dict(customers.values_list("pk", "guide_id"))
        members = WeComMember.objects.filter(merchant_id=merchant_id, staff_id__in=set(guides.values()))
        userids = dict(members.values_list("staff_id", "userid"))
        return {c: userids[g] for c, g in guides.items() if g in userids}

    def validate(self, template: MessageTemplate) -> None:
        fields = template.fields or {}
        if not isinstance(fields, dict):
            raise InvalidTemplate(detail={"field": "fields", "reason": "not_an_object"})
        text = fields.get("text", "")
        if not isinstance(text, str) or not (text.strip() or template.page or template.link_url):
            raise InvalidTemplate(detail={"field": "text", "reason": "required"})
        size = len(text.encode())
        if size > MAX_TEXT_BYTES:
            detail = {"field": "text", "limit": MAX_TEXT_BYTES, "unit": "bytes", "length": size}
            raise InvalidTemplate(detail=detail)
        for key in ("text", "title", "description"):
            for name in variables(str(fields.get(key, ""))):
                if name.split(".")[0] in PERSONAL:
                    raise InvalidTemplate(detail={"field": key, "variable": name, "reason": "same_for_all"})
        title = str(fields.get("title") or template.name)
        if len(title.encode()) > MAX_TITLE_BYTES:
            raise InvalidTemplate(detail={"field": "title", "limit": MAX_TITLE_BYTES, "unit": "bytes"})
        if template.page and not fields.get("pic_media_id"):
            raise InvalidTemplate(detail={"field": "pic_media_id", "reason": "required_with_page"})

    def sender_for(self, message: Message) -> str:
        return self.senders(message.merchant_id, [message.customer_id]).get(message.customer_id, "")

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        return {
            "chat_type": self.chat_type,
            "sender": self.sender_for(message),
            self.target_field: [message.address],
            **_content(template, context, template.merchant_id),
        }

    def send(self, message: Message) -> SendResult:
        return self.send_batch([message])[message.pk]

    def send_batch(self, messages: Sequence[Message]) -> dict[int, SendResult]:
        groups: dict[tuple[int, str, str], list[Message]] = {}
        for message in messages:
            groups.setdefault(_group_key(message), []).append(message)
        results: dict[int, SendResult] = {}
        for (merchant_id, sender, _content_key), members in groups.items():
            for start in range(0, len(members), MAX_RECIPIENTS):
                results.update(self._send_task(merchant_id, sender, members[start : start + MAX_RECIPIENTS]))
        return results

    def _send_task(self, merchant_id: int, sender: str, messages: list[Message]) -> dict[int, SendResult]:
        account = account_for(merchant_id, AccountKind.WECOM)
        if account is None:
            return {m.pk: SendResult("failed", error="no WeCom account", retryable=True) for m in messages}
        if not sender:
            return {m.pk: SendResult("failed", error="no WeCom sender") for m in messages}
        first = messages[0].payload
        targets = list(dict.fromkeys(m.address for m in messages))
        payload = {
            "chat_type": self.chat_type,
            "sender": sender,
            self.target_field: targets,
            **{k: first[k] for k in ("text", "attachments") if k in first},
        }
        try:
            body = add_msg_template(account, payload)
        except WeChatOutcomeUnknown as exc:
            raise SendInDoubt(f"{exc.errcode} {exc.errmsg}") from exc
        except WeChatApiError as exc:
            if exc.errcode == NO_RECIPIENT:
                return {m.pk: SendResult("failed", error="not a contact of the sender") for m in messages}
            return {m.pk: failure(exc) for m in messages}
        msgid = str(body.get("msgid") or "")
        refused = {str(x) for x in body.get("fail_list") or []}
        taken = [m for m in messages if m.address not in refused]
        if taken:
            WeComSendTask.objects.create(
                merchant_id=merchant_id,
                broadcast_id=messages[0].broadcast_id,
                chat_type=self.chat_type,
                sender=sender,
                msgid=msgid,
                status="awaiting_guide",
                recipients=len({m.address for m in taken}),
            )
        return {
            m.pk: SendResult("failed", error="not a contact of the sender")
            if m.address in refused
            else SendResult("accepted", provider_id=msgid, batch_key=msgid)
            for m in messages
        }

    def ready(self, merchant_id: int) -> bool:
        account = account_for(merchant_id, AccountKind.WECOM)
        return account is not None and account.has_secret("contact_secret")


class WeComGroupAdapter(WeComAdapter):
    """Mass-send to the WeCom customer groups the customers are in, from each group's owner."""

    channel = Channel.WECOM_GROUP
    chat_type = "group"
    target_field = "chat_id_list"

    def _memberships(self, merchant_id: int):
        owners = WeComMember.objects.filter(merchant_id=merchant_id).values("userid")
        return WeComGroupMember.objects.filter(
            merchant_id=merchant_id,
            member_type=MemberType.EXTERNAL,
            group__dismissed_at__isnull=True,
            group__owner_userid__in=owners,
        )

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q(Exists(self._memberships(merchant_id).filter(customer_id=OuterRef("pk"))))

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        rows = (
            self._memberships(merchant_id)
            .filter(customer_id__in=customer_ids)
            .order_by("customer_id", "group_id")
            .values_list("customer_id", "group__chat_id")
        )
        found: dict[int, str] = {}
        for customer_id, chat_id in rows:
            found.setdefault(customer_id, chat_id)
        return found

    def sender_for(self, message: Message) -> str:
        group = WeComGroup.objects.filter(merchant_id=message.merchant_id, chat_id=message.address).first()
        return group.owner_userid if group is not None else ""


ADAPTER = register(WeComAdapter())
GROUP_ADAPTER = register(WeComGroupAdapter())
