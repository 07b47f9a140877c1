"""The outgoing webhook: a signed JSON POST to the merchant's own system, for channels Siyu does not know.

Set-up (``ChannelSetting`` of channel ``webhook``): ``config`` holds ``url`` (and optionally
``timeout``, default 10 s); the sealed secrets hold ``signing_secret``. Every customer with a
webhook consent is reachable (the receiver knows how to reach them); the template's ``fields`` are
any JSON object whose text values may use ``{{ variables }}``.

The request (docs/reach-channels.md has the receiver's check in Python)::

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <message.key>
    X-Siyu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing_secret, "<t>.<raw body>")>

    {"id": <message.key>, "type": "reach.message", "merchant_id": ..., "customer": {"id", "nickname",
     "phone" (masked)}, "template": <name>, "payload": <rendered fields>, "sent_at": <ISO 8601>}

Answers: 2xx -> sent; 408/429 and 5xx, timeouts and refused connections -> failed, retryable (the
dispatcher retries with backoff; the same Idempotency-Key lets the receiver drop a repeat); any other
4xx -> failed for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import requests
from django.db.models import Q
from django.utils import timezone

from siyu.members.models import Customer
from siyu.members.privacy import mask_phone
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendResult
from siyu.reach.channels.text import channel_setting, fill
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import Message, MessageTemplate

CHANNEL = "webhook"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
SIGNATURE_HEADER = "X-Siyu-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Siyu-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _filled(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return fill(value, context)
    if isinstance(value, list):
        return [_filled(v, context) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, context) for k, v in value.items()}
    return value


class WebhookAdapter(ChannelAdapter):
    channel = CHANNEL

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q()

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        setting = channel_setting(merchant_id, CHANNEL)
        url = str((setting.config or {}).get("url", "")) if setting else ""
        ids = Customer.objects.filter(merchant_id=merchant_id, pk__in=list(customer_ids)).values_list(
            "pk", flat=True
        )
        return dict.fromkeys(ids, url)

    def validate(self, template: MessageTemplate) -> None:
        if not isinstance(template.fields, dict) or not template.fields:
            raise InvalidTemplate(detail={"field": "fields", "rule": "json_object"})

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        row = Customer.objects.filter(pk=message.customer_id).values("pk", "nickname", "phone").first()
        customer: dict[str, Any] = dict(row) if row else {}
        return {
            "id": message.key,
            "type": "reach.message",
            "merchant_id": message.merchant_id,
            "customer": {
                "id": customer.get("pk"),
                "nickname": customer.get("nickname", ""),
                "phone": mask_phone(customer.get("phone")),
            },
            "template": template.name,
            "payload": _filled(template.fields, context),
        }

    def send(self, message: Message) -> SendResult:
        setting = channel_setting(message.merchant_id, CHANNEL)
        config = (setting.config or {}) if setting else {}
        secret = setting.secrets().get("signing_secret", "") if setting else ""
        url = str(config.get("url", ""))
        if not url or not secret:
            return SendResult("failed", error="channel_not_ready")
        document = {**message.payload, "sent_at": timezone.now().isoformat()}
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.key,
            SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        }
        try:
            response = requests.post(
                url, data=body, headers=headers, timeout=float(config.get("timeout", 10))
            )
        except requests.RequestException as exc:
            return SendResult("failed", error=f"{type(exc).__name__}: {exc}"[:255], retryable=True)
        if 200 <= response.status_code < 300:
            return SendResult("sent", provider_id=response.headers.get("X-Request-Id", "")[:128])
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES
        return SendResult(
            "failed", error=f"HTTP {response.status_code}: {response.text[:200]}", retryable=retryable
        )

    def ready(self, merchant_id: int) -> bool:
        setting = channel_setting(merchant_id, CHANNEL)
        return bool(
            setting
            and setting.enabled
            and (setting.config or {}).get("url")
            and setting.secrets().get("signing_secret")
        )


ADAPTER = register(WebhookAdapter())
