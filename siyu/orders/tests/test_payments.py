import json
import time

import pytest

from siyu.inventory.models import StockLevel
from siyu.orders.gateways.sandbox import SIGNATURE_HEADER, TIMESTAMP_HEADER, SandboxGateway, sign
from siyu.orders.models import Order, OrderStatus, Payment, PaymentNotification, PaymentStatus, Refund
from siyu.orders.services import payments
from siyu.testing.clients import ApiClient
from siyu.testing.flows import pay, place

pytestmark = pytest.mark.django_db
NOTIFY = "/api/v1/payments/sandbox/notify"


def notify(body: bytes, headers: dict):
    client = ApiClient()
    extra = {k: v for k, v in headers.items()}
    return client.client.post(NOTIFY, data=body, content_type="application/json", headers=extra)


def started(customer, order):
    return payments.start_payment(customer=customer, order_id=order.pk, gateway="sandbox").payment


def test_signed_callback_pays_order_and_deducts_stock(customer, sku, address):
    order = place(customer, [(sku.pk, 2)], address=address)
    payment = started(customer, order)
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)

    response = notify(body, headers)

    assert response.status_code == 200, response.content
    assert response.json() == {"code": "SUCCESS", "message": "OK"}
    order.refresh_from_db()
    assert (order.status, order.paid_amount) == (OrderStatus.PAID, 10000)
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (98, 0)
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_replayed_callback_changes_nothing(customer, sku, address):
    order = place(customer, [(sku.pk, 2)], address=address)
    payment = started(customer, order)
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    assert notify(body, headers).status_code == 200
    assert notify(body, headers).status_code == 200
    # A second, differently-numbered notification of the same payment is also a no-op.
    body2, headers2 = SandboxGateway().build_notification(
        payment_number=payment.number, amount=payment.amount
    )
    assert notify(body2, headers2).status_code == 200

    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (98, 0)
    assert PaymentNotification.objects.count() == 2
    assert Order.objects.get().paid_amount == 10000
    assert Refund.objects.count() == 0


def test_bad_signature_is_refused(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    headers[SIGNATURE_HEADER] = "0" * 64
    response = notify(body, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert PaymentNotification.objects.count() == 0


def test_tampered_amount_fails_signature(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    tampered = json.loads(body)
    tampered["amount"]["total"] = 1
    response = notify(json.dumps(tampered, separators=(",", ":")).encode(), headers)
    assert response.status_code == 401
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


def test_stale_callback_is_refused(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    old = int(time.time()) - 3600
    body, headers = SandboxGateway().build_notification(
        payment_number=payment.number, amount=payment.amount, timestamp=old
    )
    assert headers[TIMESTAMP_HEADER] == str(old) and headers[SIGNATURE_HEADER] == sign(body, old)
    response = notify(body, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "callback_stale"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


def test_wrong_amount_is_refused(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    body, headers = SandboxGateway().build_notification(
        payment_number=payment.number, amount=payment.amount - 1
    )
    response = notify(body, headers)
    assert response.status_code == 409
    assert response.json()["code"] == "amount_mismatch"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


def test_payment_for_cancelled_order_is_refunded(customer, sku, address):
    from siyu.orders.services.lifecycle import cancel_order

    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    cancel_order(order=order, actor=customer, reason="changed_mind")
    body, headers = SandboxGateway().build_notification(payment_number=payment.number, amount=payment.amount)
    assert notify(body, headers).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (6000, "succeeded")
    stock = StockLevel.objects.get(sku=sku, outlet=None)
    assert (stock.on_hand, stock.reserved) == (100, 0)


def test_payment_idempotency_key_returns_same_payment(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    one = payments.start_payment(
        customer=customer, order_id=order.pk, gateway="sandbox", idempotency_key="p1"
    )
    two = payments.start_payment(
        customer=customer, order_id=order.pk, gateway="sandbox", idempotency_key="p1"
    )
    assert one.payment.pk == two.payment.pk
    assert Payment.objects.count() == 1


def test_sandbox_cashier_page_pays(customer, sku, address, client):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    page = client.get(f"/sandbox-pay/{payment.number}/")
    assert page.status_code == 200 and b"60.00" in page.content
    client.post(f"/sandbox-pay/{payment.number}/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("/shop/demo/orders/", True),
        ("https://evil.example/phish", False),
        ("//evil.example/phish", False),
        ("javascript:alert(1)", False),
    ],
)
def test_sandbox_cashier_return_link_stays_on_site(customer, sku, address, client, given, shown):
    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    client.post(f"/sandbox-pay/{payment.number}/", QUERY_STRING=f"return={given}")
    page = client.get(f"/sandbox-pay/{payment.number}/", {"return": given})
    assert page.status_code == 200
    assert (f'href="{given}"'.encode() in page.content) is shown
    assert b'rel="icon"' in page.content


def test_pickup_code_issued_on_payment(customer, sku, outlet, merchant):
    from siyu.inventory.services import set_stock

    set_stock(merchant=merchant, sku=sku, outlet=outlet, on_hand=5)
    order = pay(customer, place(customer, [(sku.pk, 1)], outlet_id=outlet.pk))
    assert order.status == OrderStatus.PAID
    assert len(order.pickup_code) == 8 and order.pickup_code.isdigit()
    stock = StockLevel.objects.get(sku=sku, outlet=outlet)
    assert (stock.on_hand, stock.reserved) == (4, 0)


def test_stray_payment_for_cancelled_order_is_refunded_once_whatever_follows(customer, sku, address):
    from siyu.orders.services.lifecycle import cancel_order

    order = place(customer, [(sku.pk, 1)], address=address)
    payment = started(customer, order)
    cancel_order(order=order, actor=customer, reason="changed_mind")

    # Three signed notices of the same money, each with a new notification id.
    for _ in range(3):
        body, headers = SandboxGateway().build_notification(
            payment_number=payment.number, amount=payment.amount
        )
        response = notify(body, headers)
        assert response.status_code == 200, response.content
        assert response.json() == {"code": "SUCCESS", "message": "OK"}

    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.status) == (payment.pk, 6000, "succeeded")
    assert PaymentNotification.objects.count() == 3
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED
    order.refresh_from_db()
    assert (order.status, order.paid_amount, order.refunded_amount) == (OrderStatus.CANCELLED, 0, 0)


def test_second_payment_for_paid_order_is_refunded_once_whatever_follows(customer, sku, address):
    order = place(customer, [(sku.pk, 1)], address=address)
    first, second = started(customer, order), started(customer, order)
    body, headers = SandboxGateway().build_notification(payment_number=first.number, amount=first.amount)
    assert notify(body, headers).status_code == 200

    for _ in range(3):
        body, headers = SandboxGateway().build_notification(
            payment_number=second.number, amount=second.amount
        )
        assert notify(body, headers).status_code == 200

    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount) == (second.pk, 6000)
    assert {p.number: p.status for p in Payment.objects.all()} == {
        first.number: PaymentStatus.SUCCEEDED,
        second.number: PaymentStatus.CLOSED,
    }
    order.refresh_from_db()
    assert (order.status, order.paid_amount, order.refunded_amount) == (OrderStatus.PAID, 6000, 0)
