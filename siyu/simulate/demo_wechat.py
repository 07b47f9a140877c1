"""The demo merchant's WeChat side, one section per area (the sandbox plays WeChat for each)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from siyu.audience.models import Tag
from siyu.members.models import Customer, CustomerIdentity
from siyu.tenancy.models import Merchant, Role, Staff
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind
from siyu.wechat.wecom_groups.models import WeComGroup
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID
from siyu.wechat.wecom_groups.services import groups as wecom_groups
from siyu.wechat.wecom_groups.services import tags as wecom_tags

# --- wecomgroups -----------------------------------------------------------------------------------

DEMO_GROUPS = (
    # chat id, name, notice, how many of the guide's customers, how many others
    (
        "wrDEMO0000000000000000000000001",
        "周婷的茶友福利群",
        "每周三 20:00 群内秒杀，茶艺课报名请私聊周婷。",
        6,
        2,
    ),
    ("wrDEMO0000000000000000000000002", "新品尝鲜群", "新茶上市先尝鲜，试饮装每人限领一份。", 3, 3),
)
DEMO_SYNCED_TAGS = ("茶艺课学员", "企业采购")  # the manual tags the demo pushes to WeCom


def demo_external_userid(customer_id: int) -> str:
    return f"wmDEMO{customer_id:026d}"


def _contacts(merchant: Merchant, customers: list[Customer]) -> None:
    """Give each customer a WeCom identity if the WeCom demo section has not (a 活码 add does)."""
    have = set(
        CustomerIdentity.objects.filter(
            merchant=merchant, kind=WECOM_EXTERNAL_USERID, customer__in=customers
        ).values_list("customer_id", flat=True)
    )
    CustomerIdentity.objects.bulk_create(
        [
            CustomerIdentity(
                merchant=merchant,
                customer=c,
                kind=WECOM_EXTERNAL_USERID,
                value=demo_external_userid(c.pk),
            )
            for c in customers
            if c.pk not in have
        ],
        ignore_conflicts=True,
    )


def _member(userid: str, kind: int, name: str, joined: dt.datetime, scene: int, owner: str) -> dict[str, Any]:
    return {
        "userid": userid,
        "type": kind,
        "join_time": int(joined.timestamp()),
        "join_scene": scene,
        "invitor": {"userid": owner},
        "group_nickname": "",
        "name": name,
    }


def ensure_demo_wecom_groups(merchant: Merchant) -> dict[str, int]:
    """Two customer groups of the demo guide with some demo customers (their WeCom identities made
    when missing), and two manual tags chosen to sync to WeCom. Idempotent; nothing without a corp."""
    if account_for(merchant, AccountKind.WECOM) is None:
        return {"groups": 0}
    guide = Staff.objects.for_merchant(merchant).filter(role=Role.GUIDE).select_related("user").first()
    owner = Staff.objects.for_merchant(merchant).filter(role=Role.OWNER).order_by("pk").first()
    if guide is None or owner is None:
        return {"groups": 0}
    base = Customer.objects.for_merchant(merchant).filter(merged_into__isnull=True).order_by("pk")
    mine = list(base.filter(guide=guide)[:6])
    others = list(base.exclude(guide=guide)[:3])
    _contacts(merchant, mine + others)
    ids = dict(
        CustomerIdentity.objects.filter(merchant=merchant, kind=WECOM_EXTERNAL_USERID).values_list(
            "customer_id", "value"
        )
    )
    now = timezone.now()
    userid = guide.user.username
    made = 0
    for i, (chat_id, name, notice, n_mine, n_others) in enumerate(DEMO_GROUPS):
        if WeComGroup.objects.for_merchant(merchant).filter(chat_id=chat_id).exists():
            continue
        opened = now - dt.timedelta(days=40 - 15 * i)
        people = mine[:n_mine] + others[:n_others]
        members = [_member(userid, 1, guide.display_name, opened, 1, userid)]
        members += [
            _member(
                ids[c.pk], 2, c.nickname, opened + dt.timedelta(hours=3 * (j + 1)), 3 if j % 2 else 1, userid
            )
            for j, c in enumerate(people)
        ]
        chat = {
            "chat_id": chat_id,
            "name": name,
            "owner": userid,
            "create_time": int(opened.timestamp()),
            "notice": notice,
            "member_list": members,
        }
        wecom_groups.store_group(merchant_id=merchant.pk, group_chat=chat)
        made += 1
    synced = list(
        Tag.objects.for_merchant(merchant).filter(name__in=DEMO_SYNCED_TAGS).values_list("pk", flat=True)
    )
    if synced:
        wecom_tags.choose_synced_tags(staff=owner, tag_ids=synced)
    return {"groups": made, "synced_tags": len(synced)}
