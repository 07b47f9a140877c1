"""Buying through an activity line, as the shop routes do."""

from __future__ import annotations

from siyu.members.models import Address, Customer
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef


def place_activity(
    customer: Customer,
    sku_id: int,
    quantity: int,
    ref: ActivityRef,
    *,
    address: Address | None = None,
    outlet_id: int | None = None,
) -> Order:
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, quantity, activity=ref)],
        fulfilment="pickup" if outlet_id else "delivery",
        address_id=address.pk if address else None,
        pickup_outlet_id=outlet_id,
    )
    order, _created = checkout.place_order(customer=customer, request=request)
    return order
