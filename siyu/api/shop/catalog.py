"""Browsing a merchant's shop: categories, products, pickup outlets. No login needed."""

from __future__ import annotations

from ninja import Query, Router, Schema

from siyu.api.auth import ShopRequest, ShopVisitor
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import CategoryOut, MerchantSlug, ObjectId, OutletOut, ProductOut
from siyu.api.serializers import product_dict
from siyu.catalog import selectors
from siyu.catalog.models import Category
from siyu.core.errors import NotFound
from siyu.tenancy.models import Outlet

router = Router(tags=["shop: catalog"], auth=ShopVisitor())


class ShopProductFilter(Schema):
    q: str = ""
    category_id: ObjectId | None = None
    role: str | None = None


@router.get("/categories", response=list[CategoryOut])
def list_categories(request: ShopRequest, merchant: MerchantSlug):
    return list(Category.objects.for_merchant(request.merchant).filter(is_active=True))


@router.get("/products", response=Page[ProductOut])
def list_products(
    request: ShopRequest, merchant: MerchantSlug, filters: Query[ShopProductFilter], page: Query[PageParams]
):
    qs = selectors.on_sale_products(
        merchant=request.merchant,
        q=filters.q.strip()[:50],
        category_id=filters.category_id,
        role=filters.role,
    )
    return paginate(qs, page, product_dict)


@router.get("/products/{product_id}", response={200: ProductOut, 404: ErrorOut})
def get_product(request: ShopRequest, merchant: MerchantSlug, product_id: ObjectId):
    product = selectors.on_sale_products(merchant=request.merchant).filter(pk=product_id).first()
    if product is None:
        raise NotFound(detail={"product_id": product_id})
    return product_dict(product)


@router.get("/outlets", response=list[OutletOut])
def list_pickup_outlets(request: ShopRequest, merchant: MerchantSlug):
    return list(Outlet.objects.for_merchant(request.merchant).filter(is_active=True, supports_pickup=True))
