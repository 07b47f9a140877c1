"""Steps that many tests share, done through the public services as the routes do them: place an
order (plain or through an activity), pay it, adjust points, run an import."""

from __future__ import annotations

from typing import Any

from siyu.imports.services import IMPORTERS, ImportOptions, ImportReport
from siyu.members.loyalty.services import admin as loyalty_admin
from siyu.members.models import Address, Customer
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import Order
from siyu.orders.services import checkout, payments
from siyu.promotions.activities import ActivityRef
from siyu.tenancy.models import Merchant, Staff


def place(
    customer: Customer,
    lines: list[tuple[int, int]],
    *,
    address: Address | None = None,
    outlet_id=None,
    key=None,
) -> Order:
    """An order of ``[(sku id, quantity)]``, delivered to ``address`` or picked up at ``outlet_id``."""
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in lines],
        fulfilment="pickup" if outlet_id else "delivery",
        address_id=address.pk if address else None,
        pickup_outlet_id=outlet_id,
    )
    order, _created = checkout.place_order(customer=customer, request=request, idempotency_key=key)
    return order


def place_activity(
    customer: Customer,
    sku_id: int,
    quantity: int,
    ref: ActivityRef,
    address: Address | None = None,
    *,
    outlet_id: int | None = None,
) -> Order:
    """An order of one line bought through the activity ``ref`` (a presale deposit, a blind box...)."""
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, quantity, activity=ref)],
        fulfilment="pickup" if outlet_id else "delivery",
        address_id=address.pk if address else None,
        pickup_outlet_id=outlet_id,
    )
    order, _created = checkout.place_order(customer=customer, request=request)
    return order


def pay(customer: Customer, order: Order) -> Order:
    """Pay ``order`` in the sandbox gateway, the notification arriving as the gateway would send it."""
    started = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox")
    body, headers = SandboxGateway().build_notification(
        payment_number=started.payment.number, amount=started.payment.amount
    )
    payments.receive_notification(gateway="sandbox", body=body, headers=headers)
    order.refresh_from_db()
    return order


def buy(
    customer: Customer, lines: list[tuple[int, int]], *, address: Address, points: int = 0, paid: bool = True
) -> Order:
    """Place (and by default pay) a delivery order of ``[(sku id, qty)]``, paying ``points`` towards it."""
    request = checkout.CheckoutRequest(
        lines=[checkout.LineRequest(sku_id, qty) for sku_id, qty in lines],
        address_id=address.pk,
        points=points,
    )
    order, _created = checkout.place_order(customer=customer, request=request)
    return pay(customer, order) if paid else order


def give_points(owner: Staff, customer: Customer, points: int, reason: str = "test") -> None:
    """The owner adjusts ``customer``'s points by ``points``."""
    loyalty_admin.adjust_points(staff=owner, customer_id=customer.pk, delta=points, reason=reason)


def run_import(
    merchant: Merchant,
    kind: str,
    content: str | bytes,
    *,
    filename: str = "file.csv",
    staff: Staff | None = None,
    **options: Any,
) -> ImportReport:
    """Import ``content`` (a file's text or bytes) of ``kind`` for ``merchant`` with ``options``."""
    data = content.encode() if isinstance(content, str) else content
    return IMPORTERS[kind](
        merchant=merchant, data=data, filename=filename, options=ImportOptions(**options), acting_staff=staff
    )
