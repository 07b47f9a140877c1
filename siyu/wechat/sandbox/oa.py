"""The fake official account: QR codes, user info and the follower simulator (``/ui/oa/``).

WeChat's side of ``siyu/wechat/oa``: ``cgi-bin/qrcode/create`` hands out tickets and
``http://weixin.qq.com/q/...`` URLs and remembers each code's scene; ``cgi-bin/showqrcode`` draws
one; ``cgi-bin/user/info`` answers for the fake users who followed. The simulator page plays a
WeChat user: following by scanning a code (``subscribe`` with ``EventKey=qrscene_<scene>`` and
``Ticket``, or ``SCAN`` when already following), following from search, unfollowing, clicking a
menu key and sending text. Each builds the XML WeChat pushes, signs it (and in safe mode encrypts
it) through ``app.push_oa`` and shows Siyu's answer, decrypted.

Tickets name their code (``make_ticket``), so a sandbox restart keeps Siyu's codes scannable.
State (``app.state``, under ``app.lock``): ``oa_users`` (app id, openid) -> follower.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
from io import BytesIO
from typing import Any

import segno

from siyu.wechat.msgcrypt import MessageCrypto, parse_xml
from siyu.wechat.sandbox.base import (
    FakeRequest,
    FakeResponse,
    FakeWeChat,
    SandboxAccount,
    html_response,
    json_response,
    page,
)

KIND = "official_account"
MAX_TEMPORARY_SECONDS = 2_592_000
DEFAULT_TEMPORARY_SECONDS = 60  # WeChat's default when expire_seconds is left out
SCENE_ACTIONS = {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}


def _error(errcode: int, errmsg: str) -> FakeResponse:
    return json_response({"errcode": errcode, "errmsg": errmsg})


def _qr_scene(payload: dict[str, Any]) -> tuple[str, str] | FakeResponse:
    """(action, scene as text) of a qrcode/create body, or WeChat's refusal."""
    action = payload.get("action_name")
    if action not in SCENE_ACTIONS:
        return _error(40053, "invalid action info")
    scene = (payload.get("action_info") or {}).get("scene") or {}
    if action in ("QR_SCENE", "QR_LIMIT_SCENE"):
        scene_id = scene.get("scene_id")
        limit = 100_000 if action == "QR_LIMIT_SCENE" else 2**32 - 1
        if isinstance(scene_id, bool) or not isinstance(scene_id, int) or not 1 <= scene_id <= limit:
            return _error(40053, "invalid scene_id")
        return action, str(scene_id)
    scene_str = scene.get("scene_str")
    if not isinstance(scene_str, str) or not 1 <= len(scene_str) <= 64:
        return _error(40053, "invalid scene_str")
    return action, scene_str


def make_ticket(app_id: str, action: str, scene: str, expires_at: int | None) -> str:
    """A ticket that names its own code, so the sandbox needs no memory of it (a restart keeps
    Siyu's QR codes scannable). WeChat's tickets are opaque; Siyu only stores and shows them."""
    code = {"a": app_id, "k": action, "s": scene, "e": expires_at, "n": secrets.token_hex(4)}
    return "gQ" + base64.urlsafe_b64encode(json.dumps(code, separators=(",", ":")).encode()).decode().rstrip(
        "="
    )


def read_ticket(ticket: str) -> dict[str, Any] | None:
    """The code a sandbox ticket names, or None."""
    if not ticket.startswith("gQ"):
        return None
    raw = ticket[2:]
    try:
        code = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        return None
    if not isinstance(code, dict) or not isinstance(code.get("s"), str):
        return None
    return {
        "app_id": code.get("a"),
        "action": code.get("k"),
        "scene": code["s"],
        "expires_at": code.get("e"),
        "ticket": ticket,
    }


def push(app: FakeWeChat, account: SandboxAccount, fields: dict[str, Any]) -> dict[str, str]:
    """Push ``fields`` to Siyu as WeChat would; Siyu's status, raw answer and reply text (decrypted)."""
    status, body = app.push_oa(account.app_id, fields)
    result = {"status": str(status), "raw": body.decode("utf-8", "replace")[:2000], "reply": ""}
    if status != 200 or not body.startswith(b"<xml"):
        return result
    reply = parse_xml(body)
    aes_key = account.secrets.get("encoding_aes_key", "")
    if "Encrypt" in reply and aes_key:
        crypto = MessageCrypto(account.secrets.get("token", ""), aes_key, account.app_id)
        crypto.verify(
            reply.get("MsgSignature", ""),
            reply.get("TimeStamp", ""),
            reply.get("Nonce", ""),
            reply["Encrypt"],
        )
        reply = parse_xml(crypto.decrypt(reply["Encrypt"]).encode())
    if reply.get("MsgType") == "news":
        result["reply"] = html.unescape(reply.get("Articles", ""))
    else:
        result["reply"] = reply.get("Content", "")
    return result


def simulate(
    app: FakeWeChat, account: SandboxAccount, openid: str, action: str, value: str
) -> dict[str, str]:
    """Play one thing a WeChat user does; returns Siyu's answer or the reason nothing was sent."""
    now = int(time.time())
    head = {
        "ToUserName": account.config.get("original_id", "gh_sandbox"),
        "FromUserName": openid,
        "CreateTime": now,
    }
    key = (account.app_id, openid)
    with app.lock:
        user = app.state["oa_users"].get(key)
        following = bool(user and user["subscribed"])
    if action == "scan":
        code = read_ticket(value.strip().removeprefix("http://weixin.qq.com/q/"))
        if code is None or code["app_id"] != account.app_id:
            return {"status": "—", "raw": "", "reply": "", "error": "unknown ticket"}
        if code.get("expires_at") and code["expires_at"] < time.time():
            return {"status": "—", "raw": "", "reply": "", "error": "二维码已过期 QR code expired"}
        ticket = code["ticket"]
        if following:
            fields = {
                **head,
                "MsgType": "event",
                "Event": "SCAN",
                "EventKey": code["scene"],
                "Ticket": ticket,
            }
        else:
            fields = {
                **head,
                "MsgType": "event",
                "Event": "subscribe",
                "EventKey": "qrscene_" + code["scene"],
                "Ticket": ticket,
            }
            with app.lock:
                app.state["oa_users"][key] = {
                    "subscribed": True,
                    "subscribe_time": now,
                    "subscribe_scene": "ADD_SCENE_QR_CODE",
                    "scene": code["scene"],
                }
    elif action == "follow":
        if following:
            return {"status": "—", "raw": "", "reply": "", "error": "already following"}
        fields = {**head, "MsgType": "event", "Event": "subscribe"}
        with app.lock:
            app.state["oa_users"][key] = {
                "subscribed": True,
                "subscribe_time": now,
                "subscribe_scene": "ADD_SCENE_SEARCH",
                "scene": "",
            }
    elif action == "unfollow":
        fields = {**head, "MsgType": "event", "Event": "unsubscribe", "EventKey": ""}
        with app.lock:
            if user:
                user["subscribed"] = False
    elif action == "click":
        fields = {**head, "MsgType": "event", "Event": "CLICK", "EventKey": value}
    else:
        fields = {**head, "MsgType": "text", "Content": value, "MsgId": secrets.randbits(62)}
    return push(app, account, fields)


def install(app: FakeWeChat) -> None:
    api = app.service("/api")
    ui = app.service("/ui/oa")
    app.add_ui_link("公众号粉丝模拟器 Official-account follower simulator", "/ui/oa/")
    with app.lock:
        app.state.setdefault("oa_users", {})
        app.state.setdefault("oa_tickets", [])

    @api.route("POST", "/cgi-bin/qrcode/create")
    def qrcode_create(request: FakeRequest) -> FakeResponse:
        app_id, refused = app.check_token("api", request)
        if refused is not None:
            return refused
        try:
            payload = request.json()
        except ValueError:
            return _error(47001, "data format error")
        found = _qr_scene(payload if isinstance(payload, dict) else {})
        if isinstance(found, FakeResponse):
            return found
        action, scene = found
        expires_at = None
        answer: dict[str, Any] = {}
        if action in ("QR_SCENE", "QR_STR_SCENE"):
            seconds = payload.get("expire_seconds", DEFAULT_TEMPORARY_SECONDS)
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
                return _error(40009, "invalid expire_seconds")
            seconds = min(seconds, MAX_TEMPORARY_SECONDS)
            expires_at = int(time.time()) + seconds
            answer["expire_seconds"] = seconds
        ticket = make_ticket(app_id or "", action, scene, expires_at)
        with app.lock:
            app.state["oa_tickets"].append(ticket)
        answer = {"ticket": ticket, **answer, "url": f"http://weixin.qq.com/q/{ticket}"}
        return json_response(answer)

    @api.route("GET", "/cgi-bin/showqrcode")
    def showqrcode(request: FakeRequest) -> FakeResponse:
        ticket = request.query.get("ticket", "")
        if read_ticket(ticket) is None:
            return FakeResponse(404, b"", {})
        out = BytesIO()
        segno.make(f"http://weixin.qq.com/q/{ticket}", error="m").save(out, kind="png", scale=6, border=2)
        return FakeResponse(200, out.getvalue(), {"Content-Type": "image/png"})

    @api.route("GET", "/cgi-bin/user/info")
    def user_info(request: FakeRequest) -> FakeResponse:
        app_id, refused = app.check_token("api", request)
        if refused is not None:
            return refused
        openid = request.query.get("openid", "")
        with app.lock:
            user = dict(app.state["oa_users"].get((app_id, openid)) or {})
        if not user:
            return _error(40003, "invalid openid")
        account = app.account(KIND, app_id or "")
        info: dict[str, Any] = {
            "subscribe": 1 if user["subscribed"] else 0,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": user["subscribe_time"],
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": user["subscribe_scene"],
            "qr_scene": int(user["scene"]) if user["scene"].isdigit() else 0,
            "qr_scene_str": "" if user["scene"].isdigit() else user["scene"],
        }
        if account is not None and account.config.get("unionid"):
            info["unionid"] = f"u-{openid}"
        return json_response(info)

    def render(account_id: str, openid: str, result: dict[str, str] | None, ticket: str = "") -> FakeResponse:
        accounts = app.accounts_of(KIND)
        options = "".join(
            f"<option value='{html.escape(a.app_id)}'{' selected' if a.app_id == account_id else ''}>"
            f"{html.escape(a.app_id)}</option>"
            for a in accounts
        )
        with app.lock:
            tickets = list(app.state["oa_tickets"])
            users = [
                (o, u) for (a, o), u in app.state["oa_users"].items() if not account_id or a == account_id
            ]
        codes = [
            c
            for c in (read_ticket(t) for t in tickets)
            if c and (not account_id or c["app_id"] == account_id)
        ]
        ticket_options = "".join(
            f"<option value='{html.escape(c['ticket'])}'>"
            f"{html.escape(c['scene'])} · {html.escape(c['action'])}</option>"
            for c in codes
        )
        user_rows = "".join(
            f"<tr><td>{html.escape(o)}</td>"
            f"<td>{'关注中 following' if u['subscribed'] else '已取关 unfollowed'}</td></tr>"
            for o, u in users
        )
        shown = ""
        if result is not None:
            shown = (
                "<div class='card' data-testid='result'><b>Siyu</b> "
                f"<span data-testid='status'>{html.escape(result.get('status', ''))}</span>"
                f"<p data-testid='error'>{html.escape(result.get('error', ''))}</p>"
                f"<p>回复 reply: <b data-testid='reply'>{html.escape(result.get('reply', ''))}</b></p></div>"
            )
        body = (
            f"{shown}<form method='post' class='card'>"
            f"<label>公众号 Account<select name='account'>{options}</select></label>"
            f"<label>用户 openid<input name='openid' value='{html.escape(openid)}' "
            "data-testid='openid'></label>"
            "<label>渠道二维码 ticket / URL<input name='ticket' list='tickets' "
            f"value='{html.escape(ticket)}' "
            f"data-testid='ticket'><datalist id='tickets'>{ticket_options}</datalist></label>"
            "<p><button name='action' value='scan' data-testid='scan'>扫码 Scan QR</button> "
            "<button name='action' value='follow' class='secondary'>搜索关注 Follow</button> "
            "<button name='action' value='unfollow' class='secondary' data-testid='unfollow'>"
            "取消关注 Unfollow</button></p>"
            "<label>菜单 key / 文字 text<input name='text' data-testid='text'></label>"
            "<p><button name='action' value='text' data-testid='send'>发送 Send text</button> "
            "<button name='action' value='click' class='secondary'>点击菜单 Click menu key</button></p>"
            "</form><div class='card'><table><tr><th>openid</th><th></th></tr>"
            f"{user_rows or '<tr><td>—</td></tr>'}"
            "</table></div>"
        )
        return html_response(page("公众号粉丝模拟器 Follower simulator", body))

    @ui.route("GET", "/")
    def simulator(request: FakeRequest) -> FakeResponse:
        accounts = app.accounts_of(KIND)
        account_id = request.query.get("account") or (accounts[0].app_id if accounts else "")
        openid = request.query.get("openid") or f"o-sandbox-{secrets.token_hex(4)}"
        return render(account_id, openid, None, request.query.get("ticket", ""))

    @ui.route("POST", "/")
    def simulator_post(request: FakeRequest) -> FakeResponse:
        form = request.form()
        account = app.account(KIND, form.get("account", ""))
        openid = form.get("openid", "").strip()[:64]
        if account is None or not openid:
            return render(
                form.get("account", ""), openid, {"status": "—", "error": "choose an account and a user"}
            )
        action = form.get("action", "text")
        value = form.get("ticket", "") if action == "scan" else form.get("text", "")
        return render(
            account.app_id, openid, simulate(app, account, openid, action, value), form.get("ticket", "")
        )
