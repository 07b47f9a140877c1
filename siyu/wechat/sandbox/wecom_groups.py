"""The sandbox's WeCom corp tags and customer groups (客户标签, 客户群), and a page to play with them.

Endpoints (under /qyapi, as qyapi.weixin.qq.com), with WeCom's request and answer shapes and the
errcodes this package relies on:

- ``POST /cgi-bin/externalcontact/get_corp_tag_list``  (filters ``tag_id``/``group_id``)
- ``POST /cgi-bin/externalcontact/add_corp_tag``  (into ``group_id``, or the group named
  ``group_name``, made when missing; 40071 for a name the group already has)
- ``POST /cgi-bin/externalcontact/edit_corp_tag``, ``del_corp_tag``  (40068 for an unknown id)
- ``POST /cgi-bin/externalcontact/mark_tag``  (84061 when the follow user does not have the contact)
- ``GET  /cgi-bin/externalcontact/get``  (the contact and its follow users with their tags)
- ``POST /cgi-bin/externalcontact/groupchat/list``, ``groupchat/get``

The page ``/ui/wecom/groups`` makes a group of sandbox contacts, adds and removes members and tags
a contact "in WeCom"; each pushes the callback WeCom would send (change_external_chat,
change_external_contact/edit_external_contact, change_external_tag), encrypted, to Siyu.

Contacts are the WeCom fake's (``app.state["wecom.contacts"][corp_id]``: external userid -> contact);
when it has none, ``ensure_contacts`` makes three. Tags a follow user put on a contact live in
``app.state["wecom.contact_tags"][corp_id][(external_userid, userid)]``; ``follow_user_tags`` gives
them in externalcontact/get's shape for any fake that answers that endpoint.
"""

from __future__ import annotations

import html
import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from siyu.wechat.sandbox.base import (
    FakeRequest,
    FakeResponse,
    FakeWeChat,
    html_response,
    json_response,
    page,
    redirect,
)

# A WeCom API handler that runs only for a live token: (request, corp id) -> response.
CorpHandler = Callable[[FakeRequest, str], FakeResponse]

SANDBOX_GUIDE = "sandbox-guide"  # the follow user of contacts this module makes itself
OK = {"errcode": 0, "errmsg": "ok"}
EMPTY_ROW = "<tr><td colspan=4>—</td></tr>"


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(14).upper()


def _corp_state(app: FakeWeChat, corp_id: str) -> dict[str, Any]:
    with app.lock:
        corps = app.state.setdefault("wecom_groups", {})
        if corp_id not in corps:
            corps[corp_id] = {"tag_groups": [], "groups": {}}
            seed = app.state.get("wecom_groups.seed")  # the demo's: what Siyu already holds
            if seed is not None:
                seed(app, corp_id, corps[corp_id])
        return corps[corp_id]


def _contact_tags(app: FakeWeChat, corp_id: str) -> dict[tuple[str, str], list[str]]:
    with app.lock:
        return app.state.setdefault("wecom.contact_tags", {}).setdefault(corp_id, {})


def contacts(app: FakeWeChat, corp_id: str) -> dict[str, dict[str, Any]]:
    """The corp's sandbox contacts: external userid -> contact (name, unionid, follow users)."""
    with app.lock:
        return app.state.setdefault("wecom.contacts", {}).setdefault(corp_id, {})


def follow_userids(contact: dict[str, Any]) -> list[str]:
    """The follow users of a contact, whichever shape the WeCom fake stored them in."""
    follow = contact.get("follow_user") or contact.get("follow_users") or []
    ids = [f.get("userid") if isinstance(f, dict) else f for f in follow]
    if contact.get("follow_userid"):
        ids.append(contact["follow_userid"])
    return [str(u) for u in ids if u] or [SANDBOX_GUIDE]


def ensure_contacts(app: FakeWeChat, corp_id: str) -> dict[str, dict[str, Any]]:
    """The corp's contacts; three made up ones when the WeCom fake has none yet."""
    found = contacts(app, corp_id)
    with app.lock:
        if not found:
            for name in ("王小明", "李思思", "Zhang Wei"):
                external_userid = _id("wm")
                found[external_userid] = {
                    "external_userid": external_userid,
                    "name": name,
                    "unionid": "",
                    "follow_user": [{"userid": SANDBOX_GUIDE}],
                }
    return found


def follow_user_tags(
    app: FakeWeChat, corp_id: str, external_userid: str, userid: str
) -> list[dict[str, Any]]:
    """What externalcontact/get lists under ``follow_user[].tags`` for one follow user."""
    names = {
        t["id"]: (g["group_name"], t["name"])
        for g in _corp_state(app, corp_id)["tag_groups"]
        for t in g["tag"]
    }
    with app.lock:
        held = list(_contact_tags(app, corp_id).get((external_userid, userid), []))
    return [
        {"group_name": names[t][0], "tag_name": names[t][1], "tag_id": t, "type": 1}
        for t in held
        if t in names
    ]


def _live_tags(app: FakeWeChat, corp_id: str) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for g in _corp_state(app, corp_id)["tag_groups"] for t in g["tag"]}


def inject_fault(app: FakeWeChat, endpoint: str, errcode: int, times: int = 1) -> None:
    """Answer the next ``times`` calls of ``endpoint`` (``mark_tag``) with ``errcode`` (45009: rate limit)."""
    with app.lock:
        app.state.setdefault("wecom_groups.faults", {})[endpoint] = [errcode] * times


def injected_fault(app: FakeWeChat, endpoint: str) -> int:
    with app.lock:
        queue = app.state.get("wecom_groups.faults", {}).get(endpoint)
        return queue.pop(0) if queue else 0


def _hidden(name: str, value: str) -> str:
    return f"<input type='hidden' name='{name}' value='{html.escape(value)}'>"


def _button(label: str, name: str = "", value: str = "", secondary: bool = False) -> str:
    named = f" name='{name}' value='{value}'" if name else ""
    return f"<button{' class=secondary' if secondary else ''}{named}>{label}</button>"


def _form(action: str, inner: str) -> str:
    return f"<form method='post' action='{action}'>{inner}</form>"


def install(app: FakeWeChat) -> None:
    qyapi = app.service("/qyapi")
    ui = app.service("/ui/wecom")
    app.add_ui_link("企业微信 · 客户群与标签 WeCom groups and tags", "/ui/wecom/groups")

    def corp_of(request: FakeRequest) -> tuple[str | None, FakeResponse | None]:
        corp_id, refused = app.check_token("qyapi", request)
        if refused is None and (errcode := injected_fault(app, request.path.rsplit("/", 1)[-1])):
            return None, json_response({"errcode": errcode, "errmsg": "api freq out of limit"})
        return corp_id, refused

    def corp_route(method: str, path: str) -> Callable[[CorpHandler], CorpHandler]:
        """A WeCom API route whose handler gets the corp id a live token names (else WeCom's errcode)."""

        def decorate(handler: CorpHandler) -> CorpHandler:
            def checked(request: FakeRequest) -> FakeResponse:
                corp_id, refused = corp_of(request)
                if refused is not None or corp_id is None:
                    return refused or json_response({"errcode": 40001, "errmsg": "invalid credential"})
                return handler(request, corp_id)

            qyapi.route(method, path)(checked)
            return handler

        return decorate

    # --- corp tags -------------------------------------------------------------------------------

    @corp_route("POST", "/cgi-bin/externalcontact/get_corp_tag_list")
    def get_corp_tag_list(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        tag_ids, group_ids = set(body.get("tag_id") or []), set(body.get("group_id") or [])
        out = []
        with app.lock:
            for group in _corp_state(app, corp_id)["tag_groups"]:
                if group_ids and group["group_id"] not in group_ids:
                    continue
                tags = [dict(t) for t in group["tag"] if not tag_ids or t["id"] in tag_ids]
                if tag_ids and not tags:
                    continue
                out.append({**{k: v for k, v in group.items() if k != "tag"}, "deleted": False, "tag": tags})
        return json_response({**OK, "tag_group": out})

    @corp_route("POST", "/cgi-bin/externalcontact/add_corp_tag")
    def add_corp_tag(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        names = [str(t.get("name") or "") for t in body.get("tag") or []]
        if not names or any(not n or len(n) > 30 for n in names):
            return json_response({"errcode": 40058, "errmsg": "invalid tag name"})
        response, _ = add_tags(
            app, corp_id, group_id=body.get("group_id"), group_name=body.get("group_name"), names=names
        )
        return json_response(response)

    @corp_route("POST", "/cgi-bin/externalcontact/edit_corp_tag")
    def edit_corp_tag(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        with app.lock:
            for group in _corp_state(app, corp_id)["tag_groups"]:
                if group["group_id"] == body.get("id"):
                    group["group_name"] = str(body.get("name") or group["group_name"])
                    return json_response(OK)
                for tag in group["tag"]:
                    if tag["id"] == body.get("id"):
                        if any(t["name"] == body.get("name") and t is not tag for t in group["tag"]):
                            return json_response({"errcode": 40071, "errmsg": "UserTag Name Already Exist"})
                        tag["name"] = str(body.get("name") or tag["name"])
                        if "order" in body:
                            tag["order"] = int(body["order"])
                        return json_response(OK)
        return json_response({"errcode": 40068, "errmsg": "invalid tagid"})

    @corp_route("POST", "/cgi-bin/externalcontact/del_corp_tag")
    def del_corp_tag(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        tag_ids, group_ids = set(body.get("tag_id") or []), set(body.get("group_id") or [])
        if not tag_ids and not group_ids:
            return json_response({"errcode": 40068, "errmsg": "invalid tagid"})
        delete_tags(app, corp_id, tag_ids=tag_ids, group_ids=group_ids)
        return json_response(OK)

    @corp_route("POST", "/cgi-bin/externalcontact/mark_tag")
    def mark_tag(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        add, remove = list(body.get("add_tag") or []), list(body.get("remove_tag") or [])
        if not add and not remove:
            return json_response({"errcode": 41017, "errmsg": "missing tagid"})
        live = _live_tags(app, corp_id)
        if any(t not in live for t in add + remove):
            return json_response({"errcode": 40068, "errmsg": "invalid tagid"})
        external_userid, userid = str(body.get("external_userid") or ""), str(body.get("userid") or "")
        contact = contacts(app, corp_id).get(external_userid)
        if contact is None or userid not in follow_userids(contact):
            return json_response({"errcode": 84061, "errmsg": "not external contact"})
        with app.lock:
            held = _contact_tags(app, corp_id).setdefault((external_userid, userid), [])
            held[:] = [t for t in held if t not in remove] + [t for t in add if t not in held]
        return json_response(OK)

    # The contacts fake (sandbox/wecom.py), installed first, answers externalcontact/get and asks
    # this for the tags; the route below answers when this fake runs alone.
    app.wecom_follow_user_tags = lambda corp, ext, userid: follow_user_tags(app, corp, ext, userid)  # type: ignore[attr-defined]

    @corp_route("GET", "/cgi-bin/externalcontact/get")
    def get_contact(request: FakeRequest, corp_id: str) -> FakeResponse:
        external_userid = request.query.get("external_userid", "")
        contact = contacts(app, corp_id).get(external_userid)
        if contact is None:
            return json_response({"errcode": 84061, "errmsg": "not external contact"})
        follow = [
            {"userid": u, "remark": "", "description": "", "createtime": int(contact.get("createtime") or 0),
             "tags": follow_user_tags(app, corp_id, external_userid, u), "add_way": 1, "oper_userid": u}
            for u in follow_userids(contact)
        ]  # fmt: skip
        person = {"external_userid": external_userid, "name": contact.get("name", ""), "type": 1, "gender": 0}
        if contact.get("unionid"):
            person["unionid"] = contact["unionid"]
        return json_response({**OK, "external_contact": person, "follow_user": follow, "next_cursor": ""})

    # --- customer groups -------------------------------------------------------------------------

    @corp_route("POST", "/cgi-bin/externalcontact/groupchat/list")
    def groupchat_list(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        limit = int(body.get("limit") or 0)
        if not 1 <= limit <= 1000:
            return json_response({"errcode": 40058, "errmsg": "invalid limit"})
        owners = set((body.get("owner_filter") or {}).get("userid_list") or [])
        status = int(body.get("status_filter") or 0)
        with app.lock:
            rows = [
                {"chat_id": g["chat_id"], "status": 0}
                for g in _corp_state(app, corp_id)["groups"].values()
                if (not owners or g["owner"] in owners) and status in (0, 1)
            ]
        start = int(body.get("cursor") or 0)
        page_rows = rows[start : start + limit]
        cursor = str(start + limit) if start + limit < len(rows) else ""
        return json_response({**OK, "group_chat_list": page_rows, "next_cursor": cursor})

    @corp_route("POST", "/cgi-bin/externalcontact/groupchat/get")
    def groupchat_get(request: FakeRequest, corp_id: str) -> FakeResponse:
        body = request.json()
        with app.lock:
            group = _corp_state(app, corp_id)["groups"].get(str(body.get("chat_id") or ""))
            if group is None:
                return json_response({"errcode": 49008, "errmsg": "groupchat not exist"})
            chat = {k: v for k, v in group.items() if k != "members"}
            members = [dict(m) for m in group["members"]]
        if not int(body.get("need_name") or 0):
            for m in members:
                m.pop("name", None)
        return json_response({**OK, "group_chat": {**chat, "member_list": members}})

    # --- the page ------------------------------------------------------------------------------

    def corp_from(request: FakeRequest) -> str:
        ids = [c.app_id for c in app.accounts_of("wecom")]
        wanted = request.query.get("corp", "")
        if request.method == "POST":
            wanted = urllib.parse.parse_qs(request.body.decode()).get("corp", [wanted])[-1]
        return wanted if wanted in ids else (ids[0] if ids else "")

    @ui.route("GET", "/groups")
    def groups_page(request: FakeRequest) -> FakeResponse:
        corp_id = corp_from(request)
        if not corp_id:
            return html_response(
                page(
                    "客户群与标签",
                    "<div class='card'>No sandbox WeCom corp yet: set one up in Siyu's console.</div>",
                )
            )
        people = ensure_contacts(app, corp_id)
        state = _corp_state(app, corp_id)
        q = html.escape
        corp = _hidden("corp", corp_id)
        options = "".join(
            f"<option value='{q(e)}'>{q(c.get('name') or e)}</option>" for e, c in people.items()
        )
        pick = f"<select name='external_userid'>{options}</select>"
        checks = "".join(
            f"<label><input type='checkbox' name='member' value='{q(e)}' style='width:auto'> "
            f"{q(c.get('name') or e)}</label><br>"
            for e, c in people.items()
        )
        with app.lock:
            groups = list(state["groups"].values())
            tags = [
                (t["id"], f"{g['group_name']} / {t['name']}") for g in state["tag_groups"] for t in g["tag"]
            ]
        rows = ""
        for g in groups:
            names = ", ".join(q(m.get("name") or m["userid"]) for m in g["members"])
            chat = _hidden("chat_id", g["chat_id"])
            moves = (
                _button("加入 Add", "action", "add") + " " + _button("移出 Remove", "action", "remove", True)
            )
            rows += (
                f"<tr data-chat='{q(g['chat_id'])}'><td>{q(g['name'])}</td><td>{len(g['members'])}</td>"
                f"<td>{names}</td><td>"
                + _form("/ui/wecom/groups/member", corp + chat + pick + moves)
                + _form("/ui/wecom/groups/dismiss", corp + chat + _button("解散 Dismiss", secondary=True))
                + "</td></tr>"
            )
        tag_options = "".join(f"<option value='{q(i)}'>{q(n)}</option>" for i, n in tags)
        new_group = _form(
            "/ui/wecom/groups/new",
            corp
            + "<input name='name' placeholder='群名 Group name' required>"
            + checks
            + _button("建群并推送 Create and push"),
        )
        tagging = _form(
            "/ui/wecom/groups/tag",
            corp + pick + f"<select name='tag_id'>{tag_options}</select>"
            "<input name='new_tag' placeholder='或新标签名 or a new tag name'>"
            + _button("打标签 Tag", "action", "add")
            + " "
            + _button("去掉 Untag", "action", "remove", True),
        )
        table = "<table><tr><th>群名</th><th>人数</th><th>成员</th><th></th></tr>"
        body = (
            f"<div class='card'><p>企业 corp: <b>{q(corp_id)}</b></p><h3>建群 New group</h3>{new_group}</div>"
            f"<div class='card'><h3>客户群 Groups</h3>{table}{rows or EMPTY_ROW}</table></div>"
            f"<div class='card'><h3>在企业微信打标签 Tag a contact in WeCom</h3>{tagging}</div>"
        )
        return html_response(page("客户群与标签 WeCom groups and tags", body))

    def back(corp_id: str, note: str) -> FakeResponse:
        return redirect(f"/ui/wecom/groups?{urllib.parse.urlencode({'corp': corp_id, 'note': note})}")

    @ui.route("POST", "/groups/new")
    def new_group(request: FakeRequest) -> FakeResponse:
        form = urllib.parse.parse_qs(request.body.decode())
        corp_id = corp_from(request)
        chat_id = create_group(
            app, corp_id, name=(form.get("name") or ["群"])[-1], external_userids=form.get("member") or []
        )
        status, _ = push_chat(app, corp_id, chat_id, "create")
        return back(corp_id, f"created {chat_id}: Siyu answered {status}")

    @ui.route("POST", "/groups/member")
    def member(request: FakeRequest) -> FakeResponse:
        form = request.form()
        corp_id = corp_from(request)
        chat_id, external_userid = form.get("chat_id", ""), form.get("external_userid", "")
        if form.get("action") == "remove":
            remove_member(app, corp_id, chat_id, external_userid)
            status, _ = push_chat(app, corp_id, chat_id, "update", detail="del_member", changed=1)
        else:
            add_member(app, corp_id, chat_id, external_userid)
            status, _ = push_chat(app, corp_id, chat_id, "update", detail="add_member", changed=1)
        return back(corp_id, f"Siyu answered {status}")

    @ui.route("POST", "/groups/dismiss")
    def dismiss(request: FakeRequest) -> FakeResponse:
        form = request.form()
        corp_id = corp_from(request)
        chat_id = form.get("chat_id", "")
        with app.lock:
            _corp_state(app, corp_id)["groups"].pop(chat_id, None)
        status, _ = push_chat(app, corp_id, chat_id, "dismiss")
        return back(corp_id, f"Siyu answered {status}")

    @ui.route("POST", "/groups/tag")
    def tag(request: FakeRequest) -> FakeResponse:
        form = request.form()
        corp_id = corp_from(request)
        external_userid = form.get("external_userid", "")
        tag_id = form.get("tag_id", "")
        if form.get("new_tag"):
            _, made = add_tags(
                app, corp_id, group_id=None, group_name="企业微信", names=[form["new_tag"][:30]]
            )
            if made:
                tag_id = made[0]
                push_tag_change(app, corp_id, tag_id, "create")
        contact = contacts(app, corp_id).get(external_userid)
        if contact is None or tag_id not in _live_tags(app, corp_id):
            return back(corp_id, "unknown contact or tag")
        userid = follow_userids(contact)[0]
        with app.lock:
            held = _contact_tags(app, corp_id).setdefault((external_userid, userid), [])
            if form.get("action") == "remove":
                held[:] = [t for t in held if t != tag_id]
            elif tag_id not in held:
                held.append(tag_id)
        status, _ = push_contact_edit(app, corp_id, external_userid, userid)
        return back(corp_id, f"Siyu answered {status}")


# --- state changes, used by the page and by tests ------------------------------------------------------


def add_tags(
    app: FakeWeChat, corp_id: str, *, group_id: str | None, group_name: str | None, names: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """add_corp_tag's effect and answer: (the answer, the new tag ids)."""
    now = int(time.time())
    with app.lock:
        state = _corp_state(app, corp_id)
        group = next(
            (
                g
                for g in state["tag_groups"]
                if (group_id and g["group_id"] == group_id)
                or (not group_id and g["group_name"] == group_name)
            ),
            None,
        )
        if group is None:
            if group_id or not group_name:
                return {"errcode": 40068, "errmsg": "invalid tagid"}, []
            group = {
                "group_id": _id("et"),
                "group_name": group_name,
                "create_time": now,
                "order": 0,
                "tag": [],
            }
            state["tag_groups"].append(group)
        if any(t["name"] in names for t in group["tag"]) or len(set(names)) != len(names):
            return {"errcode": 40071, "errmsg": "UserTag Name Already Exist"}, []
        ids = [_id("et") for _ in names]
        made = [{"id": i, "name": n, "create_time": now, "order": 0} for i, n in zip(ids, names, strict=True)]
        group["tag"].extend(made)
        answer = {**{k: v for k, v in group.items() if k != "tag"}, "tag": [dict(t) for t in made]}
    return {**OK, "tag_group": answer}, ids


def delete_tags(app: FakeWeChat, corp_id: str, *, tag_ids: set[str], group_ids: set[str]) -> None:
    """del_corp_tag's effect: the tags (and whole groups) go, and every contact loses them."""
    with app.lock:
        state = _corp_state(app, corp_id)
        gone = set(tag_ids)
        for g in state["tag_groups"]:
            gone |= {t["id"] for t in g["tag"]} if g["group_id"] in group_ids else set()
        state["tag_groups"] = [g for g in state["tag_groups"] if g["group_id"] not in group_ids]
        for g in state["tag_groups"]:
            g["tag"] = [t for t in g["tag"] if t["id"] not in gone]
        for held in _contact_tags(app, corp_id).values():
            held[:] = [t for t in held if t not in gone]


def create_group(
    app: FakeWeChat, corp_id: str, *, name: str, external_userids: list[str], owner: str = SANDBOX_GUIDE
) -> str:
    now = int(time.time())
    chat_id = _id("wr")
    with app.lock:
        _corp_state(app, corp_id)["groups"][chat_id] = {
            "chat_id": chat_id, "name": name, "owner": owner, "create_time": now, "notice": "",
            "admin_list": [], "member_version": secrets.token_hex(16),
            "members": [
                {"userid": owner, "type": 1, "join_time": now, "join_scene": 1, "group_nickname": "",
                 "name": owner},
            ],
        }  # fmt: skip
    for external_userid in external_userids:
        add_member(app, corp_id, chat_id, external_userid)
    return chat_id


def add_member(app: FakeWeChat, corp_id: str, chat_id: str, external_userid: str, *, scene: int = 1) -> None:
    contact = contacts(app, corp_id).get(external_userid, {})
    with app.lock:
        group = _corp_state(app, corp_id)["groups"][chat_id]
        if any(m["userid"] == external_userid for m in group["members"]):
            return
        member = {
            "userid": external_userid, "type": 2, "join_time": int(time.time()), "join_scene": scene,
            "invitor": {"userid": group["owner"]}, "group_nickname": "", "name": contact.get("name", ""),
        }  # fmt: skip
        if contact.get("unionid"):
            member["unionid"] = contact["unionid"]
        group["members"].append(member)
        group["member_version"] = secrets.token_hex(16)


def remove_member(app: FakeWeChat, corp_id: str, chat_id: str, userid: str) -> None:
    with app.lock:
        group = _corp_state(app, corp_id)["groups"][chat_id]
        group["members"] = [m for m in group["members"] if m["userid"] != userid]
        group["member_version"] = secrets.token_hex(16)


def push_chat(
    app: FakeWeChat, corp_id: str, chat_id: str, change: str, *, detail: str = "", changed: int = 0
) -> tuple[int, bytes]:
    """The change_external_chat callback (create / update with its UpdateDetail / dismiss)."""
    fields: dict[str, Any] = {
        "ToUserName": corp_id, "FromUserName": "sys", "CreateTime": int(time.time()), "MsgType": "event",
        "Event": "change_external_chat", "ChatId": chat_id, "ChangeType": change,
    }  # fmt: skip
    if change == "update":
        fields.update({"UpdateDetail": detail, "JoinScene": 1 if detail == "add_member" else 0,
                       "QuitScene": 1 if detail == "del_member" else 0, "MemChangeCnt": changed})  # fmt: skip
    return app.push_wecom(corp_id, fields)


def push_contact_edit(app: FakeWeChat, corp_id: str, external_userid: str, userid: str) -> tuple[int, bytes]:
    """The change_external_contact / edit_external_contact callback a tag change in WeCom sends."""
    return app.push_wecom(
        corp_id,
        {
            "ToUserName": corp_id,
            "FromUserName": "sys",
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "edit_external_contact",
            "UserID": userid,
            "ExternalUserID": external_userid,
        },
    )


def push_tag_change(
    app: FakeWeChat, corp_id: str, tag_id: str, change: str, tag_type: str = "tag"
) -> tuple[int, bytes]:
    """The change_external_tag callback (create / update / delete / shuffle)."""
    return app.push_wecom(
        corp_id,
        {
            "ToUserName": corp_id,
            "FromUserName": "sys",
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "change_external_tag",
            "Id": tag_id,
            "TagType": tag_type,
            "ChangeType": change,
        },
    )
