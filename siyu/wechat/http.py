"""Calling WeChat's JSON APIs: where each service lives, and what an errcode means.

Four hosts: ``api`` (api.weixin.qq.com: mini-program and official account), ``open``
(open.weixin.qq.com: the OAuth page), ``qyapi`` (qyapi.weixin.qq.com: WeCom) and ``mch``
(api.mch.weixin.qq.com: WeChat Pay). ``settings.SIYU_WECHAT_BASES`` says where each one is (tests
point them at a local fake); an account marked ``sandbox`` goes to the built-in sandbox instead.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
import urllib3
from django.conf import settings

from siyu.wechat.errors import WeChatApiError, WeChatOutcomeUnknown, WeChatRetryable
from siyu.wechat.models import WeChatAccount

log = logging.getLogger(__name__)

SERVICES = ("api", "open", "qyapi", "mch")
# -1 system busy; 45009 daily quota; 45011 minute quota; 45047 too many customer messages;
# 45033 too many calls of this API for one user. All of them pass with time.
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45011, 45033, 45047})
TIMEOUT_SECONDS = 5.0


def base_url(account: WeChatAccount | None, service: str) -> str:
    """Where ``service`` is for ``account``: the sandbox for a sandbox account, else the configured host."""
    if service not in SERVICES:
        raise ValueError(f"unknown WeChat service {service!r}")
    if account is not None and account.sandbox:
        return f"{settings.SIYU_WECHAT_SANDBOX_URL.rstrip('/')}/{service}"
    return settings.SIYU_WECHAT_BASES[service].rstrip("/")


def check(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` when its errcode is 0 or absent; else the matching error."""
    errcode = int(body.get("errcode") or 0)
    if errcode == 0:
        return body
    errmsg = str(body.get("errmsg", ""))
    if errcode in RETRYABLE_ERRCODES:
        raise WeChatRetryable(errcode, errmsg)
    raise WeChatApiError(errcode, errmsg)


def _send(method: str, url: str, params: dict[str, Any] | None, data: bytes | None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
    try:
        response = requests.request(
            method, url, params=params, data=data, headers=headers, timeout=TIMEOUT_SECONDS
        )
        body = response.json()
    except requests.RequestException as exc:
        log.warning("WeChat unreachable at %s: %s", url.split("?")[0], exc)
        if _never_sent(exc):
            raise WeChatRetryable(-2, "unreachable") from exc
        raise WeChatOutcomeUnknown(-2, "no answer") from exc
    except ValueError as exc:
        raise WeChatOutcomeUnknown(-2, "unexpected response") from exc
    if not isinstance(body, dict):
        raise WeChatOutcomeUnknown(-2, "unexpected response")
    return check(body)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached WeChat: the connection was never made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        return isinstance(getattr(exc.args[0], "reason", None), urllib3.exceptions.NewConnectionError)
    return False


def get_json(url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return _send("GET", url, params, None)


def post_json(url: str, params: dict[str, Any] | None, payload: Any) -> dict[str, Any]:
    """POST ``payload`` as UTF-8 JSON with Chinese kept as is (WeChat counts bytes, not escapes)."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return _send("POST", url, params, data)
