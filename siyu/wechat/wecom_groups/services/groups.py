"""Customer groups (客户群): stored as groupchat/get describes them, by a full sync or one callback.

``store_group`` is the one writing path: it takes WeCom's ``group_chat`` object and makes the
group's row and member rows equal to it in one transaction (members added, removed, renamed), linking
external members to the customers Siyu knows. The callbacks and the sync only differ in how they got
the object. A dismissed group keeps its row (segments may name it) and loses its members.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.wechat.accounts import require_account
from siyu.wechat.models import AccountKind
from siyu.wechat.wecom_groups import api
from siyu.wechat.wecom_groups.models import MemberType, WeComGroup, WeComGroupMember
from siyu.wechat.wecom_groups.people import customers_by_external_userid, staff_by_userid


def _when(seconds: Any) -> dt.datetime | None:
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value > 0 else None


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _member(
    merchant_id: int, group: WeComGroup, raw: dict[str, Any], customer_id: int | None
) -> WeComGroupMember:
    scene = raw.get("join_scene")
    return WeComGroupMember(
        merchant_id=merchant_id,
        group=group,
        userid=_text(raw.get("userid"), 64),
        member_type=MemberType.EXTERNAL if int(raw.get("type") or 1) == 2 else MemberType.EMPLOYEE,
        unionid=_text(raw.get("unionid"), 64),
        name=_text(raw.get("name"), 64),
        group_nickname=_text(raw.get("group_nickname"), 64),
        join_time=_when(raw.get("join_time")),
        join_scene=int(scene) if scene in (1, 2, 3) else None,
        invitor_userid=_text((raw.get("invitor") or {}).get("userid"), 64),
        customer_id=customer_id,
    )


MEMBER_FIELDS = [
    "member_type", "unionid", "name", "group_nickname", "join_time", "join_scene", "invitor_userid",
    "customer_id",
]  # fmt: skip


def _differs(row: WeComGroupMember, new: WeComGroupMember) -> bool:
    return any(getattr(row, name) != getattr(new, name) for name in MEMBER_FIELDS)


@transaction.atomic
def store_group(*, merchant_id: int, group_chat: dict[str, Any]) -> WeComGroup:
    """Make the group ``group_chat`` (WeCom's groupchat/get object) and its members as WeCom says."""
    chat_id = _text(group_chat.get("chat_id"), 64)
    owner_userid = _text(group_chat.get("owner"), 64)
    now = timezone.now()
    owner = staff_by_userid(merchant_id, [owner_userid]).get(owner_userid)
    group, _created = WeComGroup.objects.select_for_update().get_or_create(
        merchant_id=merchant_id, chat_id=chat_id, defaults={"owner_userid": owner_userid, "synced_at": now}
    )
    group.name = _text(group_chat.get("name"), 128)
    group.owner_userid, group.owner = owner_userid, owner
    group.notice = str(group_chat.get("notice") or "")
    group.created_in_wecom_at = _when(group_chat.get("create_time"))
    group.dismissed_at = None
    raw_members = {str(m.get("userid")): m for m in group_chat.get("member_list") or [] if m.get("userid")}
    external = {u: m for u, m in raw_members.items() if int(m.get("type") or 1) == 2}
    customers = customers_by_external_userid(
        merchant_id, external, {u: str(m.get("unionid") or "") for u, m in external.items()}
    )
    wanted = {u: _member(merchant_id, group, m, customers.get(u)) for u, m in raw_members.items()}
    existing = {m.userid: m for m in WeComGroupMember.objects.filter(group=group)}
    WeComGroupMember.objects.filter(group=group, userid__in=set(existing) - set(wanted)).delete()
    WeComGroupMember.objects.bulk_create([m for u, m in wanted.items() if u not in existing])
    changed = [row for u, row in existing.items() if u in wanted and _differs(row, wanted[u])]
    for row in changed:
        for name in MEMBER_FIELDS:
            setattr(row, name, getattr(wanted[row.userid], name))
    if changed:
        WeComGroupMember.objects.bulk_update(changed, MEMBER_FIELDS)
    group.member_count = len(wanted)
    group.customer_count = sum(1 for m in wanted.values() if m.customer_id is not None)
    group.synced_at = now
    group.save(
        update_fields=[
            "name", "owner_userid", "owner", "notice", "created_in_wecom_at", "dismissed_at",
            "member_count", "customer_count", "synced_at",
        ]
    )  # fmt: skip
    return group


@transaction.atomic
def dismiss_group(*, merchant_id: int, chat_id: str) -> WeComGroup | None:
    """Record that the group was dismissed (解散): no members left, the row kept for the rules naming it."""
    group = WeComGroup.objects.for_merchant(merchant_id).select_for_update().filter(chat_id=chat_id).first()
    if group is None:
        return None
    WeComGroupMember.objects.filter(group=group).delete()
    group.dismissed_at = group.dismissed_at or timezone.now()
    group.member_count = group.customer_count = 0
    group.save(update_fields=["dismissed_at", "member_count", "customer_count"])
    return group


def refresh_group(*, merchant_id: int, chat_id: str) -> WeComGroup:
    """Fetch one group from WeCom (groupchat/get) and store it: what a create/update callback does."""
    account = require_account(merchant_id, AccountKind.WECOM)
    return store_group(merchant_id=merchant_id, group_chat=api.group_chat(account, chat_id))


def sync_groups(*, merchant_id: int) -> dict[str, int]:
    """Fetch every customer group of the corp and store each; groups WeCom no longer lists are dismissed.

    The WeCom calls happen outside any transaction (they are slow); each group is its own
    transaction, so a failure half way keeps what was stored and the next run finishes the rest.
    """
    account = require_account(merchant_id, AccountKind.WECOM)
    chat_ids = api.group_chat_ids(account)
    for chat_id in chat_ids:
        store_group(merchant_id=merchant_id, group_chat=api.group_chat(account, chat_id))
    gone = (
        WeComGroup.objects.for_merchant(merchant_id)
        .filter(dismissed_at__isnull=True)
        .exclude(chat_id__in=chat_ids)
        .values_list("chat_id", flat=True)
    )
    dismissed = 0
    for chat_id in list(gone):
        dismissed += dismiss_group(merchant_id=merchant_id, chat_id=chat_id) is not None
    return {"groups": len(chat_ids), "dismissed": dismissed}


def relink_members(*, merchant_id: int, external_userids: list[str]) -> int:
    """Link group members to the customers these external userids now name (a contact just added)."""
    customers = customers_by_external_userid(merchant_id, external_userids)
    linked = 0
    with transaction.atomic():
        members = WeComGroupMember.objects.filter(merchant_id=merchant_id, member_type=MemberType.EXTERNAL)
        for userid, customer_id in customers.items():
            linked += (
                members.filter(userid=userid).exclude(customer_id=customer_id).update(customer_id=customer_id)
            )
        groups = set(members.filter(userid__in=list(customers)).values_list("group_id", flat=True))
        for group_id in sorted(groups):
            known = members.filter(group_id=group_id, customer__isnull=False).count()
            WeComGroup.objects.filter(pk=group_id).update(customer_count=known)
    return linked
