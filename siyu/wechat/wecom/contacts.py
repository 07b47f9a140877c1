"""What a ``change_external_contact`` callback does: a contact added, edited or deleted, a transfer failed.

The add, step by step (WeCom's 添加企业客户事件, with ``State`` and ``WelcomeCode``):

1. ``externalcontact/get`` names the contact (name, avatar, unionid, the follow user's ``state``);
   called before any customer or contact row is locked, so the network wait blocks nobody but a
   retry of the same push (which waits on its receipt, see ``siyu/wechat/views/wecom.py``).
2. In one transaction: the customer is found by the ``wecom_external_userid`` identity, else by
   unionid (a mini-program or official-account customer becomes this contact), else registered with
   the 活码's source and campaign (``members.services.recognise_wecom_contact``); the follow relation
   is written (``WeComContact``, one per contact and member, undeleted on a re-add); the member's
   guide is bound when the customer has no guide yet (``bind_guide(source="wecom")``).
3. After the commit the welcome message goes out (``send_welcome``), at once: WeCom accepts a
   welcome code for 20 seconds and once. A conditional UPDATE claims the code first, so a retried
   callback or a second worker never sends it twice.
"""

from __future__ import annotations

import contextlib
import io
import logging
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from siyu.members.errors import NotAGuide
from siyu.members.models import BindingSource, Customer, Source
from siyu.members.services import bind_guide, recognise_wecom_contact
from siyu.tenancy.models import Role
from siyu.wechat.accounts import account_for
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.wecom import client
from siyu.wechat.wecom.models import ContactWay, DeletedBy, WeComContact, WeComMember

log = logging.getLogger(__name__)

COVER_CACHE_SECONDS = 2 * 86400  # a WeCom media_id lives 3 days; renew well before
INVALID_MEDIA_ID = 40007


def _moment(message: dict[str, str], fallback: str = "") -> datetime:
    for raw in (fallback, message.get("CreateTime", "")):
        if str(raw).isdigit() and int(raw) > 0:
            return datetime.fromtimestamp(int(raw), tz=UTC)
    return timezone.now()


def contact_added(account: WeChatAccount, message: dict[str, str]) -> WeComContact:
    """Handle ``add_external_contact`` (also ``add_half_external_contact``): see the module docstring."""
    userid = message.get("UserID", "")
    external_userid = message.get("ExternalUserID", "")
    info = client.get_external_contact(account, external_userid)
    profile = info.get("external_contact") or {}
    follow: dict[str, Any] = next((f for f in info.get("follow_user") or [] if f.get("userid") == userid), {})
    state = message.get("State") or str(follow.get("state", ""))
    merchant = account.merchant
    way = ContactWay.objects.for_merchant(merchant).filter(state=state).first() if state else None
    member = WeComMember.objects.for_merchant(merchant).filter(userid=userid).select_related("staff").first()
    added_at = _moment(message, str(follow.get("createtime", "")))
    with transaction.atomic():
        customer, created = recognise_wecom_contact(
            merchant=merchant,
            external_userid=external_userid,
            unionid=profile.get("unionid"),
            nickname=str(profile.get("name", "")),
            avatar_url=str(profile.get("avatar", "")),
            source=way.source if way else Source.UNKNOWN,
            campaign=way.campaign if way else "",
        )
        if way is not None and not created:
            _touch(customer, way, added_at)
        contact = (
            WeComContact.objects.for_merchant(merchant)
            .select_for_update()
            .filter(external_userid=external_userid, userid=userid)
            .first()
        )
        if contact is None:
            contact = WeComContact(merchant=merchant, external_userid=external_userid, userid=userid)
        elif contact.deleted_at is None and contact.welcome_code:
            # The same add seen twice (a retry the receipt table missed): nothing new to record.
            return contact
        contact.customer = customer
        contact.staff = member.staff if member else None
        contact.contact_way = way
        contact.state = state[:30]
        contact.name = str(profile.get("name", ""))[:64]
        contact.added_at = added_at
        contact.deleted_at = None
        contact.deleted_by = ""
        contact.welcome_code = message.get("WelcomeCode", "")[:128]
        contact.welcome_sent_at = None
        contact.welcome_error = ""
        contact.save()
        if member is not None and member.staff.role == Role.GUIDE and member.staff.is_active:
            with contextlib.suppress(NotAGuide):  # a guide who stopped being one binds nobody
                bind_guide(
                    staff=member.staff,
                    customer_id=customer.pk,
                    guide_id=member.staff_id,
                    source=BindingSource.WECOM,
                )
        if contact.welcome_code and way is not None and (way.welcome_text or way.card_title):
            transaction.on_commit(lambda: send_welcome(account, contact.pk))
    return contact


def _touch(customer: Customer, way: ContactWay, at: datetime) -> None:
    """A known customer who scans a 活码 came in again by its source: their last touch moves."""
    if customer.last_touch_at is not None and customer.last_touch_at > at:
        return
    customer.last_touch_source = way.source
    customer.last_touch_campaign = way.campaign[:64]
    customer.last_touch_at = at
    customer.save(update_fields=["last_touch_source", "last_touch_campaign", "last_touch_at"])


def send_welcome(account: WeChatAccount, contact_id: int) -> bool:
    """Send the contact way's welcome (text + mini-program card) with the contact's welcome code,
    once: True when this call sent it. A WeCom refusal is kept on the contact and not retried (the
    code is good for 20 seconds and one call)."""
    now = timezone.now()
    claimed = (
        WeComContact.objects.filter(pk=contact_id, welcome_sent_at__isnull=True, welcome_error="")
        .exclude(welcome_code="")
        .update(welcome_sent_at=now)
    )
    if not claimed:
        return False
    contact = WeComContact.objects.select_related("contact_way").get(pk=contact_id)
    way = contact.contact_way
    if way is None:
        return False
    try:
        try:
            client.send_welcome_msg(
                account,
                welcome_code=contact.welcome_code,
                text=way.welcome_text,
                attachments=_card(account, way),
            )
        except WeChatApiError as exc:
            if exc.errcode != INVALID_MEDIA_ID:
                raise
            # The cached cover is gone on WeCom's side (expired early, or a sandbox restart): the
            # code is unused after a refusal, so upload the cover afresh and send once more.
            cache.delete(_cover_key(account))
            client.send_welcome_msg(
                account,
                welcome_code=contact.welcome_code,
                text=way.welcome_text,
                attachments=_card(account, way),
            )
    except WeChatApiError as exc:
        log.warning("welcome to %s not sent: %s %s", contact.external_userid, exc.errcode, exc.errmsg)
        WeComContact.objects.filter(pk=contact_id).update(
            welcome_sent_at=None, welcome_error=f"{exc.errcode} {exc.errmsg}"[:200]
        )
        return False
    return True


def _card(account: WeChatAccount, way: ContactWay) -> list[dict]:
    """The mini-program card attachment, or none when the way has no card or the shop no mini-program."""
    if not way.card_title:
        return []
    mini_program = account_for(account.merchant, AccountKind.MINI_PROGRAM)
    if mini_program is None:
        return []
    card = {
        "title": way.card_title,
        "pic_media_id": cover_media_id(account),
        "appid": mini_program.app_id,
        "page": way.card_page,
    }
    return [{"msgtype": "miniprogram", "miniprogram": card}]


def cover_media_id(account: WeChatAccount) -> str:
    """The media_id of the card's cover image, uploaded once and reused while WeCom keeps it."""
    key = _cover_key(account)
    media_id = cache.get(key)
    if media_id:
        return str(media_id)
    media_id = client.upload_image(
        account, filename="cover.png", content=cover_png(), content_type="image/png"
    )
    cache.set(key, media_id, COVER_CACHE_SECONDS)
    return media_id


def _cover_key(account: WeChatAccount) -> str:
    return f"wecom:cover:{account.pk}:{account.app_id}"


def cover_png() -> bytes:
    """A plain 5:4 cover (WeCom's card ratio) in the shop console's brand colour."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (520, 416), (7, 193, 96)).save(buffer, format="PNG")
    return buffer.getvalue()


def contact_edited(account: WeChatAccount, message: dict[str, str]) -> int:
    """``edit_external_contact``: the member changed the contact's remark or tags; keep the name."""
    external_userid = message.get("ExternalUserID", "")
    info = client.get_external_contact(account, external_userid)
    name = str((info.get("external_contact") or {}).get("name", ""))[:64]
    return (
        WeComContact.objects.for_merchant(account.merchant_id)
        .filter(external_userid=external_userid, userid=message.get("UserID", ""))
        .update(name=name)
    )


def contact_deleted(account: WeChatAccount, message: dict[str, str], *, by: str) -> int:
    """``del_external_contact`` (the member deleted the customer, or a transfer moved them:
    ``Source=DELETE_BY_TRANSFER``) and ``del_follow_user`` (the customer deleted the member).

    The relation is stamped, not removed; the customer's guide binding stays (the guide may win
    them back, an operator decides otherwise)."""
    if message.get("Source") == "DELETE_BY_TRANSFER":
        by = DeletedBy.TRANSFER
    return (
        WeComContact.objects.for_merchant(account.merchant_id)
        .filter(
            external_userid=message.get("ExternalUserID", ""),
            userid=message.get("UserID", ""),
            deleted_at__isnull=True,
        )
        .update(deleted_at=_moment(message), deleted_by=by)
    )
