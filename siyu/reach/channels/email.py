"""Email over SMTP with Django's email backend, with a one-click unsubscribe (RFC 8058).

Set-up (``ChannelSetting`` of channel ``email``): ``config`` holds ``host``, ``port``, ``username``,
``use_tls`` (STARTTLS) or ``use_ssl``, ``from_email`` (``"茶舍 <news@tea.example>"``), optionally
``timeout`` and ``message_id_domain``; the sealed secrets hold ``password``.

A template's ``fields`` are ``{"subject", "body", "html"?}``: subject ≤ 200 characters and one line,
body (plain text) required, html optional and cleaned by siyu/media/richtext.py at render.

Every mail carries a Message-ID derived from the message's key (the same on every attempt, so a
receiver that saw it once can tell), ``List-Unsubscribe: <SIYU_PUBLIC_URL/reach/u/<token>>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``: a mail client's unsubscribe button posts to
that URL and the customer is unsubscribed from email at once (siyu/reach/views/unsubscribe.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.urls import reverse

from siyu.media.richtext import clean_html
from siyu.members.models import Customer
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendResult
from siyu.reach.channels.text import SendInDoubt, channel_setting, fill
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import ChannelSetting, Message, MessageTemplate

CHANNEL = "email"
SUBJECT_MAX = 200
UNSUBSCRIBE_SALT = "siyu.reach.unsubscribe"


def unsubscribe_token(*, merchant_id: int, customer_id: int, channel: str, message_id: int | None) -> str:
    """A signed, URL-safe token naming who unsubscribes from what (no expiry: a mail lives long)."""
    return signing.dumps(
        {"m": merchant_id, "c": customer_id, "ch": channel, "msg": message_id},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


def read_unsubscribe_token(token: str) -> dict[str, Any] | None:
    """The token's fields, or None when it was not signed by this Siyu."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"m", "c", "ch"} <= data.keys():
        return None
    return data


def unsubscribe_url(message: Message) -> str:
    token = unsubscribe_token(
        merchant_id=message.merchant_id,
        customer_id=message.customer_id,
        channel=CHANNEL,
        message_id=message.pk,
    )
    return settings.SIYU_PUBLIC_URL.rstrip("/") + reverse("reach:unsubscribe", args=[token])


def message_id_header(message: Message, domain: str) -> str:
    """The Message-ID of every attempt of this message (RFC 5322 msg-id: no colon on the left)."""
    digest = hashlib.sha256(f"{message.merchant_id}:{message.key}".encode()).hexdigest()[:32]
    return f"<reach.{message.merchant_id}.{digest}@{domain}>"


def _domain(config: dict[str, Any]) -> str:
    if config.get("message_id_domain"):
        return str(config["message_id_domain"])
    address = parseaddr(str(config.get("from_email", "")))[1]
    return address.rpartition("@")[2] or "siyu.local"


class EmailAdapter(ChannelAdapter):
    channel = CHANNEL

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return ~Q(email="")

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        rows = Customer.objects.filter(merchant_id=merchant_id, pk__in=list(customer_ids)).exclude(email="")
        return dict(rows.values_list("pk", "email"))

    def validate(self, template: MessageTemplate) -> None:
        fields = template.fields or {}
        subject, body, html = fields.get("subject", ""), fields.get("body", ""), fields.get("html", "")
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidTemplate(detail={"field": "subject", "rule": "required"})
        if len(subject) > SUBJECT_MAX:
            raise InvalidTemplate(detail={"field": "subject", "limit": SUBJECT_MAX})
        if "\n" in subject or "\r" in subject:
            raise InvalidTemplate(detail={"field": "subject", "rule": "one_line"})
        if not isinstance(body, str) or not body.strip():
            raise InvalidTemplate(detail={"field": "body", "rule": "required"})
        if not isinstance(html, str):
            raise InvalidTemplate(detail={"field": "html", "rule": "text"})

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        setting = channel_setting(message.merchant_id, CHANNEL)
        config = setting.config if setting else {}
        fields = template.fields or {}
        subject = " ".join(fill(fields.get("subject", ""), context).split())[:SUBJECT_MAX]
        html = fields.get("html", "")
        return {
            "to": message.address,
            "from": str(config.get("from_email", "")),
            "subject": subject,
            "text": fill(fields.get("body", ""), context),
            "html": clean_html(fill(html, context)) if html else "",
            "message_id": message_id_header(message, _domain(config)),
            "unsubscribe_url": unsubscribe_url(message),
        }

    def send(self, message: Message) -> SendResult:
        setting = channel_setting(message.merchant_id, CHANNEL)
        if setting is None or not self._configured(setting):
            return SendResult("failed", error="channel_not_ready")
        payload = message.payload
        mail = EmailMultiAlternatives(
            subject=payload["subject"],
            body=payload["text"],
            from_email=payload["from"],
            to=[payload["to"]],
            headers={
                "Message-ID": payload["message_id"],
                "List-Unsubscribe": f"<{payload['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        if payload.get("html"):
            mail.attach_alternative(payload["html"], "text/html")
        connection = self.connection(setting)
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            # Nothing was handed over: safe to try again later.
            return SendResult("failed", error=f"smtp connect: {exc}"[:255], retryable=True)
        try:
            connection.send_messages([mail])
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult("failed", error=f"recipient refused: {exc.recipients}"[:255])
        except smtplib.SMTPResponseException as exc:
            # The server answered with a refusal: the mail was not taken. 4xx = try later (greylisting).
            return SendResult(
                "failed",
                error=f"{exc.smtp_code} {exc.smtp_error!r}"[:255],
                retryable=400 <= exc.smtp_code < 500,
            )
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            # The connection broke while the mail was on the wire: it may have been taken.
            raise SendInDoubt(f"smtp: {exc}"[:255]) from exc
        finally:
            with contextlib.suppress(Exception):
                connection.close()
        return SendResult("sent", provider_id=payload["message_id"])

    def connection(self, setting: ChannelSetting) -> Any:
        config = setting.config or {}
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=str(config.get("host", "")),
            port=int(config.get("port", 25)),
            username=str(config.get("username", "")),
            password=setting.secrets().get("password", ""),
            use_tls=bool(config.get("use_tls")),
            use_ssl=bool(config.get("use_ssl")),
            timeout=int(config.get("timeout", 10)),
            fail_silently=False,
        )

    def ready(self, merchant_id: int) -> bool:
        setting = channel_setting(merchant_id, CHANNEL)
        return bool(setting and setting.enabled and self._configured(setting))

    @staticmethod
    def _configured(setting: ChannelSetting) -> bool:
        config = setting.config or {}
        return bool(config.get("host") and config.get("from_email"))


ADAPTER = register(EmailAdapter())
