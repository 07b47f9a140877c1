"""The sandbox's WeCom external-contact server (客户联系), and its page for playing the customer.

Routes under ``/qyapi/cgi-bin/`` answer as qyapi.weixin.qq.com does, byte for byte in shape: an
``access_token`` from ``/qyapi/cgi-bin/gettoken`` (the contact secret), JSON in and out,
``{"errcode": 0, "errmsg": "ok", ...}``, WeCom's errcodes for what it refuses:

- ``externalcontact/get``, ``get_follow_user_list``
- ``externalcontact/add_contact_way``, ``update_contact_way``, ``get_contact_way``, ``del_contact_way``
- ``externalcontact/send_welcome_msg`` (a welcome code works once, within 20 seconds)
- ``externalcontact/transfer_customer``, ``resigned/transfer_customer``, ``transfer_result``,
  ``resigned/transfer_result``
- ``media/upload`` (multipart, field ``media``)

State (shared with the groups fake): ``state["wecom.contacts"][corp_id][external_userid] =
{name, unionid, avatar, follow_user: [{userid, state, createtime, ...}]}``; this module adds
``wecom.ways``, ``wecom.codes``, ``wecom.welcomes``, ``wecom.transfers`` and ``wecom.media``.

The page ``/ui/wecom/`` lists each corp's contact ways: "scan as a new WeChat user" adds a contact
and pushes the encrypted ``add_external_contact`` (with ``State`` and ``WelcomeCode``) to Siyu, then
shows the welcome the customer received; "delete the guide" pushes ``del_follow_user``; a pending
transfer can be completed (as WeCom does after 24 hours) or refused (``transfer_fail``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from siyu.wechat.sandbox.base import FakeRequest, FakeResponse, FakeWeChat, html_response, json_response, page

WELCOME_SECONDS = 20
TRANSFER_BATCH = 100

# WeCom's errcodes for what this fake refuses (developer.work.weixin.qq.com, 全局错误码).
INVALID_PARAMETER = 40058
INVALID_USERID = 60111
INVALID_EXTERNAL_USERID = 40096
INVALID_CONFIG_ID = 41044
WELCOME_USED = 41051
INVALID_MEDIA_FILE = 40004
INVALID_MEDIA_ID = 40007


def _error(errcode: int, errmsg: str) -> FakeResponse:
    return json_response({"errcode": errcode, "errmsg": errmsg})


def _ok(**fields: Any) -> FakeResponse:
    return json_response({"errcode": 0, "errmsg": "ok", **fields})


class WeComFake:
    """The fake's handlers, bound to one sandbox app (its state, lock, accounts and Siyu URL)."""

    def __init__(self, app: FakeWeChat) -> None:
        self.app = app
        # Called with a corp id the first time its ways are needed: the demo's process reads the
        # ways Siyu made before the sandbox started (siyu/wechat/wecom/sandbox_ways.py).
        self.way_loader: Callable[[str], list[dict[str, Any]]] | None = None
        self.loaded: set[str] = set()
        with app.lock:
            for key in ("wecom.contacts", "wecom.ways", "wecom.welcomes", "wecom.transfers"):
                app.state.setdefault(key, {})
            app.state.setdefault("wecom.codes", {})
            app.state.setdefault("wecom.media", {})

    # -- plumbing ----------------------------------------------------------------------------

    def corp_of(self, request: FakeRequest) -> str | None:
        """The corp whose live access token the request carries (None: refuse as WeCom does)."""
        return self.app.token_app_id("qyapi", request.query.get("access_token", ""))

    def refuse_token(self, request: FakeRequest) -> FakeResponse:
        _corp, answer = self.app.check_token("qyapi", request)
        return answer or _error(40014, "invalid access_token")

    def body(self, request: FakeRequest) -> dict[str, Any] | None:
        try:
            data = json.loads(request.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def contacts(self, corp_id: str) -> dict[str, dict[str, Any]]:
        return self.app.state["wecom.contacts"].setdefault(corp_id, {})

    def ways(self, corp_id: str) -> dict[str, dict[str, Any]]:
        """The corp's ways (call with ``app.lock`` held)."""
        ways = self.app.state["wecom.ways"].setdefault(corp_id, {})
        if self.way_loader is not None and corp_id not in self.loaded:
            self.loaded.add(corp_id)
            for way in self.way_loader(corp_id):
                ways.setdefault(way["config_id"], way)
        return ways

    # -- external contacts ---------------------------------------------------------------------

    def get(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        external_userid = request.query.get("external_userid", "")
        with self.app.lock:
            contact = self.contacts(corp_id).get(external_userid)
            if contact is None:
                return _error(INVALID_EXTERNAL_USERID, "invalid external userid")
            profile = {
                "external_userid": external_userid,
                "name": contact["name"],
                "avatar": contact.get("avatar", ""),
                "type": 1,
                "gender": contact.get("gender", 0),
            }
            if contact.get("unionid"):
                profile["unionid"] = contact["unionid"]
            follow = [dict(f) for f in contact["follow_user"]]
        # The corp tags each follow user put on the contact, when the tags fake is installed too.
        tags_of = getattr(self.app, "wecom_follow_user_tags", None)
        if tags_of is not None:
            for f in follow:
                f["tags"] = tags_of(corp_id, external_userid, f["userid"])
        return _ok(external_contact=profile, follow_user=follow)

    def get_follow_user_list(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        with self.app.lock:
            users = {u for w in self.ways(corp_id).values() for u in w["user"]}
            users |= {f["userid"] for c in self.contacts(corp_id).values() for f in c["follow_user"]}
        return _ok(follow_user=sorted(users))

    # -- contact ways ----------------------------------------------------------------------------

    def _way_fields(self, data: dict[str, Any]) -> str | None:
        """What WeCom checks of a way's fields; the problem, or None."""
        users = data.get("user")
        if not isinstance(users, list) or not users or not all(isinstance(u, str) and u for u in users):
            return "user"
        if len(str(data.get("state", ""))) > 30:
            return "state"
        if len(str(data.get("remark", ""))) > 30:
            return "remark"
        return None

    def add_contact_way(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request)
        if data is None or data.get("type") not in (1, 2) or data.get("scene") not in (1, 2):
            return _error(INVALID_PARAMETER, "invalid type or scene")
        problem = self._way_fields(data)
        if problem == "user":
            return _error(INVALID_USERID, "invalid userid")
        if problem or (data["type"] == 1 and len(data["user"]) != 1):
            return _error(INVALID_PARAMETER, f"invalid {problem or 'user'}")
        config_id = secrets.token_hex(16)
        way = {
            "config_id": config_id,
            "type": data["type"],
            "scene": data["scene"],
            "remark": str(data.get("remark", "")),
            "skip_verify": bool(data.get("skip_verify", True)),
            "state": str(data.get("state", "")),
            "user": list(data["user"]),
            "party": list(data.get("party") or []),
            "qr_code": f"{_origin(request)}/ui/wecom/qr/{config_id}.svg" if data["scene"] == 2 else "",
        }
        with self.app.lock:
            self.ways(corp_id)[config_id] = way
        return (
            _ok(config_id=config_id, qr_code=way["qr_code"]) if way["qr_code"] else _ok(config_id=config_id)
        )

    def update_contact_way(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request) or {}
        with self.app.lock:
            way = self.ways(corp_id).get(str(data.get("config_id", "")))
            if way is None:
                return _error(INVALID_CONFIG_ID, "invalid config_id")
            merged = {
                **way,
                **{k: v for k, v in data.items() if k in ("remark", "skip_verify", "state", "user")},
            }
            problem = self._way_fields(merged)
            if problem or (way["type"] == 1 and len(merged["user"]) != 1):
                return _error(
                    INVALID_USERID if problem == "user" else INVALID_PARAMETER, f"invalid {problem}"
                )
            way.update(merged)
        return _ok()

    def get_contact_way(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request) or {}
        with self.app.lock:
            way = self.ways(corp_id).get(str(data.get("config_id", "")))
            if way is None:
                return _error(INVALID_CONFIG_ID, "invalid config_id")
            return _ok(contact_way=dict(way))

    def del_contact_way(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request) or {}
        with self.app.lock:
            if self.ways(corp_id).pop(str(data.get("config_id", "")), None) is None:
                return _error(INVALID_CONFIG_ID, "invalid config_id")
        return _ok()

    # -- welcome messages ------------------------------------------------------------------------

    def send_welcome_msg(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request)
        if data is None:
            return _error(INVALID_PARAMETER, "invalid json")
        text = (data.get("text") or {}).get("content", "") if isinstance(data.get("text"), dict) else ""
        attachments = data.get("attachments") or []
        if not text and not attachments:
            return _error(INVALID_PARAMETER, "text and attachments are both empty")
        if len(text.encode("utf-8")) > 4000 or not isinstance(attachments, list) or len(attachments) > 9:
            return _error(INVALID_PARAMETER, "text or attachments too long")
        for item in attachments:
            card = (
                item.get("miniprogram")
                if isinstance(item, dict) and item.get("msgtype") == "miniprogram"
                else None
            )
            if card is None or not all(card.get(k) for k in ("title", "pic_media_id", "appid", "page")):
                return _error(INVALID_PARAMETER, "invalid attachment")
            if card["pic_media_id"] not in self.app.state["wecom.media"]:
                return _error(INVALID_MEDIA_ID, "invalid media_id")
        with self.app.lock:
            code = self.app.state["wecom.codes"].get(str(data.get("welcome_code", "")))
            if code is None or code["corp_id"] != corp_id:
                return _error(INVALID_PARAMETER, "invalid welcome_code")
            if code["used"] or time.time() - code["issued"] > WELCOME_SECONDS:
                return _error(WELCOME_USED, "externaluser has started chatting")
            code["used"] = True
            self.app.state["wecom.welcomes"].setdefault(corp_id, []).append(
                {
                    "welcome_code": data["welcome_code"],
                    "external_userid": code["external_userid"],
                    "userid": code["userid"],
                    "text": text,
                    "attachments": attachments,
                    "sent_at": int(time.time()),
                }
            )
        return _ok()

    def media_upload(self, request: FakeRequest) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        if request.query.get("type") not in ("image", "voice", "video", "file"):
            return _error(INVALID_PARAMETER, "invalid media type")
        content = _multipart_file(request.headers.get("content-type", ""), request.body, "media")
        if not content:
            return _error(INVALID_MEDIA_FILE, "invalid media file")
        media_id = "3" + secrets.token_urlsafe(30)
        with self.app.lock:
            self.app.state["wecom.media"][media_id] = {"corp_id": corp_id, "size": len(content)}
        return _ok(type=request.query["type"], media_id=media_id, created_at=str(int(time.time())))

    # -- transfers (继承) --------------------------------------------------------------------------

    def _transfer(self, request: FakeRequest, *, resigned: bool) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request) or {}
        handover, takeover = str(data.get("handover_userid", "")), str(data.get("takeover_userid", ""))
        externals = data.get("external_userid")
        if not handover or not takeover or not isinstance(externals, list) or not externals:
            return _error(INVALID_PARAMETER, "invalid parameter")
        if len(externals) > TRANSFER_BATCH or len(str(data.get("transfer_success_msg", ""))) > 200:
            return _error(INVALID_PARAMETER, "too many external_userid or transfer_success_msg too long")
        answers = []
        with self.app.lock:
            contacts = self.contacts(corp_id)
            records = self.app.state["wecom.transfers"].setdefault(corp_id, [])
            for external_userid in externals:
                contact = contacts.get(str(external_userid))
                follows = contact is not None and any(f["userid"] == handover for f in contact["follow_user"])
                if not follows:
                    answers.append({"external_userid": external_userid, "errcode": INVALID_EXTERNAL_USERID})
                    continue
                records.append(
                    {
                        "handover_userid": handover,
                        "takeover_userid": takeover,
                        "external_userid": external_userid,
                        "resigned": resigned,
                        "status": 2,
                        "takeover_time": int(time.time()) + 86400,
                        "message": str(data.get("transfer_success_msg", "")),
                    }
                )
                answers.append({"external_userid": external_userid, "errcode": 0})
        return _ok(customer=answers)

    def transfer_customer(self, request: FakeRequest) -> FakeResponse:
        return self._transfer(request, resigned=False)

    def resigned_transfer_customer(self, request: FakeRequest) -> FakeResponse:
        return self._transfer(request, resigned=True)

    def _result(self, request: FakeRequest, *, resigned: bool) -> FakeResponse:
        corp_id = self.corp_of(request)
        if corp_id is None:
            return self.refuse_token(request)
        data = self.body(request) or {}
        with self.app.lock:
            rows = [
                {
                    "external_userid": r["external_userid"],
                    "status": r["status"],
                    "takeover_time": r["takeover_time"],
                }
                for r in self.app.state["wecom.transfers"].get(corp_id, [])
                if r["handover_userid"] == data.get("handover_userid")
                and r["takeover_userid"] == data.get("takeover_userid")
                and r["resigned"] == resigned
            ]
        return _ok(customer=rows, next_cursor="")

    def transfer_result(self, request: FakeRequest) -> FakeResponse:
        return self._result(request, resigned=False)

    def resigned_transfer_result(self, request: FakeRequest) -> FakeResponse:
        return self._result(request, resigned=True)

    # -- the customer's side: what the sandbox page does ----------------------------------------

    def add_contact(
        self, corp_id: str, config_id: str, *, name: str, unionid: str = "", external_userid: str = ""
    ) -> dict[str, str] | None:
        """A WeChat user scans the way's QR code and is added by one of its members: the contact
        appears in WeCom's state with a fresh welcome code; returns the add_external_contact push's
        fields (None for an unknown way)."""
        now = int(time.time())
        with self.app.lock:
            way = self.ways(corp_id).get(config_id)
            if way is None:
                return None
            userid = way["user"][now % len(way["user"])]
            external_userid = external_userid or "wm" + secrets.token_hex(14)
            unionid = unionid or "o" + hashlib.sha256(external_userid.encode()).hexdigest()[:27]
            contact = self.contacts(corp_id).setdefault(
                external_userid, {"name": name, "unionid": unionid, "avatar": "", "follow_user": []}
            )
            contact["follow_user"] = [f for f in contact["follow_user"] if f["userid"] != userid] + [
                {
                    "userid": userid,
                    "remark": "",
                    "description": "",
                    "createtime": now,
                    "state": way["state"],
                    "add_way": 1,
                    "oper_userid": external_userid,
                    "tags": [],
                }
            ]
            welcome_code = secrets.token_urlsafe(24)
            self.app.state["wecom.codes"][welcome_code] = {
                "corp_id": corp_id,
                "external_userid": external_userid,
                "userid": userid,
                "issued": time.time(),
                "used": False,
            }
        fields = _change(corp_id, "add_external_contact", userid, external_userid)
        fields.update(CreateTime=str(now), State=way["state"], WelcomeCode=welcome_code)
        return fields

    def welcome_for(self, corp_id: str, welcome_code: str) -> dict[str, Any] | None:
        """What Siyu sent with ``welcome_code`` (None: nothing yet)."""
        with self.app.lock:
            sent = self.app.state["wecom.welcomes"].get(corp_id, [])
            return next((dict(w) for w in sent if w["welcome_code"] == welcome_code), None)

    def scan(self, corp_id: str, config_id: str, *, name: str, unionid: str = "") -> dict[str, Any]:
        """``add_contact``, pushed to Siyu; returns Siyu's answer and the welcome the customer got."""
        fields = self.add_contact(corp_id, config_id, name=name, unionid=unionid)
        if fields is None:
            return {"error": "unknown contact way"}
        status, body = self.app.push_wecom(corp_id, fields)
        return {
            "external_userid": fields["ExternalUserID"],
            "userid": fields["UserID"],
            "status": status,
            "body": body,
            "welcome": self.welcome_for(corp_id, fields["WelcomeCode"]),
        }

    def delete_guide(self, corp_id: str, external_userid: str, userid: str) -> tuple[int, bytes]:
        """The customer deletes the member: 删除跟进成员事件 (del_follow_user)."""
        with self.app.lock:
            contact = self.contacts(corp_id).get(external_userid)
            if contact is not None:
                contact["follow_user"] = [f for f in contact["follow_user"] if f["userid"] != userid]
        return self.app.push_wecom(corp_id, _change(corp_id, "del_follow_user", userid, external_userid))

    def finish_transfer(self, corp_id: str, index: int, *, accept: bool) -> tuple[int, bytes] | None:
        """A pending transfer ends: taken over (as after WeCom's 24 hours) or refused by the customer
        (a transfer_fail push naming the takeover member)."""
        with self.app.lock:
            records = self.app.state["wecom.transfers"].get(corp_id, [])
            if not 0 <= index < len(records) or records[index]["status"] != 2:
                return None
            record = records[index]
            if not accept:
                record["status"], record["takeover_time"] = 3, 0
            else:
                record["status"], record["takeover_time"] = 1, int(time.time())
                contact = self.contacts(corp_id).get(record["external_userid"])
                if contact is not None:
                    old: dict[str, Any] = next(
                        (f for f in contact["follow_user"] if f["userid"] == record["handover_userid"]), {}
                    )
                    contact["follow_user"] = [
                        f for f in contact["follow_user"] if f["userid"] != record["handover_userid"]
                    ] + [{**old, "userid": record["takeover_userid"], "createtime": int(time.time())}]
        if accept:
            return None
        fields = _change(corp_id, "transfer_fail", record["takeover_userid"], record["external_userid"])
        fields["FailReason"] = "customer_refused"
        return self.app.push_wecom(corp_id, fields)


def _origin(request: FakeRequest) -> str:
    """The sandbox as the caller reached it: WeCom's qr_code is an absolute URL."""
    return f"http://{request.headers.get('host', '127.0.0.1:8019')}"


def _change(corp_id: str, change_type: str, userid: str, external_userid: str) -> dict[str, str]:
    return {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": str(int(time.time())),
        "MsgType": "event",
        "Event": "change_external_contact",
        "ChangeType": change_type,
        "UserID": userid,
        "ExternalUserID": external_userid,
    }


def _multipart_file(content_type: str, body: bytes, field: str) -> bytes:
    """The bytes of one file field of a multipart/form-data body (b"" when absent)."""
    match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    if not match:
        return b""
    delimiter = b"--" + match.group(1).encode("latin-1")
    for part in body.split(delimiter):
        head, sep, rest = part.partition(b"\r\n\r\n")
        if sep and f'name="{field}"'.encode() in head:
            return rest[:-2] if rest.endswith(b"\r\n") else rest
    return b""


# -- the page ------------------------------------------------------------------------------------

_STYLE = (
    "<style>.bubble{background:#95ec69;border-radius:6px;padding:8px 12px;display:inline-block;margin:4px 0}"
    ".mp{border:1px solid #ccc;border-radius:6px;padding:8px 12px;display:inline-block;background:#fff}"
    ".muted{color:#777}form.inline{display:inline}td input{width:auto}</style>"
)


def _page(title: str, body: str) -> FakeResponse:
    links = "<p><a href='/'>沙箱首页 Sandbox home</a> · <a href='/ui/wecom/'>企业微信 WeCom</a></p>"
    return html_response(page(title, _STYLE + links + body))


def _hidden(**fields: str) -> str:
    return "".join(f"<input type=hidden name={k} value='{html.escape(v)}'>" for k, v in fields.items())


def _welcome_html(welcome: dict[str, Any] | None) -> str:
    if welcome is None:
        return "<p class=muted data-testid=no-welcome>没有收到欢迎语 No welcome message was sent.</p>"
    parts = []
    if welcome["text"]:
        parts.append(f"<div class=bubble data-testid=welcome-text>{html.escape(welcome['text'])}</div>")
    for item in welcome["attachments"]:
        card = item.get("miniprogram", {})
        title, appid, path = (html.escape(str(card.get(k, ""))) for k in ("title", "appid", "page"))
        parts.append(
            f"<div class=mp data-testid=welcome-card>小程序 Mini-program · <b>{title}</b>"
            f"<br><span class=muted>{appid} {path}</span></div>"
        )
    return "<h2>收到的欢迎语 Welcome received</h2>" + "<br>".join(parts)


def install(app: FakeWeChat) -> WeComFake:
    """Add the WeCom external-contact routes and the /ui/wecom/ pages to the sandbox."""
    fake = WeComFake(app)
    app.wecom = fake  # type: ignore[attr-defined]  # tests and the demo reach the WeCom side here
    qyapi = app.service("/qyapi")
    routes = {
        ("GET", "/cgi-bin/externalcontact/get"): fake.get,
        ("GET", "/cgi-bin/externalcontact/get_follow_user_list"): fake.get_follow_user_list,
        ("POST", "/cgi-bin/externalcontact/add_contact_way"): fake.add_contact_way,
        ("POST", "/cgi-bin/externalcontact/update_contact_way"): fake.update_contact_way,
        ("POST", "/cgi-bin/externalcontact/get_contact_way"): fake.get_contact_way,
        ("POST", "/cgi-bin/externalcontact/del_contact_way"): fake.del_contact_way,
        ("POST", "/cgi-bin/externalcontact/send_welcome_msg"): fake.send_welcome_msg,
        ("POST", "/cgi-bin/externalcontact/transfer_customer"): fake.transfer_customer,
        ("POST", "/cgi-bin/externalcontact/resigned/transfer_customer"): fake.resigned_transfer_customer,
        ("POST", "/cgi-bin/externalcontact/transfer_result"): fake.transfer_result,
        ("POST", "/cgi-bin/externalcontact/resigned/transfer_result"): fake.resigned_transfer_result,
        ("POST", "/cgi-bin/media/upload"): fake.media_upload,
    }
    for (method, path), handler in routes.items():
        qyapi.route(method, path)(handler)

    ui = app.service("/ui")

    @ui.route("GET", "/wecom/")
    def index(request: FakeRequest) -> FakeResponse:
        corps = [a.app_id for a in app.accounts_of("wecom")]
        with app.lock:
            for corp_id in corps:
                fake.ways(corp_id)
            ways = {corp: dict(rows) for corp, rows in app.state["wecom.ways"].items()}
            contacts = {corp: dict(rows) for corp, rows in app.state["wecom.contacts"].items()}
            transfers = {corp: list(rows) for corp, rows in app.state["wecom.transfers"].items()}
        body = []
        for corp_id in sorted(set(ways) | set(contacts) | set(transfers)):
            body.append(f"<h3>企业 Corp <code>{html.escape(corp_id)}</code> · 渠道活码 Contact ways</h3>")
            for way in ways.get(corp_id, {}).values():
                body.append(
                    "<div class=card data-testid=sandbox-way>"
                    f"<img src='{html.escape(way['qr_code'])}' width=96 height=96 alt=QR style='float:right'>"
                    f"<b>{html.escape(way['remark'])}</b><br><span class=muted>成员 Members: "
                    f"{html.escape(', '.join(way['user']))}<br>"
                    f"state <code>{html.escape(way['state'])}</code></span>"
                    "<form method=post action='/ui/wecom/scan' style='clear:both'>"
                    + _hidden(corp_id=corp_id, config_id=way["config_id"])
                    + "<input name=name placeholder='微信昵称 WeChat name' required data-testid=scan-name>"
                    "<input name=unionid placeholder='unionid (可选 optional)' data-testid=scan-unionid>"
                    "<button data-testid=scan>扫码添加 Scan as a new WeChat user</button></form></div>"
                )
            body.append(
                "<h3>客户 Contacts</h3><table><tr><th>客户 Customer</th><th>跟进成员 Follow users</th></tr>"
            )
            for external_userid, contact in contacts.get(corp_id, {}).items():
                follows = "".join(
                    f"{html.escape(f['userid'])} "
                    "<form class=inline method=post action='/ui/wecom/delete-guide'>"
                    + _hidden(corp_id=corp_id, external_userid=external_userid, userid=f["userid"])
                    + "<button data-testid=delete-guide>客户删除导购 Customer deletes the guide</button>"
                    + "</form> "
                    for f in contact["follow_user"]
                )
                who = f"{html.escape(contact['name'])}<br><code>{html.escape(external_userid)}</code>"
                body.append(f"<tr><td>{who}</td><td>{follows or '—'}</td></tr>")
            body.append("</table><h3>继承 Transfers</h3><table>")
            body.append("<tr><th>客户 Customer</th><th>from → to</th><th>status</th><th></th></tr>")
            for index, record in enumerate(transfers.get(corp_id, [])):
                actions = ""
                if record["status"] == 2:
                    actions = "".join(
                        "<form class=inline method=post action='/ui/wecom/transfer'>"
                        + _hidden(corp_id=corp_id, index=str(index), accept=value)
                        + f"<button data-testid=transfer-{value}>{label}</button></form>"
                        for value, label in (("1", "接替完成 Taken over"), ("0", "客户拒绝 Customer refuses"))
                    )
                body.append(
                    f"<tr><td><code>{html.escape(record['external_userid'])}</code></td>"
                    f"<td>{html.escape(record['handover_userid'])} → "
                    f"{html.escape(record['takeover_userid'])}</td>"
                    f"<td>{record['status']}</td><td>{actions}</td></tr>"
                )
            body.append("</table>")
        if not body:
            body.append(
                "<p class=muted>还没有企业微信活码。"
                "No WeCom contact ways yet: create one in the Siyu console.</p>"
            )
        return _page("企业微信沙箱 WeCom sandbox", "".join(body))

    @ui.route("POST", "/wecom/scan")
    def scan(request: FakeRequest) -> FakeResponse:
        form = request.form()
        result = fake.scan(
            form.get("corp_id", ""),
            form.get("config_id", ""),
            name=form.get("name", "微信用户")[:32],
            unionid=form.get("unionid", "")[:64],
        )
        if "error" in result:
            return _page("扫码失败 Scan failed", f"<p>{html.escape(result['error'])}</p>")
        body = (
            f"<p data-testid=scan-result>已添加 Added <b>{html.escape(result['userid'])}</b> as "
            f"<code>{result['external_userid']}</code>; Siyu answered {result['status']} "
            f"<code>{html.escape(result['body'].decode('utf-8', 'replace')[:40])}</code></p>"
            + _welcome_html(result["welcome"])
        )
        return _page("扫码添加 Scan", body)

    @ui.route("POST", "/wecom/delete-guide")
    def delete_guide(request: FakeRequest) -> FakeResponse:
        form = request.form()
        status, _body = fake.delete_guide(
            form.get("corp_id", ""), form.get("external_userid", ""), form.get("userid", "")
        )
        return _page(
            "客户删除导购 Customer deleted the guide",
            f"<p data-testid=delete-result>Siyu answered {status}</p>",
        )

    @ui.route("POST", "/wecom/transfer")
    def transfer(request: FakeRequest) -> FakeResponse:
        form = request.form()
        index = int(form["index"]) if form.get("index", "").isdigit() else -1
        fake.finish_transfer(form.get("corp_id", ""), index, accept=form.get("accept") == "1")
        return _page("继承 Transfer", "<p data-testid=transfer-done>OK</p>")

    @ui.route("GET", "/wecom/qr/{name}")
    def qr(request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, qr_svg(request.params["name"]), {"Content-Type": "image/svg+xml"})

    app.add_ui_link("企业微信 WeCom: 渠道活码, 欢迎语, 继承", "/ui/wecom/")
    return fake


def qr_svg(seed: str) -> bytes:
    """A QR-looking picture for a way (three finder squares, modules from the config id's hash):
    the sandbox's stand-in for WeCom's image, which a phone cannot scan anyway."""
    size, cell = 25, 8
    bits = "".join(f"{b:08b}" for b in hashlib.sha256(seed.encode()).digest() * 3)
    cells = []
    for y in range(size):
        for x in range(size):
            finder = any(x - ox in range(7) and y - oy in range(7) for ox, oy in ((0, 0), (18, 0), (0, 18)))
            if finder:
                dx, dy = min(x % 18, 6), min(y % 18, 6)
                on = dx in (0, 6) or dy in (0, 6) or (2 <= dx <= 4 and 2 <= dy <= 4)
            else:
                on = bits[(y * size + x) % len(bits)] == "1"
            if on:
                cells.append(f"<rect x='{x * cell}' y='{y * cell}' width='{cell}' height='{cell}'/>")
    side = size * cell
    box = side + 16
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='-8 -8 {box} {box}' width='{side}' height='{side}'>"
        f"<rect x='-8' y='-8' width='{box}' height='{box}' fill='#fff'/>"
        f"<g fill='#111'>{''.join(cells)}</g></svg>"
    ).encode()
