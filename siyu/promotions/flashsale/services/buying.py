"""A customer buys at the flash price: the gate (Redis, when configured), then checkout.

The hot path refuses most attempts without touching the database's hot rows: a sale that is not
open, sold out or over the customer's limit is answered by one Lua call (Redis) or by a plain read
(no Redis). An attempt let through places a normal order with one activity line; the provider's
``reserve`` then takes the units with conditional UPDATEs, the real arbiter. Units taken at the gate
go back there whenever no new order came of them (refused, failed, or an idempotent replay).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.members.models import Customer
from siyu.orders.models import Fulfilment, Order
from siyu.orders.services import checkout
from siyu.promotions.activities import ActivityRef
from siyu.promotions.engine import ActivityKind
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.errors import (
    FlashSaleEnded,
    FlashSaleLimitReached,
    FlashSaleNotFound,
    FlashSaleNotStarted,
    FlashSalePaused,
    FlashSaleSoldOut,
)
from siyu.promotions.flashsale.models import FlashSale, FlashSaleStatus
from siyu.promotions.flashsale.services import quota


@dataclass(frozen=True)
class BuyRequest:
    flash_sale_id: int
    sku_id: int
    quantity: int = 1
    fulfilment: str = Fulfilment.DELIVERY
    address_id: int | None = None
    pickup_outlet_id: int | None = None
    note: str = ""
    source: str = ""

    def checkout_request(self) -> checkout.CheckoutRequest:
        ref = ActivityRef(kind=ActivityKind.FLASH_SALE.value, id=self.flash_sale_id)
        return checkout.CheckoutRequest(
            lines=[checkout.LineRequest(self.sku_id, self.quantity, activity=ref)],
            fulfilment=self.fulfilment,
            address_id=self.address_id,
            pickup_outlet_id=self.pickup_outlet_id,
            note=self.note,
            source=self.source,
            coupon_ids=(),  # flash units take no coupon
        )


def _closed_refusal(customer: Customer, item: gate.Item) -> SiyuError | None:
    """Why the gate is closed, from the database; None when the sale in fact sells (the gate
    missed a resume: it is reloaded and the caller asks again)."""
    sale = FlashSale.objects.for_merchant(customer.merchant_id).filter(pk=item.sale_id).first()
    detail = {"flash_sale_id": item.sale_id, "sku_id": item.sku_id}
    if sale is None or sale.status == FlashSaleStatus.DRAFT:
        return FlashSaleNotFound(detail=detail)
    if sale.status == FlashSaleStatus.PAUSED:
        return FlashSalePaused(detail=detail)
    if sale.status == FlashSaleStatus.ENDED:
        return FlashSaleEnded(detail=detail)
    quota.load_gate_for(item, force=True)
    return None


def _refusal(verdict: int, item: gate.Item) -> SiyuError:
    detail = {"flash_sale_id": item.sale_id, "sku_id": item.sku_id}
    if verdict == gate.Verdict.SOLD_OUT:
        return FlashSaleSoldOut(detail=detail)
    if verdict == gate.Verdict.LIMIT:
        return FlashSaleLimitReached(detail=detail)
    if verdict == gate.Verdict.NOT_STARTED:
        return FlashSaleNotStarted(detail=detail)
    if verdict == gate.Verdict.ENDED:
        return FlashSaleEnded(detail=detail)
    return FlashSalePaused(detail=detail)  # still closed after a reload: a pause just landed


def _take_at_gate(customer: Customer, request: BuyRequest, now: datetime) -> tuple[int, int]:
    """Ask the gate, loading the item's keys from the database when missing. Returns (verdict,
    units the customer held); raises ``GateUnavailable`` when Redis cannot be reached."""
    item = gate.Item(customer.merchant_id, request.flash_sale_id, request.sku_id)

    def ask() -> tuple[int, int]:
        return gate.take(
            item=item, customer_id=customer.pk, quantity=request.quantity, now_ms=int(now.timestamp() * 1000)
        )

    verdict, held = ask()
    if verdict == gate.Verdict.MISSING:
        if not quota.load_gate_for(item, force=False):
            raise FlashSaleNotFound(detail={"flash_sale_id": item.sale_id, "sku_id": item.sku_id})
        verdict, held = ask()
    if verdict == gate.Verdict.CLOSED:
        refusal = _closed_refusal(customer, item)
        if refusal is not None:
            raise refusal
        verdict, held = ask()
    return verdict, held


def _ask(customer: Customer, request: BuyRequest, now: datetime) -> tuple[SiyuError | None, int, bool]:
    """May this attempt go on to checkout? Returns (the refusal or None, units the customer
    already holds, whether units were taken at the gate)."""
    if gate.enabled():
        try:
            verdict, held = _take_at_gate(customer, request, now)
        except gate.GateUnavailable:
            gate.log.warning("flash sale gate unavailable: buying through the database", exc_info=True)
        else:
            if verdict < 0:
                where = gate.Item(customer.merchant_id, request.flash_sale_id, request.sku_id)
                return _refusal(verdict, where), held, False
            return None, held, True
    # The database path: one read refuses what the conditional updates would refuse anyway.
    item, held = quota.item_with_held(
        customer=customer, flash_sale_id=request.flash_sale_id, sku_id=request.sku_id
    )
    try:
        quota.check_buyable(item.flash_sale, now)
        quota.check_units(item, customer, request.quantity, held=held)
    except SiyuError as exc:
        return exc, held, False
    return None, held, False


def _replay(
    customer: Customer, request: BuyRequest, idempotency_key: str | None
) -> tuple[Order, bool] | None:
    """The order a repeated idempotency key already placed, if any."""
    if not idempotency_key:
        return None
    if not Order.objects.filter(
        merchant_id=customer.merchant_id, customer=customer, idempotency_key=idempotency_key
    ).exists():
        return None
    return checkout.place_order(
        customer=customer, request=request.checkout_request(), idempotency_key=idempotency_key
    )


def buy_flash_sale(
    *,
    customer: Customer,
    request: BuyRequest,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Order, bool]:
    """Place an order for flash sale units awaiting payment. Returns (order, created); a replayed
    ``idempotency_key`` returns the first order without taking anything again."""
    refusal, held, taken = _ask(customer, request, now or timezone.now())
    if refusal is not None:
        # Only a customer holding units can have placed an order before: most refusals skip this.
        replayed = _replay(customer, request, idempotency_key) if held else None
        if replayed is not None:
            return replayed
        raise refusal
    return _place(customer, request, idempotency_key, taken)


def _place(
    customer: Customer, request: BuyRequest, idempotency_key: str | None, taken: bool
) -> tuple[Order, bool]:
    """Checkout with the activity line; units taken at the gate go back unless a new order holds them."""
    item = gate.Item(customer.merchant_id, request.flash_sale_id, request.sku_id)
    mark = (
        quota.gate_taken.set(quota.gate_taken.get() | {(item.sale_id, item.sku_id, customer.pk)})
        if taken
        else None
    )
    created = False
    try:
        order, created = checkout.place_order(
            customer=customer, request=request.checkout_request(), idempotency_key=idempotency_key
        )
    finally:
        if mark is not None:
            quota.gate_taken.reset(mark)
        if taken and not created:
            gate.adjust(item=item, customer_id=customer.pk, quantity=request.quantity)
    return order, created
