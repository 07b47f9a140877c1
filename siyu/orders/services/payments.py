"""Paying for orders through a gateway, and acting on the gateway's signed notifications."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.core.ids import create_numbered, numeric_code
from siyu.inventory import services as stock
from siyu.members.models import Customer
from siyu.orders import hooks
from siyu.orders.errors import AmountMismatch, GatewayError, OrderExpired
from siyu.orders.gateways import default_gateway, get_gateway
from siyu.orders.gateways.base import PaymentAction, PaymentNotice, PaymentRequest
from siyu.orders.models import (
    Fulfilment,
    Order,
    OrderStatus,
    Payment,
    PaymentNotification,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from siyu.orders.services.timeline import log_event, stock_outlet, stock_requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentStart:
    payment: Payment
    action: PaymentAction


@transaction.atomic
def start_payment(
    *, customer: Customer, order_id: int, gateway: str = "", idempotency_key: str | None = None
) -> PaymentStart:
    """Open a payment for an unpaid order (or return the one this idempotency key opened).

    ``gateway`` empty means the merchant's own (``default_gateway``: WeChat Pay when configured)."""
    gw = get_gateway(gateway or default_gateway(customer.merchant), merchant=customer.merchant)
    order = (
        Order.objects.for_merchant(customer.merchant_id)
        .select_for_update()
        .filter(pk=order_id, customer=customer)
        .first()
    )
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    if idempotency_key:
        existing = Payment.objects.filter(order=order, idempotency_key=idempotency_key).first()
        if existing is not None:
            return PaymentStart(existing, _action(gw, existing, order))
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise InvalidTransition(detail={"from": order.status, "to": OrderStatus.PAID})
    if order.expires_at <= timezone.now():
        raise OrderExpired()
    payment = create_numbered(
        lambda number: Payment.objects.create(
            merchant_id=order.merchant_id,
            order=order,
            number=number,
            gateway=gw.name,
            amount=order.payable_amount,
            idempotency_key=idempotency_key,
        ),
        "P",
    )
    log_event(order, "payment_started", actor=customer, payment=payment.number, gateway=gw.name)
    return PaymentStart(payment, _action(gw, payment, order))


def _action(gw, payment: Payment, order: Order) -> PaymentAction:
    return gw.create_payment(
        PaymentRequest(
            payment_number=payment.number,
            amount=payment.amount,
            description=f"订单 {order.number}",
            expires_at=order.expires_at,
            customer_id=order.customer_id,
        )
    )


def receive_notification(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> Payment:
    """Verify a gateway callback and apply it. Replays and duplicates change nothing."""
    notice = get_gateway(gateway).parse_notification(body, headers)
    return record_payment_notice(gateway=gateway, notice=notice)


@transaction.atomic
def record_payment_notice(*, gateway: str, notice: PaymentNotice) -> Payment:
    found = (
        Payment.objects.filter(number=notice.payment_number, gateway=gateway)
        .values_list("order_id", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(detail={"payment_number": notice.payment_number})
    # Lock order before payment, the same order cancel_order takes them in, so the two cannot deadlock.
    order = Order.objects.select_for_update().get(pk=found)
    payment = Payment.objects.select_for_update().get(number=notice.payment_number, gateway=gateway)
    if notice.amount != payment.amount:
        raise AmountMismatch(detail={"expected": payment.amount, "reported": notice.amount})
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                gateway=gateway,
                notification_id=notice.notification_id,
                payment_number=notice.payment_number,
                payload=dict(notice.payload),
            )
    except IntegrityError:
        return payment  # this exact notification was applied before
    if payment.status == PaymentStatus.SUCCEEDED:
        return payment  # a second notification of the same transaction
    if payment.status == PaymentStatus.CLOSED and payment.refunds.exists():
        # Its money was already given back. The payment row is locked, so a notice racing this one
        # waits and then sees the refund: a stray payment is refunded at most once.
        return payment
    if order.status == OrderStatus.PENDING_PAYMENT and payment.status == PaymentStatus.PENDING:
        _mark_paid(order, payment, notice)
    else:
        # Money arrived for an order that was cancelled or already paid by another payment, or
        # through a payment closed when the merchant changed the price (改价): keep the record and
        # give the money back.
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.CLOSED, gateway_transaction_id=notice.transaction_id
        )
        payment.refresh_from_db()
        log_event(order, "stray_payment_refunded", actor=None, payment=payment.number)
        _refund(payment, amount=payment.amount, after_sale=None)
    return payment


def _mark_paid(order: Order, payment: Payment, notice: PaymentNotice) -> None:
    Payment.machine.advance(
        payment, PaymentStatus.SUCCEEDED, stamp="succeeded_at", gateway_transaction_id=notice.transaction_id
    )
    changes: dict = {"paid_amount": payment.amount}
    if order.fulfilment == Fulfilment.PICKUP:
        changes["pickup_code"] = _free_pickup_code(order)
    source = order.status
    Order.machine.advance(order, OrderStatus.PAID, stamp="paid_at", **changes)
    stock.deduct(
        merchant_id=order.merchant_id,
        requests=stock_requests(order),
        outlet_id=stock_outlet(order),
        order_id=order.pk,
    )
    Payment.objects.filter(order=order, status=PaymentStatus.PENDING).update(status=PaymentStatus.CLOSED)
    log_event(
        order,
        "paid",
        actor=None,
        src=source,
        dst=OrderStatus.PAID,
        payment=payment.number,
        amount=payment.amount,
    )
    hooks.order_paid(order)


def _free_pickup_code(order: Order) -> str:
    for _ in range(20):
        code = numeric_code(8)
        clash = Order.objects.filter(
            merchant_id=order.merchant_id,
            fulfilment=Fulfilment.PICKUP,
            status=OrderStatus.PAID,
            pickup_code=code,
        ).exists()
        if not clash:
            return code
    raise RuntimeError("no free pickup code")  # 10^8 codes: unreachable in practice


def _refund(payment: Payment, *, amount: int, after_sale) -> Refund:
    """Refund through the payment's gateway; the caller's transaction records the result."""
    refund = create_numbered(
        lambda number: Refund.objects.create(
            merchant_id=payment.merchant_id,
            payment=payment,
            after_sale=after_sale,
            number=number,
            amount=amount,
        ),
        "R",
    )
    try:
        result = get_gateway(payment.gateway, merchant=payment.merchant_id).refund(
            payment_number=payment.number,
            transaction_id=payment.gateway_transaction_id,
            refund_number=refund.number,
            amount=amount,
            total=payment.amount,
        )
    except GatewayError:
        Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED)
        raise
    refund.gateway_refund_id = result.refund_id
    if result.pending:
        # Accepted, not yet settled (WeChat Pay answers PROCESSING): the refund callback settles it.
        refund.save(update_fields=["gateway_refund_id"])
        return refund
    refund.status = RefundStatus.SUCCEEDED if result.succeeded else RefundStatus.FAILED
    refund.succeeded_at = timezone.now() if result.succeeded else None
    refund.save(update_fields=["gateway_refund_id", "status", "succeeded_at"])
    if not result.succeeded:
        raise GatewayError(detail={"refund": refund.number})
    return refund


def refund_order_payment(order: Order, *, amount: int, after_sale) -> Refund:
    payment = Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).first()
    if payment is None:
        raise InvalidTransition(detail={"order": order.number, "reason": "no successful payment"})
    return _refund(payment, amount=amount, after_sale=after_sale)


def settle_before_timeout(order: Order) -> bool:
    """Ask the gateway about an expiring order's open payments before the timeout cancels it.

    A payment the gateway reports paid is recorded (True: do not cancel, the order is paid now);
    the others are closed at the gateway so nothing can be paid after the cancel (False). Gateways
    without a query (the sandbox) are skipped. A gateway that cannot be reached raises
    ``GatewayError``: the caller leaves the order for the next sweep rather than cancel blind.
    Runs outside any transaction: it makes HTTP calls.
    """
    open_payments = list(Payment.objects.filter(order=order, status=PaymentStatus.PENDING).order_by("pk"))
    for payment in open_payments:
        try:
            gw = get_gateway(payment.gateway, merchant=order.merchant_id)
        except InvalidInput:
            continue  # its gateway is switched off: nothing to ask
        query = getattr(gw, "query_payment", None)
        if query is None:
            continue
        notice = query(payment.number)
        if notice is None:
            try:
                gw.close_payment(payment.number)  # type: ignore[attr-defined]
            except GatewayError as exc:
                # Paid between the query and the close (WeChat: ORDERPAID): ask once more.
                notice = query(payment.number)
                if notice is None:
                    raise exc
        if notice is not None:
            record_payment_notice(gateway=payment.gateway, notice=notice)
            return True
    return False


@transaction.atomic
def record_refund_notice(
    *,
    gateway: str,
    merchant_id: int,
    notification_id: str,
    refund_number: str,
    amount: int,
    succeeded: bool,
    gateway_refund_id: str,
    settled_at,
    payload: Mapping[str, object],
) -> Refund:
    """Settle a pending refund from the gateway's verified refund notification (idempotent).

    A refund already settled stays as it is: a late ABNORMAL after a SUCCESS (or a replay) changes nothing.
    """
    refund = (
        Refund.objects.select_for_update()
        .filter(merchant_id=merchant_id, number=refund_number, payment__gateway=gateway)
        .first()
    )
    if refund is None:
        raise NotFound(detail={"refund_number": refund_number})
    if amount != refund.amount:
        raise AmountMismatch(detail={"expected": refund.amount, "reported": amount})
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                gateway=gateway,
                notification_id=notification_id,
                payment_number=refund.number,
                payload=dict(payload),
            )
    except IntegrityError:
        return refund
    if refund.status != RefundStatus.PENDING:
        return refund
    refund.gateway_refund_id = gateway_refund_id or refund.gateway_refund_id
    refund.status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
    refund.succeeded_at = (settled_at or timezone.now()) if succeeded else None
    refund.save(update_fields=["gateway_refund_id", "status", "succeeded_at"])
    if not succeeded:
        log.warning("refund %s failed at the gateway (%s)", refund.number, gateway)
    return refund
