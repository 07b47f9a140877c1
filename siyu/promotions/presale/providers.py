"""Presale lines in checkout.

- ``ActivityRef("presale_deposit", <presale id>)`` on the presale's deposit SKU: priced at the
  deposit D per unit, the order held with ``hold_reason="presale_deposit"`` (it never ships);
  ``reserve`` takes the units from the quota and opens the booking.
- ``ActivityRef("presale_balance", <booking id>)`` on the presale's SKU, for the booking's units:
  priced at the SKU's price minus the deduction E per unit; ``reserve`` links the balance order.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, InvalidTransition
from siyu.members.models import Customer
from siyu.orders.models import Order
from siyu.promotions.activities import ActivityQuote, ActivityRef
from siyu.promotions.engine import ActivityKind, ActivityPrice
from siyu.promotions.presale.errors import (
    BalanceWindowClosed,
    BookingNotPayable,
    DepositWindowClosed,
    PresaleLimitReached,
    PresaleSoldOut,
)
from siyu.promotions.presale.models import BookingStatus, Presale, PresaleBooking, PresaleStatus
from siyu.promotions.presale.services.bookings import DEPOSIT_HOLD, get_booking, units_held

DEPOSIT = "presale_deposit"
BALANCE = "presale_balance"


def _presale(customer: Customer, presale_id: int) -> Presale:
    return Presale.objects.for_merchant(customer.merchant_id).get_owned(presale_id)


def _check_limits(presale: Presale, customer: Customer, quantity: int) -> None:
    if presale.quota is not None and presale.units_booked + quantity > presale.quota:
        raise PresaleSoldOut(detail={"left": presale.quota - presale.units_booked})
    limit = presale.per_customer_limit
    if limit is not None and units_held(presale.pk, customer.pk) + quantity > limit:
        raise PresaleLimitReached(detail={"limit": limit})


class DepositProvider:
    kind = DEPOSIT

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        presale = _presale(customer, ref.id)
        if not presale.taking_deposits(now):
            raise DepositWindowClosed(detail={"presale_id": presale.pk, "status": presale.status})
        if sku.pk != presale.deposit_sku_id:
            raise InvalidInput(detail={"sku_id": sku.pk, "reason": "not this presale's deposit SKU"})
        if presale.deposit > sku.price:  # the deposit SKU was repriced below the deposit
            raise InvalidInput(detail={"sku_id": sku.pk, "reason": "the SKU's price is below the deposit"})
        _check_limits(presale, customer, quantity)
        return ActivityQuote(
            rule=ActivityPrice(
                id=ref.rule_id,
                title=presale.name,
                kind=ActivityKind.PRESALE_DEPOSIT,
                sku_id=sku.pk,
                price=presale.deposit,
                quantity=quantity,
            ),
            hold_reason=DEPOSIT_HOLD,
            ships=False,  # shipping belongs to the balance order
        )

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        now = timezone.now()
        taken = (
            Presale.objects.filter(
                pk=ref.id,
                merchant_id=customer.merchant_id,
                deposit_sku_id=sku.pk,
                status=PresaleStatus.ACTIVE,
                deposit_starts_at__lte=now,
                deposit_ends_at__gt=now,
            )
            .filter(Q(quota__isnull=True) | Q(units_booked__lte=F("quota") - quantity))
            .update(units_booked=F("units_booked") + quantity)
        )
        presale = _presale(customer, ref.id)
        if taken != 1:
            if not presale.taking_deposits(now):
                raise DepositWindowClosed(detail={"presale_id": presale.pk})
            raise PresaleSoldOut(detail={"left": (presale.quota or 0) - presale.units_booked})
        # The UPDATE holds the presale row until commit, so the customer's units below are exact.
        limit = presale.per_customer_limit
        if limit is not None and units_held(presale.pk, customer.pk) + quantity > limit:
            raise PresaleLimitReached(detail={"limit": limit})
        PresaleBooking.objects.create(
            merchant_id=customer.merchant_id,
            presale=presale,
            customer=customer,
            quantity=quantity,
            deposit_order=order,
            deposit_amount=presale.deposit * quantity,
            deduction_amount=presale.deduction * quantity,
        )


class BalanceProvider:
    kind = BALANCE

    def quote(
        self, *, customer: Customer, ref: ActivityRef, sku: Sku, quantity: int, now: datetime
    ) -> ActivityQuote:
        booking = get_booking(customer=customer, booking_id=ref.id)
        presale = booking.presale
        if booking.status != BookingStatus.DEPOSIT_PAID:
            raise BookingNotPayable(detail={"status": booking.status})
        if not presale.taking_balances(now):
            raise BalanceWindowClosed(detail={"presale_id": presale.pk, "status": presale.status})
        if sku.pk != presale.sku_id or quantity != booking.quantity:
            raise InvalidInput(
                detail={"sku_id": sku.pk, "quantity": quantity, "booking_quantity": booking.quantity}
            )
        return ActivityQuote(
            rule=ActivityPrice(
                id=ref.rule_id,
                title=presale.name,
                kind=ActivityKind.PRESALE_BALANCE,
                sku_id=sku.pk,
                price=max(sku.price - presale.deduction, 0),
                quantity=quantity,
            )
        )

    def reserve(self, *, customer: Customer, ref: ActivityRef, order: Order, sku: Sku, quantity: int) -> None:
        booking = get_booking(customer=customer, booking_id=ref.id)
        if booking.status != BookingStatus.DEPOSIT_PAID or not booking.presale.taking_balances(
            timezone.now()
        ):
            raise BookingNotPayable(detail={"status": booking.status})
        try:  # compare-and-set: two balance orders for one booking cannot both link to it
            PresaleBooking.machine.advance(booking, BookingStatus.BALANCE_PENDING, balance_order=order)
        except InvalidTransition:
            raise BookingNotPayable(detail={"status": booking.status}) from None
