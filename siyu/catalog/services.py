"""Use cases of the catalog: categories, products with SKUs and roles, publishing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from siyu.catalog.errors import CategoryTooDeep, DuplicateSkuCode, ProductNotPublishable
from siyu.catalog.models import Category, Product, ProductRoleAssignment, ProductStatus, Sku
from siyu.core.errors import InvalidInput, NotFound
from siyu.inventory.services import set_stock
from siyu.media.richtext import clean_html
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require, snapshot

PRODUCT_FIELDS = [
    "name",
    "subtitle",
    "selling_points",
    "description",
    "images",
    "detail_html",
    "keywords",
    "sort_order",
]

IMAGE_URL = re.compile(r"^(https?://[^\s/]+|/(?!/))\S*$", re.IGNORECASE)


@dataclass
class SkuInput:
    code: str
    price: int
    specs: dict[str, str] = field(default_factory=dict)
    list_price: int = 0
    cost: int = 0
    barcode: str = ""
    weight_grams: int = 0
    stock: int = 0


def _check(staff: Staff | None, perm: Perm) -> None:
    if staff is not None:
        require(staff, perm)


def _category_depth(category: Category) -> int:
    depth = 1
    while category.parent_id is not None:
        category = Category.objects.only("parent_id").get(pk=category.parent_id)
        depth += 1
    return depth


def _get_category(merchant: Merchant, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.for_merchant(merchant).filter(pk=category_id).first()
    if category is None:
        raise NotFound(detail={"category_id": category_id})
    return category


@transaction.atomic
def create_category(
    *,
    merchant: Merchant,
    name: str,
    parent_id: int | None = None,
    sort_order: int = 0,
    acting_staff: Staff | None,
) -> Category:
    _check(acting_staff, Perm.CATALOG_EDIT)
    parent = _get_category(merchant, parent_id)
    if parent is not None and _category_depth(parent) >= Category.MAX_DEPTH:
        raise CategoryTooDeep()
    category = Category.objects.create(merchant=merchant, name=name, parent=parent, sort_order=sort_order)
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="category.create",
        obj=category,
        after=snapshot(category),
    )
    return category


def _create_skus(merchant: Merchant, product: Product, skus: list[SkuInput]) -> None:
    for s in skus:
        if s.price < 0 or s.cost < 0 or s.list_price < 0 or s.stock < 0:
            raise InvalidInput(detail={"sku": s.code, "reason": "negative amount"})
        try:
            with transaction.atomic():
                sku = Sku.objects.create(
                    merchant=merchant,
                    product=product,
                    code=s.code,
                    specs=s.specs,
                    price=s.price,
                    list_price=s.list_price,
                    cost=s.cost,
                    barcode=s.barcode,
                    weight_grams=s.weight_grams,
                )
        except IntegrityError as exc:
            raise DuplicateSkuCode(detail={"code": s.code}) from exc
        set_stock(merchant=merchant, sku=sku, on_hand=s.stock)


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the detail's HTML sanitised: no stored detail was ever unclean."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    if "detail_html" in fields:
        fields = {**fields, "detail_html": clean_html(fields["detail_html"] or "")}
    for url in fields.get("images") or []:
        # A gallery shows pictures from the web or the site itself: no javascript:, data: or other schemes.
        if not isinstance(url, str) or len(url) > 500 or not IMAGE_URL.match(url):
            raise InvalidInput(detail={"images": url})
    return fields


def _set_roles(merchant: Merchant, product: Product, roles: list[str]) -> None:
    ProductRoleAssignment.objects.filter(product=product).delete()
    ProductRoleAssignment.objects.bulk_create(
        [ProductRoleAssignment(merchant=merchant, product=product, role=r) for r in sorted(set(roles))]
    )


@transaction.atomic
def create_product(
    *,
    merchant: Merchant,
    name: str,
    skus: list[SkuInput],
    category_id: int | None = None,
    roles: list[str] | None = None,
    status: str = ProductStatus.DRAFT,
    acting_staff: Staff | None,
    **attrs: Any,
) -> Product:
    """Create a product with its SKUs, their opening stock and its roles."""
    _check(acting_staff, Perm.CATALOG_EDIT)
    if not skus:
        raise InvalidInput(detail={"skus": "at least one SKU is required"})
    attrs = _clean_fields(attrs)
    product = Product.objects.create(
        merchant=merchant,
        name=name,
        category=_get_category(merchant, category_id),
        status=ProductStatus.DRAFT,
        **attrs,
    )
    _create_skus(merchant, product, skus)
    _set_roles(merchant, product, roles or [])
    if status != ProductStatus.DRAFT:
        _apply_status(product, status)
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="product.create",
        obj=product,
        after={
            **snapshot(product, [*PRODUCT_FIELDS, "status"]),
            "skus": [s.code for s in skus],
            "roles": roles or [],
        },
    )
    return product


@transaction.atomic
def update_product(
    *,
    merchant: Merchant,
    product_id: int,
    acting_staff: Staff | None,
    roles: list[str] | None = None,
    category_id: int | None = None,
    **changes: Any,
) -> Product:
    """Change a product's descriptive fields, category and roles (not its SKUs or status)."""
    _check(acting_staff, Perm.CATALOG_EDIT)
    product = get_product_for_update(merchant, product_id)
    changes = _clean_fields(changes)
    before = {**snapshot(product, [*PRODUCT_FIELDS, "category"]), "roles": product_roles(product)}
    for name, value in changes.items():
        setattr(product, name, value)
    fields = [*changes, "updated_at"]
    if category_id is not None:
        product.category = _get_category(merchant, category_id)
        fields.append("category")
    product.save(update_fields=fields)
    if roles is not None:
        _set_roles(merchant, product, roles)
    after = {**snapshot(product, [*PRODUCT_FIELDS, "category"]), "roles": product_roles(product)}
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="product.update",
        obj=product,
        before=before,
        after=after,
    )
    return product


def product_roles(product: Product) -> list[str]:
    return sorted(product.role_rows.values_list("role", flat=True))


def get_product_for_update(merchant: Merchant, product_id: int) -> Product:
    product = Product.objects.for_merchant(merchant).select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(detail={"product_id": product_id})
    return product


def _apply_status(product: Product, status: str) -> None:
    if status not in ProductStatus.values:
        raise InvalidInput(detail={"status": status})
    if status == ProductStatus.ON_SALE and not product.skus.filter(is_active=True).exists():
        raise ProductNotPublishable(detail={"product_id": product.pk})
    product.status = status
    product.save(update_fields=["status", "updated_at"])


@transaction.atomic
def set_products_status(
    *, merchant: Merchant, product_ids: list[int], status: str, acting_staff: Staff | None
) -> list[Product]:
    """Put products on sale or off shelf in bulk: all of them, or none if any is refused."""
    _check(acting_staff, Perm.CATALOG_EDIT)
    products = list(
        Product.objects.for_merchant(merchant).select_for_update().filter(pk__in=product_ids).order_by("pk")
    )
    missing = sorted(set(product_ids) - {p.pk for p in products})
    if missing:
        raise NotFound(detail={"product_ids": missing})
    for product in products:
        before = product.status
        _apply_status(product, status)
        record_audit(
            staff=acting_staff,
            merchant=merchant,
            action="product.status",
            obj=product,
            before={"status": before},
            after={"status": status},
        )
    return products


SKU_FIELDS = ["specs", "price", "list_price", "cost", "barcode", "weight_grams", "is_active"]


@transaction.atomic
def update_sku(*, merchant: Merchant, sku_id: int, acting_staff: Staff | None, **changes: Any) -> Sku:
    _check(acting_staff, Perm.CATALOG_EDIT)
    sku = Sku.objects.for_merchant(merchant).select_for_update().filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(detail={"sku_id": sku_id})
    unknown = set(changes) - set(SKU_FIELDS)
    if unknown:
        raise InvalidInput(detail={"unknown_fields": sorted(unknown)})
    for money in ("price", "list_price", "cost"):
        if money in changes and changes[money] < 0:
            raise InvalidInput(detail={money: "must not be negative"})
    before = snapshot(sku, SKU_FIELDS)
    for name, value in changes.items():
        setattr(sku, name, value)
    sku.save(update_fields=list(changes))
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="sku.update",
        obj=sku,
        before=before,
        after=snapshot(sku, SKU_FIELDS),
    )
    return sku


@transaction.atomic
def edit_product(
    *,
    merchant: Merchant,
    product_id: int,
    acting_staff: Staff | None,
    roles: list[str] | None,
    category_id: int | None,
    sku_changes: dict[int, dict[str, Any]],
    **changes: Any,
) -> Product:
    """The console's product form in one transaction: the product's fields, category, roles and SKU changes.

    ``sku_changes`` maps each of the product's SKU ids to the fields that change (empty: unchanged).
    """
    product = update_product(
        merchant=merchant,
        product_id=product_id,
        acting_staff=acting_staff,
        roles=roles,
        category_id=category_id,
        **changes,
    )
    own = set(product.skus.values_list("pk", flat=True))
    if foreign := sorted(set(sku_changes) - own):
        raise NotFound(detail={"sku_id": foreign[0]})
    for sku_id, sku_fields in sku_changes.items():
        if sku_fields:
            update_sku(merchant=merchant, sku_id=sku_id, acting_staff=acting_staff, **sku_fields)
    return product


@transaction.atomic
def add_skus(
    *, merchant: Merchant, product_id: int, skus: list[SkuInput], acting_staff: Staff | None
) -> Product:
    _check(acting_staff, Perm.CATALOG_EDIT)
    product = get_product_for_update(merchant, product_id)
    _create_skus(merchant, product, skus)
    record_audit(
        staff=acting_staff,
        merchant=merchant,
        action="product.add_skus",
        obj=product,
        after={"skus": [s.code for s in skus]},
    )
    return product
