"""The demo's sandbox starts knowing the WeCom groups, contacts and corp tags Siyu already holds.

The sandbox keeps its state in memory, while ``siyu demo`` writes the demo's groups into Siyu's
database; without this the sandbox would list no groups, and the first "sync now" would dismiss the
demo's. ``use_siyu_as_seed(app)`` (called by ``siyu wechat_sandbox``) makes the fake fill a sandbox
corp's state from Siyu's rows the first time the corp is asked for. Tests never call it.
"""

from __future__ import annotations

from typing import Any

from django.db import close_old_connections

from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.wecom_groups.models import WeComGroup, WeComGroupMember, WeComTagMapping, WeComTagState
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID


def use_siyu_as_seed(app: FakeWeChat) -> None:
    app.state["wecom_groups.seed"] = seed_corp


def seed_corp(app: FakeWeChat, corp_id: str, state: dict[str, Any]) -> None:
    """Fill ``state`` (the fake's corp state), the contacts and their tags from the sandbox corp's rows."""
    from siyu.members.models import CustomerIdentity
    from siyu.wechat.sandbox import wecom_groups as fake

    close_old_connections()
    account = WeChatAccount.objects.filter(kind=AccountKind.WECOM, app_id=corp_id, sandbox=True).first()
    if account is None:
        return
    merchant_id = account.merchant_id
    contacts = fake.contacts(app, corp_id)
    identities = CustomerIdentity.objects.filter(merchant_id=merchant_id, kind=WECOM_EXTERNAL_USERID)
    follow: dict[str, list[str]] = {}
    for row in WeComTagState.objects.for_merchant(merchant_id):
        follow.setdefault(row.external_userid, []).append(row.follow_userid)
    groups = list(WeComGroup.objects.for_merchant(merchant_id).filter(dismissed_at__isnull=True))
    owners = {g.owner_userid for g in groups}
    for identity in identities.select_related("customer"):
        contacts.setdefault(
            identity.value,
            {
                "external_userid": identity.value,
                "name": identity.customer.nickname,
                "unionid": "",
                "follow_user": [{"userid": u} for u in follow.get(identity.value) or sorted(owners)[:1]],
            },
        )
    members: dict[int, list[dict[str, Any]]] = {}
    for m in WeComGroupMember.objects.filter(group__in=groups).order_by("join_time", "pk"):
        members.setdefault(m.group_id, []).append(
            {
                "userid": m.userid,
                "type": m.member_type,
                "join_time": int(m.join_time.timestamp()) if m.join_time else 0,
                "join_scene": m.join_scene or 1,
                "invitor": {"userid": m.invitor_userid},
                "group_nickname": m.group_nickname,
                "name": m.name,
                **({"unionid": m.unionid} if m.unionid else {}),
            }
        )
    for g in groups:
        state["groups"][g.chat_id] = {
            "chat_id": g.chat_id,
            "name": g.name,
            "owner": g.owner_userid,
            "create_time": int(g.created_in_wecom_at.timestamp()) if g.created_in_wecom_at else 0,
            "notice": g.notice,
            "admin_list": [],
            "member_version": "seed",
            "members": members.get(g.pk, []),
        }
    by_group: dict[str, dict[str, Any]] = {}
    for mapping in (
        WeComTagMapping.objects.for_merchant(merchant_id).exclude(corp_tag_id="").select_related("tag")
    ):
        group = by_group.setdefault(
            mapping.corp_group_id,
            {"group_id": mapping.corp_group_id, "group_name": mapping.corp_group_name or "Siyu",
             "create_time": 0, "order": 0, "tag": []},
        )  # fmt: skip
        group["tag"].append(
            {"id": mapping.corp_tag_id, "name": mapping.corp_name, "create_time": 0, "order": 0}
        )
    state["tag_groups"].extend(by_group.values())
    held = app.state.setdefault("wecom.contact_tags", {}).setdefault(corp_id, {})
    for row in WeComTagState.objects.for_merchant(merchant_id):
        held.setdefault((row.external_userid, row.follow_userid), list(row.corp_tag_ids))
    close_old_connections()
