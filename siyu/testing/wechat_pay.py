"""WeChat Pay v3 in tests: real RSA keys (made once per run), a fake WeChat Pay on real HTTP, an account.

RSA-2048 key generation takes a noticeable fraction of a second, so ``KEYS`` makes the merchant's and
the platform's keypairs once per test process and every test shares them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from siyu.wechat.pay import protocol

MCHID = "1900000109"
APP_ID = "wxd678efh567hg6787"
SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
APIV3_KEY = "a12d3924fd499edac8a5efc4a3c2b1e0"  # 32 bytes


class _Keys:
    @cached_property
    def _merchant(self) -> tuple[str, str]:
        return protocol.generate_keypair()

    @cached_property
    def _platform(self) -> tuple[str, str]:
        return protocol.generate_keypair()

    @property
    def merchant_private(self) -> str:
        return self._merchant[0]

    @property
    def merchant_public(self) -> str:
        return self._merchant[1]

    @property
    def platform_private(self) -> str:
        return self._platform[0]

    @property
    def platform_public(self) -> str:
        return self._platform[1]


KEYS = _Keys()


@dataclass
class PayWorld:
    """A running fake WeChat Pay and the Siyu account that talks to it."""

    fake: object  # FakeWeChatPay
    base_url: str  # the fake's /mch base
    account: object  # WeChatAccount


@contextmanager
def served(fake) -> Iterator[str]:
    """Serve a FakeWeChatPay through the sandbox's pay module on 127.0.0.1 (a free port, a thread):
    the base URL Siyu's ``mch`` service uses."""
    from siyu.wechat.sandbox.base import FakeWeChat, serve_in_thread
    from siyu.wechat.sandbox.pay import install

    app = FakeWeChat(siyu_url="http://testserver")
    install(app, fake=fake)
    base, stop = serve_in_thread(app)
    try:
        yield f"{base.rstrip('/')}/mch"
    finally:
        stop()


def make_account(merchant, fake, *, sandbox: bool = False, mchid: str = MCHID, app_id: str = APP_ID):
    """The merchant's active wechat_pay account with the test keys, registered with ``fake``."""
    from siyu.wechat.models import AccountKind, WeChatAccount

    fake.register_merchant(
        mchid=mchid,
        app_id=app_id,
        serial_no=SERIAL_NO,
        private_pem=KEYS.merchant_private,
        apiv3_key=APIV3_KEY,
    )
    account = WeChatAccount(
        merchant=merchant,
        kind=AccountKind.WECHAT_PAY,
        app_id=mchid,
        config={"serial_no": SERIAL_NO, "app_id": app_id, "platform_public_key_id": fake.platform_serial},
        sandbox=sandbox,
        is_active=True,
    )
    account.set_secrets(
        {
            "private_key": KEYS.merchant_private,
            "apiv3_key": APIV3_KEY,
            "platform_public_key": fake.platform_public_pem,
        }
    )
    account.save()
    return account


def django_sender(client):
    """A fake's ``sender`` that delivers notifications to Siyu through Django's test client."""
    from urllib.parse import urlsplit

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        response = client.post(parts.path, data=body, content_type="application/json", headers=extra)
        return response.status_code

    return send
