"""WeChat Pay v3 in tests: real RSA keys (made once per run), a fake WeChat Pay on real HTTP, an account.

RSA-2048 key generation takes a noticeable fraction of a second, so ``KEYS`` makes the merchant's and
the platform's keypairs once per test process and every test shares them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.pay import protocol
from siyu.wechat.pay.fake import FakeWeChatPay, Sender
from siyu.wechat.sandbox.base import FakeWeChat, serve_in_thread
from siyu.wechat.sandbox.pay import install

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
    """A running fake WeChat Pay (inside the sandbox frame, on real HTTP) and the account that uses it."""

    fake: FakeWeChatPay
    app: FakeWeChat
    base_url: str  # the sandbox root; WeChat Pay is under /mch, the cashier under /ui/pay/
    account: WeChatAccount


@contextmanager
def served(settings: Any, *, sender: Sender) -> Iterator[tuple[FakeWeChatPay, FakeWeChat, str]]:
    """Serve a fake WeChat Pay with the test platform key through the sandbox frame on 127.0.0.1
    (free port, a thread), and point Siyu's ``mch`` host and sandbox URL at it."""
    fake = FakeWeChatPay(platform_private_pem=KEYS.platform_private, sender=sender)
    app = FakeWeChat(siyu_url="http://testserver")
    install(app, fake=fake)
    base, stop = serve_in_thread(app)
    settings.SIYU_WECHAT_BASES = {**settings.SIYU_WECHAT_BASES, "mch": f"{base}/mch"}
    settings.SIYU_WECHAT_SANDBOX_URL = base
    settings.SIYU_PUBLIC_URL = "http://testserver"
    try:
        yield fake, app, base
    finally:
        stop()


def make_account(
    merchant, fake: FakeWeChatPay, *, sandbox: bool = False, mchid: str = MCHID, app_id: str = APP_ID
) -> WeChatAccount:
    """The merchant's active wechat_pay account with the test keys, registered with ``fake``."""
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

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        response = client.post(parts.path, data=body, content_type="application/json", headers=extra)
        return response.status_code

    return send


class Outbox:
    """A ``sender`` that keeps what the fake would send, for the test's own thread to deliver (the
    test database is not visible from the sandbox's server thread)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.sent.append((url, body, headers))
        return 204

    def deliver(self, client) -> list[int]:
        send = django_sender(client)
        sent, self.sent = self.sent, []
        return [send(url, body, headers) for url, body, headers in sent]
