"""Access tokens: fetched once, shared by every process, refreshed by one caller at a time.

WeChat gives an account's token for 7,200 seconds and invalidates the previous one when a new one is
fetched, so two processes refreshing at once would knock each other's token out (and burn the daily
quota of 2,000 fetches). The rule here: whoever finds the token missing, expiring or rejected takes a
lock, looks again under the lock, and fetches only if it is still the one it saw. Everyone else waits
on the lock and then reads what the first one stored. The lock is Redis's when ``REDIS_URL`` is set
(the token lives there too), else the token's database row ``SELECT ... FOR UPDATE``.

A call that WeChat answers with 40001/42001/40014 (token invalid, expired or malformed: say the
token was fetched elsewhere) refreshes once, naming the token it saw, and retries once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.wechat import http
from siyu.wechat.errors import WeChatApiError, WeChatNotConfigured
from siyu.wechat.models import AccessToken, AccountKind, WeChatAccount

TOKEN_REJECTED = frozenset({40001, 42001, 40014})
# A token this close to expiry is refreshed before use, so a call never carries one that lapses in flight.
EXPIRY_MARGIN = timedelta(seconds=300)
LOCK_SECONDS = 15


def _fetch(account: WeChatAccount, purpose: str) -> tuple[str, int]:
    """Ask WeChat for a new token: (token, seconds it lives)."""
    if account.kind == AccountKind.WECOM:
        secret = account.secret("contact_secret" if purpose == "contact" else "agent_secret")
        if not secret:
            raise WeChatNotConfigured(detail={"kind": account.kind, "secret": purpose})
        body = http.get_json(
            f"{http.base_url(account, 'qyapi')}/cgi-bin/gettoken",
            {"corpid": account.app_id, "corpsecret": secret},
        )
    elif account.kind in (AccountKind.MINI_PROGRAM, AccountKind.OFFICIAL_ACCOUNT):
        secret = account.secret("app_secret")
        if not secret:
            raise WeChatNotConfigured(detail={"kind": account.kind, "secret": "app_secret"})
        body = http.get_json(
            f"{http.base_url(account, 'api')}/cgi-bin/token",
            {"grant_type": "client_credential", "appid": account.app_id, "secret": secret},
        )
    else:
        raise WeChatNotConfigured(detail={"kind": account.kind, "token": "none"})
    token = str(body.get("access_token") or "")
    if not token:
        raise WeChatApiError(-3, "no access_token in response")
    return token, int(body.get("expires_in") or 7200)


def _usable(token: str, expires_at: datetime | None, now: datetime) -> bool:
    return bool(token) and expires_at is not None and expires_at - EXPIRY_MARGIN > now


# --- Redis -----------------------------------------------------------------------------------


def _redis():
    import redis  # only where REDIS_URL is set

    return redis.Redis.from_url(settings.REDIS_URL)


def _redis_key(account: WeChatAccount, purpose: str) -> str:
    return f"siyu:wechat:token:{account.pk}:{purpose}"


def _redis_read(client, key: str, now: datetime) -> str:
    raw = client.get(key)
    if not raw:
        return ""
    data = json.loads(raw)
    expires_at = datetime.fromisoformat(data["expires_at"])
    return data["token"] if _usable(data["token"], expires_at, now) else ""


def _redis_token(account: WeChatAccount, purpose: str, stale: str | None) -> str:
    client = _redis()
    key = _redis_key(account, purpose)
    if stale is None:
        token = _redis_read(client, key, timezone.now())
        if token:
            return token
    with client.lock(f"{key}:lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
        token = _redis_read(client, key, timezone.now())
        if token and token != stale:
            return token
        token, lives = _fetch(account, purpose)
        expires_at = timezone.now() + timedelta(seconds=lives)
        client.set(key, json.dumps({"token": token, "expires_at": expires_at.isoformat()}), ex=lives)
        return token


# --- Database --------------------------------------------------------------------------------


def _locked_row(account: WeChatAccount, purpose: str) -> AccessToken:
    row = AccessToken.objects.select_for_update().filter(account=account, purpose=purpose).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            AccessToken.objects.create(merchant_id=account.merchant_id, account=account, purpose=purpose)
    except IntegrityError:
        pass  # another caller made it first; lock theirs
    return AccessToken.objects.select_for_update().get(account=account, purpose=purpose)


def _db_token(account: WeChatAccount, purpose: str, stale: str | None) -> str:
    if stale is None:
        row = AccessToken.objects.filter(account=account, purpose=purpose).first()
        if row is not None and _usable(row.token, row.expires_at, timezone.now()):
            return row.token
    with transaction.atomic():
        row = _locked_row(account, purpose)
        if _usable(row.token, row.expires_at, timezone.now()) and row.token != stale:
            return row.token
        token, lives = _fetch(account, purpose)
        now = timezone.now()
        row.token, row.expires_at, row.refreshed_at = token, now + timedelta(seconds=lives), now
        row.save(update_fields=["token", "expires_at", "refreshed_at"])
        return token


def access_token(
    account: WeChatAccount, purpose: str = "default", *, force_refresh: bool = False, stale: str = ""
) -> str:
    """A valid access token of ``account`` for ``purpose``.

    ``stale`` names a token WeChat just rejected: it is replaced unless someone already did.
    ``force_refresh`` replaces whatever is stored.
    """
    if force_refresh and not stale:
        stale = _stored(account, purpose)  # replace what is stored now (nothing stored: fetch anyway)
    seen: str | None = stale or None
    if settings.REDIS_URL:
        return _redis_token(account, purpose, seen)
    return _db_token(account, purpose, seen)


def _stored(account: WeChatAccount, purpose: str) -> str:
    if settings.REDIS_URL:
        raw = _redis().get(_redis_key(account, purpose))
        return json.loads(raw)["token"] if raw else ""
    row = AccessToken.objects.filter(account=account, purpose=purpose).first()
    return row.token if row else ""


def call_api(
    account: WeChatAccount,
    method: str,
    path: str,
    *,
    purpose: str = "default",
    params: dict[str, Any] | None = None,
    payload: Any = None,
) -> dict[str, Any]:
    """Call a token-authenticated WeChat API (``/cgi-bin/...``) and return its checked JSON body."""
    service = "qyapi" if account.kind == AccountKind.WECOM else "api"
    url = f"{http.base_url(account, service)}{path}"
    token = access_token(account, purpose)
    for attempt in (1, 2):
        query = {**(params or {}), "access_token": token}
        try:
            if method.upper() == "GET":
                return http.get_json(url, query)
            return http.post_json(url, query, payload if payload is not None else {})
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_REJECTED or attempt == 2:
                raise
            token = access_token(account, purpose, stale=token)
    raise AssertionError("unreachable")
