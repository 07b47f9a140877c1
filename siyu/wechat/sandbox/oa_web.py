"""The sandbox's official-account web side: web OAuth and the custom menu, as WeChat serves them.

Routes (under the sandbox's service prefixes):

- ``GET /open/connect/oauth2/authorize``: WeChat's authorisation page. Real WeChat shows it only
  for ``snsapi_userinfo`` and knows who the visitor is; the sandbox always shows it and lets the
  visitor pick one of its fake WeChat users, then 允许 (``/open/connect/oauth2/authorize/confirm``)
  redirects to ``redirect_uri?code=CODE&state=STATE`` and 拒绝 to ``redirect_uri?state=STATE``.
- ``GET /api/sns/oauth2/access_token``: the code exchange; a code works once (40163) and for five
  minutes (40029), the appid and secret must be a registered account's (40013, 40125).
- ``GET /api/sns/userinfo``: the profile, only for a web token of the ``snsapi_userinfo`` scope
  (48001) and its own openid (40003).
- ``POST /api/cgi-bin/menu/create``, ``GET /api/cgi-bin/menu/get``, ``GET /api/cgi-bin/menu/delete``
  with WeChat's validation errcodes (40016-40027, 46003 no menu).
- ``GET /ui/oa/menu``: the published menus, drawn as a phone shows them.

A fake user's openid is derived from the account's appid (an openid is per account) and their
unionid from the user alone (one Open Platform), as WeChat does. Tests add users with
``add_user``; the sandbox starts with ``DEFAULT_USERS``.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from siyu.wechat.sandbox.base import (
    FakeRequest,
    FakeResponse,
    FakeWeChat,
    html_response,
    json_response,
    redirect,
)

CODE_TTL = 300  # seconds a code may wait for its exchange
WEB_TOKEN_TTL = 7200
KEY = "oa_web"

DEFAULT_USERS = (("xiaoming", "小明"), ("lihua", "李华"), ("wangfang", "王芳"))
AVATAR = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132"><rect width="132" height="132" '
    'fill="#07c160"/><text x="66" y="84" font-size="56" text-anchor="middle" fill="#fff">{initial}</text>'
    "</svg>"
)


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def openid_for(app_id: str, user: str) -> str:
    return "o" + _digest("openid", app_id, user)[:27]


def default_unionid(user: str) -> str:
    return "u" + _digest("unionid", user)[:27]


def _data(app: FakeWeChat) -> dict[str, Any]:
    """This module's part of the sandbox state (the caller holds ``app.lock``)."""
    data = app.state.get(KEY)
    if data is None:
        data = {"users": {}, "codes": {}, "tokens": {}, "menus": {}}
        for key, nickname in DEFAULT_USERS:
            data["users"][key] = {"nickname": nickname, "headimgurl": "", "unionid": default_unionid(key)}
        app.state[KEY] = data
    return data


def add_user(
    app: FakeWeChat,
    key: str,
    nickname: str,
    *,
    unionid: str = "",
    headimgurl: str = "",
    snapshot: bool = False,
) -> None:
    """A fake WeChat user the authorisation page offers (``unionid`` "": derived from ``key``;
    ``headimgurl`` "": the sandbox's own avatar picture; ``snapshot``: looking at the page's
    snapshot in Moments, so ``snsapi_base`` answers ``is_snapshotuser: 1`` with a stand-in openid)."""
    with app.lock:
        _data(app)["users"][key] = {
            "nickname": nickname,
            "headimgurl": headimgurl,
            "unionid": unionid or default_unionid(key),
            "snapshot": snapshot,
        }


FOLLOWER = "follower:"  # a user key naming a follower of the official-account simulator (sandbox/oa.py)


def _users(app: FakeWeChat, app_id: str) -> dict[str, dict[str, Any]]:
    """The users the authorisation page offers for ``app_id`` (caller holds ``app.lock``): the fake
    WeChat users, then the followers the follower simulator made, with the openid they followed by
    (so who followed and who logs in on the web are one customer) and the unionid it gives them."""
    users = dict(_data(app)["users"])
    account = _oa_account(app, app_id)
    with_unionid = bool(account is not None and account.config.get("unionid"))
    for (follower_app, openid), follower in (app.state.get("oa_users") or {}).items():
        if follower_app == app_id and follower.get("subscribed"):
            users[FOLLOWER + openid] = {
                "nickname": f"粉丝 {openid[-4:]}",
                "headimgurl": "",
                "unionid": f"u-{openid}" if with_unionid else "",
                "openid": openid,
            }
    return users


def avatar_url(request: FakeRequest, key: str) -> str:
    """Where the sandbox serves a user's avatar (WeChat's are on thirdwx.qlogo.cn; the sandbox's on
    itself, so a page shows them with no Internet)."""
    return f"http://{request.headers.get('host', '127.0.0.1')}/ui/oa/avatar/{key}.svg"


def refuse_menus(app: FakeWeChat, errcode: int, errmsg: str) -> None:
    """From now on ``menu/create`` answers this error, as WeChat does for an account that may not
    use the API (48001, an unverified subscription account): the refusal Siyu cannot foresee."""
    with app.lock:
        _data(app)["refuse"] = [errcode, errmsg]


def published_menu(app: FakeWeChat, app_id: str) -> dict[str, Any] | None:
    with app.lock:
        menu = _data(app)["menus"].get(app_id)
        return json.loads(json.dumps(menu)) if menu is not None else None


def _error(errcode: int, errmsg: str) -> FakeResponse:
    return json_response({"errcode": errcode, "errmsg": errmsg})


def _oa_account(app: FakeWeChat, app_id: str) -> Any:
    return app.account("official_account", app_id) if app_id else None


# --- web OAuth -------------------------------------------------------------------------------

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信授权 · WeChat sandbox</title>
<style>body{{font-family:system-ui,sans-serif;background:#ededed;margin:0}}
main{{max-width:420px;margin:0 auto;
padding:24px 16px}}
.card{{background:#fff;border-radius:8px;padding:16px;margin:12px 0}}
h1{{font-size:18px}}
.users label{{display:flex;gap:10px;align-items:center;padding:8px 0;border-bottom:1px solid #eee}}
button{{width:100%;padding:12px;border:0;border-radius:6px;font-size:16px;margin-top:8px}}
.allow{{background:#07c160;color:#fff}}
.deny{{background:#f2f2f2;color:#333}}
.muted{{color:#888;font-size:13px}}
</style></head><body><main>
<p class="muted">WeChat sandbox · 微信沙箱</p>
<div class="card"><h1>{title}</h1><p class="muted">{scope_text}</p>
<form method="post" action="{confirm}" data-testid="oauth-form">
{hidden}
<div class="users">{users}</div>
<button class="allow" name="decision" value="allow" data-testid="oauth-allow">允许 Allow</button>
<button class="deny" name="decision" value="deny" data-testid="oauth-deny">拒绝 Deny</button>
</form></div></main></body></html>"""

ERROR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>微信授权</title></head>
<body><main><h1>Oops! Something went wrong:(</h1>
<p data-testid="oauth-error">{code} {text}</p></main></body></html>"""


def _authorize_problem(app: FakeWeChat, query: dict[str, str]) -> tuple[int, str] | None:
    """WeChat's refusal of an authorisation link (its error page), None when the link is good."""
    if _oa_account(app, query.get("appid", "")) is None:
        return 10003, "appid 参数错误 (unknown appid)"
    redirect = urlsplit(query.get("redirect_uri", ""))
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        return 10003, "redirect_uri 参数错误"
    if query.get("response_type") != "code":
        return 10004, "response_type 参数错误"
    if query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
        return 10005, "scope 参数错误"
    state = query.get("state", "")
    if len(state) > 128 or (state and not state.isalnum()):
        return 10006, "state 参数错误"
    return None


def authorize(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    query = {k: str(v) for k, v in request.query.items()}
    problem = _authorize_problem(app, query)
    if problem is not None:
        return html_response(ERROR_PAGE.format(code=problem[0], text=html.escape(problem[1])), status=400)
    with app.lock:
        users = _users(app, query["appid"])
    rows = "".join(
        f'<label data-testid="oauth-user-{html.escape(key)}"><input type="radio" name="user" '
        f'value="{html.escape(key)}"{" checked" if i == 0 else ""}>'
        f"<span>{html.escape(u['nickname'])}</span></label>"
        for i, (key, u) in enumerate(users.items())
    )
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
        for name in ("appid", "redirect_uri", "scope", "state")
    )
    userinfo = query["scope"] == "snsapi_userinfo"
    return html_response(
        PAGE.format(
            title="申请获得你的昵称、头像" if userinfo else "以微信身份进入网页",
            scope_text=(
                "snsapi_userinfo: the page asks for your nickname and avatar."
                if userinfo
                else "snsapi_base: WeChat signs you in silently; the sandbox asks which user you are."
            ),
            confirm="/open/connect/oauth2/authorize/confirm",
            hidden=hidden,
            users=rows,
        )
    )


def confirm(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    form = request.form()
    problem = _authorize_problem(app, {**form, "response_type": "code"})
    if problem is not None:
        return html_response(ERROR_PAGE.format(code=problem[0], text=html.escape(problem[1])), status=400)
    redirect_uri, state = form["redirect_uri"], form.get("state", "")
    if form.get("decision") != "allow":
        return _redirect(redirect_uri, {"state": state})
    with app.lock:
        data = _data(app)
        if form.get("user") not in _users(app, form["appid"]):
            return html_response(ERROR_PAGE.format(code=10007, text="no user chosen"), status=400)
        code = secrets.token_hex(16)
        data["codes"][code] = {
            "app_id": form["appid"],
            "user": form["user"],
            "scope": form["scope"],
            "issued": time.time(),
            "used": False,
        }
    return _redirect(redirect_uri, {"code": code, "state": state})


def _redirect(uri: str, params: dict[str, str]) -> FakeResponse:
    joiner = "&" if urlsplit(uri).query else "?"
    return redirect(uri + joiner + urlencode(params))


def issue_code(app: FakeWeChat, app_id: str, user: str, scope: str) -> str:
    """A code as the authorisation page's 允许 would give (for tests that skip the page)."""
    with app.lock:
        code = secrets.token_hex(16)
        _data(app)["codes"][code] = {
            "app_id": app_id,
            "user": user,
            "scope": scope,
            "issued": time.time(),
            "used": False,
        }
    return code


def access_token(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    q = request.query
    account = _oa_account(app, str(q.get("appid", "")))
    if account is None:
        return _error(40013, "invalid appid")
    if q.get("secret") != account.secrets.get("app_secret"):
        return _error(40125, "invalid appsecret")
    if q.get("grant_type") != "authorization_code":
        return _error(40002, "invalid grant_type")
    with app.lock:
        data = _data(app)
        entry = data["codes"].get(str(q.get("code", "")))
        if entry is None or entry["app_id"] != account.app_id:
            return _error(40029, "invalid code")
        if entry["used"]:
            return _error(40163, "code been used")
        if time.time() - entry["issued"] > CODE_TTL:
            return _error(40029, "invalid code")
        entry["used"] = True
        user = _users(app, account.app_id).get(entry["user"])
        if user is None:  # a follower who has unfollowed since
            return _error(40029, "invalid code")
        token = secrets.token_hex(24)
        # A visitor on a Moments snapshot gets a stand-in openid under snsapi_base, flagged.
        snapshot = bool(user.get("snapshot")) and entry["scope"] == "snsapi_base"
        if snapshot:
            openid = "o" + _digest("snapshot", account.app_id, entry["user"])[:27]
        else:
            openid = user.get("openid") or openid_for(account.app_id, entry["user"])
        data["tokens"][token] = {
            "app_id": account.app_id,
            "openid": openid,
            "user": entry["user"],
            "scope": entry["scope"],
            "expires": time.time() + WEB_TOKEN_TTL,
        }
    body: dict[str, Any] = {
        "access_token": token,
        "expires_in": WEB_TOKEN_TTL,
        "refresh_token": secrets.token_hex(24),
        "openid": openid,
        "scope": entry["scope"],
    }
    if snapshot:
        body["is_snapshotuser"] = 1
    elif user["unionid"]:
        body["unionid"] = user["unionid"]
    return json_response(body)


def userinfo(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    q = request.query
    with app.lock:
        data = _data(app)
        token = data["tokens"].get(str(q.get("access_token", "")))
        if token is None or token["expires"] < time.time():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if token["scope"] != "snsapi_userinfo":
            return _error(48001, "api unauthorized")
        if q.get("openid") != token["openid"]:
            return _error(40003, "invalid openid")
        user = dict(_users(app, token["app_id"]).get(token["user"]) or {})
        if not user:
            return _error(40003, "invalid openid")
    body: dict[str, Any] = {
        "openid": token["openid"],
        "nickname": user["nickname"],
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": user["headimgurl"] or avatar_url(request, token["user"]),
        "privilege": [],
    }
    if user["unionid"]:
        body["unionid"] = user["unionid"]
    return json_response(body)


# --- custom menu -----------------------------------------------------------------------------


def _bytes(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def _leaf_errcode(button: dict[str, Any], sub: bool) -> tuple[int, str] | None:
    kind = button.get("type")
    if kind not in ("click", "view", "miniprogram"):
        return (40024, "invalid sub button type") if sub else (40017, "invalid button type")
    if kind == "click" and not 1 <= _bytes(button.get("key")) <= 128:
        return (40026, "invalid sub button key size") if sub else (40019, "invalid button key size")
    if kind in ("view", "miniprogram"):
        url = button.get("url")
        if not 1 <= _bytes(url) <= 1024:
            return (40027, "invalid sub button url size") if sub else (40020, "invalid button url size")
        if urlsplit(str(url)).scheme not in ("http", "https"):
            return (40054, "invalid sub button url domain") if sub else (40055, "invalid button url domain")
    if kind == "miniprogram":
        appid = button.get("appid")
        if not isinstance(appid, str) or not (appid.startswith("wx") and len(appid) == 18):
            return 40013, "invalid appid"
        if not 1 <= _bytes(button.get("pagepath")) <= 1024:
            return 40165, "invalid weapp pagepath"
    return None


def menu_errcode(menu: Any) -> tuple[int, str] | None:
    """The first error WeChat's ``menu/create`` answers for ``menu`` (None: accepted)."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return 40016, "invalid button size"
    for button in buttons:
        if not isinstance(button, dict):
            return 40017, "invalid button type"
        if not 1 <= _bytes(button.get("name")) <= 16:
            return 40018, "invalid button name size"
        subs = button.get("sub_button")
        if subs:
            if not isinstance(subs, list) or len(subs) > 5:
                return 40023, "invalid sub button size"
            for sub in subs:
                if not isinstance(sub, dict):
                    return 40024, "invalid sub button type"
                if not 1 <= _bytes(sub.get("name")) <= 60:
                    return 40025, "invalid sub button name size"
                found = _leaf_errcode(sub, sub=True)
                if found:
                    return found
        else:
            found = _leaf_errcode(button, sub=False)
            if found:
                return found
    return None


def menu_create(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    app_id, refusal = app.check_token("api", request)
    if app_id is None:
        return refusal or _error(40001, "invalid credential")
    try:
        menu = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error(47001, "data format error")
    found = menu_errcode(menu)
    if found is not None:
        return _error(*found)
    with app.lock:
        data = _data(app)
        if data.get("refuse"):
            return _error(*data["refuse"])
        data["menus"][app_id] = menu
    return _error(0, "ok")


def menu_get(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    app_id, refusal = app.check_token("api", request)
    if app_id is None:
        return refusal or _error(40001, "invalid credential")
    menu = published_menu(app, app_id)
    if menu is None:
        return _error(46003, "menu no exist")
    for button in menu["button"]:  # menu/get lists every button with its (maybe empty) sub_button
        button.setdefault("sub_button", [])
        for sub in button["sub_button"]:
            sub.setdefault("sub_button", [])
    return json_response({"menu": menu})


def menu_delete(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    app_id, refusal = app.check_token("api", request)
    if app_id is None:
        return refusal or _error(40001, "invalid credential")
    with app.lock:
        _data(app)["menus"].pop(app_id, None)
    return _error(0, "ok")


# --- the phone view --------------------------------------------------------------------------

PHONE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>公众号菜单 · WeChat sandbox</title>
<style>body{{font-family:system-ui,sans-serif;background:#ddd;margin:0}}
.phone{{width:360px;margin:24px auto;
background:#ededed;border:10px solid #222;border-radius:28px;min-height:560px;
display:flex;flex-direction:column}}
.title{{background:#f7f7f7;padding:12px;text-align:center;font-weight:600}}
.chat{{flex:1}}
.menu{{display:flex;border-top:1px solid #ccc;background:#f7f7f7}}
.top{{flex:1;position:relative;text-align:center;
padding:12px 4px;border-left:1px solid #ddd;font-size:14px}}
.subs{{position:absolute;bottom:48px;left:4px;right:4px;
background:#fff;border:1px solid #ccc;border-radius:4px}}
.subs div{{padding:8px 4px;border-bottom:1px solid #eee;
font-size:13px}}
.what{{display:block;color:#999;font-size:11px}}
.none{{padding:16px;color:#888;text-align:center}}
</style></head><body>{phones}</body></html>"""


def _what(button: dict[str, Any]) -> str:
    kind = button.get("type", "")
    target = {"click": button.get("key"), "view": button.get("url"), "miniprogram": button.get("pagepath")}
    return f'<span class="what">{html.escape(str(kind))}: {html.escape(str(target.get(kind, "")))}</span>'


def menu_page(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    wanted = str(request.query.get("appid", ""))
    with app.lock:
        menus = json.loads(json.dumps(_data(app)["menus"]))
    ids = [a.app_id for a in app.accounts_of("official_account") if not wanted or a.app_id == wanted]
    phones = []
    for app_id in ids:
        menu = menus.get(app_id)
        if not menu:
            bar = '<div class="none" data-testid="no-menu">没有菜单 No menu published</div>'
        else:
            tops = []
            for button in menu["button"]:
                subs = button.get("sub_button") or []
                inner = (
                    '<div class="subs">'
                    + "".join(f"<div>{html.escape(s.get('name', ''))}{_what(s)}</div>" for s in subs)
                    + "</div>"
                    if subs
                    else _what(button)
                )
                name = html.escape(button.get("name", ""))
                tops.append(f'<div class="top" data-testid="menu-button">{name}{inner}</div>')
            bar = '<div class="menu">' + "".join(tops) + "</div>"
        phones.append(
            f'<div class="phone" data-testid="phone-{html.escape(app_id)}"><div class="title">'
            f'{html.escape(app_id)}</div><div class="chat"></div>{bar}</div>'
        )
    return html_response(PHONE.format(phones="".join(phones) or '<p class="none">No official account.</p>'))


def avatar(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    key = request.params.get("name", "").removesuffix(".svg")
    with app.lock:
        user = _data(app)["users"].get(key)
    initial = user["nickname"][:1] if user else "粉"  # a follower of the simulator: 粉丝
    svg = AVATAR.format(initial=html.escape(initial))
    return FakeResponse(200, svg.encode(), {"Content-Type": "image/svg+xml", "Cache-Control": "max-age=3600"})


def install(app: FakeWeChat) -> None:
    """Add web OAuth (``/open``, ``/api/sns``), the custom menu (``/api/cgi-bin/menu``) and the
    menu's phone view (``/ui/oa/menu``) to the sandbox."""
    api, open_, ui = app.service("/api"), app.service("/open"), app.service("/ui")
    open_.route("GET", "/connect/oauth2/authorize")(lambda r: authorize(app, r))
    open_.route("POST", "/connect/oauth2/authorize/confirm")(lambda r: confirm(app, r))
    api.route("GET", "/sns/oauth2/access_token")(lambda r: access_token(app, r))
    api.route("GET", "/sns/userinfo")(lambda r: userinfo(app, r))
    api.route("POST", "/cgi-bin/menu/create")(lambda r: menu_create(app, r))
    api.route("GET", "/cgi-bin/menu/get")(lambda r: menu_get(app, r))
    api.route("GET", "/cgi-bin/menu/delete")(lambda r: menu_delete(app, r))
    ui.route("GET", "/oa/menu")(lambda r: menu_page(app, r))
    ui.route("GET", "/oa/avatar/{name}")(lambda r: avatar(app, r))
    # Browsers ask every host for its icon; the sandbox has none (a 404 would read as a page error).
    app.service("").route("GET", "/favicon.ico")(lambda r: FakeResponse(204, b"", {}))
    app.add_ui_link("公众号菜单 Official account menu", "/ui/oa/menu")
