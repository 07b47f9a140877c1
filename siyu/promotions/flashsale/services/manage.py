"""Staff use cases: create and edit flash sales, what their status verbs check and do (the verbs
themselves: ``siyu.promotions.kit.services``); the periodic sweep.

One SKU is in at most one published flash sale at a time: creating, publishing or re-timing a sale
locks its SKU rows (``FOR NO KEY UPDATE``, ascending ids, so order lines can still reference them)
and then looks for an overlapping published sale, so two staff members cannot both get an
overlapping sale through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import NotFound
from siyu.promotions.activities import conflicts_elsewhere
from siyu.promotions.errors import ActivityConflict
from siyu.promotions.flashsale import redis_gate as gate
from siyu.promotions.flashsale.errors import FlashSaleConflict, FlashSaleInvalid, FlashSaleLocked
from siyu.promotions.flashsale.models import (
    PUBLISHED,
    SELLING,
    FlashSale,
    FlashSaleItem,
    FlashSaleStatus,
)
from siyu.promotions.flashsale.services.quota import load_gate, sync_gate
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

MAX_ITEMS = 50
MAX_LIMIT = 99
MAX_TITLE = 60
UNSET: Any = object()


@dataclass(frozen=True)
class ItemInput:
    sku_id: int
    price: int  # fen, below the SKU's price
    quota: int


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _snapshot(sale: FlashSale) -> dict[str, Any]:
    return {
        "title": sale.title,
        "status": sale.status,
        "starts_at": sale.starts_at.isoformat(),
        "ends_at": sale.ends_at.isoformat(),
        "per_customer_limit": sale.per_customer_limit,
        "payment_minutes": sale.payment_minutes,
        "items": [
            {"sku_id": i.sku_id, "price": i.price, "quota": i.quota}
            for i in FlashSaleItem.objects.filter(flash_sale=sale).order_by("sort_order", "id")
        ],
    }


def conflicting_flash_sales(
    *,
    merchant_id: int,
    sku_ids: list[int],
    starts_at: datetime,
    ends_at: datetime,
    exclude_id: int | None = None,
) -> dict[int, list[int]]:
    """Published sales overlapping [starts_at, ends_at) that hold any of the SKUs: sku id -> sale ids.

    For the cross-activity check too: a SKU listed here may not join another activity in that window.
    """
    rows = (
        FlashSaleItem.objects.for_merchant(merchant_id)
        .filter(
            sku_id__in=sku_ids,
            flash_sale__status__in=PUBLISHED,
            flash_sale__starts_at__lt=ends_at,
            flash_sale__ends_at__gt=starts_at,
        )
        .exclude(flash_sale_id=exclude_id)
        .order_by("sku_id", "flash_sale_id")
        .values_list("sku_id", "flash_sale_id")
    )
    found: dict[int, list[int]] = {}
    for sku_id, sale_id in rows:
        found.setdefault(sku_id, []).append(sale_id)
    return found


def _lock_skus(merchant_id: int, sku_ids: list[int]) -> dict[int, Sku]:
    skus = {
        s.pk: s
        for s in Sku.objects.for_merchant(merchant_id)
        .select_for_update(no_key=True)
        .filter(pk__in=sku_ids)
        .order_by("pk")
    }
    missing = sorted(set(sku_ids) - set(skus))
    if missing:
        raise NotFound(detail={"sku_ids": missing})
    return skus


def _check_conflicts(sale: FlashSale, sku_ids: list[int]) -> None:
    found = conflicting_flash_sales(
        merchant_id=sale.merchant_id,
        sku_ids=sku_ids,
        starts_at=sale.starts_at,
        ends_at=sale.ends_at,
        exclude_id=sale.pk,
    )
    if found:
        raise FlashSaleConflict(
            detail={"conflicts": [{"sku_id": k, "flash_sale_ids": v} for k, v in found.items()]}
        )
    elsewhere = conflicts_elsewhere(
        family="flashsale",
        merchant_id=sale.merchant_id,
        sku_ids=sku_ids,
        starts_at=sale.starts_at,
        ends_at=sale.ends_at,
    )
    if elsewhere:
        raise ActivityConflict(detail={"conflicts": elsewhere})


def live_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict]:
    """Published flash sales on these SKUs overlapping the window (for the other playbooks)."""
    found = conflicting_flash_sales(
        merchant_id=merchant_id, sku_ids=sku_ids, starts_at=starts_at, ends_at=ends_at
    )
    return [
        {"kind": "flash_sale", "id": sale_id, "sku_id": sku_id}
        for sku_id, ids in found.items()
        for sale_id in ids
    ]


def _check_settings(sale: FlashSale, now: datetime) -> None:
    if not sale.title:
        raise FlashSaleInvalid(detail={"title": sale.title})
    if sale.ends_at <= sale.starts_at:
        raise FlashSaleInvalid(
            detail={"starts_at": sale.starts_at.isoformat(), "ends_at": sale.ends_at.isoformat()}
        )
    if sale.ends_at <= now:
        raise FlashSaleInvalid(detail={"ends_at": sale.ends_at.isoformat(), "reason": "in the past"})
    if not 1 <= sale.per_customer_limit <= MAX_LIMIT:
        raise FlashSaleInvalid(detail={"per_customer_limit": sale.per_customer_limit, "max": MAX_LIMIT})
    timeout = sale.merchant.payment_timeout_minutes
    if sale.payment_minutes is not None and not 1 <= sale.payment_minutes <= timeout:
        raise FlashSaleInvalid(detail={"payment_minutes": sale.payment_minutes, "max": timeout})


def _check_items(items: list[ItemInput], skus: dict[int, Sku]) -> None:
    if not 1 <= len(items) <= MAX_ITEMS:
        raise FlashSaleInvalid(detail={"items": len(items), "max": MAX_ITEMS})
    seen: set[int] = set()
    for item in items:
        if item.sku_id in seen:
            raise FlashSaleInvalid(detail={"sku_id": item.sku_id, "reason": "listed twice"})
        seen.add(item.sku_id)
        sku = skus[item.sku_id]
        if not 1 <= item.price < sku.price:
            raise FlashSaleInvalid(detail={"sku_id": sku.pk, "price": item.price, "sku_price": sku.price})
        if item.quota < 1:
            raise FlashSaleInvalid(detail={"sku_id": sku.pk, "quota": item.quota})


def _after_commit_sync(sale: FlashSale) -> None:
    transaction.on_commit(partial(sync_gate, sale.pk))


@transaction.atomic
def create_flash_sale(
    *,
    staff: Staff,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    items: list[ItemInput],
    per_customer_limit: int = 1,
    payment_minutes: int | None = None,
    publish: bool = True,
) -> FlashSale:
    """Create a sale with its items; published (scheduled) unless ``publish`` is false (a draft)."""
    require(staff, Perm.PROMOTIONS_EDIT)
    now = timezone.now()
    sale = FlashSale(
        merchant=staff.merchant,
        title=title.strip()[:MAX_TITLE],
        starts_at=_aware(starts_at),
        ends_at=_aware(ends_at),
        per_customer_limit=per_customer_limit,
        payment_minutes=payment_minutes,
        status=FlashSaleStatus.SCHEDULED if publish else FlashSaleStatus.DRAFT,
        published_at=now if publish else None,
    )
    _check_settings(sale, now)
    sku_ids = [i.sku_id for i in items]
    skus = _lock_skus(staff.merchant_id, sku_ids)
    _check_items(items, skus)
    _check_conflicts(sale, sku_ids)
    sale.save()
    FlashSaleItem.objects.bulk_create(
        [
            FlashSaleItem(
                merchant=staff.merchant,
                flash_sale=sale,
                sku=skus[i.sku_id],
                price=i.price,
                quota=i.quota,
                sort_order=n,
            )
            for n, i in enumerate(items)
        ]
    )
    record_audit(
        staff=staff, merchant=staff.merchant, action="flash_sale.create", obj=sale, after=_snapshot(sale)
    )
    if publish:
        _after_commit_sync(sale)
    return sale


def _replace_items(sale: FlashSale, items: list[ItemInput], skus: dict[int, Sku]) -> None:
    """Before the start: the list becomes exactly ``items`` (nothing has been sold yet)."""
    current = {i.sku_id: i for i in FlashSaleItem.objects.filter(flash_sale=sale)}
    wanted = {i.sku_id for i in items}
    FlashSaleItem.objects.filter(flash_sale=sale).exclude(sku_id__in=wanted).delete()
    for sku_id in sorted(set(current) - wanted):
        transaction.on_commit(partial(gate.forget, gate.Item(sale.merchant_id, sale.pk, sku_id)))
    for n, i in enumerate(items):
        row = current.get(i.sku_id)
        if row is None:
            FlashSaleItem.objects.create(
                merchant=sale.merchant,
                flash_sale=sale,
                sku=skus[i.sku_id],
                price=i.price,
                quota=i.quota,
                sort_order=n,
            )
        else:
            _set_quota(row, i.quota)
            FlashSaleItem.objects.filter(pk=row.pk).update(price=i.price, sort_order=n)


def _set_quota(row: FlashSaleItem, quota: int) -> None:
    if quota == row.quota:
        return
    changed = FlashSaleItem.objects.filter(pk=row.pk, reserved__lte=quota - F("sold")).update(quota=quota)
    if changed != 1:
        row.refresh_from_db(fields=["reserved", "sold"])
        raise FlashSaleLocked(
            detail={"sku_id": row.sku_id, "quota": quota, "taken": row.reserved + row.sold, "reason": "quota"}
        )


def _change_started_items(sale: FlashSale, items: list[ItemInput]) -> None:
    """After the start only quotas may change, and never below the units already taken."""
    current = {i.sku_id: i for i in FlashSaleItem.objects.filter(flash_sale=sale)}
    if {i.sku_id for i in items} != set(current) or len(items) != len(current):
        raise FlashSaleLocked(detail={"reason": "items", "sku_ids": sorted(current)})
    for i in items:
        if i.price != current[i.sku_id].price:
            raise FlashSaleLocked(detail={"reason": "price", "sku_id": i.sku_id})
    for i in sorted(items, key=lambda x: current[x.sku_id].pk):
        _set_quota(current[i.sku_id], i.quota)


@transaction.atomic
def update_flash_sale(
    *,
    staff: Staff,
    flash_sale_id: int,
    title: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    per_customer_limit: int | None = None,
    payment_minutes: int | None = UNSET,
    items: list[ItemInput] | None = None,
) -> FlashSale:
    """Edit a sale. Before its start anything may change; once started (and not a draft) only the
    title, the end, the limit, the payment window and the quotas (never below what was taken)."""
    require(staff, Perm.PROMOTIONS_EDIT)
    now = timezone.now()
    sale = FlashSale.objects.for_merchant(staff.merchant_id).get_owned(flash_sale_id, lock=True)
    if sale.status == FlashSaleStatus.ENDED:
        raise FlashSaleLocked(detail={"status": sale.status})
    before = _snapshot(sale)
    started = sale.status != FlashSaleStatus.DRAFT and sale.starts_at <= now
    if starts_at is not None and _aware(starts_at) != sale.starts_at:
        if started:
            raise FlashSaleLocked(detail={"reason": "starts_at"})
        sale.starts_at = _aware(starts_at)
    if title is not None:
        sale.title = title.strip()[:MAX_TITLE]
    if ends_at is not None:
        sale.ends_at = _aware(ends_at)
    if per_customer_limit is not None:
        sale.per_customer_limit = per_customer_limit
    if payment_minutes is not UNSET:
        sale.payment_minutes = payment_minutes
    _check_settings(sale, now)
    current_skus = list(FlashSaleItem.objects.filter(flash_sale=sale).values_list("sku_id", flat=True))
    sku_ids = sorted(set(current_skus) | {i.sku_id for i in items or []})
    skus = _lock_skus(staff.merchant_id, sku_ids)
    if items is not None:
        _check_items(items, skus)
        if started:
            _change_started_items(sale, items)
        else:
            _replace_items(sale, items, skus)
    if sale.status in PUBLISHED:
        _check_conflicts(sale, [i.sku_id for i in items] if items is not None else current_skus)
    sale.save(
        update_fields=["title", "starts_at", "ends_at", "per_customer_limit", "payment_minutes", "updated_at"]
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="flash_sale.update",
        obj=sale,
        before=before,
        after=_snapshot(sale),
    )
    if sale.status in PUBLISHED:
        _after_commit_sync(sale)
    return sale


def check_status(sale: FlashSale, verb: str) -> None:
    """Before a draft is published (scheduled): its settings and items must hold, and its SKUs
    (locked) must not be in an overlapping published sale or another activity."""
    if verb == "publish" and sale.status == FlashSaleStatus.DRAFT:
        _check_settings(sale, timezone.now())
        sku_ids = list(FlashSaleItem.objects.filter(flash_sale=sale).values_list("sku_id", flat=True))
        if not sku_ids:
            raise FlashSaleInvalid(detail={"items": 0})
        _lock_skus(sale.merchant_id, sku_ids)
        _check_conflicts(sale, sku_ids)


def status_changed(sale: FlashSale) -> None:
    """After a status verb: the gate follows the sale once the move commits (paused and ended
    sales stop taking units at the gate too)."""
    _after_commit_sync(sale)


def advance_flash_sales(*, now: datetime | None = None) -> dict[str, int]:
    """Keep stored statuses in step with the clock (scheduled -> running -> ended) and rewrite the
    gate keys of selling sales from the database (heals units a crashed request took at the gate).

    Selling never waits for this: a published sale sells exactly inside its window.
    """
    now = now or timezone.now()
    started = FlashSale.objects.filter(
        status=FlashSaleStatus.SCHEDULED, starts_at__lte=now, ends_at__gt=now
    ).update(status=FlashSaleStatus.RUNNING)
    ended = FlashSale.objects.filter(status__in=PUBLISHED, ends_at__lte=now).update(
        status=FlashSaleStatus.ENDED, ended_at=now
    )
    resynced = 0
    selling = FlashSaleItem.objects.filter(
        flash_sale__status__in=SELLING, flash_sale__starts_at__lte=now, flash_sale__ends_at__gt=now
    )
    if gate.enabled():
        for item_id in selling.order_by("pk").values_list("pk", flat=True)[:1000]:
            try:
                resynced += load_gate(item_id=item_id, force=True)
            except gate.GateUnavailable:
                break
    return {"started": started, "ended": ended, "gates_resynced": resynced}
