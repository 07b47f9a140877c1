"""The official account's web side in tests: an account, the sandbox fake over real HTTP, and the
steps a browser takes on WeChat's authorisation page (``siyu/wechat/sandbox/oa_web.py``)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from siyu.tenancy.models import Merchant
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.oa_web.oauth import USERINFO_CONFIG
from siyu.wechat.sandbox import oa_web as fake_oa_web
from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import FakeWeChat, serve_in_thread

OA_APP_ID = "wx00000000000000a1"
OA_SECRET = "oa-app-secret-0001"
MP_APP_ID = "wx1234567890abcdef"


@dataclass
class Fake:
    """The running sandbox: ``app`` to reach its state, ``base`` its URL."""

    app: FakeWeChat
    base: str

    def bases(self) -> dict[str, str]:
        return {service: f"{self.base}/{service}" for service in ("api", "open", "qyapi", "mch")}


@contextmanager
def running_fake(siyu_url: str = "http://testserver") -> Iterator[Fake]:
    """The whole sandbox with this module's fake in it, over real HTTP on a free port."""
    app = server.build(siyu_url)
    if fake_oa_web.install not in server.INSTALLS:  # until the sandbox's server lists it
        fake_oa_web.install(app)
    base, stop = serve_in_thread(app)
    try:
        yield Fake(app=app, base=base)
    finally:
        stop()


def make_oa_account(
    merchant: Merchant, fake: Fake | None = None, *, app_id: str = OA_APP_ID, userinfo: bool = False
) -> WeChatAccount:
    """An active official account for ``merchant``, known to ``fake`` with the same secret."""
    config: dict[str, Any] = {
        "oa_type": "service",
        "original_id": "gh_0000000000a1",
        USERINFO_CONFIG: userinfo,
    }
    account = WeChatAccount(
        merchant=merchant, kind=AccountKind.OFFICIAL_ACCOUNT, app_id=app_id, config=config
    )
    account.set_secrets({"app_secret": OA_SECRET, "token": "callback-token", "encoding_aes_key": ""})
    account.save()
    if fake is not None:
        fake.app.register_account(AccountKind.OFFICIAL_ACCOUNT, app_id, {"app_secret": OA_SECRET}, config)
    return account


def http_request(url: str, method: str = "GET", body: bytes = b"", headers: dict[str, str] | None = None):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def authorize(authorize_url: str, *, user: str = "xiaoming", decision: str = "allow") -> str:
    """What a visitor does on WeChat's authorisation page (the URL Siyu redirected to): open it, pick
    ``user``, press 允许 (or 拒绝). Returns where WeChat sends the browser back (Siyu's return URL)."""
    url = authorize_url.split("#", 1)[0]
    status, _headers, page = http_request(url)
    assert status == 200, page[:400]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = {
        "appid": query["appid"],
        "redirect_uri": query["redirect_uri"],
        "scope": query["scope"],
        "state": query.get("state", ""),
        "user": user,
        "decision": decision,
    }
    parts = urlsplit(url)
    confirm = f"{parts.scheme}://{parts.netloc}{parts.path}/confirm"
    status, headers, _body = http_request(
        confirm,
        "POST",
        urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, _body[:400]
    return headers["Location"]


def local_path(url: str) -> str:
    """The path and query of an absolute URL (what the test client is given)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
