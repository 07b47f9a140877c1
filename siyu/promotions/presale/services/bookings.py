"""Customer side of presales and the order lifecycle that moves a booking.

deposit order placed -> ``deposit_pending`` -> paid -> ``deposit_paid`` -> balance order placed ->
``balance_pending`` -> paid -> ``completed``. An unpaid balance order that is cancelled puts the
booking back to ``deposit_paid``; after the balance window a ``deposit_paid`` booking is forfeited
(or refunded, when the merchant made deposits refundable). A deposit order ships nothing: when its
booking completes or is forfeited it is completed too. docs/playbooks-campaigns.md has the rules.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from siyu.core.errors import InvalidTransition
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderStatus
from siyu.orders.services import lifecycle
from siyu.promotions.presale.errors import DepositNotRefundable
from siyu.promotions.presale.models import LIVE, BookingStatus, Presale, PresaleBooking, PresaleStatus

B = BookingStatus
DEPOSIT_HOLD = "presale_deposit"


def get_booking(*, customer: Customer, booking_id: int, lock: bool = False) -> PresaleBooking:
    qs = PresaleBooking.objects.for_merchant(customer.merchant_id).filter(customer=customer)
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("presale").get_owned(booking_id)


def units_held(presale_id: int, customer_id: int) -> int:
    """Units the customer holds in live bookings of this presale."""
    total = PresaleBooking.objects.filter(
        presale_id=presale_id, customer_id=customer_id, status__in=LIVE
    ).aggregate(n=Sum("quantity"))["n"]
    return total or 0


def _release(booking: PresaleBooking) -> None:
    Presale.objects.filter(pk=booking.presale_id).update(units_booked=F("units_booked") - booking.quantity)


def _refund_deposit(booking: PresaleBooking, reason: str) -> None:
    """Give the deposit back: the booking first (so the refund's hook sees it refunded), then the order."""
    source = booking.status
    PresaleBooking.machine.advance(booking, B.REFUNDED, stamp="closed_at")
    if source != B.COMPLETED:
        _release(booking)
    lifecycle.refund_and_close(order=booking.deposit_order, actor=None, reason=reason)


@transaction.atomic
def cancel_booking(*, customer: Customer, booking_id: int) -> PresaleBooking:
    """The customer withdraws: an unpaid deposit order is cancelled; a paid deposit comes back
    only if the merchant made deposits refundable and the balance is not ordered yet."""
    booking = get_booking(customer=customer, booking_id=booking_id)
    if booking.status == B.DEPOSIT_PENDING:
        order = lifecycle.get_order(merchant=customer.merchant_id, order_id=booking.deposit_order_id)
        lifecycle.cancel_order(order=order, actor=customer, reason="customer_cancelled")
        booking.refresh_from_db()
        return booking
    if booking.status != B.DEPOSIT_PAID or not booking.presale.deposit_refundable:
        raise DepositNotRefundable(detail={"status": booking.status})
    _refund_deposit(booking, "presale_deposit_withdrawn")
    return booking


# ---- the order lifecycle (called by the order hooks, inside the order's transaction) ----------------


def on_paid(order: Order) -> None:
    now = timezone.now()
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, deposit_order=order, status=B.DEPOSIT_PENDING
    ):
        PresaleBooking.machine.advance(booking, B.DEPOSIT_PAID, deposit_paid_at=now)
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, balance_order=order, status=B.BALANCE_PENDING
    ):
        PresaleBooking.machine.advance(booking, B.COMPLETED, completed_at=now)
        _settle_deposit_order(booking, "presale_balance_paid")


def on_cancelled(order: Order) -> None:
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, deposit_order=order, status=B.DEPOSIT_PENDING
    ):
        PresaleBooking.machine.advance(booking, B.CANCELLED, stamp="closed_at")
        _release(booking)
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, balance_order=order, status=B.BALANCE_PENDING
    ):
        # The deposit still counts: the customer may order the balance again while the window is
        # open; after it the periodic settle forfeits (or refunds) it.
        PresaleBooking.machine.advance(booking, B.DEPOSIT_PAID, balance_order=None)


def on_refunded(order: Order) -> None:
    """Money is leaving a deposit order: only while its booking is merely paid (or being refunded)."""
    booking = PresaleBooking.objects.filter(merchant_id=order.merchant_id, deposit_order=order).first()
    if booking is not None and booking.status not in (B.DEPOSIT_PAID, B.REFUNDED, B.FORFEITED):
        # The deposit is part of an ordered or paid balance: refund the balance order instead.
        raise DepositNotRefundable(detail={"booking_id": booking.pk, "status": booking.status})


def on_closed(order: Order) -> None:
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, deposit_order=order, status__in=[B.DEPOSIT_PAID, B.FORFEITED]
    ):
        source = booking.status
        PresaleBooking.machine.advance(booking, B.REFUNDED, stamp="closed_at")
        if source == B.DEPOSIT_PAID:
            _release(booking)
    for booking in PresaleBooking.objects.select_for_update().filter(
        merchant_id=order.merchant_id, balance_order=order, status=B.COMPLETED
    ):
        # The goods were refunded in full: the deposit that paid part of them goes back too.
        _refund_deposit(booking, "presale_balance_refunded")


# ---- after the balance window, and cancelled presales ----------------------------------------------


def settle_booking(*, booking_id: int, now: datetime) -> str | None:
    """Close one booking whose presale was cancelled or whose balance window is over. Returns the
    new status, or None if there was nothing to do (yet)."""
    with transaction.atomic():
        booking = (
            PresaleBooking.objects.select_for_update(of=("self",))
            .select_related("presale")
            .filter(pk=booking_id)
            .first()
        )
        if booking is None:
            return None
        presale = booking.presale
        cancelled = presale.status == PresaleStatus.CANCELLED
        if not cancelled and now < presale.balance_ends_at:
            return None
        if booking.status == B.DEPOSIT_PENDING and cancelled:
            _cancel_unpaid(booking.deposit_order)
            return B.CANCELLED
        if booking.status == B.BALANCE_PENDING and cancelled:
            _cancel_unpaid(booking.balance_order)  # puts the booking back to deposit_paid
            booking.refresh_from_db()
        if booking.status != B.DEPOSIT_PAID:
            return None  # deposit or balance orders still awaiting payment settle through their own deadline
        if cancelled:
            _refund_deposit(booking, "presale_cancelled")
            return B.REFUNDED
        if presale.deposit_refundable:
            _refund_deposit(booking, "presale_balance_unpaid")
            return B.REFUNDED
        PresaleBooking.machine.advance(booking, B.FORFEITED, stamp="closed_at")
        _release(booking)
        _settle_deposit_order(booking, "presale_deposit_forfeited")
        return B.FORFEITED


def _settle_deposit_order(booking: PresaleBooking, reason: str) -> None:
    """The deposit order has nothing to ship: once its balance is paid or it is forfeited, it is
    done (completed), not left paid and held in the merchant's to-ship list."""
    lifecycle.complete_without_shipping(order=booking.deposit_order, reason=reason)


def _cancel_unpaid(order: Order | None) -> None:
    if order is None:
        return
    with contextlib.suppress(InvalidTransition):  # paid or cancelled meanwhile: its hook moved the booking
        lifecycle.cancel_order(order=order, actor=None, reason="presale_cancelled")


def settle_presale(*, presale: Presale, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = PresaleBooking.objects.filter(
        presale=presale, status__in=[B.DEPOSIT_PENDING, B.DEPOSIT_PAID, B.BALANCE_PENDING]
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(ids) if settle_booking(booking_id=pk, now=now))


def settle_presales(*, now: datetime | None = None, batch: int = 500) -> int:
    """Forfeit or refund deposits whose balance window is over, and finish cancelled presales.

    Also completes deposit orders still paid although their booking is done (completed or
    forfeited before deposit orders were settled): returns how many bookings moved, not those."""
    now = now or timezone.now()
    due = PresaleBooking.objects.filter(
        Q(
            presale__status=PresaleStatus.CANCELLED,
            status__in=[B.DEPOSIT_PENDING, B.DEPOSIT_PAID, B.BALANCE_PENDING],
        )
        | Q(presale__balance_ends_at__lte=now, status=B.DEPOSIT_PAID)
    ).values_list("pk", flat=True)[:batch]
    settled = sum(1 for pk in list(due) if settle_booking(booking_id=pk, now=now))
    stuck = PresaleBooking.objects.filter(
        status__in=[B.COMPLETED, B.FORFEITED], deposit_order__status=OrderStatus.PAID
    ).order_by("pk")[:batch]
    for booking in stuck:
        reason = "presale_balance_paid" if booking.status == B.COMPLETED else "presale_deposit_forfeited"
        with contextlib.suppress(InvalidTransition):  # refunded or settled meanwhile
            _settle_deposit_order(booking, reason)
    return settled
