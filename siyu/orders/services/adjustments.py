"""改价: the merchant changes what an unpaid order costs, by a discount on the goods or a new shipping fee.

The floor is the pricing engine's own (``siyu/promotions/engine/floor.py``): no line goes below the
merchant's pricing policy (a share of cost, a share of the selling price) for its units, or below
what it already costs if that is less (points and an activity's own price may go under the policy,
and 改价 never raises a line). With no policy the goods may go down to zero; the order as a whole
always costs at least one fen, so a payment is still made and recorded. The discount is spread over
the lines within their room (largest remainder, exact to the fen), so a later refund of one line
gives back what that line really cost.

Each adjustment replaces the previous one (``discount`` is the whole 改价 discount, not a step), is
audited with its reason, and is written on the order's timeline.

Adjust versus pay: the order row is locked first, as ``start_payment`` and ``record_payment_notice``
lock it, so they run one after the other. An order already paid is refused (409). An adjustment
closes the payments opened at the old amount and frees their idempotency keys, so the customer's
next "pay" opens a payment for the new amount; a gateway notice for a closed payment is refunded as
a stray payment (``payments.record_payment_notice``), never taken as paying the new amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, NotFound
from siyu.orders.errors import OrderNotAdjustable, PriceBelowFloor
from siyu.orders.models import Order, OrderLine, OrderStatus, Payment, PaymentStatus
from siyu.orders.services.timeline import log_event
from siyu.promotions import engine as e
from siyu.promotions.engine.floor import line_floor, spread_within_rooms
from siyu.promotions.models import PricingPolicy
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope, record_audit, require

MAX_SHIPPING_FEE = 1_000_000  # ¥10,000: far above any parcel, well inside the money columns
MAX_REASON = 200


@dataclass(frozen=True)
class PriceRoom:
    """How far an unpaid order's price may move, in fen."""

    goods: int  # what the goods cost before any 改价 (list price less promotions and points)
    floor: int  # the least the goods may cost
    adjustment: int  # the 改价 discount in force
    shipping_fee: int

    @property
    def max_discount(self) -> int:
        return self.goods - self.floor

    def payable(self, discount: int, shipping_fee: int) -> int:
        return self.goods - discount + shipping_fee


def _line_floors(order: Order, lines: list[OrderLine]) -> list[int]:
    policy_row = PricingPolicy.objects.for_merchant(order.merchant_id).first()
    policy = (
        e.FloorPolicy(min_cost_bp=policy_row.floor_min_cost_bp, min_list_bp=policy_row.floor_min_list_bp)
        if policy_row is not None
        else e.FloorPolicy()
    )
    costs = dict(Sku.objects.filter(pk__in=[line.sku_id for line in lines]).values_list("pk", "cost"))
    floors = []
    for line in lines:
        cart_line = e.CartLine(
            sku_id=line.sku_id,
            product_id=line.product_id_snapshot,
            quantity=line.quantity,
            unit_price=line.unit_price,
            cost=costs.get(line.sku_id, 0),
        )
        base = line.paid_amount + line.price_adjustment
        floors.append(min(base, line_floor(cart_line, line.quantity, policy)))
    return floors


def price_room(order: Order, lines: list[OrderLine] | None = None) -> PriceRoom:
    """The order's floor and what it costs before 改价 (``lines`` as loaded, else read)."""
    lines = list(order.lines.order_by("id")) if lines is None else lines
    return PriceRoom(
        goods=sum(line.paid_amount + line.price_adjustment for line in lines),
        floor=sum(_line_floors(order, lines)),
        adjustment=order.price_adjustment,
        shipping_fee=order.shipping_fee,
    )


def _locked_order(staff: Staff, order_id: int) -> Order:
    qs = Order.objects.for_merchant(staff.merchant_id).filter(pk=order_id)
    scope = outlet_scope(staff)
    if scope is not None:
        qs = qs.filter(pickup_outlet_id__in=scope)
    order = qs.select_for_update().first()
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    return order


@transaction.atomic
def adjust_order_price(
    *, staff: Staff, order_id: int, discount: int, shipping_fee: int, reason: str
) -> Order:
    """Set an unpaid order's 改价 discount on the goods and its shipping fee, with a reason."""
    require(staff, Perm.ORDERS_ADJUST_PRICE)
    reason = reason.strip()
    problems: dict[str, str] = {}
    if not reason or len(reason) > MAX_REASON:
        problems["reason"] = f"1 to {MAX_REASON} characters"
    if discount < 0:
        problems["discount"] = "0 or more"
    if not 0 <= shipping_fee <= MAX_SHIPPING_FEE:
        problems["shipping_fee"] = f"between 0 and {MAX_SHIPPING_FEE}"
    if problems:
        raise InvalidInput(detail=problems)
    order = _locked_order(staff, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise OrderNotAdjustable(detail={"order": order.number, "status": order.status})
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    room = price_room(order, lines)
    if discount > room.max_discount:
        raise PriceBelowFloor(
            detail={"discount": discount, "max_discount": room.max_discount, "floor": room.floor}
        )
    payable = room.payable(discount, shipping_fee)
    if payable < 1:
        raise PriceBelowFloor(detail={"payable": payable, "min": 1})
    if (discount, shipping_fee) == (order.price_adjustment, order.shipping_fee):
        raise InvalidInput(detail={"discount": "unchanged", "shipping_fee": "unchanged"})

    floors = _line_floors(order, lines)
    bases = [line.paid_amount + line.price_adjustment for line in lines]
    shares = spread_within_rooms(discount, bases, [b - f for b, f in zip(bases, floors, strict=True)])
    for line, base, share in zip(lines, bases, shares, strict=True):
        line.discount_amount = line.discount_amount - line.price_adjustment + share
        line.paid_amount = base - share
        line.price_adjustment = share
    OrderLine.objects.bulk_update(lines, ["discount_amount", "paid_amount", "price_adjustment"])

    before = {
        "payable": order.payable_amount,
        "discount": order.price_adjustment,
        "shipping_fee": order.shipping_fee,
    }
    order.price_adjustment = discount
    order.discount_amount = order.goods_amount - sum(line.paid_amount for line in lines)
    order.shipping_fee = shipping_fee
    order.payable_amount = payable
    order.save(update_fields=["price_adjustment", "discount_amount", "shipping_fee", "payable_amount"])
    # Payments opened at the old amount can no longer pay this order; their keys open new ones.
    Payment.objects.filter(order=order, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.CLOSED, idempotency_key=None
    )
    log_event(
        order,
        "price_adjusted",
        actor=staff,
        payable=payable,
        reason=reason,
        previous_payable=before["payable"],
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="order.adjust_price",
        obj=order,
        before=before,
        after={"payable": payable, "discount": discount, "shipping_fee": shipping_fee, "reason": reason},
    )
    return order
