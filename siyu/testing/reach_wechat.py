"""A shop on every WeChat channel for the reach adapter tests (siyu/reach/tests/test_channel_wechat_*.py).

``wechat_shop(merchant, fake)`` connects the merchant's mini-program, official account and WeCom
corp to the sandbox (two guides with WeCom userids ``guide_a`` and ``guide_b``); the other helpers
put customers on a channel the way the channel's own callbacks would have (a follower row, a WeCom
contact on both sides, a group) and make the ``MessageTemplate`` / ``Message`` rows an adapter works
on, as the engine would hand them over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from siyu.members.models import Customer, CustomerIdentity, IdentityKind
from siyu.reach.channels import adapter_for
from siyu.reach.models import Message, MessageStatus, MessageTemplate
from siyu.tenancy.models import Merchant, Staff
from siyu.testing.wechat import add_account
from siyu.testing.wechat_oa import add_official_account
from siyu.testing.wecom import build_wecom_world
from siyu.wechat.models import WeChatAccount
from siyu.wechat.oa.models import OfficialAccountFollower
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.sandbox.reach_wechat import ReachFake
from siyu.wechat.wecom.models import WeComContact
from siyu.wechat.wecom_groups.models import MemberType, WeComGroup, WeComGroupMember

CORP_ID = "wwsiyutest0001"


@dataclass
class WeChatShop:
    merchant: Merchant
    fake: FakeWeChat
    owner: Staff
    guide_a: Staff
    guide_b: Staff
    mini_program: WeChatAccount
    official_account: WeChatAccount
    corp: WeChatAccount

    @property
    def reach(self) -> ReachFake:
        return self.fake.reach  # type: ignore[attr-defined]


def wechat_shop(merchant: Merchant, fake: FakeWeChat) -> WeChatShop:
    world = build_wecom_world(merchant, fake)  # corp, mini-program, owner, guide_a, guide_b
    mini = WeChatAccount.objects.get(merchant=merchant, kind="mini_program")
    oa = add_official_account(merchant, fake)
    return WeChatShop(merchant, fake, world.owner, world.guide_a, world.guide_b, mini, oa, world.corp)


def make_customer(merchant: Merchant, name: str, **identities: str) -> Customer:
    """A customer with identities by kind: ``make_customer(m, "amy", mp_openid="o123...")``."""
    customer = Customer.objects.create(merchant=merchant, nickname=name, registered_at=timezone.now())
    for kind, value in identities.items():
        CustomerIdentity.objects.create(merchant=merchant, customer=customer, kind=kind, value=value)
    return customer


def follow(shop: WeChatShop, customer: Customer, openid: str, *, subscribed: bool = True) -> None:
    """The customer follows the official account (as the follow callback records it, and in the sandbox)."""
    CustomerIdentity.objects.get_or_create(
        merchant=shop.merchant, customer=customer, kind=IdentityKind.OA_OPENID, value=openid
    )
    OfficialAccountFollower.objects.create(
        merchant=shop.merchant,
        account=shop.official_account,
        openid=openid,
        customer=customer,
        subscribed=subscribed,
        subscribed_at=timezone.now(),
    )
    with shop.fake.lock:
        shop.fake.state["oa_users"][(shop.official_account.app_id, openid)] = {
            "subscribed": subscribed,
            "subscribe_time": int(time.time()),
            "subscribe_scene": "ADD_SCENE_SEARCH",
        }


def wecom_contact(shop: WeChatShop, customer: Customer, guide: Staff, external_userid: str) -> None:
    """The customer is bound to ``guide`` and is their WeCom contact, in Siyu and in the sandbox."""
    userid = guide.wecom_members.get().userid
    Customer.objects.filter(pk=customer.pk).update(guide=guide)
    CustomerIdentity.objects.get_or_create(
        merchant=shop.merchant,
        customer=customer,
        kind=IdentityKind.WECOM_EXTERNAL_USERID,
        value=external_userid,
    )
    WeComContact.objects.create(
        merchant=shop.merchant,
        customer=customer,
        external_userid=external_userid,
        userid=userid,
        staff=guide,
        added_at=timezone.now(),
    )
    with shop.fake.lock:
        contacts = shop.fake.state["wecom.contacts"].setdefault(CORP_ID, {})
        contacts[external_userid] = {
            "external_userid": external_userid,
            "name": customer.nickname,
            "follow_user": [{"userid": userid, "createtime": int(time.time()), "state": ""}],
        }


def wecom_group(shop: WeChatShop, chat_id: str, owner: Staff, customers: list[Customer]) -> WeComGroup:
    """A WeCom customer group owned by ``owner`` with ``customers`` in it, in Siyu and in the sandbox."""
    userid = owner.wecom_members.get().userid
    group = WeComGroup.objects.create(
        merchant=shop.merchant,
        chat_id=chat_id,
        name=chat_id,
        owner_userid=userid,
        owner=owner,
        synced_at=timezone.now(),
    )
    for i, customer in enumerate(customers):
        WeComGroupMember.objects.create(
            merchant=shop.merchant,
            group=group,
            userid=f"wm{chat_id}{i}",
            member_type=MemberType.EXTERNAL,
            customer=customer,
        )
    with shop.fake.lock:
        corp = shop.fake.state.setdefault("wecom_groups", {}).setdefault(
            CORP_ID, {"tag_groups": [], "groups": {}}
        )
        corp["groups"][chat_id] = {"chat_id": chat_id, "name": chat_id, "owner": userid, "create_time": 0}
    return group


def make_template(merchant: Merchant, channel: str, name: str = "", **fields: Any) -> MessageTemplate:
    template = MessageTemplate(
        merchant=merchant, channel=channel, name=name or f"{channel} template", **fields
    )
    adapter_for(channel).validate(template)
    template.save()
    return template


def make_message(
    template: MessageTemplate,
    customer: Customer,
    *,
    context: dict[str, Any] | None = None,
    key: str = "",
    address: str | None = None,
    now: datetime | None = None,
) -> Message:
    """The message the engine would hand the adapter: addressed, rendered, status ``sending``."""
    adapter = adapter_for(template.channel)
    if address is None:
        address = adapter.addresses(template.merchant_id, [customer.pk], template)[customer.pk]
    message = Message.objects.create(
        merchant_id=template.merchant_id,
        customer=customer,
        origin="test",
        key=key or f"t{template.pk}:c{customer.pk}",
        channel=template.channel,
        template=template,
        address=address,
        status=MessageStatus.SENDING,
        send_at=now or timezone.now(),
    )
    message.payload = adapter.render(template, context or {}, message)
    message.save(update_fields=["payload"])
    return message


def inbox(fake: FakeWeChat, channel: str) -> list[tuple[str, str]]:
    """(to, body) of what the sandbox delivered on ``channel``, oldest first."""
    with fake.lock:
        return [(item.to, item.body) for item in fake.inbox if item.channel == channel]


def add_mini_program(merchant: Merchant, fake: FakeWeChat, app_id: str = "wxminiprogram01") -> WeChatAccount:
    return add_account(merchant, "mini_program", app_id, {"app_secret": "mp-secret"}, fake=fake)
