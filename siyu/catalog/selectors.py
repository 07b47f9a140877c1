"""Read queries of the catalog, with the joins done once."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from siyu.catalog import carriers
from siyu.catalog.models import Product, ProductRoleAssignment, ProductStatus, Sku
from siyu.inventory.models import StockLevel
from siyu.tenancy.models import Merchant


def products(
    *,
    merchant: Merchant,
    q: str = "",
    category_id: int | None = None,
    status: str | None = None,
    role: str | None = None,
) -> QuerySet[Product]:
    """Products of a merchant, filtered; SKUs, warehouse stock and roles prefetched in 3 queries."""
    qs = Product.objects.for_merchant(merchant).select_related("category")
    if q:
        # EXISTS rather than a join: no duplicate rows, so no DISTINCT over every column.
        by_barcode = Exists(Sku.objects.filter(product=OuterRef("pk"), barcode=q))
        qs = qs.filter(
            Q(name__icontains=q) | Q(keywords__icontains=q) | Q(subtitle__icontains=q) | by_barcode
        )
    if category_id is not None:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if status:
        qs = qs.filter(status=status)
    if role:
        qs = qs.filter(Exists(ProductRoleAssignment.objects.filter(product=OuterRef("pk"), role=role)))
    stock = Prefetch(
        "stock_levels", queryset=StockLevel.objects.filter(outlet=None), to_attr="warehouse_stock"
    )
    skus = Prefetch("skus", queryset=Sku.objects.order_by("id").prefetch_related(stock))
    return qs.prefetch_related(skus, "role_rows")


def on_sale_products(*, merchant: Merchant, **filters) -> QuerySet[Product]:
    """What the shop lists: on sale, with an active SKU, and not a carrier (sold only by its activity)."""
    sellable = Exists(Sku.objects.filter(product=OuterRef("pk"), is_active=True))
    return (
        products(merchant=merchant, status=ProductStatus.ON_SALE, **filters)
        .filter(sellable)
        .filter(carriers.ordinary_products())
    )


def sku_available(sku: Sku) -> int:
    """Warehouse units available of a SKU fetched through ``products`` (no query)."""
    levels = getattr(sku, "warehouse_stock", None)
    if levels is None:
        levels = list(sku.stock_levels.filter(outlet=None))
    return levels[0].available if levels else 0
