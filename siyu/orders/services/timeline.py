"""Recording what happened to an order, and who did it."""

from __future__ import annotations

from typing import Any

from siyu.members.models import Customer
from siyu.orders.models import Order, OrderEvent
from siyu.tenancy.models import Staff

SYSTEM = "system"


def actor_label(actor: Staff | Customer | None) -> str:
    if isinstance(actor, Staff):
        return f"staff:{actor.pk}"
    if isinstance(actor, Customer):
        return f"customer:{actor.pk}"
    return SYSTEM


def log_event(
    order: Order, kind: str, *, actor: Staff | Customer | None, src: str = "", dst: str = "", **data: Any
) -> None:
    OrderEvent.objects.create(
        merchant_id=order.merchant_id,
        order=order,
        kind=kind,
        from_status=src,
        to_status=dst,
        actor=actor_label(actor),
        data=data,
    )


def stock_requests(order: Order):
    from siyu.inventory.services import StockRequest

    units: dict[int, int] = {}
    for sku_id, quantity in order.lines.values_list("sku_id", "quantity"):
        units[sku_id] = units.get(sku_id, 0) + quantity  # a SKU may be split over activity/regular lines
    return [StockRequest(sku_id=sku_id, quantity=qty) for sku_id, qty in sorted(units.items())]


def stock_outlet(order: Order) -> int | None:
    """Pickup orders draw on the outlet's stock; delivery orders on the warehouse."""
    return order.pickup_outlet_id if order.fulfilment == "pickup" else None
