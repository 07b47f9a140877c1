"""The WeChat sandbox served over real HTTP for tests, and accounts that talk to it.

``fake_wechat`` (fixture in siyu/wechat/tests/conftest.py and any conftest that wires it) serves
the whole sandbox (``siyu.wechat.sandbox.server.build``) on a free port and points every WeChat host
of ``settings.SIYU_WECHAT_BASES`` at it, so production code calls it exactly as it would call
WeChat. ``add_account`` makes a merchant's account and tells the sandbox its credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from siyu.tenancy.models import Merchant
from siyu.wechat.models import WeChatAccount
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import FakeWeChat, serve_in_thread

# Published-format example values (43-character EncodingAESKey as in WeChat's samples).
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def serve_fake(settings: Any, siyu_url: str = "http://127.0.0.1:9") -> Iterator[FakeWeChat]:
    """Serve the sandbox for one test; every WeChat host of the settings points at it."""
    app = server.build(siyu_url)
    base, stop = serve_in_thread(app)
    app.base_url = base  # type: ignore[attr-defined]
    settings.SIYU_WECHAT_BASES = {service: f"{base}/{service}" for service in ("api", "open", "qyapi", "mch")}
    settings.SIYU_WECHAT_SANDBOX_URL = base
    try:
        yield app
    finally:
        stop()


def add_account(
    merchant: Merchant,
    kind: str,
    app_id: str,
    secrets: dict[str, str],
    *,
    config: dict[str, Any] | None = None,
    fake: FakeWeChat | None = None,
) -> WeChatAccount:
    account = WeChatAccount(merchant=merchant, kind=kind, app_id=app_id, config=dict(config or {}))
    account.set_secrets(secrets)
    account.save()
    if fake is not None:
        fake.register_account(kind, app_id, secrets, config)
    return account
