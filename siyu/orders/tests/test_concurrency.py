"""Real threads against PostgreSQL: exact stock, no duplicate orders, no double payment."""

from __future__ import annotations

from collections import Counter

import pytest

from siyu.inventory.models import StockLevel
from siyu.members.services import login_with_code, save_address
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import Order, OrderStatus, Payment, PaymentStatus
from siyu.orders.services import payments
from siyu.testing.concurrency import postgres_only, run_together  # noqa: F401 - postgres_only is autouse
from siyu.testing.flows import place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_buyers_for_ten_units_buy_exactly_ten(merchant, make_product):
    sku = make_product(stock=10).skus.get()
    buyers = []
    for i in range(50):
        c = login_with_code(merchant=merchant, code=f"buyer-{i}").customer
        buyers.append(
            (
                c,
                save_address(
                    customer=c, recipient="r", phone="13800000000", province="p", city="c", detail="d"
                ),
            )
        )

    results = run_together(50, lambda i: place(buyers[i][0], [(sku.pk, 1)], address=buyers[i][1]).pk)

    outcomes = Counter("ok" if isinstance(r, int) else r for r in results)
    assert outcomes == {"ok": 10, "out_of_stock": 40}
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (10, 10)
    assert Order.objects.count() == 10


def test_replayed_idempotency_key_makes_one_order(customer, sku, address):
    results = run_together(10, lambda i: place(customer, [(sku.pk, 2)], address=address, key="same-key").pk)
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(sku=sku, outlet=None).reserved == 2


def test_replayed_callback_pays_once(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)

    results = run_together(
        10, lambda i: payments.receive_notification(gateway="sandbox", body=body, headers=headers).pk
    )

    assert results == [payment.pk] * 10
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 6000)
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (99, 0)
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1


def test_cancel_racing_payment_leaves_one_consistent_outcome(customer, sku, address):
    from siyu.orders.services.lifecycle import cancel_order, get_order

    order = place(customer, [(sku.pk, 1)], address=address)
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)

    def work(i: int):
        if i == 0:
            return payments.receive_notification(gateway="sandbox", body=body, headers=headers).status
        return cancel_order(
            order=get_order(merchant=order.merchant_id, order_id=order.pk), actor=None, reason="t"
        ).status

    run_together(2, work)
    order.refresh_from_db()
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    if order.status == OrderStatus.PAID:
        assert (stock.on_hand, stock.reserved) == (99, 0)
    else:
        # Cancelled first: the late payment was refunded and the stock is back.
        assert order.status == OrderStatus.CANCELLED
        assert (stock.on_hand, stock.reserved) == (100, 0)
        assert payment.refunds.count() == 1


def test_two_new_notices_for_a_stray_payment_at_once_refund_it_once(customer, sku, address):
    from siyu.orders.models import Refund
    from siyu.orders.services.lifecycle import cancel_order

    order = place(customer, [(sku.pk, 1)], address=address)
    payment = payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment
    cancel_order(order=order, actor=customer, reason="changed_mind")
    # Two signed notices of the same money with different notification ids, arriving together.
    notices = [
        SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
        for _ in range(2)
    ]

    def work(i: int):
        body, headers = notices[i]
        return payments.receive_notification(gateway="sandbox", body=body, headers=headers).pk

    results = run_together(2, work)

    assert results == [payment.pk, payment.pk]
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.status) == (payment.pk, 6000, "succeeded")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED
