"""A local SMTP server (aiosmtpd) that delivers every mail it receives to the sandbox inbox.

``start_smtp(app, host, port)`` starts it in its own thread and returns the controller (``.stop()``,
``.port``). Tests use it as the merchant's SMTP host; ``siyu wechat_sandbox --smtp-port N`` runs it
beside the WeChat sandbox for the demo. Each mail becomes one ``InboxItem`` (channel ``email``) per
recipient: the subject, the text part, and in ``extra`` the headers, the HTML part and the envelope.
``app.state["smtp_messages"]`` keeps the raw bytes.
"""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from siyu.wechat.sandbox.base import FakeWeChat, InboxItem


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else ""


class InboxHandler:
    def __init__(self, app: FakeWeChat) -> None:
        self.app = app

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        headers = {name: str(value) for name, value in message.items()}
        extra = {
            "headers": headers,
            "html": _part(message, "html"),
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
        }
        with self.app.lock:
            self.app.state.setdefault("smtp_messages", []).append(raw)
        for rcpt in envelope.rcpt_tos:
            self.app.deliver(
                InboxItem(
                    "email",
                    rcpt,
                    str(message.get("Subject", "")),
                    _part(message, "plain"),
                    time.time(),
                    str(message.get("Message-ID", "")),
                    extra,
                )
            )
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_smtp(app: FakeWeChat, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """Serve SMTP on ``host:port`` (0: a free port) into ``app.inbox``; the controller is started."""
    controller = Controller(InboxHandler(app), hostname=host, port=port or free_port(host))
    controller.start()
    return controller
