"""收件箱 Inbox: what every simulated customer received, on every channel, as the sandbox saw it.

Each fake provider (subscribe message, official account, WeCom, SMS, email, webhook) puts what it
accepted in ``app.inbox`` (``app.deliver``); this page shows it grouped by recipient, then channel,
newest first, with counts per channel at the top. It refreshes itself every few seconds, so an
operator watches a broadcast drain while the worker sends.

A recipient is an address (openid, phone, email, external_userid, chat id, URL). When the process
serving the sandbox can name them (``app.address_names``: the demo reads Siyu's customer identities,
phones and emails, see siyu/wechat/sandbox_names.py), the page shows the customer's nickname.
"""

from __future__ import annotations

import html
import time
from collections import Counter, defaultdict
from typing import Any

from siyu.wechat.sandbox.base import FakeRequest, FakeResponse, FakeWeChat, InboxItem, html_response, page

# Siyu's channel keys as the inbox names them (the sandbox page is bilingual, like the others).
CHANNEL_NAMES = {
    "subscribe_message": "小程序订阅消息 Subscribe message",
    "official_account": "公众号模板消息 Official account",
    "wecom": "企业微信 1:1 WeCom",
    "wecom_group": "企业微信群 WeCom group",
    "sms": "短信 SMS",
    "email": "邮件 Email",
    "webhook": "Webhook",
}
REFRESH_SECONDS = 3
MOST_SHOWN = 500  # recipients on the page; the counts at the top count everything


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(channel, channel)


def _names(app: FakeWeChat, addresses: list[str]) -> dict[str, str]:
    """Nicknames for the addresses the sandbox's process can resolve; none when it cannot."""
    resolve = app.address_names
    if resolve is None or not addresses:
        return {}
    try:
        return dict(resolve(addresses))
    except Exception:  # a page of raw addresses beats no page (the database may be busy or gone)
        return {}


def _when(at: float) -> str:
    return time.strftime("%m-%d %H:%M:%S", time.localtime(at))


def _item(item: InboxItem) -> str:
    extra = ""
    link = item.extra.get("url") or item.extra.get("page") if item.extra else ""
    if link:
        extra = f"<div class='link'>{html.escape(str(link))}</div>"
    title = f"<b>{html.escape(item.title)}</b>" if item.title else ""
    return (
        "<li class='msg' data-testid='inbox-item'>"
        f"<time>{_when(item.at)}</time>{title}"
        f"<div class='text'>{html.escape(item.body)}</div>{extra}</li>"
    )


STYLE = (
    "<style>.counts{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}"
    ".count{background:#fff;border-radius:8px;padding:8px 12px;font-size:14px}"
    ".count b{font-size:18px;display:block}.who{font-size:16px;margin:0 0 6px}"
    ".who small{color:#888;font-weight:normal;margin-left:6px}.chan{color:#07c160;font-size:13px;"
    "margin:10px 0 4px}ul.msgs{list-style:none;margin:0;padding:0}.msg{border-left:3px solid #07c160;"
    "background:#f7f7f7;border-radius:4px;padding:6px 10px;margin:6px 0;font-size:14px}"
    ".msg time{color:#888;font-size:12px;margin-right:8px}.msg .text{white-space:pre-wrap;margin-top:2px}"
    ".msg .link{color:#576b95;font-size:12px;word-break:break-all}</style>"
)


def inbox_page(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    """Every recipient's messages, by channel, newest first; counts per channel on top."""
    wanted = request.query.get("channel", "")
    with app.lock:
        items = list(app.inbox)
    counts = Counter(i.channel for i in items)
    if wanted:
        items = [i for i in items if i.channel == wanted]
    # Newest first: the recipient who got something last comes first.
    by_to: dict[str, dict[str, list[InboxItem]]] = defaultdict(lambda: defaultdict(list))
    latest: dict[str, float] = {}
    for item in sorted(items, key=lambda i: i.at, reverse=True):
        by_to[item.to][item.channel].append(item)
        latest.setdefault(item.to, item.at)
    recipients = sorted(by_to, key=lambda to: latest[to], reverse=True)[:MOST_SHOWN]
    names = _names(app, recipients)
    tiles = [
        f"<a class='count' href='/ui/inbox' data-testid='inbox-count-all'><b>{sum(counts.values())}</b>"
        "全部 All</a>"
    ]
    for channel, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        tiles.append(
            f"<a class='count' href='/ui/inbox?channel={html.escape(channel)}' "
            f"data-testid='inbox-count-{html.escape(channel)}'><b>{n}</b>{html.escape(channel_name(channel))}</a>"
        )
    cards = []
    for to in recipients:
        name = names.get(to, "")
        who = f"{html.escape(name)}<small>{html.escape(to)}</small>" if name else html.escape(to)
        sections = []
        for channel, rows in by_to[to].items():
            sections.append(
                f"<div class='chan'>{html.escape(channel_name(channel))} · {len(rows)}</div>"
                f"<ul class='msgs'>{''.join(_item(r) for r in rows)}</ul>"
            )
        cards.append(
            f"<section class='card' data-testid='inbox-recipient'><h3 class='who'>{who}</h3>"
            f"{''.join(sections)}</section>"
        )
    empty = "<div class='card' data-testid='inbox-empty'>还没有消息 Nothing received yet.</div>"
    body = (
        f"{STYLE}<div class='counts'>{''.join(tiles)}</div>{''.join(cards) or empty}"
        f"<script>setTimeout(function(){{location.reload()}},{REFRESH_SECONDS * 1000})</script>"
    )
    return html_response(page("收件箱 Inbox", body))


def inbox_json(app: FakeWeChat, request: FakeRequest) -> FakeResponse:
    """The inbox as JSON (newest first), for scripts and tests that read it over HTTP."""
    from siyu.wechat.sandbox.base import json_response

    with app.lock:
        items = list(reversed(app.inbox))
    rows: list[dict[str, Any]] = [
        {
            "channel": i.channel,
            "to": i.to,
            "title": i.title,
            "body": i.body,
            "at": i.at,
            "provider_id": i.provider_id,
        }
        for i in items
    ]
    return json_response({"items": rows, "count": len(rows)})


def install(app: FakeWeChat) -> None:
    """Add the inbox page (``/ui/inbox``) and its JSON (``/ui/inbox.json``) to the sandbox."""
    ui = app.service("/ui")
    ui.route("GET", "/inbox")(lambda r: inbox_page(app, r))
    ui.route("GET", "/inbox.json")(lambda r: inbox_json(app, r))
    app.add_ui_link("收件箱 Inbox", "/ui/inbox")
