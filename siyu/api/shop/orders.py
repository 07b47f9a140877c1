"""Cart, checkout, orders, payments and after-sales for the logged-in customer."""

from __future__ import annotations

from django.db.models import Prefetch
from ninja import Field, Header, Query, Router, Schema

from siyu.api.auth import CustomerBearer, ShopRequest
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import AfterSaleOut, MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import after_sale_dict, order_dict, product_dict
from siyu.catalog import selectors as catalog
from siyu.core.errors import NotFound
from siyu.orders.models import AfterSale, CartItem, Order, OrderLine, OrderStatus
from siyu.orders.services import aftersales, cart, checkout, lifecycle, payments
from siyu.promotions.activities import ActivityRef

router = Router(tags=["shop: orders"], auth=CustomerBearer())

IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=64)
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class CartItemIn(Schema):
    sku_id: ObjectId
    quantity: int = Field(..., ge=1, le=999)


class CartItemUpdate(Schema):
    quantity: int = Field(..., ge=0, le=999)
    selected: bool | None = None


class CartRowOut(Schema):
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    image: str
    unit_price: int
    quantity: int
    selected: bool
    available: int
    on_sale: bool


class CartOut(Schema):
    items: list[CartRowOut]
    selected_goods_amount: int


def _cart(customer) -> dict:
    items = list(CartItem.objects.filter(customer=customer).select_related("sku__product"))
    product_ids = {i.sku.product_id for i in items}
    products = {p.pk: p for p in catalog.products(merchant=customer.merchant).filter(pk__in=product_ids)}
    rows = []
    for item in items:
        product = product_dict(products[item.sku.product_id], active_only=False)
        sku = next(s for s in product["skus"] if s["id"] == item.sku_id)
        rows.append(
            {
                "sku_id": item.sku_id,
                "product_id": product["id"],
                "product_name": product["name"],
                "specs": sku["specs"],
                "image": (product["images"] or [""])[0],
                "unit_price": sku["price"],
                "quantity": item.quantity,
                "selected": item.selected,
                "available": sku["available"],
                "on_sale": product["status"] == "on_sale" and sku["is_active"],
            }
        )
    total = sum(r["unit_price"] * r["quantity"] for r in rows if r["selected"] and r["on_sale"])
    return {"items": rows, "selected_goods_amount": total}


@router.get("/cart", response=CartOut)
def get_cart(request: ShopRequest, merchant: MerchantSlug):
    return _cart(request.customer)


@router.post("/cart/items", response={200: CartOut, **ERRORS})
def add_cart_item(request: ShopRequest, merchant: MerchantSlug, payload: CartItemIn):
    cart.add_to_cart(customer=request.customer, sku_id=payload.sku_id, quantity=payload.quantity)
    return _cart(request.customer)


@router.put("/cart/items/{sku_id}", response={200: CartOut, **ERRORS})
def update_cart_item(request: ShopRequest, merchant: MerchantSlug, sku_id: ObjectId, payload: CartItemUpdate):
    cart.update_cart_item(
        customer=request.customer, sku_id=sku_id, quantity=payload.quantity, selected=payload.selected
    )
    return _cart(request.customer)


@router.delete("/cart/items/{sku_id}", response=CartOut)
def delete_cart_item(request: ShopRequest, merchant: MerchantSlug, sku_id: ObjectId):
    cart.clear_cart(customer=request.customer, sku_ids=[sku_id])
    return _cart(request.customer)


class ActivityIn(Schema):
    kind: str = Field(..., pattern="^[a-z_]{1,24}$", description="flash_sale, group_buy, bargain, ...")
    id: ObjectId


class LineIn(Schema):
    sku_id: ObjectId
    quantity: int = Field(..., ge=1, le=999)
    activity: ActivityIn | None = Field(None, description="buy these units through an activity")


class AddOnIn(Schema):
    promotion_id: ObjectId
    quantity: int = Field(..., ge=1, le=10)


class CheckoutIn(Schema):
    lines: list[LineIn] | None = Field(
        None, max_length=50, description="Omit to check out the cart's selected rows"
    )
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)
    source: str = Field(
        "",
        max_length=16,
        description="the channel the customer came by, one of "
        + ", ".join(sorted(checkout.CHANNELS))
        + "; empty for none (the last touch then counts). Anything else is refused with unknown_source.",
    )
    coupon_ids: list[ObjectId] | None = Field(
        None, max_length=10, description="Omit for the best coupons; [] for none"
    )
    add_ons: list[AddOnIn] = Field([], max_length=10, description="加价购 items picked")
    points: int = Field(0, ge=0, le=10**9, description="the most points to spend (积分抵扣); 0 = none")


class QuoteLineOut(Schema):
    key: str
    kind: str
    sku_id: int
    quantity: int
    unit_price: int
    goods_amount: int
    discount_amount: int
    payable_amount: int


class AdjustmentOut(Schema):
    kind: str
    rule_id: str
    amount: int
    label_zh: str
    label_en: str


class CouponVerdictOut(Schema):
    coupon_id: int
    usable: bool
    chosen: bool
    value: int
    reason: str
    reason_zh: str
    reason_en: str
    label_zh: str
    label_en: str


class HintOut(Schema):
    kind: str
    rule_id: str
    gap_amount: int
    gap_quantity: int
    text_zh: str
    text_en: str


class QuoteOut(Schema):
    lines: list[QuoteLineOut]
    goods_amount: int
    discount_amount: int
    shipping_fee: int
    payable_amount: int
    points_amount: int = Field(..., description="fen paid with points")
    points_used: int
    adjustments: list[AdjustmentOut]
    coupons: list[CouponVerdictOut]
    chosen_coupon_ids: list[int]
    hints: list[HintOut]


def _checkout_request(payload: CheckoutIn) -> checkout.CheckoutRequest:
    lines = (
        None
        if payload.lines is None
        else [
            checkout.LineRequest(
                x.sku_id, x.quantity, ActivityRef(x.activity.kind, x.activity.id) if x.activity else None
            )
            for x in payload.lines
        ]
    )
    return checkout.CheckoutRequest(
        lines=lines,
        fulfilment=payload.fulfilment,
        address_id=payload.address_id,
        pickup_outlet_id=payload.pickup_outlet_id,
        note=payload.note,
        source=checkout.customer_channel(payload.source),
        coupon_ids=None if payload.coupon_ids is None else tuple(payload.coupon_ids),
        add_ons={a.promotion_id: a.quantity for a in payload.add_ons},
        points=payload.points,
    )


@router.post("/checkout/quote", response={200: QuoteOut, **ERRORS})
def quote(request: ShopRequest, merchant: MerchantSlug, payload: CheckoutIn):
    """Price a prospective order (the checkout page's breakdown) without creating it."""
    priced, _skus = checkout.quote(customer=request.customer, request=_checkout_request(payload))
    return quote_dict(priced)


def quote_dict(priced: checkout.Quote) -> dict:
    result = priced.result
    return {
        "lines": [
            {
                "key": p.key,
                "kind": str(p.kind),
                "sku_id": p.sku_id,
                "quantity": p.quantity,
                "unit_price": p.unit_price,
                "goods_amount": p.goods_amount,
                "discount_amount": p.discount_amount + p.points_amount,
                "payable_amount": p.payable_amount,
            }
            for p in result.lines
        ],
        "goods_amount": priced.goods_amount,
        "discount_amount": priced.discount_amount,
        "shipping_fee": priced.shipping_fee,
        "payable_amount": priced.payable_amount,
        "points_amount": result.points_amount,
        "points_used": result.points_used,
        "adjustments": priced.adjustments(),
        "coupons": [
            {**v.__dict__, "coupon_id": int(v.coupon_id.split(":", 1)[1])}
            for v in result.coupons
            if v.coupon_id.startswith("coupon:")
        ],
        "chosen_coupon_ids": [int(c.split(":", 1)[1]) for c in result.chosen_coupon_ids],
        "hints": [h.__dict__ for h in result.hints],
    }


def _orders(customer):
    return Order.objects.filter(merchant_id=customer.merchant_id, customer=customer).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )


def _order(customer, order_id: int) -> Order:
    order = _orders(customer).filter(pk=order_id).first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    return order


@router.post("/orders", response={201: OrderOut, 200: OrderOut, **ERRORS})
def create_order(
    request: ShopRequest,
    merchant: MerchantSlug,
    payload: CheckoutIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """Create an order awaiting payment. Send an ``Idempotency-Key`` so a retry returns the same order."""
    order, created = checkout.place_order(
        customer=request.customer, request=_checkout_request(payload), idempotency_key=idempotency_key or None
    )
    return (201 if created else 200), order_dict(_order(request.customer, order.pk))


class ShopOrderFilter(Schema):
    status: OrderStatus | None = None


@router.get("/orders", response=Page[OrderOut])
def list_orders(
    request: ShopRequest, merchant: MerchantSlug, filters: Query[ShopOrderFilter], page: Query[PageParams]
):
    qs = _orders(request.customer)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, page, order_dict)


@router.get("/orders/{order_id}", response={200: OrderOut, 404: ErrorOut})
def get_order(request: ShopRequest, merchant: MerchantSlug, order_id: ObjectId):
    return order_dict(_order(request.customer, order_id))


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel_order(request: ShopRequest, merchant: MerchantSlug, order_id: ObjectId):
    order = _order(request.customer, order_id)
    lifecycle.cancel_order(order=order, actor=request.customer, reason="customer_cancelled")
    return order_dict(_order(request.customer, order_id))


@router.post("/orders/{order_id}/confirm-receipt", response={200: OrderOut, **ERRORS})
def confirm_receipt(request: ShopRequest, merchant: MerchantSlug, order_id: ObjectId):
    lifecycle.confirm_receipt(customer=request.customer, order_id=order_id)
    return order_dict(_order(request.customer, order_id))


class PaymentIn(Schema):
    # Empty: the shop's own gateway (WeChat Pay when configured, else the sandbox where allowed).
    gateway: str = Field("", max_length=16)


class PaymentOut(Schema):
    payment_number: str
    amount: int
    status: str
    action: str
    url: str
    params: dict[str, str]


@router.post("/orders/{order_id}/payments", response={201: PaymentOut, **ERRORS})
def start_payment(
    request: ShopRequest,
    merchant: MerchantSlug,
    order_id: ObjectId,
    payload: PaymentIn,
    idempotency_key: str | None = IdempotencyKey,
):
    """Open a payment for the order; the response says where the customer goes to pay."""
    started = payments.start_payment(
        customer=request.customer,
        order_id=order_id,
        gateway=payload.gateway,
        idempotency_key=idempotency_key or None,
    )
    p = started.payment
    return 201, {
        "payment_number": p.number,
        "amount": p.amount,
        "status": p.status,
        "action": started.action.kind,
        "url": started.action.url,
        "params": dict(started.action.params or {}),
    }


class AfterSaleLineIn(Schema):
    order_line_id: ObjectId
    quantity: int = Field(..., ge=1, le=999)


class AfterSaleIn(Schema):
    kind: str = Field(..., pattern="^(refund_only|return_refund)$")
    reason: str = Field(..., min_length=1, max_length=64)
    description: str = Field("", max_length=500)
    lines: list[AfterSaleLineIn] | None = Field(None, max_length=50, description="Omit for everything left")


def _after_sales(customer):
    return AfterSale.objects.filter(merchant_id=customer.merchant_id, customer=customer).prefetch_related(
        "lines"
    )


def _after_sale_out(customer, after_sale_id: int) -> dict:
    row = _after_sales(customer).filter(pk=after_sale_id).first()
    if row is None:
        raise NotFound(detail={"after_sale_id": after_sale_id})
    return after_sale_dict(row)


@router.post("/orders/{order_id}/after-sales", response={201: AfterSaleOut, **ERRORS})
def request_after_sale(
    request: ShopRequest, merchant: MerchantSlug, order_id: ObjectId, payload: AfterSaleIn
):
    lines = (
        [aftersales.AfterSaleLineRequest(r.order_line_id, r.quantity) for r in payload.lines]
        if payload.lines is not None
        else None
    )
    row = aftersales.request_after_sale(
        customer=request.customer,
        order_id=order_id,
        kind=payload.kind,
        reason=payload.reason,
        description=payload.description,
        lines=lines,
    )
    return 201, _after_sale_out(request.customer, row.pk)


@router.get("/after-sales", response=Page[AfterSaleOut])
def list_after_sales(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    return paginate(_after_sales(request.customer), page, after_sale_dict)


@router.get("/after-sales/{after_sale_id}", response={200: AfterSaleOut, 404: ErrorOut})
def get_after_sale(request: ShopRequest, merchant: MerchantSlug, after_sale_id: ObjectId):
    return _after_sale_out(request.customer, after_sale_id)


class ReturnShipmentIn(Schema):
    carrier: str = Field(..., min_length=1, max_length=32)
    tracking_number: str = Field(..., min_length=1, max_length=64)


@router.post("/after-sales/{after_sale_id}/return-shipment", response={200: AfterSaleOut, **ERRORS})
def submit_return_shipment(
    request: ShopRequest, merchant: MerchantSlug, after_sale_id: ObjectId, payload: ReturnShipmentIn
):
    aftersales.submit_return_shipment(
        customer=request.customer,
        after_sale_id=after_sale_id,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
    )
    return _after_sale_out(request.customer, after_sale_id)


@router.post("/after-sales/{after_sale_id}/withdraw", response={200: AfterSaleOut, **ERRORS})
def withdraw_after_sale(request: ShopRequest, merchant: MerchantSlug, after_sale_id: ObjectId):
    aftersales.withdraw_after_sale(customer=request.customer, after_sale_id=after_sale_id)
    return _after_sale_out(request.customer, after_sale_id)
