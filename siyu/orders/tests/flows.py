"""Steps of the buying flow that many tests share, done through the public services."""

from __future__ import annotations

from siyu.members.models import Address, Customer
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import Order
from siyu.orders.services import checkout, payments


def place(
    customer: Customer,
    lines: list[tuple[int, int]],
    *,
    address: Address | None = None,
    outlet_id=None,
    key=None,
) -> Order:
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in lines],
        fulfilment="pickup" if outlet_id else "delivery",
        address_id=address.pk if address else None,
        pickup_outlet_id=outlet_id,
    )
    order, _created = checkout.place_order(customer=customer, request=request, idempotency_key=key)
    return order


def pay(customer: Customer, order: Order) -> Order:
    started = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox")
    body, headers = SandboxGateway().build_notification(
        payment_number=started.payment.number, amount=started.payment.amount
    )
    payments.receive_notification(gateway="sandbox", body=body, headers=headers)
    order.refresh_from_db()
    return order
