"""The official account's tests: a connected account, and the sandbox's pushes sent into Siyu.

``pushes_into(app, client)`` makes the sandbox's ``post`` (what ``push_oa`` and the follower
simulator send) go through Django's test client, so a test plays WeChat with the sandbox's own
code, byte for byte, without a live server; it returns the list of (path with query, body) sent,
for replaying one exactly as WeChat's retries do.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.test import Client

from siyu.members.models import Customer
from siyu.tenancy.models import Merchant, Staff
from siyu.testing.wechat import AES_KEY, add_account
from siyu.wechat.models import WeChatAccount
from siyu.wechat.oa import services
from siyu.wechat.oa.models import OfficialAccountQrCode
from siyu.wechat.sandbox import oa as fake_oa
from siyu.wechat.sandbox.base import FakeWeChat

OA_APP_ID = "wx0a00000000000001"
OA_TOKEN = "oaTokenForTests2026"
ORIGINAL_ID = "gh_0123456789ab"


def add_official_account(
    merchant: Merchant,
    fake: FakeWeChat | None,
    *,
    safe: bool = True,
    unionid: bool = False,
    app_id: str = OA_APP_ID,
) -> WeChatAccount:
    """The merchant's official account (safe mode unless ``safe=False``), known to ``fake``."""
    secrets = {"app_secret": "oaSecret", "token": OA_TOKEN, "encoding_aes_key": AES_KEY if safe else ""}
    config: dict[str, Any] = {"oa_type": "service", "original_id": ORIGINAL_ID}
    if unionid:
        config["unionid"] = True
    return add_account(merchant, "official_account", app_id, secrets, config=config, fake=fake)


def pushes_into(app: FakeWeChat, client: Client) -> list[tuple[str, bytes]]:
    sent: list[tuple[str, bytes]] = []

    def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        parts = urllib.parse.urlsplit(url)
        path = f"{parts.path}?{parts.query}"
        sent.append((path, body))
        response = client.post(path, data=body, content_type=(headers or {}).get("Content-Type", "text/xml"))
        return response.status_code, response.content

    app.post = post  # type: ignore[method-assign]
    return sent


def replay(client: Client, sent: tuple[str, bytes]) -> tuple[int, bytes]:
    """Send one recorded push again, unchanged (a WeChat retry)."""
    response = client.post(sent[0], data=sent[1], content_type="text/xml")
    return response.status_code, response.content


def act(
    app: FakeWeChat, openid: str, action: str, value: str = "", *, app_id: str = OA_APP_ID
) -> dict[str, str]:
    """One thing a WeChat user does in the follower simulator: scan, follow, unfollow, click, text."""
    account = app.account("official_account", app_id)
    assert account is not None
    return fake_oa.simulate(app, account, openid, action, value)


def make_qr_code(owner: Staff, **fields: Any) -> OfficialAccountQrCode:
    defaults: dict[str, Any] = {
        "name": "门店收银台",
        "kind": "permanent",
        "source": "outlet",
        "campaign": "开业",
    }
    return services.create_qr_code(staff=owner, **(defaults | fields))


def follower_customer(merchant: Merchant, openid: str) -> Customer:
    return Customer.objects.for_merchant(merchant).get(identities__kind="oa_openid", identities__value=openid)
