"""The sandbox's WeChat messaging: subscribe messages, template messages and WeCom mass-sends.

WeChat's side of siyu/reach/channels/{subscribe,oa_template,wecom}.py, with WeChat's request shapes
and the errcodes Siyu must handle:

- ``POST /api/cgi-bin/message/subscribe/send`` (a mini-program's token): 40003 invalid openid,
  40037 unknown template_id, 47003 a ``data`` value that breaks its key type's rule (``thing`` over
  20 characters...), 43101 the user refused the template (``refuse(openid, template_id)``).
- ``POST /api/cgi-bin/message/template/send`` (an official account's token): 40003, 40037, 47003,
  43004 not a follower (a sandbox follower who unfollowed); ``client_msg_id`` deduplicates: the same
  (openid, client_msg_id) again answers the first msgid and delivers nothing.
  ``finish_template_job(msgid, status)`` pushes ``TEMPLATESENDJOBFINISH`` to Siyu (``auto_receipts``
  pushes "success" a moment after every send, for the demo).
- ``POST /qyapi/cgi-bin/externalcontact/add_msg_template`` (chat_type single/group): a recipient
  who is not the sender's contact (or a group the sender does not own) goes to ``fail_list``; none
  left is 41048. The task waits for its guide: ``confirm(msgid)`` (or the page ``/ui/reach/wecom/``,
  the guide's phone) sends it: each customer once a day (WeCom's limit: a second mass message that
  day is status 3), contacts since deleted status 2.
- ``POST .../get_groupmsg_task`` and ``.../get_groupmsg_send_result`` (paged by ``cursor``).

``fail_next(endpoint, errcode, times)`` answers the next calls with an errcode (45009: quota).
Every message that reaches a customer is ``app.deliver``-ed to the sandbox inbox. State lives in
``app.state["reach.*"]``; requests received are kept in ``app.state["reach.requests"]`` as
(endpoint, body) for tests that assert the exact body.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from typing import Any

from siyu.reach.channels.wechat_fields import KEY_TYPES, key_type, limit_of
from siyu.wechat.sandbox.base import (
    FakeRequest,
    FakeResponse,
    FakeWeChat,
    InboxItem,
    html_response,
    json_response,
    page,
    redirect,
)

OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
INVALID_OPENID = 40003
INVALID_TEMPLATE = 40037
ARGUMENT_INVALID = 47003
USER_REFUSED = 43101
REQUIRE_SUBSCRIBE = 43004
NO_RECIPIENT = 41048
INVALID_PARAMETER = 40058
MAX_ATTACHMENTS = 9


def _ok(**fields: Any) -> FakeResponse:
    return json_response({"errcode": 0, "errmsg": "ok", **fields})


def _error(errcode: int, errmsg: str) -> FakeResponse:
    return json_response({"errcode": errcode, "errmsg": errmsg})


def _msgid() -> int:
    return secrets.randbelow(9 * 10**17) + 10**17


def check_data(data: Any) -> str | None:
    """WeChat's 47003 message for a ``data`` object breaking its keys' rules, or None."""
    if not isinstance(data, dict) or not data:
        return "argument invalid! data is empty"
    for key, entry in data.items():
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str):
            return f"argument invalid! data.{key}.value is missing"
        kind = key_type(key)
        if kind is None:
            continue
        if not value:
            return f"argument invalid! data.{key}.value is empty"
        if len(value) > limit_of(kind, value):
            return f"argument invalid! data.{key}.value exceeds limit"
        pattern = KEY_TYPES[kind][1]
        if pattern is not None and not pattern.match(value):
            return f"argument invalid! data.{key}.value invalid"
    return None


def _text_of(data: dict[str, Any]) -> str:
    return "\n".join(f"{k}: {v.get('value', '')}" for k, v in data.items() if isinstance(v, dict))


class ReachFake:
    """The handlers, bound to one sandbox app."""

    def __init__(self, app: FakeWeChat) -> None:
        self.app = app
        self.auto_receipts = False
        with app.lock:
            for key in ("reach.refused", "reach.client_msg_ids", "reach.tasks", "reach.daily"):
                app.state.setdefault(key, {})
            app.state.setdefault("reach.faults", {})
            app.state.setdefault("reach.requests", [])
            app.state.setdefault("reach.template_sends", {})

    # -- plumbing --------------------------------------------------------------------------------

    def _begin(
        self, request: FakeRequest, service: str, endpoint: str
    ) -> tuple[str, dict, FakeResponse | None]:
        app_id, refused = self.app.check_token(service, request)
        if refused is not None:
            return "", {}, refused
        try:
            body = json.loads(request.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return "", {}, _error(47001, "data format error")
        if not isinstance(body, dict):
            return "", {}, _error(47001, "data format error")
        with self.app.lock:
            self.app.state["reach.requests"].append((endpoint, body))
            faults = self.app.state["reach.faults"].get(endpoint) or []
            fault = faults.pop(0) if faults else 0
        if fault:
            return "", {}, _error(fault, "injected by the sandbox")
        return str(app_id), body, None

    def requests(self, endpoint: str) -> list[dict[str, Any]]:
        """The bodies received at ``endpoint`` (``subscribe/send``, ``template/send``, ...)."""
        with self.app.lock:
            return [body for name, body in self.app.state["reach.requests"] if name == endpoint]

    def fail_next(self, endpoint: str, errcode: int, times: int = 1) -> None:
        with self.app.lock:
            self.app.state["reach.faults"][endpoint] = [errcode] * times

    def refuse(self, openid: str, template_id: str) -> None:
        """The user turned ``template_id`` off: subscribe/send answers 43101."""
        with self.app.lock:
            self.app.state["reach.refused"][(openid, template_id)] = True

    # -- mini-program subscribe messages ---------------------------------------------------------

    def subscribe_send(self, request: FakeRequest) -> FakeResponse:
        app_id, body, refused = self._begin(request, "api", "subscribe/send")
        if refused is not None:
            return refused
        if self.app.account("mini_program", app_id) is None:
            return _error(48001, "api unauthorized")
        openid, template_id = str(body.get("touser", "")), str(body.get("template_id", ""))
        if not OPENID.match(openid):
            return _error(INVALID_OPENID, "invalid openid")
        if not template_id:
            return _error(INVALID_TEMPLATE, "invalid template_id")
        if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
            return _error(ARGUMENT_INVALID, "argument invalid! miniprogram_state")
        problem = check_data(body.get("data"))
        if problem:
            return _error(ARGUMENT_INVALID, problem)
        with self.app.lock:
            if self.app.state["reach.refused"].get((openid, template_id)):
                return _error(USER_REFUSED, "user refuse to accept the msg")
        msgid = _msgid()
        self.app.deliver(
            InboxItem(
                channel="subscribe_message",
                to=openid,
                title=template_id,
                body=_text_of(body["data"]),
                at=time.time(),
                provider_id=str(msgid),
                extra={"page": body.get("page", ""), "app_id": app_id},
            )
        )
        return _ok(msgid=msgid)

    # -- official-account template messages -------------------------------------------------------

    def template_send(self, request: FakeRequest) -> FakeResponse:
        app_id, body, refused = self._begin(request, "api", "template/send")
        if refused is not None:
            return refused
        if self.app.account("official_account", app_id) is None:
            return _error(48001, "api unauthorized")
        openid, template_id = str(body.get("touser", "")), str(body.get("template_id", ""))
        if not OPENID.match(openid):
            return _error(INVALID_OPENID, "invalid openid")
        if not template_id:
            return _error(INVALID_TEMPLATE, "invalid template_id")
        with self.app.lock:
            follower = self.app.state.get("oa_users", {}).get((app_id, openid))
        if follower is not None and not follower.get("subscribed"):
            return _error(REQUIRE_SUBSCRIBE, "require subscribe")
        problem = check_data(body.get("data"))
        if problem:
            return _error(ARGUMENT_INVALID, problem)
        client_msg_id = str(body.get("client_msg_id", ""))
        key = (app_id, openid, client_msg_id)
        with self.app.lock:
            seen = self.app.state["reach.client_msg_ids"].get(key) if client_msg_id else None
            if seen is not None:
                return _ok(msgid=seen)
            msgid = _msgid()
            if client_msg_id:
                self.app.state["reach.client_msg_ids"][key] = msgid
            self.app.state["reach.template_sends"][msgid] = {"app_id": app_id, "openid": openid}
        self.app.deliver(
            InboxItem(
                channel="official_account",
                to=openid,
                title=template_id,
                body=_text_of(body["data"]),
                at=time.time(),
                provider_id=str(msgid),
                extra={k: body[k] for k in ("url", "miniprogram") if k in body},
            )
        )
        if self.auto_receipts:
            threading.Timer(0.5, self.finish_template_job, args=(msgid,)).start()
        return _ok(msgid=msgid)

    def finish_template_job(self, msgid: int | str, status: str = "success") -> tuple[int, bytes]:
        """Push ``TEMPLATESENDJOBFINISH`` for a template message to Siyu: (Siyu's status, answer)."""
        with self.app.lock:
            sent = self.app.state["reach.template_sends"][int(msgid)]
        account = self.app.account("official_account", sent["app_id"])
        original = (account.config if account else {}).get("original_id", "gh_sandbox")
        return self.app.push_oa(
            sent["app_id"],
            {
                "ToUserName": original,
                "FromUserName": sent["openid"],
                "CreateTime": int(time.time()),
                "MsgType": "event",
                "Event": "TEMPLATESENDJOBFINISH",
                "MsgID": int(msgid),
                "Status": status,
            },
        )

    # -- WeCom mass-send -----------------------------------------------------------------------------

    def _is_contact(self, corp_id: str, external_userid: str, userid: str) -> bool:
        contact = self.app.state.get("wecom.contacts", {}).get(corp_id, {}).get(external_userid)
        if contact is None:
            return False
        follow = contact.get("follow_user", [])
        return any((f.get("userid") if isinstance(f, dict) else f) == userid for f in follow)

    def _owns(self, corp_id: str, chat_id: str, userid: str) -> bool:
        group = self.app.state.get("wecom_groups", {}).get(corp_id, {}).get("groups", {}).get(chat_id)
        return group is not None and group.get("owner") == userid and not group.get("dismissed")

    def add_msg_template(self, request: FakeRequest) -> FakeResponse:
        corp_id, body, refused = self._begin(request, "qyapi", "add_msg_template")
        if refused is not None:
            return refused
        chat_type = body.get("chat_type", "single")
        sender = str(body.get("sender", ""))
        if chat_type not in ("single", "group") or not sender:
            return _error(INVALID_PARAMETER, "invalid chat_type or sender")
        text = str((body.get("text") or {}).get("content", ""))
        attachments = body.get("attachments") or []
        if len(text.encode()) > 4000 or len(attachments) > MAX_ATTACHMENTS or not (text or attachments):
            return _error(INVALID_PARAMETER, "invalid text or attachments")
        for item in attachments:
            needed: tuple[str, ...] = ()
            kind = item.get("msgtype")
            inner = item.get(kind) if isinstance(item, dict) else None
            if kind == "miniprogram":
                needed = ("title", "pic_media_id", "appid", "page")
            elif kind == "link":
                needed = ("title", "url")
            if not isinstance(inner, dict) or any(not inner.get(k) for k in needed):
                return _error(INVALID_PARAMETER, f"invalid attachment {kind}")
        field = "external_userid" if chat_type == "single" else "chat_id_list"
        targets = [str(t) for t in body.get(field) or []]
        with self.app.lock:
            if chat_type == "single":
                ok = [t for t in targets if self._is_contact(corp_id, t, sender)]
            else:
                ok = [t for t in targets if self._owns(corp_id, t, sender)]
            failed = [t for t in targets if t not in ok]
            if not ok:
                return _error(NO_RECIPIENT, "no valid external contact")
            msgid = "msg" + secrets.token_hex(12)
            self.app.state["reach.tasks"][msgid] = {
                "msgid": msgid,
                "corp_id": corp_id,
                "chat_type": chat_type,
                "sender": sender,
                "targets": ok,
                "text": text,
                "attachments": attachments,
                "create_time": int(time.time()),
                "status": 0,
                "send_time": 0,
                "results": {t: (0, 0) for t in ok},
            }
        answer: dict[str, Any] = {"msgid": msgid}
        if chat_type == "single":
            answer["fail_list"] = failed
        return _ok(**answer)

    def pending(self, userid: str | None = None) -> list[dict[str, Any]]:
        """Tasks waiting for their guide (of ``userid``), oldest first."""
        with self.app.lock:
            tasks = [dict(t) for t in self.app.state["reach.tasks"].values() if t["status"] == 0]
        return [t for t in tasks if userid is None or t["sender"] == userid]

    def confirm(self, msgid: str, at: float | None = None) -> dict[str, tuple[int, int]]:
        """The guide taps 发送: each recipient gets it (1), or not (2 not a contact, 3 got one today)."""
        now = int(at if at is not None else time.time())
        delivered: list[InboxItem] = []
        with self.app.lock:
            task = self.app.state["reach.tasks"][msgid]
            if task["status"] != 0:
                return dict(task["results"])
            task["status"], task["send_time"] = 2, now
            day = time.strftime("%Y-%m-%d", time.gmtime(now + 8 * 3600))
            channel = "wecom" if task["chat_type"] == "single" else "wecom_group"
            for target in task["targets"]:
                if task["chat_type"] == "single":
                    if not self._is_contact(task["corp_id"], target, task["sender"]):
                        task["results"][target] = (2, 0)
                        continue
                    daily = self.app.state["reach.daily"]
                    if daily.get((task["corp_id"], target, day)):
                        task["results"][target] = (3, 0)
                        continue
                    daily[(task["corp_id"], target, day)] = msgid
                task["results"][target] = (1, now)
                delivered.append(
                    InboxItem(
                        channel=channel,
                        to=target,
                        title=task["sender"],
                        body=task["text"],
                        at=float(now),
                        provider_id=msgid,
                        extra={"attachments": task["attachments"]},
                    )
                )
            results = dict(task["results"])
        for item in delivered:
            self.app.deliver(item)
        return results

    def _task_for(self, corp_id: str, msgid: str) -> dict[str, Any] | None:
        with self.app.lock:
            task = self.app.state["reach.tasks"].get(msgid)
            return dict(task) if task is not None and task["corp_id"] == corp_id else None

    @staticmethod
    def _page(rows: list[dict[str, Any]], body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        limit = max(1, min(int(body.get("limit") or 500), 1000))
        start = int(body.get("cursor") or 0)
        end = start + limit
        return rows[start:end], (str(end) if end < len(rows) else "")

    def get_groupmsg_task(self, request: FakeRequest) -> FakeResponse:
        corp_id, body, refused = self._begin(request, "qyapi", "get_groupmsg_task")
        if refused is not None:
            return refused
        task = self._task_for(corp_id, str(body.get("msgid", "")))
        if task is None:
            return _error(INVALID_PARAMETER, "invalid msgid")
        row: dict[str, Any] = {"userid": task["sender"], "status": task["status"]}
        if task["status"] == 2:
            row["send_time"] = task["send_time"]
        rows, cursor = self._page([row], body)
        return _ok(next_cursor=cursor, task_list=rows)

    def get_groupmsg_send_result(self, request: FakeRequest) -> FakeResponse:
        corp_id, body, refused = self._begin(request, "qyapi", "get_groupmsg_send_result")
        if refused is not None:
            return refused
        task = self._task_for(corp_id, str(body.get("msgid", "")))
        if task is None or body.get("userid") != task["sender"]:
            return _error(INVALID_PARAMETER, "invalid msgid or userid")
        target = "external_userid" if task["chat_type"] == "single" else "chat_id"
        rows = []
        for name, (status, sent_at) in task["results"].items():
            row: dict[str, Any] = {target: name, "userid": task["sender"], "status": status}
            if status == 1:
                row["send_time"] = sent_at
            rows.append(row)
        chunk, cursor = self._page(rows, body)
        return _ok(next_cursor=cursor, send_list=chunk)


def _guide_page(fake: ReachFake) -> str:
    rows = []
    for task in fake.pending():
        kind = "客户 1:1" if task["chat_type"] == "single" else "客户群"
        rows.append(
            "<div class='card'>"
            f"<p><b>{html.escape(task['sender'])}</b> · {kind} · {len(task['targets'])} 位</p>"
            f"<p>{html.escape(task['text'])}</p>"
            "<form method='post' action='/ui/reach/wecom/confirm'>"
            f"<input type='hidden' name='msgid' value='{html.escape(task['msgid'])}'>"
            "<button>发送</button></form></div>"
        )
    body = "".join(rows) or "<div class='card'>—</div>"
    return page("企业微信群发 WeCom mass-send (the guide's phone)", body)


def install(app: FakeWeChat) -> ReachFake:
    """Add the messaging endpoints and the guide's confirmation page to the sandbox."""
    fake = ReachFake(app)
    app.reach = fake  # type: ignore[attr-defined]  # tests and the demo reach the fake here
    api = app.service("/api")
    api.route("POST", "/cgi-bin/message/subscribe/send")(fake.subscribe_send)
    api.route("POST", "/cgi-bin/message/template/send")(fake.template_send)
    qyapi = app.service("/qyapi")
    qyapi.route("POST", "/cgi-bin/externalcontact/add_msg_template")(fake.add_msg_template)
    qyapi.route("POST", "/cgi-bin/externalcontact/get_groupmsg_task")(fake.get_groupmsg_task)
    qyapi.route("POST", "/cgi-bin/externalcontact/get_groupmsg_send_result")(fake.get_groupmsg_send_result)

    ui = app.service("/ui/reach")
    app.add_ui_link("企业微信群发确认 WeCom mass-send: the guide's phone", "/ui/reach/wecom/")

    @ui.route("GET", "/wecom/")
    def guide(request: FakeRequest) -> FakeResponse:
        return html_response(_guide_page(fake))

    @ui.route("POST", "/wecom/confirm")
    def confirm(request: FakeRequest) -> FakeResponse:
        msgid = request.form().get("msgid", "")
        with app.lock:
            known = msgid in app.state["reach.tasks"]
        if known:
            fake.confirm(msgid)
        return redirect("/ui/reach/wecom/")

    return fake
