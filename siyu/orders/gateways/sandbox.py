"""A sandbox gateway: a real implementation of the interface, with signed callbacks, no money.

The customer opens ``/sandbox-pay/<payment_number>/`` (served by Siyu in place of a cashier),
presses pay, and the sandbox sends a notification signed like this::

    Siyu-Sandbox-Timestamp: 1763800000
    Siyu-Sandbox-Signature: hex(HMAC-SHA256(secret, "1763800000." + body))

``parse_notification`` refuses a bad signature and a timestamp outside the replay window; the
notification id makes a replayed callback a no-op in ``record_payment_notice``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from siyu.core.errors import InvalidInput
from siyu.orders.errors import CallbackStale, SignatureInvalid
from siyu.orders.gateways.base import PaymentAction, PaymentNotice, PaymentRequest, RefundResult

TIMESTAMP_HEADER = "Siyu-Sandbox-Timestamp"
SIGNATURE_HEADER = "Siyu-Sandbox-Signature"


def _secret() -> bytes:
    return settings.SIYU_SANDBOX_PAY_SECRET.encode()


def sign(body: bytes, timestamp: int) -> str:
    return hmac.new(_secret(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


class SandboxGateway:
    name = "sandbox"

    def create_payment(self, request: PaymentRequest) -> PaymentAction:
        return PaymentAction(kind="redirect", url=reverse("sandbox-pay", args=[request.payment_number]))

    def build_notification(
        self, *, payment_number: str, amount: int, timestamp: int | None = None
    ) -> tuple[bytes, dict]:
        """What the sandbox sends when the customer pays: the body and its signed headers."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        body = json.dumps(
            {
                "id": uuid.uuid4().hex,
                "event_type": "TRANSACTION.SUCCESS",
                "out_trade_no": payment_number,
                "transaction_id": f"sbx{uuid.uuid4().hex[:24]}",
                "amount": {"total": amount, "currency": "CNY"},
                "success_time": datetime.fromtimestamp(timestamp, UTC).isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        return body, {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(body, timestamp)}

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        timestamp_text = _header(headers, TIMESTAMP_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        if not timestamp_text.isdigit() or not signature:
            raise SignatureInvalid()
        timestamp = int(timestamp_text)
        if not hmac.compare_digest(sign(body, timestamp), signature):
            raise SignatureInvalid()
        if abs(time.time() - timestamp) > settings.SIYU_PAYMENT_CALLBACK_TOLERANCE_SECONDS:
            raise CallbackStale()
        try:
            data = json.loads(body)
            return PaymentNotice(
                notification_id=str(data["id"]),
                payment_number=str(data["out_trade_no"]),
                transaction_id=str(data["transaction_id"]),
                amount=int(data["amount"]["total"]),
                paid_at=datetime.fromisoformat(data["success_time"]),
                payload=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(detail={"body": "malformed notification"}) from exc

    def refund(
        self, *, payment_number: str, transaction_id: str, refund_number: str, amount: int, total: int
    ) -> RefundResult:
        if amount <= 0 or amount > total:
            raise InvalidInput(detail={"amount": amount, "total": total})
        digest = hashlib.sha256(f"{transaction_id}:{refund_number}".encode()).hexdigest()[:24]
        return RefundResult(refund_id=f"sbxr{digest}", succeeded=True)
