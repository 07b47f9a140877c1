"""A merchant's WeCom corp in the sandbox, its contacts as customers, and pushes caught on the way to Siyu.

``Corp`` bundles what the WeCom tag and group tests share: the account (registered with the fake),
contacts (in the fake and, when asked, as Siyu customers with a wecom_external_userid identity), and
``callbacks`` that turns what the fake would push into the decrypted message Siyu's view hands to
``dispatch_wecom``.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from siyu.members.models import Customer, CustomerIdentity
from siyu.tenancy.models import Merchant
from siyu.testing.wechat import AES_KEY, add_account
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.msgcrypt import MessageCrypto, parse_xml
from siyu.wechat.sandbox import wecom_groups as fake_groups
from siyu.wechat.sandbox.base import FakeWeChat
from siyu.wechat.wecom_groups.people import WECOM_EXTERNAL_USERID

GUIDE = "guide-lin"  # the follow user of the test contacts


@dataclass
class Corp:
    fake: FakeWeChat
    account: WeChatAccount
    corp_id: str
    pushes: list[dict[str, str]] = field(default_factory=list)

    def contact(
        self, external_userid: str, name: str, *, customer: bool = True, unionid: str = ""
    ) -> Customer | None:
        """A contact of ``GUIDE`` in the fake, and (``customer``) the Siyu customer it is."""
        fake_groups.contacts(self.fake, self.corp_id)[external_userid] = {
            "external_userid": external_userid,
            "name": name,
            "unionid": unionid,
            "follow_user": [{"userid": GUIDE}],
        }
        if not customer:
            return None
        person = Customer.objects.create(
            merchant=self.account.merchant, nickname=name, registered_at=timezone.now()
        )
        CustomerIdentity.objects.create(
            merchant=self.account.merchant, customer=person, kind=WECOM_EXTERNAL_USERID, value=external_userid
        )
        return person

    def catch_pushes(self) -> None:
        """Send the fake's callbacks here instead of over HTTP: each is encrypted exactly as on the
        wire, then verified and decrypted the way Siyu's callback view does, into ``pushes``."""
        corp = self

        def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            assert urllib.parse.urlsplit(url).path == f"/wechat/wecom/{corp.corp_id}/callback"
            crypto = MessageCrypto(
                corp.account.secret("token"), corp.account.secret("encoding_aes_key"), corp.corp_id
            )
            outer = parse_xml(body)
            plain = crypto.verify_and_decrypt(
                query["msg_signature"], query["timestamp"], query["nonce"], outer["Encrypt"]
            )
            corp.pushes.append(parse_xml(plain.encode()))
            return 200, b"success"

        self.fake.post = post  # type: ignore[method-assign]


def wecom_corp(merchant: Merchant, fake: FakeWeChat, corp_id: str = "wwcorp0001") -> Corp:
    account = add_account(
        merchant,
        AccountKind.WECOM,
        corp_id,
        {
            "agent_secret": "agent-s",
            "contact_secret": "contact-s",
            "token": "tok",
            "encoding_aes_key": AES_KEY,
        },
        config={"agent_id": "1000002"},
        fake=fake,
    )
    return Corp(fake, account, corp_id)


def fake_corp_state(fake: FakeWeChat, corp_id: str) -> dict[str, Any]:
    return fake.state["wecom_groups"][corp_id]
