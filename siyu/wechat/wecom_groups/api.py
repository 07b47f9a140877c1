"""The WeCom customer-contact (客户联系) endpoints this package calls, one function each.

Each call goes through the foundation's ``call_api`` with the contact secret's access token (the
secret of 客户联系, which may call every externalcontact endpoint); errors come back as
``WeChatApiError``, rate limits (45009 ...) and network failures as ``WeChatRetryable``.
Request and answer shapes are WeCom's own (developer.work.weixin.qq.com, 客户联系 → 客户标签管理 /
客户群管理); docs/wechat/wecom-groups-and-tags.md lists what is used of each.
"""

from __future__ import annotations

from typing import Any

from siyu.wechat.tokens import call_api

PURPOSE = "contact"
GROUP_PAGE = 1000  # groupchat/list's largest page


def _post(account: Any, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return call_api(account, "POST", f"/cgi-bin/externalcontact/{path}", purpose=PURPOSE, payload=payload)


def corp_tag_groups(account: Any) -> list[dict[str, Any]]:
    """Every corp tag group with its tags (``get_corp_tag_list`` with no filter)."""
    return list(_post(account, "get_corp_tag_list", {}).get("tag_group") or [])


def add_corp_tags(account: Any, *, group_name: str, names: list[str]) -> dict[str, Any]:
    """Add tags to the group named ``group_name`` (WeCom creates the group when it has none of that
    name); the answer's ``tag_group`` holds the group id and the new tags' ids."""
    body = {"group_name": group_name, "tag": [{"name": name} for name in names]}
    return dict(_post(account, "add_corp_tag", body)["tag_group"])


def edit_corp_tag(account: Any, *, tag_id: str, name: str) -> None:
    _post(account, "edit_corp_tag", {"id": tag_id, "name": name})


def del_corp_tags(account: Any, *, tag_ids: list[str]) -> None:
    _post(account, "del_corp_tag", {"tag_id": tag_ids})


def mark_tag(account: Any, *, userid: str, external_userid: str, add: list[str], remove: list[str]) -> None:
    """Set and unset corp tags on one follow user's external contact (both lists may be empty, not both)."""
    body = {"userid": userid, "external_userid": external_userid, "add_tag": add, "remove_tag": remove}
    _post(account, "mark_tag", body)


def external_contact(account: Any, external_userid: str) -> dict[str, Any]:
    """``externalcontact/get``: the contact and every follow user with their tags (all pages)."""
    follow: list[dict[str, Any]] = []
    cursor = ""
    while True:
        params = {"external_userid": external_userid, **({"cursor": cursor} if cursor else {})}
        answer = call_api(account, "GET", "/cgi-bin/externalcontact/get", purpose=PURPOSE, params=params)
        follow += answer.get("follow_user") or []
        cursor = answer.get("next_cursor") or ""
        if not cursor:
            return {"external_contact": answer.get("external_contact") or {}, "follow_user": follow}


def group_chat_ids(account: Any) -> list[str]:
    """The chat ids of every customer group of the corp (``groupchat/list``, all pages, any status)."""
    ids: list[str] = []
    cursor = ""
    while True:
        body: dict[str, Any] = {
            "status_filter": 0,
            "limit": GROUP_PAGE,
            **({"cursor": cursor} if cursor else {}),
        }
        answer = _post(account, "groupchat/list", body)
        ids += [row["chat_id"] for row in answer.get("group_chat_list") or []]
        cursor = answer.get("next_cursor") or ""
        if not cursor:
            return ids


def group_chat(account: Any, chat_id: str) -> dict[str, Any]:
    """``groupchat/get`` with member names: name, owner, create_time, notice, member_list."""
    return dict(_post(account, "groupchat/get", {"chat_id": chat_id, "need_name": 1})["group_chat"])
