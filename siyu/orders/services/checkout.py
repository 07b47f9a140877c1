"""Checkout: price the lines, create the order with snapshots, reserve stock, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.catalog.errors import ProductNotOnSale
from siyu.catalog.models import ProductStatus, Sku
from siyu.core.errors import IdempotencyConflict, InvalidInput, NotFound
from siyu.core.ids import create_numbered, fingerprint
from siyu.inventory import services as stock
from siyu.members.models import Customer
from siyu.members.services import get_address
from siyu.orders.errors import AddressRequired, EmptyCart, OrderTooLarge, PickupUnavailable, QuantityInvalid
from siyu.orders.models import CartItem, Fulfilment, Order, OrderLine
from siyu.orders.pricing import PricedCart, PricingContext, PricingLine, ShippingRule, price_cart
from siyu.orders.services.cart import MAX_QUANTITY
from siyu.orders.services.timeline import log_event
from siyu.tenancy.models import Outlet

MAX_LINES = 50
# One order carries at most ¥10,000,000: far above any real basket, well inside the money columns.
MAX_ORDER_FEN = 10**9


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class CheckoutRequest:
    """What the customer asked for. ``lines=None`` means "the selected rows of my cart"."""

    lines: list[LineRequest] | None
    fulfilment: str = Fulfilment.DELIVERY
    address_id: int | None = None
    pickup_outlet_id: int | None = None
    note: str = ""
    source: str = ""

    def as_payload(self) -> dict:
        return {
            "lines": None
            if self.lines is None
            else sorted((line.sku_id, line.quantity) for line in self.lines),
            "fulfilment": self.fulfilment,
            "address_id": self.address_id,
            "pickup_outlet_id": self.pickup_outlet_id,
            "note": self.note,
        }


def _validate_lines(lines: list[LineRequest]) -> list[LineRequest]:
    if not lines:
        raise EmptyCart()
    if len(lines) > MAX_LINES:
        raise QuantityInvalid(detail={"lines": len(lines), "max": MAX_LINES})
    merged: dict[int, int] = {}
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise QuantityInvalid(detail={"sku_id": line.sku_id, "quantity": line.quantity})
        merged[line.sku_id] = merged.get(line.sku_id, 0) + line.quantity
    if any(q > MAX_QUANTITY for q in merged.values()):
        raise QuantityInvalid(detail={"max": MAX_QUANTITY})
    return [LineRequest(sku_id, qty) for sku_id, qty in sorted(merged.items())]


def _load_skus(customer: Customer, lines: list[LineRequest]) -> dict[int, Sku]:
    ids = [line.sku_id for line in lines]
    skus = {
        s.pk: s
        for s in Sku.objects.for_merchant(customer.merchant_id)
        .select_related("product")
        .prefetch_related("product__role_rows")
        .filter(pk__in=ids)
    }
    missing = sorted(set(ids) - set(skus))
    if missing:
        raise NotFound(detail={"sku_ids": missing})
    for sku in skus.values():
        if not sku.is_active or sku.product.status != ProductStatus.ON_SALE:
            raise ProductNotOnSale(detail={"sku_id": sku.pk})
    return skus


def _pickup_outlet(customer: Customer, request: CheckoutRequest) -> Outlet | None:
    if request.fulfilment == Fulfilment.DELIVERY:
        return None
    if request.fulfilment != Fulfilment.PICKUP:
        raise InvalidInput(detail={"fulfilment": request.fulfilment})
    if request.pickup_outlet_id is None:
        raise PickupUnavailable(detail={"pickup_outlet_id": None})
    outlet = Outlet.objects.for_merchant(customer.merchant_id).filter(pk=request.pickup_outlet_id).first()
    if outlet is None:
        raise NotFound(detail={"pickup_outlet_id": request.pickup_outlet_id})
    if not (outlet.supports_pickup and outlet.is_active):
        raise PickupUnavailable(detail={"pickup_outlet_id": outlet.pk})
    return outlet


def cart_lines(customer: Customer) -> list[LineRequest]:
    rows = CartItem.objects.filter(customer=customer, selected=True).order_by("sku_id")
    return [LineRequest(sku_id, qty) for sku_id, qty in rows.values_list("sku_id", "quantity")]


def quote(*, customer: Customer, request: CheckoutRequest) -> tuple[PricedCart, dict[int, Sku]]:
    """Price a prospective order without creating it (the checkout page's breakdown).

    The address and pickup outlet are checked too, so the page learns of a bad choice before paying.
    """
    _pickup_outlet(customer, request)
    if request.address_id is not None:
        get_address(customer, request.address_id)
    lines = _validate_lines(cart_lines(customer) if request.lines is None else request.lines)
    skus = _load_skus(customer, lines)
    merchant = customer.merchant
    pricing_lines = [
        PricingLine(
            sku_id=line.sku_id,
            product_id=skus[line.sku_id].product_id,
            quantity=line.quantity,
            unit_price=skus[line.sku_id].price,
            cost=skus[line.sku_id].cost,
            category_id=skus[line.sku_id].product.category_id,
            roles=tuple(r.role for r in skus[line.sku_id].product.role_rows.all()),
        )
        for line in lines
    ]
    context = PricingContext(
        customer_id=customer.pk,
        pickup=request.fulfilment == Fulfilment.PICKUP,
        shipping=ShippingRule(fee=merchant.shipping_fee, free_threshold=merchant.free_shipping_threshold),
    )
    priced = price_cart(pricing_lines, context)
    if priced.goods_amount > MAX_ORDER_FEN:
        raise OrderTooLarge(detail={"goods_amount": priced.goods_amount, "max": MAX_ORDER_FEN})
    return priced, skus


def _replay(customer: Customer, idempotency_key: str, payload_fp: str) -> Order | None:
    order = Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, idempotency_key=idempotency_key
    ).first()
    if order is not None and order.request_fingerprint != payload_fp:
        raise IdempotencyConflict(detail={"order_number": order.number})
    return order


def place_order(
    *, customer: Customer, request: CheckoutRequest, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """Create an order awaiting payment and hold its stock. Returns (order, created).

    A replay of the same idempotency key with the same request returns the first order; the
    unique constraint on the key settles two concurrent first attempts.
    """
    payload_fp = fingerprint(request.as_payload())
    if idempotency_key:
        existing = _replay(customer, idempotency_key, payload_fp)
        if existing is not None:
            return existing, False
    try:
        return _create_order(customer, request, idempotency_key, payload_fp), True
    except IntegrityError:
        if idempotency_key:
            existing = _replay(customer, idempotency_key, payload_fp)
            if existing is not None:
                return existing, False
        raise


@transaction.atomic
def _create_order(
    customer: Customer, request: CheckoutRequest, idempotency_key: str | None, payload_fp: str
) -> Order:
    merchant = customer.merchant
    outlet = _pickup_outlet(customer, request)
    address = None
    if request.fulfilment == Fulfilment.DELIVERY:
        if request.address_id is None:
            raise AddressRequired()
        address = get_address(customer, request.address_id)
    priced, skus = quote(customer=customer, request=request)
    now = timezone.now()
    order = create_numbered(
        lambda number: Order.objects.create(
            merchant=merchant,
            number=number,
            customer=customer,
            fulfilment=request.fulfilment,
            pickup_outlet=outlet,
            shipping_address=address.as_snapshot() if address else None,
            goods_amount=priced.goods_amount,
            discount_amount=priced.discount_amount,
            shipping_fee=priced.shipping_fee,
            payable_amount=priced.payable_amount,
            pricing=priced.explain(),
            note=request.note[:200],
            source=request.source[:16],
            idempotency_key=idempotency_key,
            request_fingerprint=payload_fp,
            expires_at=now + timedelta(minutes=merchant.payment_timeout_minutes),
        ),
        "O",
        at=now,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                merchant=merchant,
                order=order,
                sku=skus[p.sku_id],
                product_id_snapshot=skus[p.sku_id].product_id,
                product_name=skus[p.sku_id].product.name,
                sku_code=skus[p.sku_id].code,
                specs=skus[p.sku_id].specs,
                image=(skus[p.sku_id].product.images or [""])[0],
                unit_price=p.unit_price,
                quantity=p.quantity,
                goods_amount=p.goods_amount,
                discount_amount=p.discount_amount,
                paid_amount=p.payable_amount,
            )
            for p in priced.lines
        ]
    )
    stock.reserve(
        merchant_id=merchant.pk,
        requests=[stock.StockRequest(p.sku_id, p.quantity) for p in priced.lines],
        outlet_id=outlet.pk if outlet else None,
        order_id=order.pk,
    )
    if request.lines is None:  # checked-out rows leave the cart
        CartItem.objects.filter(customer=customer, sku_id__in=list(skus)).delete()
    log_event(order, "created", actor=customer, dst=order.status, payable=order.payable_amount)
    from siyu.orders.tasks import schedule_expiry  # tasks import services; import here to avoid a cycle

    transaction.on_commit(partial(schedule_expiry, order.pk, order.expires_at))
    return order
