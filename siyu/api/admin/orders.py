"""Staff API for orders, pickups and after-sales; and the order operations: batch shipping from a
file, export, 改价, remarks and flags, cancelling a selection."""

from __future__ import annotations

from typing import Literal

from django.db.models import Prefetch, Q
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import AfterSaleOut, ObjectId, StaffOrderOut
from siyu.api.serializers import after_sale_dict, order_dict
from siyu.core.errors import NotFound
from siyu.members.privacy import masked_address, reveal_order_phones
from siyu.members.scope import orders_visible_to
from siyu.orders.couriers import COURIERS, courier_label
from siyu.orders.errors import ShipmentBatchInvalid
from siyu.orders.models import (
    AfterSale,
    AfterSaleStatus,
    Fulfilment,
    Order,
    OrderEvent,
    OrderFlag,
    OrderLine,
    OrderStatus,
    ShipmentBatch,
)
from siyu.orders.services import adjustments, aftersales, export, lifecycle, marks, shipping
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


class OpsOrderOut(StaffOrderOut):
    """A staff order with the merchant's own marks and 改价."""

    merchant_remark: str
    flag: str = Field(description="red, yellow, green, blue, purple, or empty")
    price_adjustment: int = Field(description="fen: the 改价 discount on the goods, inside discount_amount")
    carrier_name: str = Field(description="the courier's name in the request's language")


def _ops_dict(order: Order) -> dict:
    return staff_order_dict(order) | {
        "merchant_remark": order.merchant_remark,
        "flag": order.flag,
        "price_adjustment": order.price_adjustment,
        "carrier_name": courier_label(order.carrier),
    }


def _order_out(staff: Staff, order_id: int) -> dict:
    order = _with_details(visible_orders(staff)).filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    return _ops_dict(order)


class StaffOrderFilter(Schema):
    status: OrderStatus | None = None
    fulfilment: Fulfilment | None = None
    customer_id: ObjectId | None = None
    outlet_id: ObjectId | None = None
    q: str = Field("", max_length=64, description="Order number, recipient, phone or tracking number")
    flag: OrderFlag | Literal["any"] | None = Field(None, description="a colour, or any flagged order")


def _filtered(staff: Staff, filters: StaffOrderFilter):
    qs = visible_orders(staff)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.fulfilment:
        qs = qs.filter(fulfilment=filters.fulfilment)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.outlet_id:
        qs = qs.filter(pickup_outlet_id=filters.outlet_id)
    if filters.flag:
        qs = qs.exclude(flag="") if filters.flag == "any" else qs.filter(flag=filters.flag)
    q = filters.q.strip()
    if q:
        qs = qs.filter(
            Q(number=q)
            | Q(tracking_number=q)
            | Q(shipping_address__recipient=q)
            | Q(shipping_address__phone=q)
            | Q(customer__phone=q)
        )
    return qs


@router.get("/orders", response={200: Page[OpsOrderOut], 403: ErrorOut})
def list_orders(request: StaffRequest, filters: Query[StaffOrderFilter], page: Query[PageParams]):
    require(request.staff, Perm.ORDERS_VIEW)
    return paginate(_with_details(_filtered(request.staff, filters)), page, _ops_dict)


class ExportParams(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    kind: Literal["orders", "shipping"] = Field("orders", description="shipping: the batch-shipping sheet")


@router.get(
    "/orders/export",
    response={200: None, 400: ErrorOut, 403: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV (UTF-8 with BOM, streamed) or .xlsx",
                "content": {
                    "text/csv": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                },
            }
        }
    },
)
def export_orders(request: StaffRequest, filters: Query[StaffOrderFilter], params: Query[ExportParams]):
    """The filtered orders as a spreadsheet; phones masked unless the caller may see them."""
    staff = request.staff
    export.start_order_export(
        staff=staff, kind=params.kind, file_format=params.format, filters=filters.dict(exclude_defaults=True)
    )
    orders = _filtered(staff, filters).order_by("-id")
    name = f"{params.kind}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{params.format}"
    if params.format == "xlsx":
        return FileResponse(export.xlsx_file(staff, orders, params.kind), as_attachment=True, filename=name)
    response = StreamingHttpResponse(
        export.csv_lines(staff, orders, params.kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class CourierOut(Schema):
    code: str
    name: str
    example: str


@router.get("/couriers", response={200: list[CourierOut], 403: ErrorOut})
def list_couriers(request: StaffRequest):
    """The couriers shipping accepts, each with a tracking number of its format."""
    require(request.staff, Perm.ORDERS_VIEW)
    return [{"code": c.code, "name": c.name, "example": c.example} for c in COURIERS]


# Routes whose first segment after /orders/ is a word: before /orders/{order_id}, which would match it.


class MarksIn(Schema):
    order_ids: list[ObjectId] = Field(..., min_length=1, max_length=marks.MAX_SELECTED)
    remark: str | None = Field(None, max_length=marks.MAX_REMARK, description="empty clears it")
    flag: OrderFlag | Literal[""] | None = Field(None, description="empty clears it")


class SelectionIn(Schema):
    order_ids: list[ObjectId] = Field(..., min_length=1, max_length=marks.MAX_SELECTED)


class OrderOutcomeOut(Schema):
    order_id: int
    number: str
    ok: bool
    code: str
    message: str


@router.post("/orders/marks", response={200: list[OrderOutcomeOut], **ERRORS})
def set_marks(request: StaffRequest, payload: MarksIn):
    """Set the remark (备注) and/or the flag (旗标) of several orders; the answer is per order."""
    return marks.set_order_marks(
        staff=request.staff, order_ids=payload.order_ids, remark=payload.remark, flag=payload.flag
    )


@router.post("/orders/cancel-unpaid", response={200: list[OrderOutcomeOut], **ERRORS})
def cancel_unpaid(request: StaffRequest, payload: SelectionIn):
    """Cancel the selected orders that await payment; the answer says what became of each."""
    return marks.cancel_unpaid_orders_of(staff=request.staff, order_ids=payload.order_ids)


class ShipmentRowOut(Schema):
    line: int
    order_number: str
    order_id: int | None
    carrier: str
    tracking_number: str
    outcome: str = Field(description="ready, shipped, unchanged or error")
    reason: str = Field(description="why the row does not ship (a code), empty otherwise")
    message: str


class ShipmentBatchOut(Schema):
    id: int
    filename: str
    status: str
    created_at: str
    applied_at: str | None
    counts: dict[str, int]
    rows: list[ShipmentRowOut]


def _batch_out(batch: ShipmentBatch) -> dict:
    return {
        "id": batch.pk,
        "filename": batch.filename,
        "status": batch.status,
        "created_at": batch.created_at.isoformat(),
        "applied_at": batch.applied_at.isoformat() if batch.applied_at else None,
        "counts": shipping.summary(batch.rows),
        "rows": [{**row, "message": shipping.reason_text(row)} for row in batch.rows],
    }


@router.post("/orders/shipments", response={201: ShipmentBatchOut, **ERRORS, 413: ErrorOut})
def upload_shipments(request: StaffRequest, file: File[UploadedFile]):
    """批量发货, step 1: a CSV or .xlsx of order number, courier, tracking number; every row judged,
    nothing shipped yet."""
    if file.size is None or file.size > shipping.MAX_FILE_BYTES:
        raise ShipmentBatchInvalid(detail={"max_bytes": shipping.MAX_FILE_BYTES})
    batch = shipping.preview_shipment_batch(staff=request.staff, data=file.read(), filename=file.name or "")
    return 201, _batch_out(batch)


@router.get("/orders/shipments/{batch_id}", response={200: ShipmentBatchOut, 403: ErrorOut, 404: ErrorOut})
def get_shipments(request: StaffRequest, batch_id: ObjectId):
    require(request.staff, Perm.ORDERS_FULFIL)
    return _batch_out(shipping.get_batch(staff=request.staff, batch_id=batch_id))


@router.post("/orders/shipments/{batch_id}/apply", response={200: ShipmentBatchOut, **ERRORS})
def apply_shipments(request: StaffRequest, batch_id: ObjectId):
    """批量发货, step 2: ship the ready rows at once; applying again returns the first result."""
    return _batch_out(shipping.apply_shipment_batch(staff=request.staff, batch_id=batch_id))


@router.get("/orders/{order_id}", response={200: OpsOrderOut, 403: ErrorOut, 404: ErrorOut})
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


@router.post("/orders/{order_id}/ship", response={200: OpsOrderOut, **ERRORS})
def ship_order(request: StaffRequest, order_id: ObjectId, payload: ShipIn):
    lifecycle.ship_order(
        staff=request.staff,
        order_id=order_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return _order_out(request.staff, order_id)


@router.post("/orders/{order_id}/cancel", response={200: OpsOrderOut, **ERRORS})
def cancel_order(request: StaffRequest, order_id: ObjectId):
    require(request.staff, Perm.ORDERS_FULFIL)
    order = visible_orders(request.staff).filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    lifecycle.cancel_order(order=order, actor=request.staff, reason="merchant_cancelled")
    return _order_out(request.staff, order_id)


class AdjustPriceIn(Schema):
    discount: int = Field(..., ge=0, le=10**9, description="fen: the whole 改价 discount on the goods")
    shipping_fee: int = Field(..., ge=0, le=adjustments.MAX_SHIPPING_FEE, description="fen")
    reason: str = Field(..., min_length=1, max_length=adjustments.MAX_REASON)


@router.post("/orders/{order_id}/adjust-price", response={200: OpsOrderOut, **ERRORS})
def adjust_price(request: StaffRequest, order_id: ObjectId, payload: AdjustPriceIn):
    """改价 before payment: never below the merchant's price floor, at least one fen; audited."""
    adjustments.adjust_order_price(staff=request.staff, order_id=order_id, **payload.dict())
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
