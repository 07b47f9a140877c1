"""What became of each WeCom mass-send task: "sent" means the guide sent it and WeCom delivered it.

``poll_wecom_send_results`` (periodic) asks WeCom about every open ``WeComSendTask``:

1. ``externalcontact/get_groupmsg_task`` {msgid}: the sender's status, 0 not sent yet, 2 sent.
2. once sent, ``externalcontact/get_groupmsg_send_result`` {msgid, userid} (paged by ``cursor``):
   per recipient (``external_userid``, or ``chat_id`` for a group task) status 1 sent (with
   ``send_time``), 2 failed (not the guide's contact any more), 3 failed (the customer already got
   a mass message today: WeCom's own limit), 0 not sent.
3. each message of the task (``Message.batch_key = msgid``) still ``sending`` whose address has a
   final status is settled through ``record_receipt`` (sent at the send time, or failed with the
   reason); every message of a group task addressed to one chat settles with that chat.
4. a task the guide has not sent within ``EXPIRE_DAYS`` settles its open messages failed ("guide
   never sent") and closes: WeCom keeps the task, but a broadcast cannot wait for ever.

A task with no open message left is closed (``sent`` when any recipient was sent, else ``failed``).
Errors from WeCom leave the task for the next run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from siyu.members.models import Channel
from siyu.reach.models import Message, MessageStatus, WeComSendTask
from siyu.wechat.accounts import account_for
from siyu.wechat.errors import WeChatApiError
from siyu.wechat.models import AccountKind, WeChatAccount
from siyu.wechat.tokens import call_api

log = logging.getLogger(__name__)

PURPOSE = "contact"
EXPIRE_DAYS = 3
PAGE = 1000
OPEN_TASK = ("awaiting_guide",)
# get_groupmsg_send_result's status -> (outcome, error)
RESULTS = {
    1: ("sent", ""),
    2: ("failed", "not a contact of the guide"),
    3: ("failed", "already got a mass message today (WeCom's limit)"),
}
NEVER_SENT = "guide never sent"


def _call(account: WeChatAccount, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return call_api(account, "POST", f"/cgi-bin/externalcontact/{path}", purpose=PURPOSE, payload=payload)


def _pages(account: WeChatAccount, path: str, payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        body = _call(account, path, {**payload, "limit": PAGE, "cursor": cursor})
        rows.extend(body.get(key) or [])
        cursor = str(body.get("next_cursor") or "")
        if not cursor:
            return rows


def sender_sent(account: WeChatAccount, task: WeComSendTask) -> bool:
    """Has the task's sender sent it (get_groupmsg_task status 2)?"""
    for row in _pages(account, "get_groupmsg_task", {"msgid": task.msgid}, "task_list"):
        if row.get("userid") == task.sender:
            return int(row.get("status") or 0) == 2
    return False


def send_results(account: WeChatAccount, task: WeComSendTask) -> dict[str, tuple[int, int]]:
    """Each recipient's (status, send_time) from get_groupmsg_send_result."""
    target = "chat_id" if task.chat_type == "group" else "external_userid"
    rows = _pages(
        account, "get_groupmsg_send_result", {"msgid": task.msgid, "userid": task.sender}, "send_list"
    )
    return {str(r.get(target, "")): (int(r.get("status") or 0), int(r.get("send_time") or 0)) for r in rows}


def _settle(message: Message, outcome: str, at: datetime, error: str) -> None:
    from siyu.reach.services import record_receipt

    record_receipt(
        merchant_id=message.merchant_id, message_id=message.pk, outcome=outcome, at=at, error=error
    )


def poll_task(task: WeComSendTask, *, now: datetime) -> int:
    """Settle what WeCom says of one task; the number of messages settled."""
    account = account_for(task.merchant_id, AccountKind.WECOM)
    if account is None:
        return 0
    channel = Channel.WECOM_GROUP if task.chat_type == "group" else Channel.WECOM
    open_messages = list(
        Message.objects.filter(
            merchant_id=task.merchant_id, channel=channel, batch_key=task.msgid, status=MessageStatus.SENDING
        ).order_by("pk")
    )
    settled = 0
    results: dict[str, tuple[int, int]] = {}
    if open_messages and sender_sent(account, task):
        results = send_results(account, task)
    left = []
    for message in open_messages:
        status, send_time = results.get(message.address, (0, 0))
        if status in RESULTS:
            outcome, error = RESULTS[status]
            at = datetime.fromtimestamp(send_time, tz=UTC) if send_time else now
            _settle(message, outcome, at, error)
            settled += 1
        else:
            left.append(message)
    expired = task.created_at <= now - timedelta(days=EXPIRE_DAYS)
    if left and expired:
        for message in left:
            _settle(message, "failed", now, NEVER_SENT)
            settled += 1
        left = []
    fields = ["checked_at"]
    task.checked_at = now
    if not left:
        any_sent = Message.objects.filter(
            merchant_id=task.merchant_id,
            batch_key=task.msgid,
            status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
        ).exists()
        task.status = "sent" if any_sent else "failed"
        fields.append("status")
    task.save(update_fields=fields)
    return settled


def poll_send_results(*, now: datetime | None = None) -> int:
    """Poll every open WeCom task of every merchant; the number of messages settled."""
    now = now or timezone.now()
    settled = 0
    for task_row in WeComSendTask.objects.filter(status__in=OPEN_TASK).order_by("pk"):
        try:
            settled += poll_task(task_row, now=now)
        except WeChatApiError as exc:
            log.warning("WeCom task %s of merchant %s: %s", task_row.msgid, task_row.merchant_id, exc)
    return settled


@task()
def poll_wecom_send_results() -> int:
    """Settle the recipients of WeCom mass-send tasks their guides have sent (or never will)."""
    return poll_send_results()
