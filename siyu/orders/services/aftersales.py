"""After-sales: a customer asks for money back (with or without returning goods), staff decide.

Amounts come from what each line actually paid (its share of discounts already removed), so a
partial refund returns exactly that share and refunding every unit returns every fen.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from siyu.core.errors import InvalidInput, NotFound
from siyu.core.ids import create_numbered
from siyu.inventory import services as stock
from siyu.members.models import Customer
from siyu.orders import hooks
from siyu.orders.errors import AfterSaleNotAllowed, AfterSaleOpen, RefundExceedsPaid
from siyu.orders.models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from siyu.orders.services.payments import refund_order_payment
from siyu.orders.services.timeline import log_event, stock_outlet
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

OPEN_STATUSES = [AfterSaleStatus.REQUESTED, AfterSaleStatus.APPROVED, AfterSaleStatus.GOODS_RETURNED]
# Which order states accept which kind of after-sale.
ALLOWED: dict[str, set[str]] = {
    AfterSaleKind.REFUND_ONLY: {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED},
    AfterSaleKind.RETURN_REFUND: {OrderStatus.SHIPPED, OrderStatus.DELIVERED},
}


@dataclass(frozen=True)
class AfterSaleLineRequest:
    order_line_id: int
    quantity: int


def line_refund_amount(
    line: OrderLine, quantity: int, already_refunded_qty: int, already_refunded_amount: int
) -> int:
    """Refund for ``quantity`` more units of ``line``: pro rata, the last unit taking the exact rest."""
    if already_refunded_qty + quantity == line.quantity:
        return line.paid_amount - already_refunded_amount
    return line.paid_amount * quantity // line.quantity


def _open_quantities(order: Order) -> dict[int, int]:
    rows = (
        AfterSaleLine.objects.filter(after_sale__order=order, after_sale__status__in=OPEN_STATUSES)
        .values("order_line_id")
        .annotate(q=Sum("quantity"))
    )
    return {r["order_line_id"]: r["q"] for r in rows}


@transaction.atomic
def request_after_sale(
    *,
    customer: Customer,
    order_id: int,
    kind: str,
    reason: str,
    lines: list[AfterSaleLineRequest] | None = None,
    description: str = "",
) -> AfterSale:
    """Open an after-sale for some units of some lines (``lines=None``: everything left)."""
    order = (
        Order.objects.for_merchant(customer.merchant_id)
        .select_for_update()
        .filter(pk=order_id, customer=customer)
        .first()
    )
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    if kind not in ALLOWED:
        raise InvalidInput(detail={"kind": kind})
    if order.status not in ALLOWED[kind]:
        raise AfterSaleNotAllowed(detail={"status": order.status, "kind": kind})
    if not reason.strip():
        raise InvalidInput(detail={"reason": "required"})
    order_lines = {line.pk: line for line in order.lines.all()}
    open_qty = _open_quantities(order)
    if lines is None:
        lines = [
            AfterSaleLineRequest(line.pk, line.quantity - line.refunded_quantity - open_qty.get(line.pk, 0))
            for line in order_lines.values()
        ]
        lines = [r for r in lines if r.quantity > 0]
        if not lines:
            raise RefundExceedsPaid()
    seen: set[int] = set()
    rows: list[AfterSaleLine] = []
    for req in lines:
        line = order_lines.get(req.order_line_id)
        if line is None:
            raise NotFound(detail={"order_line_id": req.order_line_id})
        if req.order_line_id in seen or req.quantity < 1:
            raise InvalidInput(detail={"order_line_id": req.order_line_id, "quantity": req.quantity})
        seen.add(req.order_line_id)
        if open_qty.get(line.pk):
            raise AfterSaleOpen(detail={"order_line_id": line.pk})
        if line.refunded_quantity + req.quantity > line.quantity:
            raise RefundExceedsPaid(
                detail={"order_line_id": line.pk, "left": line.quantity - line.refunded_quantity}
            )
        amount = line_refund_amount(line, req.quantity, line.refunded_quantity, line.refunded_amount)
        rows.append(
            AfterSaleLine(
                merchant_id=order.merchant_id, order_line=line, quantity=req.quantity, amount=amount
            )
        )
    amount = sum(r.amount for r in rows)
    everything_left = all(
        line.refunded_quantity + next((r.quantity for r in rows if r.order_line_id == line.pk), 0)
        == line.quantity
        for line in order_lines.values()
    )
    if everything_left and order.status == OrderStatus.PAID:
        amount += order.shipping_fee  # nothing was shipped: the shipping fee goes back too
    after_sale = create_numbered(
        lambda number: AfterSale.objects.create(
            merchant_id=order.merchant_id,
            number=number,
            order=order,
            customer=customer,
            kind=kind,
            reason=reason.strip()[:64],
            description=description[:500],
            amount=amount,
        ),
        "A",
    )
    for row in rows:
        row.after_sale = after_sale
    AfterSaleLine.objects.bulk_create(rows)
    log_event(
        order,
        "after_sale_requested",
        actor=customer,
        after_sale=after_sale.number,
        amount=amount,
        after_sale_kind=kind,
    )
    return after_sale


def get_after_sale(*, merchant_id: int, after_sale_id: int, customer: Customer | None = None) -> AfterSale:
    qs = AfterSale.objects.for_merchant(merchant_id).select_for_update().filter(pk=after_sale_id)
    if customer is not None:
        qs = qs.filter(customer=customer)
    after_sale = qs.first()
    if after_sale is None:
        raise NotFound(detail={"after_sale_id": after_sale_id})
    return after_sale


def _audit(staff: Staff, after_sale: AfterSale, action: str, before: str) -> None:
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action=action,
        obj=after_sale,
        before={"status": before},
        after={"status": after_sale.status, "amount": after_sale.amount},
    )


@transaction.atomic
def approve_after_sale(*, staff: Staff, after_sale_id: int, note: str = "") -> AfterSale:
    """Accept a request. Refund-only requests are refunded at once; returns wait for the goods."""
    require(staff, Perm.AFTERSALES_HANDLE)
    after_sale = get_after_sale(merchant_id=staff.merchant_id, after_sale_id=after_sale_id)
    before = after_sale.status
    AfterSale.machine.advance(
        after_sale, AfterSaleStatus.APPROVED, stamp="approved_at", reviewed_by=staff, review_note=note[:200]
    )
    if after_sale.kind == AfterSaleKind.REFUND_ONLY:
        _complete_refund(after_sale, actor=staff)
    _audit(staff, after_sale, "aftersale.approve", before)
    return after_sale


@transaction.atomic
def reject_after_sale(*, staff: Staff, after_sale_id: int, note: str) -> AfterSale:
    require(staff, Perm.AFTERSALES_HANDLE)
    if not note.strip():
        raise InvalidInput(detail={"note": "a reason is required"})
    after_sale = get_after_sale(merchant_id=staff.merchant_id, after_sale_id=after_sale_id)
    before = after_sale.status
    AfterSale.machine.advance(
        after_sale, AfterSaleStatus.REJECTED, stamp="rejected_at", reviewed_by=staff, review_note=note[:200]
    )
    log_event(after_sale.order, "after_sale_rejected", actor=staff, after_sale=after_sale.number)
    _audit(staff, after_sale, "aftersale.reject", before)
    return after_sale


@transaction.atomic
def submit_return_shipment(
    *, customer: Customer, after_sale_id: int, carrier: str, tracking_number: str
) -> AfterSale:
    """The customer tells us how the goods are coming back."""
    after_sale = get_after_sale(
        merchant_id=customer.merchant_id, after_sale_id=after_sale_id, customer=customer
    )
    if after_sale.kind != AfterSaleKind.RETURN_REFUND or after_sale.status != AfterSaleStatus.APPROVED:
        raise AfterSaleNotAllowed(detail={"status": after_sale.status})
    if not carrier.strip() or not tracking_number.strip():
        raise InvalidInput(detail={"carrier": carrier, "tracking_number": tracking_number})
    after_sale.return_carrier = carrier.strip()[:32]
    after_sale.return_tracking_number = tracking_number.strip()[:64]
    after_sale.save(update_fields=["return_carrier", "return_tracking_number"])
    return after_sale


@transaction.atomic
def confirm_goods_returned(*, staff: Staff, after_sale_id: int) -> AfterSale:
    """Staff received the returned goods: they go back into stock and the money goes back."""
    require(staff, Perm.AFTERSALES_HANDLE)
    after_sale = get_after_sale(merchant_id=staff.merchant_id, after_sale_id=after_sale_id)
    if after_sale.kind != AfterSaleKind.RETURN_REFUND:
        raise AfterSaleNotAllowed(detail={"kind": after_sale.kind})
    before = after_sale.status
    AfterSale.machine.advance(after_sale, AfterSaleStatus.GOODS_RETURNED, stamp="returned_at")
    order = after_sale.order
    stock.restock(
        merchant_id=order.merchant_id,
        requests=[
            stock.StockRequest(r.order_line.sku_id, r.quantity)
            for r in after_sale.lines.select_related("order_line")
        ],
        outlet_id=stock_outlet(order),
        order_id=order.pk,
    )
    _complete_refund(after_sale, actor=staff)
    _audit(staff, after_sale, "aftersale.goods_returned", before)
    return after_sale


@transaction.atomic
def withdraw_after_sale(*, customer: Customer, after_sale_id: int) -> AfterSale:
    after_sale = get_after_sale(
        merchant_id=customer.merchant_id, after_sale_id=after_sale_id, customer=customer
    )
    if after_sale.status == AfterSaleStatus.APPROVED and after_sale.kind == AfterSaleKind.REFUND_ONLY:
        raise AfterSaleNotAllowed(detail={"status": after_sale.status})
    AfterSale.machine.advance(after_sale, AfterSaleStatus.WITHDRAWN)
    return after_sale


def _complete_refund(after_sale: AfterSale, *, actor: Staff) -> None:
    order = Order.objects.select_for_update().get(pk=after_sale.order_id)
    refund_order_payment(order, amount=after_sale.amount, after_sale=after_sale)
    rows = list(after_sale.lines.select_related("order_line"))
    for row in rows:
        OrderLine.objects.filter(pk=row.order_line_id).update(
            refunded_quantity=F("refunded_quantity") + row.quantity,
            refunded_amount=F("refunded_amount") + row.amount,
        )
    if after_sale.kind == AfterSaleKind.REFUND_ONLY and order.status == OrderStatus.PAID:
        # Refunded before anything left the shelf: the units are still ours to sell.
        stock.restock(
            merchant_id=order.merchant_id,
            requests=[stock.StockRequest(r.order_line.sku_id, r.quantity) for r in rows],
            outlet_id=stock_outlet(order),
            order_id=order.pk,
        )
    Order.objects.filter(pk=order.pk).update(refunded_amount=F("refunded_amount") + after_sale.amount)
    order.refresh_from_db(fields=["refunded_amount"])
    AfterSale.machine.advance(after_sale, AfterSaleStatus.REFUNDED, stamp="refunded_at")
    log_event(order, "refunded", actor=actor, after_sale=after_sale.number, amount=after_sale.amount)
    hooks.order_refunded(order, amount=after_sale.amount, after_sale=after_sale)
    fully_refunded = not OrderLine.objects.filter(order=order, refunded_quantity__lt=F("quantity")).exists()
    if fully_refunded and order.status != OrderStatus.CLOSED:
        source = order.status
        Order.machine.advance(order, OrderStatus.CLOSED, stamp="closed_at")
        log_event(order, "closed", actor=actor, src=source, dst=OrderStatus.CLOSED)
        hooks.order_closed(order)
