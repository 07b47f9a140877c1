"""Staff API for orders, pickups and after-sales."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from ninja import Field, Query, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import AfterSaleOut, ObjectId, StaffOrderOut
from siyu.api.serializers import after_sale_dict, order_dict
from siyu.core.errors import NotFound
from siyu.members.privacy import masked_address, reveal_order_phones
from siyu.members.scope import orders_visible_to
from siyu.orders.models import (
    AfterSale,
    AfterSaleStatus,
    Fulfilment,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from siyu.orders.services import aftersales, lifecycle
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

router = Router(tags=["admin: orders"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def visible_orders(staff: Staff):
    """Orders a staff member may see (``siyu/members/scope.py``): all of the merchant's, a guide's
    customers' orders, or the pickups at their outlets (and their guides' customers')."""
    return orders_visible_to(staff)


def staff_order_dict(order: Order) -> dict:
    """An order as staff read it: the recipient's phone masked (docs/guides.md; ``reveal-phone``)."""
    data = order_dict(order, staff=True)
    data["shipping_address"] = masked_address(data["shipping_address"])
    return data


def _with_details(qs):
    return qs.select_related("customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
    )


def _order_out(staff: Staff, order_id: int) -> dict:
    order = _with_details(visible_orders(staff)).filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    return staff_order_dict(order)


class StaffOrderFilter(Schema):
    status: OrderStatus | None = None
    fulfilment: Fulfilment | None = None
    customer_id: ObjectId | None = None
    outlet_id: ObjectId | None = None
    q: str = Field("", max_length=64, description="Order number, recipient, phone or tracking number")


@router.get("/orders", response={200: Page[StaffOrderOut], 403: ErrorOut})
def list_orders(request: StaffRequest, filters: Query[StaffOrderFilter], page: Query[PageParams]):
    require(request.staff, Perm.ORDERS_VIEW)
    qs = visible_orders(request.staff)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.fulfilment:
        qs = qs.filter(fulfilment=filters.fulfilment)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.outlet_id:
        qs = qs.filter(pickup_outlet_id=filters.outlet_id)
    q = filters.q.strip()
    if q:
        qs = qs.filter(
            Q(number=q)
            | Q(tracking_number=q)
            | Q(shipping_address__recipient=q)
            | Q(shipping_address__phone=q)
            | Q(customer__phone=q)
        )
    return paginate(_with_details(qs), page, staff_order_dict)


@router.get("/orders/{order_id}", response={200: StaffOrderOut, 403: ErrorOut, 404: ErrorOut})
def get_order(request: StaffRequest, order_id: ObjectId):
    require(request.staff, Perm.ORDERS_VIEW)
    return _order_out(request.staff, order_id)


class OrderPhonesOut(Schema):
    order_id: int
    recipient_phone: str
    customer_phone: str


@router.post("/orders/{order_id}/reveal-phone", response={200: OrderPhonesOut, 403: ErrorOut, 404: ErrorOut})
def reveal_order_phone(request: StaffRequest, order_id: ObjectId):
    """The full numbers of the order's recipient and customer (``customers.view_phone``); audited
    as ``order.phone_revealed``. Every other answer shows them masked."""
    order = reveal_order_phones(staff=request.staff, order_id=order_id)
    address = order.shipping_address or {}
    return {
        "order_id": order.pk,
        "recipient_phone": address.get("phone") or "",
        "customer_phone": order.customer.phone or "",
    }


class ShipIn(Schema):
    carrier: str = Field(..., min_length=1, max_length=32)
    tracking_number: str = Field(..., min_length=1, max_length=64)


@router.post("/orders/{order_id}/ship", response={200: StaffOrderOut, **ERRORS})
def ship_order(request: StaffRequest, order_id: ObjectId, payload: ShipIn):
    lifecycle.ship_order(
        staff=request.staff,
        order_id=order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return _order_out(request.staff, order_id)


@router.post("/orders/{order_id}/cancel", response={200: StaffOrderOut, **ERRORS})
def cancel_order(request: StaffRequest, order_id: ObjectId):
    require(request.staff, Perm.ORDERS_FULFIL)
    order = visible_orders(request.staff).filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    lifecycle.cancel_order(order=order, actor=request.staff, reason="merchant_cancelled")
    return _order_out(request.staff, order_id)


class PickupIn(Schema):
    code: str = Field(..., min_length=4, max_length=8, pattern=r"^\d+$")


@router.post("/pickups/verify", response={200: StaffOrderOut, **ERRORS})
def verify_pickup(request: StaffRequest, payload: PickupIn):
    """Hand over a self-pickup order after checking the customer's pickup code (核销)."""
    order = lifecycle.verify_pickup(staff=request.staff, code=payload.code)
    return _order_out(request.staff, order.pk)


class AfterSaleFilter(Schema):
    status: AfterSaleStatus | None = None
    order_id: ObjectId | None = None


def _after_sales(staff: Staff):
    return AfterSale.objects.filter(order__in=visible_orders(staff)).prefetch_related("lines")


def _after_sale_out(staff: Staff, after_sale_id: int) -> dict:
    row = _after_sales(staff).filter(pk=after_sale_id).first()
    if row is None:
        raise NotFound(detail={"after_sale_id": after_sale_id})
    return after_sale_dict(row)


@router.get("/after-sales", response={200: Page[AfterSaleOut], 403: ErrorOut})
def list_after_sales(request: StaffRequest, filters: Query[AfterSaleFilter], page: Query[PageParams]):
    require(request.staff, Perm.ORDERS_VIEW)
    qs = _after_sales(request.staff)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.order_id:
        qs = qs.filter(order_id=filters.order_id)
    return paginate(qs, page, after_sale_dict)


@router.get("/after-sales/{after_sale_id}", response={200: AfterSaleOut, 403: ErrorOut, 404: ErrorOut})
def get_after_sale(request: StaffRequest, after_sale_id: ObjectId):
    require(request.staff, Perm.ORDERS_VIEW)
    return _after_sale_out(request.staff, after_sale_id)


class ReviewIn(Schema):
    note: str = Field("", max_length=200)


@router.post("/after-sales/{after_sale_id}/approve", response={200: AfterSaleOut, **ERRORS})
def approve(request: StaffRequest, after_sale_id: ObjectId, payload: ReviewIn):
    """Approve: refund-only requests are refunded at once; returns wait for the goods."""
    _after_sale_out(request.staff, after_sale_id)
    aftersales.approve_after_sale(staff=request.staff, after_sale_id=after_sale_id, note=payload.note)
    return _after_sale_out(request.staff, after_sale_id)


@router.post("/after-sales/{after_sale_id}/reject", response={200: AfterSaleOut, **ERRORS})
def reject(request: StaffRequest, after_sale_id: ObjectId, payload: ReviewIn):
    _after_sale_out(request.staff, after_sale_id)
    aftersales.reject_after_sale(staff=request.staff, after_sale_id=after_sale_id, note=payload.note)
    return _after_sale_out(request.staff, after_sale_id)


@router.post("/after-sales/{after_sale_id}/receive", response={200: AfterSaleOut, **ERRORS})
def receive_goods(request: StaffRequest, after_sale_id: ObjectId):
    """The returned goods arrived: restock them and refund."""
    _after_sale_out(request.staff, after_sale_id)
    aftersales.confirm_goods_returned(staff=request.staff, after_sale_id=after_sale_id)
    return _after_sale_out(request.staff, after_sale_id)
