"""WeChat's web OAuth for official-account pages (网页授权), the three calls of it Siyu makes.

1. ``authorize_url``: the browser goes to ``{open}/connect/oauth2/authorize`` with the parameters
   in WeChat's order (it refuses others) and ``#wechat_redirect``; WeChat sends it back to
   ``redirect_uri?code=CODE&state=STATE`` (no code when the visitor declines ``snsapi_userinfo``).
2. ``exchange_code``: ``GET {api}/sns/oauth2/access_token?appid&secret&code&grant_type=
   authorization_code`` gives the openid (and the unionid when the account is bound to an Open
   Platform account) and a web access token; a code works once and for five minutes (40029
   invalid, 40163 used). ``is_snapshotuser: 1`` means a visitor on the page's snapshot in Moments,
   whose openid is a stand-in: refused.
3. ``user_info``: with ``snsapi_userinfo``, ``GET {api}/sns/userinfo?access_token&openid&lang``
   gives nickname, avatar (``headimgurl``) and unionid.

These are not the ``cgi-bin`` APIs: the web access token belongs to the visitor, so they go
straight through ``siyu.wechat.http``, not ``tokens.call_api``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from siyu.wechat.errors import WeChatApiError
from siyu.wechat.http import base_url, get_json
from siyu.wechat.models import WeChatAccount
from siyu.wechat.oa_web.errors import OAuthCodeInvalid, OAuthFailed, OAuthSnapshotUser

SNSAPI_BASE = "snsapi_base"
SNSAPI_USERINFO = "snsapi_userinfo"
CODE_REFUSED = (40029, 40163)  # invalid or expired code; code already used
USERINFO_CONFIG = "oauth_userinfo"  # WeChatAccount.config switch: ask for nickname and avatar


@dataclass(frozen=True)
class Grant:
    """What the code exchange says about the visitor."""

    openid: str
    unionid: str
    scope: str
    access_token: str


@dataclass(frozen=True)
class UserInfo:
    openid: str
    unionid: str
    nickname: str
    headimgurl: str


def scope_for(account: WeChatAccount) -> str:
    """``snsapi_userinfo`` when the shop asks for nickname and avatar, else the silent
    ``snsapi_base`` (openid only, no page shown to the visitor)."""
    return SNSAPI_USERINFO if account.config.get(USERINFO_CONFIG) else SNSAPI_BASE


def authorize_url(account: WeChatAccount, *, redirect_uri: str, scope: str, state: str) -> str:
    query = "&".join(
        (
            f"appid={quote(account.app_id, safe='')}",
            f"redirect_uri={quote(redirect_uri, safe='')}",
            "response_type=code",
            f"scope={scope}",
            f"state={state}",
        )
    )
    return f"{base_url(account, 'open')}/connect/oauth2/authorize?{query}#wechat_redirect"


def _refusal(exc: WeChatApiError) -> Exception:
    detail = {"errcode": exc.errcode, "errmsg": exc.errmsg}
    if exc.errcode in CODE_REFUSED:
        return OAuthCodeInvalid(detail=detail)
    return OAuthFailed(detail=detail)


def exchange_code(account: WeChatAccount, code: str) -> Grant:
    try:
        data = get_json(
            f"{base_url(account, 'api')}/sns/oauth2/access_token",
            {
                "appid": account.app_id,
                "secret": account.secret("app_secret"),
                "code": code,
                "grant_type": "authorization_code",
            },
        )
    except WeChatApiError as exc:
        raise _refusal(exc) from exc
    if data.get("is_snapshotuser") == 1:
        raise OAuthSnapshotUser()
    openid = str(data.get("openid") or "")
    if not openid:
        raise OAuthFailed(detail={"errcode": None, "errmsg": "no openid"})
    return Grant(
        openid=openid,
        unionid=str(data.get("unionid") or ""),
        scope=str(data.get("scope") or ""),
        access_token=str(data.get("access_token") or ""),
    )


def user_info(account: WeChatAccount, grant: Grant) -> UserInfo:
    try:
        data = get_json(
            f"{base_url(account, 'api')}/sns/userinfo",
            {"access_token": grant.access_token, "openid": grant.openid, "lang": "zh_CN"},
        )
    except WeChatApiError as exc:
        raise _refusal(exc) from exc
    if data.get("openid") != grant.openid:  # the answer must be about the visitor we asked for
        raise OAuthFailed(detail={"errcode": None, "errmsg": "openid mismatch"})
    return UserInfo(
        openid=grant.openid,
        unionid=str(data.get("unionid") or grant.unionid),
        nickname=str(data.get("nickname") or ""),
        headimgurl=str(data.get("headimgurl") or ""),
    )
