"""Mini-program login: exchange the ``wx.login()`` code for an openid through an adapter.

``WeChatLoginAdapter`` speaks WeChat's real ``code2session`` format::

    GET {base}/sns/jscode2session?appid=APPID&secret=SECRET&js_code=CODE&grant_type=authorization_code
    -> {"openid": "...", "session_key": "...", "unionid": "..."}          on success
    -> {"errcode": 40029, "errmsg": "invalid code"}                        on failure

``SandboxLoginAdapter`` derives a stable openid from the code, so the demo and tests can log in
as "the same person" by sending the same code, with no network at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from siyu.members.errors import LoginFailed, LoginProviderUnavailable
from siyu.tenancy.models import LoginAdapter, Merchant
from siyu.wechat.accounts import require_account
from siyu.wechat.http import base_url
from siyu.wechat.models import AccountKind

log = logging.getLogger(__name__)

# errcodes that mean "try again later" rather than "this code is bad".
RETRYABLE_ERRCODES = {-1, 45011}


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None = None


class CodeExchanger(Protocol):
    def code_to_session(self, code: str) -> WxSession: ...


class SandboxLoginAdapter:
    """Offline stand-in for WeChat: the same code always yields the same openid for an app."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id or "sandbox"

    def code_to_session(self, code: str) -> WxSession:
        if not code or len(code) > 128 or code.startswith("invalid"):
            raise LoginFailed(detail={"errcode": 40029})
        digest = hmac.new(self.app_id.encode(), code.encode(), hashlib.sha256).hexdigest()
        return WxSession(
            openid=f"osbx{digest[:24]}", session_key=digest[24:48], unionid=f"usbx{digest[40:64]}"
        )


class WeChatLoginAdapter:
    """Calls WeChat's ``jscode2session`` endpoint."""

    def __init__(
        self, app_id: str, app_secret: str, *, base_url: str | None = None, timeout: float = 5.0
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = (base_url or settings.SIYU_WECHAT_API_BASE).rstrip("/")
        self.timeout = timeout

    def code_to_session(self, code: str) -> WxSession:
        query = urllib.parse.urlencode(
            {
                "appid": self.app_id,
                "secret": self.app_secret,
                "js_code": code,
                "grant_type": "authorization_code",
            }
        )
        url = f"{self.base_url}/sns/jscode2session?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            log.warning("code2session unreachable: %s", exc)
            raise LoginProviderUnavailable() from exc
        errcode = int(body.get("errcode") or 0)
        if errcode in RETRYABLE_ERRCODES:
            raise LoginProviderUnavailable(detail={"errcode": errcode, "errmsg": body.get("errmsg", "")})
        if errcode or not body.get("openid"):
            raise LoginFailed(detail={"errcode": errcode, "errmsg": body.get("errmsg", "")})
        return WxSession(
            openid=body["openid"],
            session_key=body.get("session_key", ""),
            unionid=body.get("unionid") or None,
        )


def exchanger_for(merchant: Merchant) -> CodeExchanger:
    """The login adapter a merchant is configured for: WeChat login needs its mini-program account."""
    if merchant.login_adapter == LoginAdapter.WECHAT:
        account = require_account(merchant, AccountKind.MINI_PROGRAM)
        return WeChatLoginAdapter(
            account.app_id, account.secret("app_secret"), base_url=base_url(account, "api")
        )
    return SandboxLoginAdapter(merchant.slug)
