"""Presales: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest, ShopVisitor, StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.schemas import MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import order_dict
from siyu.core.models import TenantQuerySet
from siyu.orders.models import Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.presale.models import Presale, PresaleBooking, PresaleStatus
from siyu.promotions.presale.playbook import PRESALES
from siyu.promotions.presale.providers import BALANCE, DEPOSIT
from siyu.promotions.presale.services import admin, bookings
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

shop_router = Router(tags=["shop: presale"], auth=CustomerBearer())
admin_router = Router(tags=["admin: presale"], auth=staff_auth)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
SHOP_ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_FEN = 10**9


class PresaleIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    sku_id: ObjectId = Field(..., description="the goods, bought and shipped with the balance")
    deposit_sku_id: ObjectId = Field(..., description="a SKU of its own that stands for the deposit")
    deposit: int = Field(..., ge=1, le=MAX_FEN, description="D: fen per unit paid up front")
    deduction: int = Field(..., ge=1, le=MAX_FEN, description="E >= D: fen per unit off the balance")
    deposit_starts_at: datetime
    deposit_ends_at: datetime
    balance_starts_at: datetime
    balance_ends_at: datetime
    ship_date: date
    deposit_refundable: bool = False
    per_customer_limit: int | None = Field(None, ge=1, le=999)
    quota: int | None = Field(None, ge=1, le=10**7)


class PresalePatch(PatchIn):
    NULLABLE = frozenset({"per_customer_limit", "quota"})  # null clears: no limit / the default

    name: str | None = Field(None, min_length=1, max_length=64)
    deposit: int | None = Field(None, ge=1, le=MAX_FEN)
    deduction: int | None = Field(None, ge=1, le=MAX_FEN)
    deposit_starts_at: datetime | None = None
    deposit_ends_at: datetime | None = None
    balance_starts_at: datetime | None = None
    balance_ends_at: datetime | None = None
    ship_date: date | None = None
    deposit_refundable: bool | None = None
    per_customer_limit: int | None = Field(None, ge=1, le=999)
    quota: int | None = Field(None, ge=1, le=10**7)


class PresaleOut(Schema):
    id: int
    name: str
    status: str
    sku_id: int
    deposit_sku_id: int
    price: int = Field(..., description="the SKU's price now")
    deposit: int
    deduction: int
    balance_price: int = Field(..., description="per unit at the balance: price - deduction")
    deposit_starts_at: datetime
    deposit_ends_at: datetime
    balance_starts_at: datetime
    balance_ends_at: datetime
    ship_date: date
    deposit_refundable: bool
    per_customer_limit: int | None
    quota: int | None
    units_booked: int


class PresaleBookingOut(Schema):
    id: int
    presale_id: int
    presale_name: str
    customer_id: int
    quantity: int
    status: str
    deposit_order_id: int
    balance_order_id: int | None
    deposit_amount: int
    deduction_amount: int
    created_at: datetime
    deposit_paid_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None


class PresaleBookingFilter(Schema):
    status: str | None = Field(
        None,
        pattern="^(deposit_pending|deposit_paid|balance_pending|completed|cancelled|forfeited|refunded)$",
    )


class PresaleFilter(Schema):
    status: str | None = Field(None, pattern="^(active|paused|ended|cancelled)$")


class PresaleOrderIn(Schema):
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)


class PresaleDepositIn(PresaleOrderIn):
    quantity: int = Field(1, ge=1, le=999)


class PresaleBookingOrderOut(Schema):
    booking: PresaleBookingOut
    order: OrderOut


class PresaleStatsOut(Schema):
    presale_id: int
    participants: int
    bookings: dict[str, int]
    units: dict[str, int]
    orders: int = Field(..., description="paid deposit and balance orders")
    deposits: int = Field(..., description="fen of deposits paid (refunded ones excluded)")
    forfeited: int = Field(..., description="fen of deposits kept because the balance was not paid")
    balances: int = Field(..., description="fen of balances paid")
    gmv: int = Field(..., description="deposits + balances")
    discount_cost: int = Field(..., description="fen the deposits inflated by on completed bookings: E - D")


def _presale_out(p: Presale) -> dict[str, Any]:
    return {
        **{f: getattr(p, f) for f in PresaleOut.model_fields if f not in {"price", "balance_price"}},
        "price": p.sku.price,
        "balance_price": max(p.sku.price - p.deduction, 0),
    }


def _booking_out(b: PresaleBooking) -> dict[str, Any]:
    return {
        **{f: getattr(b, f) for f in PresaleBookingOut.model_fields if f != "presale_name"},
        "presale_name": b.presale.name,
    }


def _presales(merchant_id: int) -> TenantQuerySet:
    return Presale.objects.for_merchant(merchant_id).select_related("sku")


def _get(request: StaffRequest, presale_id: int) -> Presale:
    require(request.staff, Perm.PROMOTIONS_VIEW)
    return _presales(request.staff.merchant_id).get_owned(presale_id)


# ---- staff ----------------------------------------------------------------------------------------


def _create(staff: Staff, payload: PresaleIn) -> Presale:
    return admin.create_presale(staff=staff, **payload.dict())


def _update(staff: Staff, presale_id: int, payload: PresalePatch) -> None:
    admin.update_presale(staff=staff, presale_id=presale_id, changes=payload.dict(exclude_unset=True))


def _listed(qs: QuerySet[Presale], filters: PresaleFilter) -> QuerySet[Presale]:
    return qs.filter(status=filters.status) if filters.status else qs


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=PRESALES,
        path="/presales",
        id_name="presale_id",
        out=PresaleOut,
        create_in=PresaleIn,
        patch_in=PresalePatch,
        filters=PresaleFilter,
        stats_out=PresaleStatsOut,
        staff_rows=_presales,
        render=lambda presale, now: _presale_out(presale),
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("presale"),
        docs={
            "pause": "Stop taking deposits for now.",
            "end": "Take no more deposits; balances are still paid in their window.",
        },
    ),
    module=__name__,
)


@admin_router.post("/presales/{presale_id}/cancel", response={200: PresaleOut, **ERRORS})
def cancel_presale(request: StaffRequest, presale_id: ObjectId):
    """Call the presale off: deposits not completed by a paid balance are refunded."""
    admin.cancel_presale(staff=request.staff, presale_id=presale_id)
    return _presale_out(_get(request, presale_id))


@admin_router.get(
    "/presales/{presale_id}/bookings", response={200: Page[PresaleBookingOut], 403: ErrorOut, 404: ErrorOut}
)
def list_bookings(
    request: StaffRequest, presale_id: ObjectId, filters: Query[PresaleBookingFilter], page: Query[PageParams]
):
    presale = _get(request, presale_id)
    qs = (
        PresaleBooking.objects.for_merchant(presale.merchant_id)
        .filter(presale=presale)
        .select_related("presale")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, _booking_out)


# ---- shop -----------------------------------------------------------------------------------------


@shop_router.get("/presales", response=list[PresaleOut], auth=ShopVisitor())
def open_presales(request: ShopRequest, merchant: MerchantSlug):
    """Presales taking deposits or balances now."""
    now = timezone.now()
    qs = _presales(request.merchant.pk).filter(
        status__in=[PresaleStatus.ACTIVE, PresaleStatus.PAUSED, PresaleStatus.ENDED],
        deposit_starts_at__lte=now,
        balance_ends_at__gt=now,
    )
    return [_presale_out(p) for p in qs]


@shop_router.get("/presales/{presale_id}", response={200: PresaleOut, 404: ErrorOut}, auth=ShopVisitor())
def get_shop_presale(request: ShopRequest, merchant: MerchantSlug, presale_id: ObjectId):
    return _presale_out(_presales(request.merchant.pk).get_owned(presale_id))


def _place(
    request: ShopRequest, sku_id: int, quantity: int, ref: ActivityRef, payload: PresaleOrderIn
) -> Order:
    order, _created = checkout.place_order(
        customer=request.customer,
        request=checkout.CheckoutRequest(
            lines=[checkout.LineRequest(sku_id, quantity, ref)],
            fulfilment=payload.fulfilment,
            address_id=payload.address_id,
            pickup_outlet_id=payload.pickup_outlet_id,
            note=payload.note,
            source="presale",
        ),
    )
    return order


def _booking_order(customer, booking: PresaleBooking, order_id: int) -> dict[str, Any]:
    order = Order.objects.prefetch_related("lines").get(pk=order_id, customer=customer)
    return {"booking": _booking_out(booking), "order": order_dict(order)}


@shop_router.post("/presales/{presale_id}/deposit", response={201: PresaleBookingOrderOut, **SHOP_ERRORS})
def pay_deposit(
    request: ShopRequest, merchant: MerchantSlug, presale_id: ObjectId, payload: PresaleDepositIn
):
    """Order the deposit (pay it through the order's payment routes). The address or outlet chosen
    here is only for this order; the goods ship with the balance order."""
    presale = Presale.objects.for_merchant(request.customer.merchant_id).get_owned(presale_id)
    order = _place(
        request, presale.deposit_sku_id, payload.quantity, ActivityRef(DEPOSIT, presale.pk), payload
    )
    booking = PresaleBooking.objects.select_related("presale").get(deposit_order=order)
    return 201, _booking_order(request.customer, booking, order.pk)


@shop_router.get("/presale-bookings", response=Page[PresaleBookingOut])
def my_bookings(
    request: ShopRequest,
    merchant: MerchantSlug,
    filters: Query[PresaleBookingFilter],
    page: Query[PageParams],
):
    qs = (
        PresaleBooking.objects.for_merchant(request.customer.merchant_id)
        .filter(customer=request.customer)
        .select_related("presale")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, _booking_out)


@shop_router.get("/presale-bookings/{presale_booking_id}", response={200: PresaleBookingOut, 404: ErrorOut})
def get_booking(request: ShopRequest, merchant: MerchantSlug, presale_booking_id: ObjectId):
    return _booking_out(bookings.get_booking(customer=request.customer, booking_id=presale_booking_id))


@shop_router.post(
    "/presale-bookings/{presale_booking_id}/balance", response={201: PresaleBookingOrderOut, **SHOP_ERRORS}
)
def pay_balance(
    request: ShopRequest, merchant: MerchantSlug, presale_booking_id: ObjectId, payload: PresaleOrderIn
):
    """Order the balance in the final-payment window: the goods at their price minus the deduction."""
    booking = bookings.get_booking(customer=request.customer, booking_id=presale_booking_id)
    order = _place(
        request, booking.presale.sku_id, booking.quantity, ActivityRef(BALANCE, booking.pk), payload
    )
    booking.refresh_from_db()
    return 201, _booking_order(request.customer, booking, order.pk)


@shop_router.post(
    "/presale-bookings/{presale_booking_id}/cancel", response={200: PresaleBookingOut, **SHOP_ERRORS}
)
def cancel_booking(request: ShopRequest, merchant: MerchantSlug, presale_booking_id: ObjectId):
    """Withdraw: an unpaid deposit order is cancelled; a paid deposit comes back only if refundable."""
    bookings.cancel_booking(customer=request.customer, booking_id=presale_booking_id)
    return _booking_out(bookings.get_booking(customer=request.customer, booking_id=presale_booking_id))
