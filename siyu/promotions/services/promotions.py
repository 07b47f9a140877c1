"""Staff use cases for item and order promotions and the merchant's pricing policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from siyu.catalog.models import Category, Product, Sku
from siyu.core.errors import InvalidInput, NotFound
from siyu.promotions.models import GiftStock, PricingPolicy, Promotion, PromotionKind, PromotionStatus
from siyu.promotions.rules import promotion_rule, referenced_sku_ids
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

PROMOTION_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "priority",
    "stacks_with",
    "exclusive_group",
    "audience",
    "scope",
    "config",
)


def get_promotion(*, merchant_id: int, promotion_id: int, lock: bool = False) -> Promotion:
    qs = Promotion.objects.for_merchant(merchant_id).filter(pk=promotion_id)
    row = (qs.select_for_update() if lock else qs).first()
    if row is None:
        raise NotFound(detail={"promotion_id": promotion_id})
    return row


def check_scope_ids(merchant_id: int, scope: Mapping[str, Any]) -> None:
    """Refuse a scope that names another merchant's SKUs, products or categories (as not found)."""

    for fields, model in (
        (("sku_ids", "exclude_sku_ids"), Sku),
        (("product_ids", "exclude_product_ids"), Product),
        (("category_ids",), Category),
    ):
        for name in fields:
            ids = set(scope.get(name) or [])
            if not ids or not all(isinstance(i, int) for i in ids):
                continue
            found = set(
                model.objects.for_merchant(merchant_id).filter(pk__in=ids).values_list("pk", flat=True)
            )
            if ids - found:
                raise NotFound(detail={f"scope.{name}": sorted(ids - found)[:20]})


def _validate(row: Promotion, gift_stock: Mapping[int, int]) -> None:
    if not row.title.strip():
        raise InvalidInput(detail={"title": "required"})
    if row.kind not in PromotionKind.values:
        raise InvalidInput(detail={"kind": f"one of {PromotionKind.values}"})
    if row.starts_at and row.ends_at and row.starts_at >= row.ends_at:
        raise InvalidInput(detail={"ends_at": "after starts_at"})
    if isinstance(row.scope, Mapping):
        check_scope_ids(row.merchant_id, row.scope)
    wanted = referenced_sku_ids(row) | set(gift_stock)
    skus = {
        s.pk: s
        for s in Sku.objects.for_merchant(row.merchant_id).select_related("product").filter(pk__in=wanted)
    }
    missing = sorted(wanted - set(skus))
    if missing:
        raise InvalidInput(detail={"sku_ids": missing, "problem": "not SKUs of this merchant"})
    if any(not isinstance(v, int) or not 0 <= v <= 10**6 for v in gift_stock.values()):
        raise InvalidInput(detail={"gift_stock": "units between 0 and 1000000"})
    promotion_rule(row, skus=skus)  # the engine's own checks, with the field that is wrong


def _save_gift_stock(row: Promotion, gift_stock: Mapping[int, int]) -> None:
    for sku_id, units in gift_stock.items():
        GiftStock.objects.update_or_create(
            merchant_id=row.merchant_id, promotion=row, sku_id=sku_id, defaults={"remaining": units}
        )


def _view(row: Promotion) -> dict[str, Any]:
    return {"title": row.title, "kind": row.kind, "status": row.status, "config": row.config}


@transaction.atomic
def create_promotion(
    *, staff: Staff, gift_stock: Mapping[int, int] | None = None, **fields: Any
) -> Promotion:
    """Create an item or order promotion; ``gift_stock`` sets how many of each gift SKU it may give."""
    require(staff, Perm.PROMOTIONS_EDIT)
    unknown = set(fields) - set(PROMOTION_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown": sorted(unknown)})
    row = Promotion(merchant_id=staff.merchant_id, **fields)
    gift_stock = dict(gift_stock or {})
    _validate(row, gift_stock)
    row.save()
    _save_gift_stock(row, gift_stock)
    record_audit(staff=staff, merchant=staff.merchant, action="promotion.create", obj=row, after=_view(row))
    return row


@transaction.atomic
def update_promotion(
    *, staff: Staff, promotion_id: int, gift_stock: Mapping[int, int] | None = None, **changes: Any
) -> Promotion:
    require(staff, Perm.PROMOTIONS_EDIT)
    row = get_promotion(merchant_id=staff.merchant_id, promotion_id=promotion_id, lock=True)
    unknown = set(changes) - set(PROMOTION_FIELDS)
    if unknown or "kind" in changes:
        raise InvalidInput(detail={"unknown": sorted(unknown | ({"kind"} & set(changes)))})
    if row.status == PromotionStatus.ENDED:
        raise InvalidInput(detail={"status": "an ended promotion cannot be edited"})
    nulls = sorted(n for n, v in changes.items() if v is None and not Promotion._meta.get_field(n).null)
    if nulls:
        raise InvalidInput(detail={name: "may not be null" for name in nulls})
    before = _view(row)
    for name, value in changes.items():
        setattr(row, name, value)
    gift_stock = dict(gift_stock or {})
    _validate(row, gift_stock)
    row.save()
    _save_gift_stock(row, gift_stock)
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="promotion.update",
        obj=row,
        before=before,
        after=_view(row),
    )
    return row


@transaction.atomic
def set_promotion_status(*, staff: Staff, promotion_id: int, status: str) -> Promotion:
    require(staff, Perm.PROMOTIONS_EDIT)
    row = get_promotion(merchant_id=staff.merchant_id, promotion_id=promotion_id, lock=True)
    if status not in PromotionStatus.values:
        raise InvalidInput(detail={"status": status})
    if row.status == PromotionStatus.ENDED and status != PromotionStatus.ENDED:
        raise InvalidInput(detail={"status": "an ended promotion cannot be restarted"})
    before = row.status
    row.status = status
    row.save(update_fields=["status", "updated_at"])
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="promotion.status",
        obj=row,
        before={"status": before},
        after={"status": status},
    )
    return row


@transaction.atomic
def update_pricing_policy(*, staff: Staff, **changes: Any) -> PricingPolicy:
    """The floor (never below X% of cost or of the selling price) and coupons allowed per order."""
    require(staff, Perm.PROMOTIONS_EDIT)
    allowed = {"floor_min_cost_bp", "floor_min_list_bp", "max_goods_coupons", "max_shipping_coupons"}
    if set(changes) - allowed:
        raise InvalidInput(detail={"unknown": sorted(set(changes) - allowed)})
    for name in ("floor_min_cost_bp", "floor_min_list_bp"):
        value = changes.get(name)
        if value is not None and not 0 <= value <= 10_000 * 10:
            raise InvalidInput(detail={name: "between 0 and 100000 basis points"})
    for name in ("max_goods_coupons", "max_shipping_coupons"):
        if name in changes and not 0 <= changes[name] <= 10:
            raise InvalidInput(detail={name: "between 0 and 10"})
    policy, _ = PricingPolicy.objects.select_for_update().get_or_create(merchant_id=staff.merchant_id)
    before = {k: getattr(policy, k) for k in allowed}
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    record_audit(
        staff=staff,
        merchant=staff.merchant,
        action="pricing_policy.update",
        obj=policy,
        before=before,
        after={k: getattr(policy, k) for k in allowed},
    )
    return policy
