"""Checkout: price the lines, create the order with snapshots, reserve stock, all or nothing.

Prices come from the promotions engine (``siyu.promotions.engine``, docs/pricing.md): checkout asks
``siyu.promotions.pricing.pricing_request`` once for the engine's request (the merchant's promotions
in force, the customer's coupons, tier benefits and points, the activity lines' prices) and prices
it; activity lines (秒杀, 拼团, 砍价 ...) are priced and reserved by their providers
(``siyu.promotions.activities``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import IdempotencyConflict, InvalidInput, NotFound
from siyu.core.ids import create_numbered, fingerprint
from siyu.events.attribution import order_source
from siyu.events.ingest import CHANNELS
from siyu.freight.calc import region_of
from siyu.inventory import services as stock
from siyu.members.loyalty.services.orders import redeem_for_order
from siyu.members.models import Customer
from siyu.members.services import get_address
from siyu.orders import hooks
from siyu.orders.errors import (
    AddressRequired,
    EmptyCart,
    OrderSourceUnknown,
    OrderTooLarge,
    PickupUnavailable,
    QuantityInvalid,
)
from siyu.orders.models import CartItem, Fulfilment, LineKind, Order, OrderLine
from siyu.orders.services.cart import MAX_QUANTITY
from siyu.orders.services.timeline import log_event
from siyu.orders.tasks import schedule_expiry  # tasks import services; import here to avoid a cycle
from siyu.promotions import engine as e
from siyu.promotions import pricing as promo
from siyu.promotions import services as promotions  # promotions imports orders; import here
from siyu.promotions.activities import ActivityQuote, ActivityRef, get_provider
from siyu.promotions.errors import CouponUnavailable
from siyu.tenancy.models import Outlet

MAX_LINES = 50
# What ``Order.source`` may say (docs/events.md, "Attribution"): a channel the customer came by, or,
# for an order an activity places itself, that activity. Customers may name only a channel.
ACTIVITY_SOURCES = frozenset({"group_buy", "bargain", "presale", "blind_box"})
# One order carries at most ¥10,000,000: far above any real basket, well inside the money columns.
MAX_ORDER_FEN = 10**9


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int
    activity: ActivityRef | None = None


@dataclass(frozen=True)
class CheckoutRequest:
    """What the customer asked for. ``lines=None`` means "the selected rows of my cart";
    ``coupon_ids=None`` means "the best coupons for me" and ``()`` means "no coupons";
    ``add_ons`` maps an add-on promotion's id to the units the customer picked (加价购)."""

    lines: list[LineRequest] | None
    fulfilment: str = Fulfilment.DELIVERY
    address_id: int | None = None
    pickup_outlet_id: int | None = None
    note: str = ""
    source: str = ""
    coupon_ids: tuple[int, ...] | None = None
    add_ons: Mapping[int, int] = field(default_factory=dict)
    points: int = 0  # the most points the customer will spend (积分抵扣); 0 = none

    def as_payload(self) -> dict:
        return {
            "lines": None
            if self.lines is None
            else sorted(
                (line.sku_id, line.quantity, line.activity.rule_id if line.activity else "")
                for line in self.lines
            ),
            "fulfilment": self.fulfilment,
            "address_id": self.address_id,
            "pickup_outlet_id": self.pickup_outlet_id,
            "note": self.note,
            "coupon_ids": None if self.coupon_ids is None else sorted(self.coupon_ids),
            "add_ons": sorted(self.add_ons.items()),
            **({"points": self.points} if self.points else {}),  # keys of orders before points hold
        }


@dataclass(frozen=True)
class Quote:
    """A priced prospective order: the engine's result plus what checkout needs to create it."""

    result: e.PricingResult
    skus: dict[int, Sku]  # every SKU on the order, gifts and add-ons included
    activities: dict[str, tuple[ActivityRef, ActivityQuote]]  # by engine rule id
    book: promo.RuleBook
    wallet: promo.Wallet

    @property
    def lines(self) -> tuple[e.PricedLine, ...]:
        return self.result.lines

    @property
    def goods_amount(self) -> int:
        return self.result.goods_amount

    @property
    def discount_amount(self) -> int:
        return self.result.discount_amount + self.result.points_amount

    @property
    def shipping_fee(self) -> int:
        return self.result.shipping_fee

    @property
    def payable_amount(self) -> int:
        return self.result.payable_amount

    @property
    def hold_reason(self) -> str:
        return next((q.hold_reason for _ref, q in self.activities.values() if q.hold_reason), "")

    def chosen_coupons(self) -> list:
        return [self.wallet.coupons[cid] for cid in self.result.chosen_coupon_ids]

    def adjustments(self) -> list[dict]:
        """Every applied rule and the shipping fee, labelled, for the checkout page's breakdown."""
        rows = [
            {
                "kind": a.kind,
                "rule_id": a.rule_id,
                "amount": a.amount,
                "label_zh": a.label_zh,
                "label_en": a.label_en,
            }
            for a in self.result.applied
        ]
        if self.result.shipping_fee:
            rows.append(
                {
                    "kind": "shipping",
                    "rule_id": "",
                    "amount": self.result.shipping_fee,
                    "label_zh": "运费",
                    "label_en": "Shipping",
                }
            )
        return rows

    def explain(self) -> dict:
        return {**self.result.explain(), "adjustments": self.adjustments()}


def _validate_lines(lines: list[LineRequest]) -> list[LineRequest]:
    if not lines:
        raise EmptyCart()
    if len(lines) > MAX_LINES:
        raise QuantityInvalid(detail={"lines": len(lines), "max": MAX_LINES})
    merged: dict[tuple[int, ActivityRef | None], int] = {}
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise QuantityInvalid(detail={"sku_id": line.sku_id, "quantity": line.quantity})
        key = (line.sku_id, line.activity)
        merged[key] = merged.get(key, 0) + line.quantity
    per_sku: dict[int, int] = {}
    activities: dict[int, ActivityRef] = {}
    for (sku_id, ref), qty in merged.items():
        per_sku[sku_id] = per_sku.get(sku_id, 0) + qty
        if ref is not None and activities.setdefault(sku_id, ref) != ref:
            raise InvalidInput(detail={"sku_id": sku_id, "reason": "one activity per SKU per order"})
    if any(q > MAX_QUANTITY for q in per_sku.values()):
        raise QuantityInvalid(detail={"max": MAX_QUANTITY})
    return [
        LineRequest(sku_id, qty, ref)
        for (sku_id, ref), qty in sorted(merged.items(), key=lambda kv: (kv[0][0], kv[0][1] is not None))
    ]


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


def quote(*, customer: Customer, request: CheckoutRequest, now=None) -> tuple[Quote, dict[int, Sku]]:
    """Price a prospective order without creating it (the checkout page's breakdown).

    The address and pickup outlet are checked too, so the page learns of a bad choice before paying;
    the address's region prices the freight templates and may refuse the order (``RegionNotDeliverable``).
    """
    now = now or timezone.now()
    _pickup_outlet(customer, request)
    address = get_address(customer, request.address_id) if request.address_id is not None else None
    lines = _validate_lines(cart_lines(customer) if request.lines is None else request.lines)
    pricing = promo.pricing_request(
        customer=customer,
        lines=lines,
        pickup=request.fulfilment == Fulfilment.PICKUP,
        coupon_ids=request.coupon_ids,
        add_ons=request.add_ons,
        points=request.points,
        now=now,
        region=region_of(address.province_code, address.city_code, address.district_code)
        if address
        else None,
    )
    try:
        result = e.price(pricing.request)
    except e.PricingInputError as exc:
        raise InvalidInput(detail={"pricing": str(exc)}) from exc
    priced = Quote(
        result=result,
        skus=pricing.skus,
        activities=pricing.activities,
        book=pricing.book,
        wallet=pricing.wallet,
    )
    if priced.goods_amount > MAX_ORDER_FEN:
        raise OrderTooLarge(detail={"goods_amount": priced.goods_amount, "max": MAX_ORDER_FEN})
    return priced, pricing.skus


def _replay(customer: Customer, idempotency_key: str, payload_fp: str) -> Order | None:
    order = Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, idempotency_key=idempotency_key
    ).first()
    if order is not None and order.request_fingerprint != payload_fp:
        raise IdempotencyConflict(detail={"order_number": order.number})
    return order


def customer_channel(source: str) -> str:
    """The channel a customer says an order came by: none (``""``) or one of ``CHANNELS``; any
    other text is refused with the allowed values, not stored."""
    if source and source not in CHANNELS:
        raise OrderSourceUnknown(detail={"source": source[:64], "allowed": sorted(CHANNELS)})
    return source


def place_order(
    *, customer: Customer, request: CheckoutRequest, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """Create an order awaiting payment and hold its stock. Returns (order, created).

    A replay of the same idempotency key with the same request returns the first order; the
    unique constraint on the key settles two concurrent first attempts.
    """
    if request.source not in ACTIVITY_SOURCES:
        customer_channel(request.source)
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
    now = timezone.now()
    priced, skus = quote(customer=customer, request=request, now=now)
    if request.coupon_ids is not None:
        refused = sorted(set(request.coupon_ids) - {c.pk for c in priced.chosen_coupons()})
        if refused:
            raise CouponUnavailable(detail={"coupon_ids": refused})
    source, campaign = order_source(customer=customer, requested=request.source, at=now)
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
            source=source,
            source_campaign=campaign,
            idempotency_key=idempotency_key,
            request_fingerprint=payload_fp,
            expires_at=now + timedelta(minutes=merchant.payment_timeout_minutes),
            hold_reason=priced.hold_reason,
        ),
        "O",
        at=now,
    )
    activity_by_sku = {q.rule.sku_id: ref for ref, q in priced.activities.values()}
    lines = [_order_line(order, p, skus[p.sku_id], activity_by_sku) for p in priced.lines]
    OrderLine.objects.bulk_create(lines)
    stock.reserve(
        merchant_id=merchant.pk,
        requests=[stock.StockRequest(p.sku_id, p.quantity) for p in priced.lines],
        outlet_id=outlet.pk if outlet else None,
        order_id=order.pk,
    )

    promotions.record_order_promotions(order=order, quote=priced)
    if priced.result.points_used:  # spent in this transaction: a concurrent spend refuses the order
        redeem_for_order(order=order, points=priced.result.points_used)
    for ref, q in priced.activities.values():
        get_provider(ref.kind).reserve(
            customer=customer, ref=ref, order=order, sku=skus[q.rule.sku_id], quantity=q.rule.quantity
        )
    if request.lines is None:  # checked-out rows leave the cart
        CartItem.objects.filter(customer=customer, sku_id__in=list(skus)).delete()
    log_event(order, "created", actor=customer, dst=order.status, payable=order.payable_amount)
    hooks.order_placed(order)

    transaction.on_commit(partial(schedule_expiry, order.pk, order.expires_at))
    return order


def _order_line(
    order: Order, p: e.PricedLine, sku: Sku, activity_by_sku: dict[int, ActivityRef]
) -> OrderLine:
    ref = activity_by_sku.get(p.sku_id) if p.kind == e.LineKind.ACTIVITY else None
    return OrderLine(
        merchant_id=order.merchant_id,
        order=order,
        kind=LineKind(p.kind.value),
        activity_kind=ref.kind if ref else "",
        activity_id=ref.id if ref else None,
        sku=sku,
        product_id_snapshot=sku.product_id,
        product_name=sku.product.name,
        sku_code=sku.code,
        specs=sku.specs,
        image=(sku.product.images or [""])[0],
        unit_price=p.unit_price,
        quantity=p.quantity,
        goods_amount=p.goods_amount,
        discount_amount=p.discount_amount + p.points_amount,
        paid_amount=p.payable_amount,
    )
