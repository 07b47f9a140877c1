"""Payment gateways behind one interface. ``get_gateway(name)`` returns the configured one."""

from __future__ import annotations

from siyu.orders.gateways.base import PaymentGateway
from siyu.orders.gateways.sandbox import SandboxGateway

_GATEWAYS: dict[str, type] = {SandboxGateway.name: SandboxGateway}


def get_gateway(name: str) -> PaymentGateway:
    try:
        return _GATEWAYS[name]()
    except KeyError:
        from siyu.core.errors import InvalidInput

        raise InvalidInput(detail={"gateway": name}) from None


def gateway_names() -> list[str]:
    return sorted(_GATEWAYS)
