"""Reading a WeChat Pay callback: verify, check freshness, decrypt. Nothing is written here.

The order of checks is the one WeChat documents, and each failure is its own refusal:

1. ``Wechatpay-Serial`` names the platform key configured for this account (a rotated key is a
   configuration step, never trusted blindly);
2. ``Wechatpay-Signature`` verifies over ``timestamp\\nnonce\\nbody\\n`` with the platform public key;
3. ``Wechatpay-Timestamp`` (signed, so trustworthy now) is within
   ``SIYU_PAYMENT_CALLBACK_TOLERANCE_SECONDS`` of now: a captured callback cannot be replayed later, and
   within the window the notification id makes a replay a no-op;
4. ``resource`` decrypts (AEAD_AES_256_GCM, APIv3 key), which also authenticates it;
5. the decrypted ``mchid`` (and ``appid`` when given) are this account's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from siyu.orders.errors import CallbackStale
from siyu.wechat.models import WeChatAccount
from siyu.wechat.pay import protocol
from siyu.wechat.pay.client import platform_serial
from siyu.wechat.pay.errors import NotificationMismatch, NotificationUndecryptable, NotificationUnverified


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    resource: dict[str, Any]  # decrypted
    envelope: dict[str, Any]  # the body, resource still encrypted


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def read_notification(account: WeChatAccount, body: bytes, headers: Mapping[str, str]) -> Notification:
    """The verified, decrypted callback, or a refusal saying what was wrong."""
    text = body.decode("utf-8", errors="replace")
    serial = _header(headers, "Wechatpay-Serial")
    timestamp = _header(headers, "Wechatpay-Timestamp")
    if not serial or serial != platform_serial(account):
        raise NotificationUnverified(detail={"reason": "serial"})
    if not timestamp.isdigit():
        raise NotificationUnverified(detail={"reason": "timestamp"})
    verified = protocol.verify(
        account.secret("platform_public_key"),
        timestamp=timestamp,
        nonce_str=_header(headers, "Wechatpay-Nonce"),
        body=text,
        signature=_header(headers, "Wechatpay-Signature"),
    )
    if not verified:
        raise NotificationUnverified(detail={"reason": "signature"})
    if abs(time.time() - int(timestamp)) > settings.SIYU_PAYMENT_CALLBACK_TOLERANCE_SECONDS:
        raise CallbackStale()
    try:
        envelope = json.loads(text)
        resource = envelope["resource"]
        plaintext = protocol.decrypt_resource(account.secret("apiv3_key"), resource)
    except (ValueError, KeyError, TypeError):
        plaintext = None
    if plaintext is None:
        raise NotificationUndecryptable()
    try:
        decrypted = json.loads(plaintext)
    except ValueError:
        raise NotificationUndecryptable() from None
    if str(decrypted.get("mchid", "")) != account.app_id:
        raise NotificationMismatch(detail={"mchid": decrypted.get("mchid")})
    app_id = str((account.config or {}).get("app_id", ""))
    if "appid" in decrypted and str(decrypted["appid"]) != app_id:
        raise NotificationMismatch(detail={"appid": decrypted.get("appid")})
    return Notification(
        id=str(envelope.get("id", "")),
        event_type=str(envelope.get("event_type", "")),
        resource=decrypted,
        envelope=envelope,
    )
