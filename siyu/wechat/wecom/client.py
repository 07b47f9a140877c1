"""The WeCom server APIs this package calls, one function each, with WeCom's own field names.

Every call uses the corp's 客户联系 (contact) access token through ``siyu.wechat.tokens.call_api``,
which refreshes an expired token once; errcode != 0 raises ``WeChatApiError`` (``WeChatRetryable``
for rate limits and network failures). Reference: developer.work.weixin.qq.com, 客户联系.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from siyu.wechat.errors import WeChatApiError, WeChatRetryable
from siyu.wechat.http import base_url
from siyu.wechat.models import WeChatAccount
from siyu.wechat.tokens import access_token, call_api

PURPOSE = "contact"
TRANSFER_BATCH = 100  # transfer_customer takes at most 100 external_userids a call


def _call(account: WeChatAccount, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    return call_api(account, method, f"/cgi-bin/externalcontact/{path}", purpose=PURPOSE, **kwargs)


def get_external_contact(account: WeChatAccount, external_userid: str) -> dict[str, Any]:
    """``externalcontact/get``: {external_contact: {name, avatar, unionid, ...}, follow_user: [...]}."""
    return _call(account, "GET", "get", params={"external_userid": external_userid})


def add_contact_way(
    account: WeChatAccount, *, remark: str, state: str, users: list[str], skip_verify: bool
) -> dict:
    """``add_contact_way`` as a QR code (scene 2), single (type 1) or multi-member (type 2):
    {config_id, qr_code}."""
    payload = {
        "type": 1 if len(users) == 1 else 2,
        "scene": 2,
        "remark": remark,
        "skip_verify": skip_verify,
        "state": state,
        "user": users,
    }
    return _call(account, "POST", "add_contact_way", payload=payload)


def update_contact_way(
    account: WeChatAccount, *, config_id: str, remark: str, state: str, users: list[str], skip_verify: bool
) -> dict:
    """``update_contact_way``: the members, remark, state and verification of a way (the type stays)."""
    payload = {
        "config_id": config_id,
        "remark": remark,
        "skip_verify": skip_verify,
        "state": state,
        "user": users,
    }
    return _call(account, "POST", "update_contact_way", payload=payload)


def del_contact_way(account: WeChatAccount, config_id: str) -> dict:
    return _call(account, "POST", "del_contact_way", payload={"config_id": config_id})


def send_welcome_msg(
    account: WeChatAccount, *, welcome_code: str, text: str, attachments: list[dict]
) -> dict:
    """``send_welcome_msg``: the text and attachments a new contact sees, within 20 s of the add."""
    payload: dict[str, Any] = {"welcome_code": welcome_code}
    if text:
        payload["text"] = {"content": text}
    if attachments:
        payload["attachments"] = attachments
    return _call(account, "POST", "send_welcome_msg", payload=payload)


def transfer_customer(
    account: WeChatAccount,
    *,
    handover_userid: str,
    takeover_userid: str,
    external_userids: list[str],
    resigned: bool,
    message: str = "",
) -> dict:
    """``transfer_customer`` (在职继承, with ``transfer_success_msg``) or ``resigned/transfer_customer``
    (离职继承): {customer: [{external_userid, errcode}]}, errcode 0 = the transfer started."""
    payload: dict[str, Any] = {
        "handover_userid": handover_userid,
        "takeover_userid": takeover_userid,
        "external_userid": external_userids,
    }
    if not resigned and message:
        payload["transfer_success_msg"] = message
    return _call(
        account, "POST", "resigned/transfer_customer" if resigned else "transfer_customer", payload=payload
    )


def transfer_result(
    account: WeChatAccount, *, handover_userid: str, takeover_userid: str, resigned: bool, cursor: str = ""
) -> dict:
    """``transfer_result`` / ``resigned/transfer_result``: {customer: [{external_userid, status,
    takeover_time}], next_cursor}; status 1 taken over, 2 waiting, 3 refused, 4 over the limit."""
    payload = {"handover_userid": handover_userid, "takeover_userid": takeover_userid, "cursor": cursor}
    return _call(
        account, "POST", "resigned/transfer_result" if resigned else "transfer_result", payload=payload
    )


def upload_image(account: WeChatAccount, *, filename: str, content: bytes, content_type: str) -> str:
    """``media/upload?type=image`` (multipart/form-data, field ``media``): a media_id valid 3 days."""
    boundary = "----siyu" + secrets.token_hex(12)
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            (
                f'Content-Disposition: form-data; name="media"; filename="{filename}"; '
                f"filelength={len(content)}\r\n"
            ).encode(),
            f"Content-Type: {content_type}\r\n\r\n".encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    for attempt in range(2):
        token = access_token(account, PURPOSE, force_refresh=attempt > 0)
        query = urlencode({"access_token": token, "type": "image"})
        request = urllib.request.Request(
            f"{base_url(account, 'qyapi')}/cgi-bin/media/upload?{query}",
            data=body,
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise WeChatRetryable(-1, f"media/upload: {exc}") from exc
        errcode = int(answer.get("errcode", 0) or 0)
        if errcode in (40001, 42001, 40014) and attempt == 0:
            continue
        if errcode != 0:
            raise WeChatApiError(errcode, str(answer.get("errmsg", "")))
        return str(answer["media_id"])
    raise WeChatApiError(40001, "access token refused twice")
