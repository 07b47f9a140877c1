"""Staff use cases of group buys: create and edit (pause, resume, end: ``siyu.promotions.kit.services``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from siyu.catalog.models import Sku
from siyu.core.errors import InvalidInput, InvalidTransition, NotFound
from siyu.promotions.activities import check_skus_free
from siyu.promotions.engine.types import ActivityKind
from siyu.promotions.errors import ItemInAnotherActivity
from siyu.promotions.groupbuy.errors import GroupBuyLocked, GroupBuyPriceInvalid
from siyu.promotions.groupbuy.models import GroupBuy, GroupBuySku, Team
from siyu.promotions.kit.models import ActivityStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

MAX_SKUS = 50
MAX_GROUP_SIZE = 100
MAX_HOURS = 168
MAX_PER_MEMBER = 99

# Fields that shape teams and prices: fixed once the first team has opened.
LOCKED_FIELDS = {"group_size", "max_per_member", "lottery", "lottery_winners", "skus"}
AUDIT_FIELDS = [
    "name",
    "status",
    "starts_at",
    "ends_at",
    "group_size",
    "time_limit_hours",
    "max_per_member",
    "lottery",
    "lottery_winners",
    "virtual_fill",
    "pickup_only",
    "consolation_coupon_template_id",
]


@dataclass(frozen=True)
class GroupBuySkuInput:
    sku_id: int
    group_price: int
    leader_price: int | None = None


@dataclass(frozen=True)
class GroupBuyInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    group_size: int
    time_limit_hours: int
    skus: list[GroupBuySkuInput] = field(default_factory=list)
    max_per_member: int = 1
    lottery: bool = False
    lottery_winners: int = 0
    virtual_fill: bool = False
    pickup_only: bool = False
    consolation_coupon_template_id: int | None = None


def _audit(group_buy: GroupBuy) -> dict[str, Any]:
    data = snapshot(group_buy, AUDIT_FIELDS)
    data["skus"] = [
        [row.sku_id, row.group_price, row.leader_price] for row in group_buy.skus.order_by("sku_id")
    ]
    return data


def _validate(merchant_id: int, data: GroupBuyInput, *, now: datetime) -> dict[int, Sku]:
    if not data.name.strip():
        raise InvalidInput(detail={"name": "blank"})
    if data.ends_at <= data.starts_at or data.ends_at <= now:
        raise InvalidInput(detail={"ends_at": "must be after starts_at and in the future"})
    if not 2 <= data.group_size <= MAX_GROUP_SIZE:
        raise InvalidInput(detail={"group_size": data.group_size, "min": 2, "max": MAX_GROUP_SIZE})
    if not 1 <= data.time_limit_hours <= MAX_HOURS:
        raise InvalidInput(detail={"time_limit_hours": data.time_limit_hours, "min": 1, "max": MAX_HOURS})
    if not 1 <= data.max_per_member <= MAX_PER_MEMBER:
        raise InvalidInput(detail={"max_per_member": data.max_per_member, "max": MAX_PER_MEMBER})
    if data.lottery and not 1 <= data.lottery_winners < data.group_size:
        raise InvalidInput(detail={"lottery_winners": data.lottery_winners, "max": data.group_size - 1})
    if not data.skus or len(data.skus) > MAX_SKUS:
        raise InvalidInput(detail={"skus": len(data.skus), "min": 1, "max": MAX_SKUS})
    ids = [row.sku_id for row in data.skus]
    if len(set(ids)) != len(ids):
        raise InvalidInput(detail={"skus": "a SKU is listed twice"})
    skus = {s.pk: s for s in Sku.objects.for_merchant(merchant_id).filter(pk__in=ids)}
    missing = sorted(set(ids) - set(skus))
    if missing:
        raise NotFound(detail={"sku_ids": missing})
    for row in data.skus:
        price = skus[row.sku_id].price
        leader_ok = row.leader_price is None or 1 <= row.leader_price <= row.group_price
        if not (1 <= row.group_price < price and leader_ok):
            raise GroupBuyPriceInvalid(
                detail={
                    "sku_id": row.sku_id,
                    "price": price,
                    "group_price": row.group_price,
                    "leader_price": row.leader_price,
                }
            )
    _check_template(merchant_id, data.consolation_coupon_template_id)
    return skus


def _check_template(merchant_id: int, template_id: int | None) -> None:
    """The consolation coupon's template must be the merchant's own (once the coupons app has one)."""
    if template_id is None:
        return
    try:
        model = apps.get_model("promotions", "CouponTemplate")
    except LookupError:
        return
    if not model.objects.filter(merchant_id=merchant_id, pk=template_id).exists():
        raise NotFound(detail={"consolation_coupon_template_id": template_id})


@transaction.atomic
def create_group_buy(*, staff: Staff, data: GroupBuyInput) -> GroupBuy:
    """Create a running group buy; refused if one of its SKUs is in an overlapping group buy or bargain."""
    require(staff, Perm.PROMOTIONS_EDIT)
    merchant_id = staff.merchant_id
    _validate(merchant_id, data, now=timezone.now())
    check_skus_free(
        family="groupbuy",
        error=ItemInAnotherActivity,
        merchant_id=merchant_id,
        sku_ids=[row.sku_id for row in data.skus],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    group_buy = GroupBuy.objects.create(
        merchant_id=merchant_id,
        name=data.name.strip()[:64],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        group_size=data.group_size,
        time_limit_hours=data.time_limit_hours,
        max_per_member=data.max_per_member,
        lottery=data.lottery,
        lottery_winners=data.lottery_winners if data.lottery else 0,
        virtual_fill=data.virtual_fill,
        pickup_only=data.pickup_only,
        consolation_coupon_template_id=data.consolation_coupon_template_id if data.lottery else None,
        created_by=staff,
    )
    _save_skus(group_buy, data.skus)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="group_buy.create",
        obj=group_buy,
        after=_audit(group_buy),
    )
    return group_buy


def _save_skus(group_buy: GroupBuy, rows: list[GroupBuySkuInput]) -> None:
    GroupBuySku.objects.filter(group_buy=group_buy).delete()
    GroupBuySku.objects.bulk_create(
        [
            GroupBuySku(
                merchant_id=group_buy.merchant_id,
                group_buy=group_buy,
                sku_id=row.sku_id,
                group_price=row.group_price,
                leader_price=row.leader_price,
            )
            for row in sorted(rows, key=lambda r: r.sku_id)
        ]
    )


@transaction.atomic
def update_group_buy(*, staff: Staff, group_buy_id: int, changes: dict[str, Any]) -> GroupBuy:
    """Change a group buy that has not ended. ``changes`` holds only the fields to change
    (``skus`` as a list of :class:`GroupBuySkuInput`); size, SKUs, prices and lottery settings are
    fixed once a team has opened."""
    require(staff, Perm.PROMOTIONS_EDIT)
    group_buy = GroupBuy.objects.for_merchant(staff.merchant_id).get_owned(group_buy_id, lock=True)
    if group_buy.status == ActivityStatus.ENDED:
        raise InvalidTransition(detail={"from": group_buy.status, "to": "edited"})
    unknown = set(changes) - set(GroupBuyInput.__dataclass_fields__)
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    before = _audit(group_buy)
    current_skus = [
        GroupBuySkuInput(row.sku_id, row.group_price, row.leader_price) for row in group_buy.skus.all()
    ]
    merged = GroupBuyInput(
        **{
            name: changes.get(name, current_skus if name == "skus" else getattr(group_buy, name))
            for name in GroupBuyInput.__dataclass_fields__
        }
    )
    _validate(staff.merchant_id, merged, now=timezone.now())
    locked = sorted(LOCKED_FIELDS & set(changes))
    if locked and Team.objects.filter(group_buy=group_buy).exists():
        raise GroupBuyLocked(detail={"fields": locked})
    if {"starts_at", "ends_at", "skus"} & set(changes):
        check_skus_free(
            family="groupbuy",
            error=ItemInAnotherActivity,
            merchant_id=staff.merchant_id,
            sku_ids=[row.sku_id for row in merged.skus],
            starts_at=merged.starts_at,
            ends_at=merged.ends_at,
            exclude=(ActivityKind.GROUP_BUY, group_buy.pk),
        )
    fields = [name for name in changes if name != "skus"]
    for name in fields:
        value = getattr(merged, name)
        setattr(group_buy, name, value.strip()[:64] if name == "name" else value)
    if not group_buy.lottery:
        group_buy.lottery_winners = 0
        group_buy.consolation_coupon_template_id = None
        fields += ["lottery_winners", "consolation_coupon_template_id"]
    group_buy.save(update_fields=sorted({*fields, "updated_at"}))
    if "skus" in changes:
        _save_skus(group_buy, merged.skus)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="group_buy.update",
        obj=group_buy,
        before=before,
        after=_audit(group_buy),
    )
    return group_buy
