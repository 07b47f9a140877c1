"""Reserve, release, deduct and return stock with conditional updates: exact under concurrency.

Each change is one ``UPDATE ... WHERE`` whose condition re-checks availability inside the
database, so fifty buyers racing for ten units get ten successes without any Python-side lock.
Callers lock several SKUs in ascending id order (the order of their lines sorted by sku id) so two
orders touching the same SKUs cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from siyu.catalog.models import Sku
from siyu.inventory.errors import OutOfStock, StockBelowReserved
from siyu.inventory.models import MovementKind, StockLevel, StockMovement
from siyu.tenancy.models import Merchant, Outlet, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, require_outlet


@dataclass(frozen=True)
class StockRequest:
    sku_id: int
    quantity: int


def _level(merchant_id: int, sku_id: int, outlet_id: int | None):
    place = {"outlet_id": outlet_id} if outlet_id is not None else {"outlet__isnull": True}
    return StockLevel.objects.filter(merchant_id=merchant_id, sku_id=sku_id, **place)


def _merge(requests: Iterable[StockRequest]) -> list[StockRequest]:
    totals: dict[int, int] = {}
    for r in requests:
        totals[r.sku_id] = totals.get(r.sku_id, 0) + r.quantity
    return [StockRequest(sku_id, qty) for sku_id, qty in sorted(totals.items())]


def _log(merchant_id: int, sku_id: int, outlet_id: int | None, kind: str, **fields) -> None:
    stock_id = _level(merchant_id, sku_id, outlet_id).values_list("id", flat=True).first()
    StockMovement.objects.create(merchant_id=merchant_id, stock_id=stock_id, kind=kind, **fields)


def reserve(
    *, merchant_id: int, requests: Iterable[StockRequest], outlet_id: int | None, order_id: int
) -> None:
    """Hold units for an unpaid order, or raise OutOfStock and hold nothing (caller's transaction)."""
    for r in _merge(requests):
        updated = (
            _level(merchant_id, r.sku_id, outlet_id)
            .filter(on_hand__gte=F("reserved") + r.quantity)
            .update(reserved=F("reserved") + r.quantity)
        )
        if updated != 1:
            raise OutOfStock(detail={"sku_id": r.sku_id, "requested": r.quantity})
        _log(
            merchant_id,
            r.sku_id,
            outlet_id,
            MovementKind.RESERVE,
            reserved_delta=r.quantity,
            order_id=order_id,
        )


def release(
    *, merchant_id: int, requests: Iterable[StockRequest], outlet_id: int | None, order_id: int
) -> None:
    """Give back the units an unpaid order held (it was cancelled or timed out)."""
    for r in _merge(requests):
        _level(merchant_id, r.sku_id, outlet_id).update(reserved=F("reserved") - r.quantity)
        _log(
            merchant_id,
            r.sku_id,
            outlet_id,
            MovementKind.RELEASE,
            reserved_delta=-r.quantity,
            order_id=order_id,
        )


def deduct(
    *, merchant_id: int, requests: Iterable[StockRequest], outlet_id: int | None, order_id: int
) -> None:
    """Turn an order's reservation into a sale: the units leave on_hand and reserved together."""
    for r in _merge(requests):
        _level(merchant_id, r.sku_id, outlet_id).update(
            on_hand=F("on_hand") - r.quantity, reserved=F("reserved") - r.quantity
        )
        _log(
            merchant_id,
            r.sku_id,
            outlet_id,
            MovementKind.DEDUCT,
            on_hand_delta=-r.quantity,
            reserved_delta=-r.quantity,
            order_id=order_id,
        )


def restock(
    *, merchant_id: int, requests: Iterable[StockRequest], outlet_id: int | None, order_id: int
) -> None:
    """Put units back on hand when goods come back (return) or never left (refund before shipping)."""
    for r in _merge(requests):
        _level(merchant_id, r.sku_id, outlet_id).update(on_hand=F("on_hand") + r.quantity)
        _log(
            merchant_id, r.sku_id, outlet_id, MovementKind.RETURN, on_hand_delta=r.quantity, order_id=order_id
        )


@transaction.atomic
def set_stock(
    *,
    merchant: Merchant,
    sku: Sku,
    on_hand: int,
    outlet: Outlet | None = None,
    low_stock_threshold: int | None = None,
    acting_staff: Staff | None = None,
    note: str = "",
) -> StockLevel:
    """Set the counted units of a SKU (a stocktake or a delivery), keeping reservations intact.

    Staff limited to some outlets count only those outlets' stock: the warehouse (``outlet=None``)
    serves the whole merchant, so it is outside their scope.
    """
    if acting_staff is not None:
        require(acting_staff, Perm.INVENTORY_EDIT)
        require_outlet(acting_staff, outlet.pk if outlet is not None else None)
    level, _ = StockLevel.objects.select_for_update().get_or_create(
        merchant=merchant, sku=sku, outlet=outlet, defaults={"on_hand": 0}
    )
    before = {"on_hand": level.on_hand, "low_stock_threshold": level.low_stock_threshold}
    if on_hand < level.reserved:
        raise StockBelowReserved(detail={"on_hand": on_hand, "reserved": level.reserved})
    delta = on_hand - level.on_hand
    level.on_hand = on_hand
    fields = ["on_hand", "updated_at"]
    if low_stock_threshold is not None:
        level.low_stock_threshold = low_stock_threshold
        fields.append("low_stock_threshold")
    try:
        level.save(update_fields=fields)
    except IntegrityError as exc:  # a reservation landed between our read and write
        raise StockBelowReserved() from exc
    StockMovement.objects.create(
        merchant=merchant,
        stock=level,
        kind=MovementKind.ADJUST,
        on_hand_delta=delta,
        staff_id=acting_staff.pk if acting_staff else None,
        note=note,
    )
    if acting_staff is not None:
        record_audit(
            staff=acting_staff,
            merchant=merchant,
            action="stock.set",
            obj=level,
            before=before,
            after={"on_hand": level.on_hand, "low_stock_threshold": level.low_stock_threshold},
        )
    return level
