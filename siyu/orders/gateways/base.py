"""The payment gateway interface. WeChat Pay will implement the same four methods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PaymentRequest:
    payment_number: str  # our out_trade_no
    amount: int  # fen
    description: str
    expires_at: datetime
    customer_id: int | None = None  # the payer (WeChat Pay needs their openid)


@dataclass(frozen=True)
class PaymentAction:
    """What the client does next to pay: open a URL (sandbox, H5) or call a JSAPI with params."""

    kind: str
    url: str = ""
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class PaymentNotice:
    """A verified 'this payment succeeded' notification from the gateway."""

    notification_id: str
    payment_number: str
    transaction_id: str
    amount: int
    paid_at: datetime
    payload: Mapping[str, object]


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    succeeded: bool
    pending: bool = False  # accepted, settled later by the gateway's refund callback (WeChat: PROCESSING)


class PaymentGateway(Protocol):
    name: str

    def create_payment(self, request: PaymentRequest) -> PaymentAction:
        """Register a payment with the gateway and say how the customer pays it."""
        ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Verify a callback's signature and freshness and decode it; raise on anything wrong."""
        ...

    def refund(
        self, *, payment_number: str, transaction_id: str, refund_number: str, amount: int, total: int
    ) -> RefundResult:
        """Refund ``amount`` fen of a captured payment of ``total`` fen."""
        ...
