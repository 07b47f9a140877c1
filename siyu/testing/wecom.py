"""A shop on WeCom for the contact tests: its corp and mini-program in the sandbox, two guides with
WeCom userids, and pushes built as WeCom builds them (encrypted, msg_signature) for Django's client.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.utils import timezone

from siyu.tenancy.models import Merchant, Role, Staff
from siyu.testing.factories import make_staff
from siyu.testing.wechat import AES_KEY, add_account
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.msgcrypt import MessageCrypto, to_xml
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.sandbox.wecom import WeComFake
from siyu.wechat.wecom.models import ContactWay, WeComMember

CORP_ID = "wwsiyutest0001"
TOKEN = "wecomtoken"
CORP_SECRETS = {
    "agent_secret": "agent-secret",
    "contact_secret": "contact-secret",
    "token": TOKEN,
    "encoding_aes_key": AES_KEY,
}
MINI_PROGRAM_ID = "wxminiprogram01"


@dataclass
class WeComWorld:
    merchant: Merchant
    owner: Staff
    guide_a: Staff  # WeCom userid "guide_a"
    guide_b: Staff  # WeCom userid "guide_b"
    corp: WeChatAccount
    fake: FakeWeChat

    @property
    def wecom(self) -> WeComFake:
        return self.fake.wecom  # type: ignore[attr-defined]


def build_wecom_world(merchant: Merchant, fake: FakeWeChat) -> WeComWorld:
    owner = make_staff(merchant, Role.OWNER)
    guides = []
    for name in ("guide_a", "guide_b"):
        guide = make_staff(merchant, Role.GUIDE)
        guide.display_name = name.replace("_", " ").title()
        guide.save(update_fields=["display_name"])
        WeComMember.objects.create(merchant=merchant, staff=guide, userid=name)
        guides.append(guide)
    corp = add_account(
        merchant, AccountKind.WECOM, CORP_ID, CORP_SECRETS, config={"agent_id": "1000002"}, fake=fake
    )
    add_account(merchant, AccountKind.MINI_PROGRAM, MINI_PROGRAM_ID, {"app_secret": "mp-secret"}, fake=fake)
    return WeComWorld(merchant, owner, guides[0], guides[1], corp, fake)


def encrypted_push(
    fields: dict[str, Any], *, corp_id: str = CORP_ID, token: str = TOKEN
) -> tuple[str, bytes]:
    """(query string, body) of a WeCom callback POST carrying ``fields``, as WeCom sends it."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    crypto = MessageCrypto(token, AES_KEY, corp_id)
    encrypted, signature = crypto.encrypt(to_xml(fields), nonce=nonce, timestamp=timestamp)
    body = to_xml({"ToUserName": corp_id, "AgentID": "1000002", "Encrypt": encrypted}).encode()
    return urlencode({"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}), body


def push(client: Client, fields: dict[str, Any], *, corp_id: str = CORP_ID, token: str = TOKEN):
    """POST ``fields`` to Siyu's WeCom callback, encrypted and signed, through Django's test client."""
    query, body = encrypted_push(fields, corp_id=corp_id, token=token)
    return client.post(f"/wechat/wecom/{corp_id}/callback?{query}", body, content_type="text/xml")


def change(change_type: str, userid: str, external_userid: str, **extra: str) -> dict[str, str]:
    """The fields of a change_external_contact push."""
    return {
        "ToUserName": CORP_ID,
        "FromUserName": "sys",
        "CreateTime": str(int(time.time())),
        "MsgType": "event",
        "Event": "change_external_contact",
        "ChangeType": change_type,
        "UserID": userid,
        "ExternalUserID": external_userid,
        **extra,
    }


def add_contact_way_row(owner: Staff) -> ContactWay:
    """A 渠道活码 of ``owner``'s shop as rows only (a mapped owner, no WeCom call): for tests that
    need the row, not WeCom."""
    member, _created = WeComMember.objects.get_or_create(
        merchant=owner.merchant, staff=owner, defaults={"userid": f"owner{owner.pk}"}
    )
    way = ContactWay.objects.create(
        merchant=owner.merchant,
        name="门店活码",
        config_id=f"cfg{owner.merchant_id}x{secrets.token_hex(6)}",
        qr_code="https://example.com/qr.png",
        state=f"siyu.outlet.{secrets.token_hex(4)}",
        created_at=timezone.now(),
    )
    way.members.set([member])
    return way
