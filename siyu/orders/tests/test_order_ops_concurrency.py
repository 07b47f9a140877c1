"""Real threads on PostgreSQL: a price change (改价) racing the payment, and two batch-shipping
applies of the same orders. Every interleaving ends in one consistent state."""

from __future__ import annotations

import pytest

from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus, Refund
from siyu.orders.services import payments, shipping
from siyu.orders.services.adjustments import adjust_order_price
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.flows import place
from siyu.testing.order_ops import csv_file, paid_orders, shipping_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_price_change_racing_the_payment_never_charges_the_wrong_amount(owner, customer, address, sku):
    outcomes = set()
    for _round in range(6):
        order = place(customer, [(sku.pk, 2)], address=address)  # ¥100, free shipping
        payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
        body, headers = SandboxGateway().build_notification(
            payment_number=payment.number, amount=payment.amount
        )

        def work(i: int, order_id: int = order.pk, body: bytes = body, headers: dict = headers) -> object:
            if i == 0:
                return adjust_order_price(
                    staff=owner, order_id=order_id, discount=2_000, shipping_fee=0, reason="VIP"
                ).payable_amount
            return payments.receive_notification(gateway="sandbox", body=body, headers=headers).status

        adjusted, _paid = run_together(2, work)
        order.refresh_from_db()
        payment.refresh_from_db()
        refunds = list(Refund.objects.filter(payment=payment).values_list("amount", flat=True))
        if adjusted == 8_000:
            # The change came first: the payment at the old price was closed and its money given back;
            # the order waits for ¥80.
            assert (order.status, order.payable_amount, order.paid_amount) == (
                OrderStatus.PENDING_PAYMENT,
                8_000,
                0,
            )
            assert (payment.status, refunds) == (PaymentStatus.CLOSED, [10_000])
            outcomes.add("adjusted first")
        else:
            # The payment came first: the order is paid ¥100 and the change was refused.
            assert adjusted == "order_not_adjustable"
            assert (order.status, order.payable_amount, order.paid_amount) == (
                OrderStatus.PAID,
                10_000,
                10_000,
            )
            assert (payment.status, refunds) == (PaymentStatus.SUCCEEDED, [])
            outcomes.add("paid first")
        # Whatever the order, an open payment is always for the amount the order asks.
        assert (
            not Payment.objects.filter(order=order, status=PaymentStatus.PENDING)
            .exclude(amount=order.payable_amount)
            .exists()
        )
    assert outcomes  # which interleavings ran is up to the scheduler; each one checked above


def test_two_applies_of_files_naming_the_same_orders_ship_each_once(owner, customer, address, sku):
    orders = paid_orders(customer, address, sku.pk, 10)
    data = csv_file(shipping_rows(orders))
    first = shipping.preview_shipment_batch(staff=owner, data=data)
    second = shipping.preview_shipment_batch(staff=owner, data=data)
    batches = [first.pk, second.pk, first.pk]

    results = run_together(
        3, lambda i: shipping.summary(shipping.apply_shipment_batch(staff=owner, batch_id=batches[i]).rows)
    )

    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["shipped"] for r in results[:2]) == 10  # the third is a replay of the first
    assert results[2] == results[0]
    assert Order.objects.filter(status="shipped").count() == 10
    assert OrderEvent.objects.filter(kind="shipped").count() == 10
