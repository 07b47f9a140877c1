"""Staff use cases of bargains: create and edit (pause, resume, end: ``siyu.promotions.kit.services``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.promotions.activities import check_skus_free
from siyu.promotions.bargain.errors import BargainLocked, BargainRangeInvalid
from siyu.promotions.bargain.models import Bargain, BargainRecord
from siyu.promotions.engine.types import ActivityKind
from siyu.promotions.errors import ItemInAnotherActivity
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

MAX_HELPERS = 100
MAX_HOURS = 168
MAX_PER_CUSTOMER = 99

# Fields that shape records: fixed once the first record has started.
LOCKED_FIELDS = {"sku_id", "floor_price", "helpers_needed"}
AUDIT_FIELDS = [
    "name",
    "status",
    "sku",
    "starts_at",
    "ends_at",
    "start_price",
    "floor_price",
    "helpers_needed",
    "hours_to_finish",
    "quota",
    "per_customer_limit",
]


@dataclass(frozen=True)
class BargainInput:
    """A bargain's settings; it starts from the SKU's price at the time it is saved."""

    name: str
    sku_id: int
    starts_at: datetime
    ends_at: datetime
    floor_price: int
    helpers_needed: int
    hours_to_finish: int
    quota: int | None = None
    per_customer_limit: int = 1


def _validate(
    merchant_id: int, data: BargainInput, *, now: datetime, sold: int = 0, start_price: int | None = None
) -> Sku:
    """Check the settings; the range is measured from ``start_price`` (default: the SKU's price)."""
    if not data.name.strip():
        raise InvalidInput(detail={"name": "blank"})
    if data.ends_at <= data.starts_at or data.ends_at <= now:
        raise InvalidInput(detail={"ends_at": "must be after starts_at and in the future"})
    if not 1 <= data.helpers_needed <= MAX_HELPERS:
        raise InvalidInput(detail={"helpers_needed": data.helpers_needed, "min": 1, "max": MAX_HELPERS})
    if not 1 <= data.hours_to_finish <= MAX_HOURS:
        raise InvalidInput(detail={"hours_to_finish": data.hours_to_finish, "min": 1, "max": MAX_HOURS})
    if not 1 <= data.per_customer_limit <= MAX_PER_CUSTOMER:
        raise InvalidInput(detail={"per_customer_limit": data.per_customer_limit, "max": MAX_PER_CUSTOMER})
    if data.quota is not None and data.quota < max(1, sold):
        raise InvalidInput(detail={"quota": data.quota, "min": max(1, sold)})
    sku = Sku.objects.for_merchant(merchant_id).filter(pk=data.sku_id).first()
    if sku is None:
        raise NotFound(detail={"sku_id": data.sku_id})
    price = sku.price if start_price is None else start_price
    if data.floor_price < 0 or data.floor_price + data.helpers_needed > price:
        raise BargainRangeInvalid(
            detail={"price": price, "floor_price": data.floor_price, "helpers_needed": data.helpers_needed}
        )
    return sku


@transaction.atomic
def create_bargain(*, staff: Staff, data: BargainInput) -> Bargain:
    """Create a running bargain; refused if its SKU is in an overlapping group buy or bargain."""
    require(staff, Perm.PROMOTIONS_EDIT)
    sku = _validate(staff.merchant_id, data, now=timezone.now())
    check_skus_free(
        family="groupbuy",
        error=ItemInAnotherActivity,
        merchant_id=staff.merchant_id,
        sku_ids=[sku.pk],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    bargain = Bargain.objects.create(
        merchant_id=staff.merchant_id,
        name=data.name.strip()[:64],
        sku=sku,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        start_price=sku.price,
        floor_price=data.floor_price,
        helpers_needed=data.helpers_needed,
        hours_to_finish=data.hours_to_finish,
        quota=data.quota,
        per_customer_limit=data.per_customer_limit,
        created_by=staff,
    )
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="bargain.create",
        obj=bargain,
        after=snapshot(bargain, AUDIT_FIELDS),
    )
    return bargain


@transaction.atomic
def update_bargain(*, staff: Staff, bargain_id: int, changes: dict[str, Any]) -> Bargain:
    """Change a bargain that has not ended. ``changes`` holds only the fields to change; the SKU,
    floor price and helpers are fixed once a record has started. A new SKU or floor restarts the
    price from the SKU's current price."""
    require(staff, Perm.PROMOTIONS_EDIT)
    bargain = Bargain.objects.for_merchant(staff.merchant_id).get_owned(bargain_id, lock=True)
    if bargain.status == ActivityStatus.ENDED:
        raise InvalidTransition(detail={"from": bargain.status, "to": "edited"})
    unknown = set(changes) - set(BargainInput.__dataclass_fields__)
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    before = snapshot(bargain, AUDIT_FIELDS)
    merged = BargainInput(
        **{name: changes.get(name, getattr(bargain, name)) for name in BargainInput.__dataclass_fields__}
    )
    restart = bool(LOCKED_FIELDS & set(changes))
    sku = _validate(
        staff.merchant_id,
        merged,
        now=timezone.now(),
        sold=bargain.sold,
        start_price=None if restart else bargain.start_price,
    )
    locked = sorted(LOCKED_FIELDS & set(changes))
    if locked and BargainRecord.objects.filter(bargain=bargain).exists():
        raise BargainLocked(detail={"fields": locked})
    if {"starts_at", "ends_at", "sku_id"} & set(changes):
        check_skus_free(
            family="groupbuy",
            error=ItemInAnotherActivity,
            merchant_id=staff.merchant_id,
            sku_ids=[sku.pk],
            starts_at=merged.starts_at,
            ends_at=merged.ends_at,
            exclude=(ActivityKind.BARGAIN, bargain.pk),
        )
    fields = list(changes)
    for name in fields:
        value = getattr(merged, name)
        setattr(bargain, name, value.strip()[:64] if name == "name" else value)
    if restart:
        bargain.start_price = sku.price
        fields.append("start_price")
    bargain.save(update_fields=sorted({*fields, "updated_at"}))
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="bargain.update",
        obj=bargain,
        before=before,
        after=snapshot(bargain, AUDIT_FIELDS),
    )
    return bargain
