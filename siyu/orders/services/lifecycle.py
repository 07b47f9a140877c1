"""Order states after checkout: cancel, ship, deliver, pick up, complete, and their timeouts."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.inventory import services as stock
from siyu.members.models import Customer
from siyu.orders import hooks
from siyu.orders.couriers import check_tracking
from siyu.orders.errors import GatewayError, OrderOnHold, PickupAlreadyVerified, PickupCodeInvalid
from siyu.orders.models import Fulfilment, Order, OrderLine, OrderStatus, Payment, PaymentStatus
from siyu.orders.services.aftersales import OPEN_STATUSES
from siyu.orders.services.payments import refund_order_payment, settle_before_timeout
from siyu.orders.services.timeline import SYSTEM, log_event, stock_outlet, stock_requests
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope, record_audit, require, require_outlet

log = logging.getLogger(__name__)


def get_order(*, merchant: Merchant | int, order_id: int, lock: bool = False) -> Order:
    qs = Order.objects.for_merchant(merchant).filter(pk=order_id)
    if lock:
        qs = qs.select_for_update()
    order = qs.first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    return order


def _transition(
    order: Order, target: str, *, actor: Staff | Customer | None, stamp: str, kind: str, **changes
) -> None:
    source = order.status
    Order.machine.advance(order, target, stamp=stamp, **changes)
    log_event(order, kind, actor=actor, src=source, dst=target, **{k: str(v) for k, v in changes.items()})


@transaction.atomic
def cancel_order(*, order: Order, actor: Staff | Customer | None, reason: str) -> Order:
    """Cancel an unpaid order: release its stock and close its open payments."""
    if isinstance(actor, Staff):
        require(actor, Perm.ORDERS_FULFIL)
    _transition(
        order,
        OrderStatus.CANCELLED,
        actor=actor,
        stamp="cancelled_at",
        kind="cancelled",
        cancel_reason=reason[:64],
    )
    stock.release(
        merchant_id=order.merchant_id,
        requests=stock_requests(order),
        outlet_id=stock_outlet(order),
        order_id=order.pk,
    )
    Payment.objects.filter(order=order, status=PaymentStatus.PENDING).update(status=PaymentStatus.CLOSED)
    hooks.order_cancelled(order)
    return order


def expire_order(order_id: int, *, now=None) -> bool:
    """Cancel one order if it is still unpaid past its deadline; False if it was paid or is not due."""
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id, status=OrderStatus.PENDING_PAYMENT, expires_at__lte=now).first()
    if order is None or _paid_at_gateway(order):
        return False
    try:
        cancel_order(order=order, actor=None, reason="payment_timeout")
    except InvalidTransition:
        return False
    return True


def _paid_at_gateway(order: Order) -> bool:
    """True when the order must not be cancelled now: its gateway reports it paid (and it is recorded),
    or the gateway could not be asked (the next sweep asks again)."""
    try:
        return settle_before_timeout(order)
    except GatewayError:
        log.warning("payment gateway unreachable; order %s not cancelled yet", order.number)
        return True


def cancel_unpaid_orders(*, now=None, batch: int = 500) -> int:
    """Cancel orders whose payment deadline has passed. Safe to run on many workers at once."""
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("id", "merchant_id")[:batch]
    )
    cancelled = 0
    for order_id, merchant_id in ids:
        order = get_order(merchant=merchant_id, order_id=order_id)
        if _paid_at_gateway(order):
            continue
        try:
            cancel_order(order=order, actor=None, reason="payment_timeout")
            cancelled += 1
        except InvalidTransition:
            continue  # paid or cancelled meanwhile: the compare-and-set saw it
    return cancelled


@transaction.atomic
def ship_order(*, staff: Staff, order_id: int, carrier: str, tracking_number: str) -> Order:
    """Hand a paid delivery order to a courier: ``carrier`` is a courier's code or name
    (``siyu/orders/couriers.py``), the tracking number must have that courier's format; the order
    stores the code and the number as the courier prints it."""
    require(staff, Perm.ORDERS_FULFIL)
    if not carrier.strip() or not tracking_number.strip():
        raise InvalidInput(detail={"carrier": carrier, "tracking_number": tracking_number})
    courier, number = check_tracking(carrier, tracking_number)
    order = get_order(merchant=staff.merchant_id, order_id=order_id, lock=True)
    if order.fulfilment != Fulfilment.DELIVERY:
        raise InvalidTransition(detail={"fulfilment": order.fulfilment, "to": OrderStatus.SHIPPED})
    if order.hold_reason:
        raise OrderOnHold(detail={"order": order.number, "hold_reason": order.hold_reason})
    _transition(
        order,
        OrderStatus.SHIPPED,
        actor=staff,
        stamp="shipped_at",
        kind="shipped",
        carrier=courier.code,
        tracking_number=number,
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="order.ship",
        obj=order,
        before={"status": OrderStatus.PAID},
        after={"status": order.status, "carrier": courier.code, "tracking_number": number},
    )
    return order


@transaction.atomic
def confirm_receipt(*, customer: Customer, order_id: int) -> Order:
    """The customer says the parcel arrived."""
    order = get_order(merchant=customer.merchant_id, order_id=order_id, lock=True)
    if order.customer_id != customer.pk:
        raise NotFound(detail={"order_id": order_id})
    if order.fulfilment != Fulfilment.DELIVERY or order.status != OrderStatus.SHIPPED:
        # Pickup orders are handed over by outlet staff; unshipped parcels cannot have arrived.
        raise InvalidTransition(detail={"from": order.status, "to": OrderStatus.DELIVERED})
    _transition(order, OrderStatus.DELIVERED, actor=customer, stamp="delivered_at", kind="receipt_confirmed")
    return order


@transaction.atomic
def verify_pickup(*, staff: Staff, code: str) -> Order:
    """Outlet staff hand over a pickup order after checking its code (核销)."""
    require(staff, Perm.PICKUP_VERIFY)
    code = code.strip()
    qs = (
        Order.objects.for_merchant(staff.merchant_id)
        .select_for_update()
        .filter(fulfilment=Fulfilment.PICKUP, status=OrderStatus.PAID, pickup_code=code)
    )
    scope = outlet_scope(staff)
    if scope is not None:
        qs = qs.filter(pickup_outlet_id__in=scope)
    order = qs.first() if code else None
    if order is None:
        if code:
            _refuse_used_code(staff, code, scope)
        raise PickupCodeInvalid()
    require_outlet(staff, order.pickup_outlet_id)
    if order.hold_reason:
        raise OrderOnHold(detail={"order": order.number, "hold_reason": order.hold_reason})
    _transition(order, OrderStatus.DELIVERED, actor=staff, stamp="delivered_at", kind="picked_up")
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="order.verify_pickup",
        obj=order,
        before={"status": OrderStatus.PAID},
        after={"status": order.status, "outlet_id": order.pickup_outlet_id},
    )
    return order


def _refuse_used_code(staff: Staff, code: str, scope: list[int] | None) -> None:
    """Raise ``PickupAlreadyVerified`` if ``code`` opened an order these staff can see that was
    already handed over: the person at the counter learns when, by whom and where, not "no such order"."""
    used = (
        Order.objects.for_merchant(staff.merchant_id)
        .filter(fulfilment=Fulfilment.PICKUP, pickup_code=code, delivered_at__isnull=False)
        .select_related("pickup_outlet")
        .order_by("-delivered_at")  # a code may be drawn again once its order is handed over
    )
    if scope is not None:
        used = used.filter(pickup_outlet_id__in=scope)
    order = used.first()
    if order is None or order.delivered_at is None:
        return
    event = order.events.filter(kind="picked_up").order_by("-id").first()
    actor = event.actor if event is not None else SYSTEM
    verifier = None
    if actor.startswith("staff:") and actor[6:].isdigit():
        verifier = Staff.objects.for_merchant(staff.merchant_id).filter(pk=int(actor[6:])).first()
    at = timezone.localtime(order.delivered_at, ZoneInfo(staff.merchant.timezone))
    outlet = order.pickup_outlet.name if order.pickup_outlet else ""
    who = verifier.display_name if verifier is not None else ""
    message = _(
        "This pickup code was already used: order %(order)s was handed over on %(time)s "
        "by %(staff)s at %(outlet)s."
    ) % {
        "order": order.number,
        "time": at.strftime("%Y-%m-%d %H:%M"),
        "staff": who or "-",
        "outlet": outlet or "-",
    }
    raise PickupAlreadyVerified(
        message,
        detail={
            "order_id": order.pk,
            "order_number": order.number,
            "verified_at": at.isoformat(),
            "verified_by": who,
            "verified_by_staff_id": verifier.pk if verifier is not None else None,
            "outlet": outlet,
            "outlet_id": order.pickup_outlet_id,
        },
    )


def _advance_due(
    status: str, target: str, stamp_field: str, days_field: str, kind: str, now, merchant: Merchant | None
) -> int:
    """Move orders that have waited longer than their merchant's policy; one transaction each."""

    moved = 0
    merchants = Merchant.objects.filter(is_active=True)
    if merchant is not None:
        merchants = merchants.filter(pk=merchant.pk)
    for m in merchants.only("id", days_field):
        cutoff = now - timedelta(days=getattr(m, days_field))
        due = Order.objects.filter(merchant=m, status=status, **{f"{stamp_field}__lte": cutoff})
        if target == OrderStatus.COMPLETED:
            # The after-sale window stays open while a request is being handled.
            due = due.exclude(after_sales__status__in=OPEN_STATUSES)
        for order_id in due.values_list("id", flat=True)[:1000]:
            with transaction.atomic():
                try:
                    order = get_order(merchant=m.pk, order_id=order_id, lock=True)
                    stamp = "delivered_at" if target == OrderStatus.DELIVERED else "completed_at"
                    _transition(order, target, actor=None, stamp=stamp, kind=kind)
                    moved += 1
                except InvalidTransition:
                    continue
    return moved


def auto_confirm_receipts(*, now=None, merchant: Merchant | None = None) -> int:
    """Shipped orders the customer never confirmed count as delivered after N days."""
    return _advance_due(
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        "shipped_at",
        "auto_confirm_receipt_days",
        "receipt_auto_confirmed",
        now or timezone.now(),
        merchant,
    )


def auto_complete_orders(*, now=None, merchant: Merchant | None = None) -> int:
    """Delivered orders complete when the after-sale window has passed and no request is open."""
    return _advance_due(
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
        "delivered_at",
        "after_sale_window_days",
        "completed",
        now or timezone.now(),
        merchant,
    )


def release_hold(*, order: Order, reason: str) -> bool:
    """Let a held order ship (its group formed, its balance was paid). False if it was not held
    for ``reason``. Call inside the transaction that finished the activity."""
    released = Order.objects.filter(pk=order.pk, hold_reason=reason).update(hold_reason="")
    if released:
        order.hold_reason = ""
        log_event(order, "hold_released", actor=None, reason=reason)
    return bool(released)


def _settled_unshipped(order: Order) -> bool:
    """Completed by ``complete_without_shipping``: nothing was ever shipped or handed over."""
    return order.status == OrderStatus.COMPLETED and order.shipped_at is None and order.delivered_at is None


@transaction.atomic
def complete_without_shipping(*, order: Order, reason: str) -> Order:
    """Settle a paid order that has nothing to ship (a presale deposit whose balance order was paid,
    or that was forfeited): it completes at once, so it leaves the merchant's to-ship list, and its
    timeline says why. Its money is then only given back with the activity (``refund_and_close``,
    e.g. when the balance order is refunded in full); it takes no after-sale of its own.

    Idempotent: an order already settled is returned unchanged.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if _settled_unshipped(order):
        return order
    if order.status != OrderStatus.PAID or order.shipped_at is not None:
        raise InvalidTransition(
            detail={"order": order.number, "from": order.status, "to": OrderStatus.COMPLETED}
        )
    Order.machine.advance(order, OrderStatus.COMPLETED, stamp="completed_at", hold_reason="")
    log_event(
        order, "completed", actor=None, src=OrderStatus.PAID, dst=OrderStatus.COMPLETED, reason=reason[:64]
    )
    return order


@transaction.atomic
def refund_and_close(*, order: Order, actor: Staff | None, reason: str) -> Order:
    """Give back everything a paid, unshipped order paid and close it (an unfilled group, a
    lottery loser, a presale the merchant cancelled, a settled deposit whose balance order was
    refunded in full). Stock goes back on the shelf.

    Idempotent: an order already closed is returned unchanged.
    """

    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.CLOSED:
        return order
    if order.status != OrderStatus.PAID and not _settled_unshipped(order):
        raise InvalidTransition(
            detail={"order": order.number, "from": order.status, "to": OrderStatus.CLOSED}
        )
    amount = order.paid_amount - order.refunded_amount
    if amount:
        refund_order_payment(order, amount=amount, after_sale=None)
    lines = list(order.lines.all())
    remaining = [
        stock.StockRequest(line.sku_id, line.quantity - line.refunded_quantity)
        for line in lines
        if line.quantity > line.refunded_quantity
    ]
    OrderLine.objects.filter(order=order).update(
        refunded_quantity=F("quantity"), refunded_amount=F("paid_amount")
    )
    if remaining:
        stock.restock(
            merchant_id=order.merchant_id,
            requests=remaining,
            outlet_id=stock_outlet(order),
            order_id=order.pk,
        )
    Order.objects.filter(pk=order.pk).update(refunded_amount=F("paid_amount"), hold_reason="")
    order.refresh_from_db(fields=["refunded_amount", "hold_reason"])
    _transition(
        order,
        OrderStatus.CLOSED,
        actor=actor,
        stamp="closed_at",
        kind="refunded_and_closed",
        cancel_reason=reason[:64],
    )
    hooks.order_refunded(order, amount=amount, after_sale=None)
    hooks.order_closed(order)
    return order
