"""Use cases of the console: map staff to WeCom members, create, edit and delete 渠道活码.

A WeCom call comes first, outside the transaction (a network wait must not hold row locks); the
rows follow in one transaction. Should the rows fail after WeCom said yes, the contact way is
deleted on WeCom again, so neither side keeps a way the other does not know.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.errors import InvalidInput
from siyu.members.models import Source
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require
from siyu.wechat.accounts import require_account
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.wecom import client
from siyu.wechat.wecom.errors import WeComMemberMissing, WeComRefused, WeComUserIdTaken
from siyu.wechat.wecom.models import ContactWay, WeComMember

log = logging.getLogger(__name__)

WELCOME_TEXT_MAX = 4000  # send_welcome_msg: text.content at most 4000 bytes
USERID_MAX = 64


@transaction.atomic
def map_member(*, staff: Staff, member_staff_id: int, userid: str) -> WeComMember | None:
    """Set (or with a blank ``userid`` remove) the WeCom userid of a staff member of the shop."""
    require(staff, Perm.STAFF_MANAGE)
    member_staff = Staff.objects.for_merchant(staff.merchant_id).get_owned(member_staff_id)
    userid = userid.strip()
    if len(userid) > USERID_MAX or any(c.isspace() for c in userid):
        raise InvalidInput(detail={"userid": userid[:USERID_MAX]})
    current = WeComMember.objects.for_merchant(staff.merchant_id).filter(staff=member_staff).first()
    before = {"userid": current.userid if current else ""}
    if not userid:
        if current is not None:
            current.delete()
            record_audit(
                staff=staff,
                merchant=staff.merchant,
                action="wecom.member_unmapped",
                obj=member_staff,
                before=before,
            )
        return None
    taken = (
        WeComMember.objects.for_merchant(staff.merchant_id).filter(userid=userid).exclude(staff=member_staff)
    )
    if taken.exists():
        raise WeComUserIdTaken(detail={"userid": userid})
    if current is None:
        current = WeComMember.objects.create(merchant_id=staff.merchant_id, staff=member_staff, userid=userid)
    elif current.userid != userid:
        current.userid = userid
        current.save(update_fields=["userid"])
    else:
        return current
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="wecom.member_mapped",
        obj=member_staff,
        before=before,
        after={"userid": userid},
    )
    return current


@dataclass(frozen=True)
class WayInput:
    """What the console's 活码 form gives: the way's name, its members (staff ids), attribution and
    welcome message."""

    name: str
    staff_ids: list[int]
    source: str = Source.OUTLET
    campaign: str = ""
    skip_verify: bool = True
    welcome_text: str = ""
    card_title: str = ""
    card_page: str = ""


def _members(merchant_id: int, staff_ids: list[int]) -> list[WeComMember]:
    if not staff_ids or len(staff_ids) > 100:
        raise InvalidInput(detail={"staff_ids": "1 to 100 members"})
    found = {
        m.staff_id: m
        for m in WeComMember.objects.for_merchant(merchant_id)
        .filter(staff_id__in=staff_ids, staff__is_active=True)
        .select_related("staff")
    }
    missing = [pk for pk in staff_ids if pk not in found]
    if missing:
        raise WeComMemberMissing(detail={"staff_ids": missing})
    return [found[pk] for pk in dict.fromkeys(staff_ids)]


def _check(data: WayInput) -> None:
    problems: dict[str, str] = {}
    if not data.name.strip() or len(data.name) > 30:
        problems["name"] = "1 to 30 characters"
    if data.source not in Source.values:
        problems["source"] = data.source
    if len(data.campaign) > 64:
        problems["campaign"] = "at most 64 characters"
    if len(data.welcome_text.encode("utf-8")) > WELCOME_TEXT_MAX:
        problems["welcome_text"] = f"at most {WELCOME_TEXT_MAX} bytes"
    if len(data.card_title) > 64:
        problems["card_title"] = "at most 64 characters"
    if data.card_title and not data.card_page.strip():
        problems["card_page"] = "a mini-program card needs its page"
    if len(data.card_page) > 200:
        problems["card_page"] = "at most 200 characters"
    if problems:
        raise InvalidInput(detail=problems)


def new_state(source: str) -> str:
    """A way's ``state``: its source and a random tag, at most 30 characters (WeCom's limit), so the
    add callback names the way and WeCom's own admin shows where the contact came from."""
    return f"siyu.{source[:12]}.{secrets.token_hex(4)}"


def _wecom(staff: Staff) -> WeChatAccount:
    return require_account(staff.merchant, AccountKind.WECOM)


def _refused(exc: WeChatApiError) -> WeComRefused:
    return WeComRefused(detail={"errcode": exc.errcode, "errmsg": exc.errmsg})


def create_contact_way(*, staff: Staff, data: WayInput) -> ContactWay:
    """Create a 渠道活码 on WeCom (``add_contact_way``) and keep it with its source and welcome."""
    require(staff, Perm.PROMOTIONS_EDIT)
    _check(data)
    account = _wecom(staff)
    members = _members(staff.merchant_id, data.staff_ids)
    state = new_state(data.source)
    try:
        answer = client.add_contact_way(
            account,
            remark=data.name.strip(),
            state=state,
            users=[m.userid for m in members],
            skip_verify=data.skip_verify,
        )
    except WeChatApiError as exc:
        raise _refused(exc) from exc
    config_id = str(answer["config_id"])
    try:
        with transaction.atomic():
            way = ContactWay.objects.create(
                merchant_id=staff.merchant_id,
                name=data.name.strip(),
                config_id=config_id,
                qr_code=str(answer.get("qr_code", "")),
                multi=len(members) > 1,
                skip_verify=data.skip_verify,
                state=state,
                source=data.source,
                campaign=data.campaign.strip(),
                welcome_text=data.welcome_text,
                card_title=data.card_title.strip(),
                card_page=data.card_page.strip(),
                created_by=staff,
                created_at=timezone.now(),
            )
            way.members.set(members)
            record_audit(
                staff=staff,
                merchant=staff.merchant,
                action="wecom.contact_way_created",
                obj=way,
                after={"config_id": config_id, "state": state, "userids": [m.userid for m in members]},
            )
    except IntegrityError:
        _forget_on_wecom(account, config_id)
        raise
    return way


def _forget_on_wecom(account: WeChatAccount, config_id: str) -> None:
    try:
        client.del_contact_way(account, config_id)
    except WeChatApiError:
        log.warning("contact way %s left on WeCom after the rows failed", config_id)


def _live_way(staff: Staff, way_id: int, *, lock: bool = False) -> ContactWay:
    qs = ContactWay.objects.for_merchant(staff.merchant_id).filter(deleted_at__isnull=True)
    return qs.get_owned(way_id, lock=lock)


def update_contact_way(*, staff: Staff, way_id: int, data: WayInput) -> ContactWay:
    """Change a way's members, name, verification (``update_contact_way``) and its welcome message.
    The source and state stay: contacts already added keep the attribution they came with."""
    require(staff, Perm.PROMOTIONS_EDIT)
    way = _live_way(staff, way_id)
    _check(WayInput(**{**data.__dict__, "source": way.source}))
    account = _wecom(staff)
    members = _members(staff.merchant_id, data.staff_ids)
    if not way.multi and len(members) > 1:
        # WeCom keeps a way's type: a single-member code cannot gain members (make a new one).
        raise InvalidInput(detail={"staff_ids": "a single-member code keeps one member"})
    try:
        client.update_contact_way(
            account,
            config_id=way.config_id,
            remark=data.name.strip(),
            state=way.state,
            users=[m.userid for m in members],
            skip_verify=data.skip_verify,
        )
    except WeChatApiError as exc:
        raise _refused(exc) from exc
    with transaction.atomic():
        way = _live_way(staff, way_id, lock=True)
        before = {"name": way.name, "userids": sorted(way.members.values_list("userid", flat=True))}
        way.name = data.name.strip()
        way.skip_verify = data.skip_verify
        way.campaign = data.campaign.strip()
        way.welcome_text = data.welcome_text
        way.card_title = data.card_title.strip()
        way.card_page = data.card_page.strip()
        way.save(update_fields=["name", "skip_verify", "campaign", "welcome_text", "card_title", "card_page"])
        way.members.set(members)
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wecom.contact_way_updated",
            obj=way,
            before=before,
            after={"name": way.name, "userids": sorted(m.userid for m in members)},
        )
    return way


def delete_contact_way(*, staff: Staff, way_id: int) -> ContactWay:
    """Delete a way on WeCom (``del_contact_way``); the row stays, stamped, for its contacts' source."""
    require(staff, Perm.PROMOTIONS_EDIT)
    way = _live_way(staff, way_id)
    account = _wecom(staff)
    try:
        client.del_contact_way(account, way.config_id)
    except WeChatApiError as exc:
        # 41044 "invalid config_id": already gone on WeCom, which is what was asked.
        if exc.errcode != 41044:
            raise _refused(exc) from exc
    with transaction.atomic():
        way = _live_way(staff, way_id, lock=True)
        way.deleted_at = timezone.now()
        way.save(update_fields=["deleted_at"])
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="wecom.contact_way_deleted",
            obj=way,
            before={"name": way.name},
        )
    return way
