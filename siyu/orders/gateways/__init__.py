"""Payment gateways behind one interface. ``get_gateway(name)`` returns the configured one."""

from __future__ import annotations

from django.conf import settings

from siyu.core.errors import InvalidInput
from siyu.orders.gateways.base import PaymentGateway
from siyu.orders.gateways.sandbox import SandboxGateway


def _gateways() -> dict[str, type]:
    # The sandbox takes no money: it exists only where settings.SIYU_SANDBOX_PAY says so.
    return {SandboxGateway.name: SandboxGateway} if settings.SIYU_SANDBOX_PAY else {}


def get_gateway(name: str) -> PaymentGateway:
    """The gateway called ``name``; an unknown or switched-off one is refused as invalid input."""
    try:
        return _gateways()[name]()
    except KeyError:
        raise InvalidInput(detail={"gateway": name}) from None


def gateway_names() -> list[str]:
    return sorted(_gateways())
