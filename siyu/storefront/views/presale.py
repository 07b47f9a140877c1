"""预售 / 定金膨胀 pages: the presale (what the deposit inflates to, both windows), paying the deposit,
and the customer's booking (its state, the balance to pay in the final-payment window, withdrawing).

The deposit and the balance are orders placed by checkout with the presale's activity line, as the
shop API does (``siyu/api/promotions/presale.py``); the presale's providers price them and open or
complete the booking. Refusals (window closed, sold out, limit, not refundable) are the services'
own errors, shown on the error page with nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import NotFound
from siyu.promotions.activities import ActivityRef
from siyu.promotions.presale.models import BookingStatus, Presale, PresaleBooking, PresaleStatus
from siyu.promotions.presale.providers import BALANCE, DEPOSIT
from siyu.promotions.presale.services import bookings
from siyu.storefront import selectors
from siyu.storefront.sharing import share_links
from siyu.storefront.views.base import Shop, ShopPageRequest, SignedInShop, page, shop_page
from siyu.storefront.views.campaigns import (
    ask_for_address,
    delivery_address,
    form_token,
    place_activity_order,
    posted_quantity,
)
from siyu.storefront.views.checkout import pay_redirect

MAX_UNITS = 999  # per deposit, as the shop API's PresaleDepositIn allows
MY_BOOKINGS = 20


@dataclass(frozen=True)
class Terms:
    """What one unit costs: the deposit now, what it counts as, the balance later, the total."""

    price: int
    deposit: int
    deduction: int

    @property
    def balance(self) -> int:
        return max(self.price - self.deduction, 0)

    @property
    def total(self) -> int:
        return self.deposit + self.balance

    @property
    def saving(self) -> int:
        return self.price - self.total


def terms(presale: Presale) -> Terms:
    return Terms(price=presale.sku.price, deposit=presale.deposit, deduction=presale.deduction)


def presale_phase(presale: Presale, now: datetime) -> str:
    """``cancelled``, ``upcoming`` (deposits not open yet), ``deposit`` (taking deposits),
    ``paused`` (deposits held), ``waiting`` (between the windows, or deposits ended), ``balance``
    (final-payment window open) or ``over``."""
    if presale.status == PresaleStatus.CANCELLED:
        return "cancelled"
    if now >= presale.balance_ends_at:
        return "over"
    if presale.taking_balances(now):
        return "balance"
    if now < presale.deposit_starts_at:
        return "upcoming"
    if presale.taking_deposits(now):
        return "deposit"
    if presale.status == PresaleStatus.PAUSED and now < presale.deposit_ends_at:
        return "paused"
    return "waiting"


def _presale(shop: Shop, presale_id: int) -> Presale:
    found = (
        Presale.objects.for_merchant(shop.merchant)
        .select_related("sku__product")
        .filter(pk=presale_id)
        .first()
    )
    if found is None:
        raise NotFound(detail={"presale_id": presale_id})
    return found


@shop_page()
def presale(request: ShopPageRequest, shop: Shop, presale_id: int) -> HttpResponse:
    now = timezone.now()
    found = _presale(shop, presale_id)
    mine: list[PresaleBooking] = []
    addresses = []
    if shop.customer is not None:
        mine = list(
            PresaleBooking.objects.for_merchant(shop.merchant)
            .filter(presale=found, customer=shop.customer)
            .order_by("-id")[:MY_BOOKINGS]
        )
        addresses = selectors.addresses(customer=shop.customer)
    left = None if found.quota is None else max(found.quota - found.units_booked, 0)
    limit = found.per_customer_limit
    return page(
        request,
        "storefront/presale.html",
        {
            "presale": found,
            "terms": terms(found),
            "phase": presale_phase(found, now),
            "left": left,
            "max_qty": max(min(limit or MAX_UNITS, MAX_UNITS if left is None else left), 1),
            "bookings": mine,
            "addresses": addresses,
            "token": form_token(),
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def pay_deposit(request: ShopPageRequest, shop: SignedInShop, presale_id: int) -> HttpResponse:
    """Order the deposit SKU at D per unit (the order is held: it never ships), then pay."""
    found = _presale(shop, presale_id)
    quantity = posted_quantity(request, high=MAX_UNITS)
    address_id = delivery_address(request, shop)
    if address_id is None:
        return ask_for_address(request, shop, shop.url("presale", found.pk))
    order = place_activity_order(
        request,
        shop,
        sku_id=found.deposit_sku_id,
        quantity=quantity,
        ref=ActivityRef(DEPOSIT, found.pk),
        address_id=address_id,
        # A deposit takes no coupon: it would shrink what is paid while the deduction stays E.
        coupon_ids=(),
    )
    booking = PresaleBooking.objects.for_merchant(shop.merchant).get(deposit_order=order)
    return pay_redirect(request, shop, order, back=shop.url("presale_booking", booking.pk))


def _booking(shop: SignedInShop, booking_id: int) -> PresaleBooking:
    found = (
        PresaleBooking.objects.for_merchant(shop.merchant)
        .filter(pk=booking_id, customer=shop.customer)
        .select_related("presale__sku__product", "deposit_order", "balance_order")
        .first()
    )
    if found is None:
        raise NotFound(detail={"booking_id": booking_id})
    return found


@shop_page(login=True)
def booking(request: ShopPageRequest, shop: SignedInShop, booking_id: int) -> HttpResponse:
    """The customer's booking: its state, the amounts, and the one action it allows now."""
    now = timezone.now()
    found = _booking(shop, booking_id)
    presale = found.presale
    unit = terms(presale)
    balance_open = presale.taking_balances(now)
    status = found.status
    return page(
        request,
        "storefront/presale_booking.html",
        {
            "booking": found,
            "presale": presale,
            "terms": unit,
            "balance_amount": unit.balance * found.quantity,
            "can_pay_balance": status == BookingStatus.DEPOSIT_PAID and balance_open,
            "balance_later": status == BookingStatus.DEPOSIT_PAID and now < presale.balance_starts_at,
            "can_cancel": status == BookingStatus.DEPOSIT_PENDING
            or (status == BookingStatus.DEPOSIT_PAID and presale.deposit_refundable),
            "addresses": selectors.addresses(customer=shop.customer) if balance_open else [],
            "token": form_token(),
            "shares": share_links(request, shop, path=shop.url("presale", presale.pk)),
        },
    )


@shop_page(login=True, methods=("POST",))
def pay_balance(request: ShopPageRequest, shop: SignedInShop, booking_id: int) -> HttpResponse:
    """Order the goods for the booking's units at price - E each, then pay; the goods ship."""
    found = _booking(shop, booking_id)
    back = shop.url("presale_booking", found.pk)
    address_id = delivery_address(request, shop)
    if address_id is None:
        return ask_for_address(request, shop, back)
    order = place_activity_order(
        request,
        shop,
        sku_id=found.presale.sku_id,
        quantity=found.quantity,
        ref=ActivityRef(BALANCE, found.pk),
        address_id=address_id,
        coupon_ids=None,  # as the shop API: the balance takes the best coupons
    )
    return pay_redirect(request, shop, order, back=back)


@shop_page(login=True, methods=("POST",))
def cancel_booking(request: ShopPageRequest, shop: SignedInShop, booking_id: int) -> HttpResponse:
    """Withdraw: an unpaid deposit order is cancelled; a paid deposit comes back if refundable."""
    before = _booking(shop, booking_id).status
    bookings.cancel_booking(customer=shop.customer, booking_id=booking_id)
    if before == BookingStatus.DEPOSIT_PENDING:
        messages.success(request, _("The deposit order was cancelled."))
    else:
        messages.success(request, _("Your deposit is being refunded."))
    return HttpResponseRedirect(shop.url("presale_booking", booking_id))
