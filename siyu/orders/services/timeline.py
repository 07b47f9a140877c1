"""Recording what happened to an order, and who did it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.inventory.services import StockRequest
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderEvent
from siyu.tenancy.models import Staff

SYSTEM = "system"

# What each event kind reads as on the order's timeline. Every kind ``log_event`` is called with
# needs a label here: console/tests/test_order_timeline.py reads the code and fails on a missing one.
EVENT_LABELS: dict[str, Any] = {
    "created": pgettext_lazy("order event", "Order placed"),
    "payment_started": pgettext_lazy("order event", "Payment started"),
    "paid": pgettext_lazy("order event", "Paid"),
    "stray_payment_refunded": pgettext_lazy("order event", "Extra payment refunded"),
    "cancelled": pgettext_lazy("order event", "Cancelled"),
    "shipped": pgettext_lazy("order event", "Shipped"),
    "receipt_confirmed": pgettext_lazy("order event", "Receipt confirmed"),
    "receipt_auto_confirmed": pgettext_lazy("order event", "Receipt confirmed automatically"),
    "picked_up": pgettext_lazy("order event", "Picked up"),
    "completed": pgettext_lazy("order event", "Completed"),
    "hold_released": pgettext_lazy("order event", "Released for fulfilment"),
    "after_sale_requested": pgettext_lazy("order event", "After-sale requested"),
    "after_sale_rejected": pgettext_lazy("order event", "After-sale rejected"),
    "refunded": pgettext_lazy("order event", "Refunded"),
    "closed": pgettext_lazy("order event", "Closed"),
    "refunded_and_closed": pgettext_lazy("order event", "Refunded and closed"),
    "blind_box_drawn": pgettext_lazy("order event", "Blind box drawn"),
    "price_adjusted": pgettext_lazy("order event", "Price changed by the merchant"),
}

# The machine reasons services write into an event (free text, such as a customer's own words,
# is shown as written).
REASON_LABELS: dict[str, Any] = {
    "payment_timeout": _("Not paid in time"),
    "customer_cancelled": _("Cancelled by the customer"),
    "merchant_cancelled": _("Cancelled by the merchant"),
    "presale_cancelled": _("The presale was cancelled"),
    "presale_deposit_withdrawn": _("Deposit withdrawn"),
    "presale_balance_refunded": _("Balance refunded"),
    "presale_balance_unpaid": _("Balance not paid in time"),
    "presale_balance_paid": _("Balance paid"),
    "presale_deposit_forfeited": _("Deposit forfeited"),
    "group_forming": _("Group formed"),
    "group_failed": _("The group did not fill"),
    "group_lottery_lost": _("Not drawn in the group lottery"),
}


def event_label(kind: str) -> str:
    """The event as a person reads it; an unknown kind (a newer writer) shows as written."""
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind


def reason_label(reason: str) -> str:
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


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
    units: dict[int, int] = {}
    for sku_id, quantity in order.lines.values_list("sku_id", "quantity"):
        units[sku_id] = units.get(sku_id, 0) + quantity  # a SKU may be split over activity/regular lines
    return [StockRequest(sku_id=sku_id, quantity=qty) for sku_id, qty in sorted(units.items())]


def stock_outlet(order: Order) -> int | None:
    """Pickup orders draw on the outlet's stock; delivery orders on the warehouse."""
    return order.pickup_outlet_id if order.fulfilment == "pickup" else None
