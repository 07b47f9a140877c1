"""The merchant's marks on orders, one order or a selection at once: remarks (备注), colour flags
(旗标), and cancelling a selection of unpaid orders. Every bulk call answers order by order.

Remarks and flags are the merchant's own notes: the customer never sees them. Each change is
audited per order, with what it was before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from siyu.core.errors import InvalidInput, SiyuError
from siyu.orders.models import Order, OrderFlag, OrderStatus
from siyu.orders.services import lifecycle
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope, record_audit, require

MAX_REMARK = 500
MAX_SELECTED = 200


@dataclass(frozen=True)
class OrderOutcome:
    """What a bulk action did to one order: ``ok``, or the refusal's code (``not_found`` for an id
    the staff member cannot see)."""

    order_id: int
    number: str
    ok: bool
    code: str = ""
    message: str = ""


def _selected(staff: Staff, order_ids: Sequence[int]) -> tuple[list[int], QuerySet[Order]]:
    ids = list(dict.fromkeys(order_ids))
    if not ids or len(ids) > MAX_SELECTED:
        raise InvalidInput(detail={"order_ids": f"1 to {MAX_SELECTED} orders"})
    qs = Order.objects.for_merchant(staff.merchant_id).filter(pk__in=ids)
    scope = outlet_scope(staff)
    if scope is not None:
        qs = qs.filter(pickup_outlet_id__in=scope)
    return ids, qs


def _missing(order_id: int) -> OrderOutcome:
    return OrderOutcome(order_id, "", False, "not_found")


@transaction.atomic
def set_order_marks(
    *, staff: Staff, order_ids: Sequence[int], remark: str | None = None, flag: str | None = None
) -> list[OrderOutcome]:
    """Set the remark and/or the flag (``""`` clears either) of the selected orders."""
    require(staff, Perm.ORDERS_FULFIL)
    changes: dict[str, str] = {}
    if remark is not None:
        remark = remark.strip()
        if len(remark) > MAX_REMARK:
            raise InvalidInput(detail={"remark": f"at most {MAX_REMARK} characters"})
        changes["merchant_remark"] = remark
    if flag is not None:
        if flag and flag not in OrderFlag.values:
            raise InvalidInput(detail={"flag": flag[:16], "allowed": list(OrderFlag.values)})
        changes["flag"] = flag
    if not changes:
        raise InvalidInput(detail={"remark": "or flag"})
    ids, qs = _selected(staff, order_ids)
    orders = {o.pk: o for o in qs.select_for_update().order_by("pk")}
    outcomes = []
    for order_id in ids:
        order = orders.get(order_id)
        if order is None:
            outcomes.append(_missing(order_id))
            continue
        before = {name: getattr(order, name) for name in changes}
        if before != changes:
            for name, value in changes.items():
                setattr(order, name, value)
            order.save(update_fields=list(changes))
            record_audit(
                staff=staff,
                merchant=staff.merchant,
                action="order.mark",
                obj=order,
                before=before,
                after=changes,
            )
        outcomes.append(OrderOutcome(order.pk, order.number, True))
    return outcomes


def cancel_unpaid_orders_of(*, staff: Staff, order_ids: Sequence[int]) -> list[OrderOutcome]:
    """Cancel the selected orders that await payment; each one alone, so one refusal stops no other."""
    require(staff, Perm.ORDERS_FULFIL)
    ids, qs = _selected(staff, order_ids)
    orders = {o.pk: o for o in qs}
    outcomes = []
    for order_id in ids:
        order = orders.get(order_id)
        if order is None:
            outcomes.append(_missing(order_id))
            continue
        if order.status != OrderStatus.PENDING_PAYMENT:
            outcomes.append(OrderOutcome(order.pk, order.number, False, "not_unpaid"))
            continue
        try:
            lifecycle.cancel_order(order=order, actor=staff, reason="merchant_cancelled")
        except SiyuError as exc:  # paid or cancelled a moment ago: the compare-and-set saw it
            outcomes.append(OrderOutcome(order.pk, order.number, False, exc.code, str(exc.text)))
        else:
            outcomes.append(OrderOutcome(order.pk, order.number, True))
    return outcomes
