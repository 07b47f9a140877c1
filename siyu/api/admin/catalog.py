"""Staff API for the catalog and stock."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from siyu.api.auth import StaffRequest, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.schemas import CategoryOut, ObjectId, StaffProductOut
from siyu.api.serializers import product_dict
from siyu.catalog import selectors, services
from siyu.catalog.models import Category, ProductRole, ProductStatus, Sku
from siyu.core.errors import NotFound
from siyu.inventory.models import StockLevel
from siyu.inventory.selectors import low_stock
from siyu.inventory.services import set_stock
from siyu.media.richtext import MAX_LENGTH as RICH_TEXT_MAX
from siyu.tenancy.models import Outlet
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope, require

router = Router(tags=["admin: catalog"], auth=staff_auth)
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _staff_product(request: StaffRequest, product_id: int) -> dict:
    product = selectors.products(merchant=request.staff.merchant).filter(pk=product_id).first()
    if product is None:
        raise NotFound(detail={"product_id": product_id})
    return product_dict(product, staff=True, active_only=False)


@router.get("/categories", response={200: list[CategoryOut], 403: ErrorOut})
def list_categories(request: StaffRequest):
    require(request.staff, Perm.CATALOG_VIEW)
    return list(Category.objects.for_merchant(request.staff.merchant_id))


class CategoryIn(Schema):
    name: str = Field(..., min_length=1, max_length=64)
    parent_id: ObjectId | None = None
    sort_order: int = Field(0, ge=-10000, le=10000)


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def create_category(request: StaffRequest, payload: CategoryIn):
    return 201, services.create_category(
        merchant=request.staff.merchant, acting_staff=request.staff, **payload.dict()
    )


class StaffProductFilter(Schema):
    q: str = Field("", max_length=50)
    status: ProductStatus | None = None
    role: ProductRole | None = None
    category_id: ObjectId | None = None


@router.get("/products", response={200: Page[StaffProductOut], 403: ErrorOut})
def list_products(request: StaffRequest, filters: Query[StaffProductFilter], page: Query[PageParams]):
    require(request.staff, Perm.CATALOG_VIEW)
    qs = selectors.products(
        merchant=request.staff.merchant,
        q=filters.q.strip(),
        status=filters.status,
        role=filters.role,
        category_id=filters.category_id,
    )
    return paginate(qs, page, lambda p: product_dict(p, staff=True, active_only=False))


# Prices are int32 columns (at most 2^31 - 1 fen); a larger one would fail the INSERT on PostgreSQL.
MAX_FEN = 10**9
Money = Field(..., ge=0, le=MAX_FEN)


class SkuIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    specs: dict[str, str] = Field(default_factory=dict)
    price: int = Money
    list_price: int = Field(0, ge=0, le=MAX_FEN)
    cost: int = Field(0, ge=0, le=MAX_FEN)
    barcode: str = Field("", max_length=32)
    weight_grams: int = Field(0, ge=0, le=10**7)
    stock: int = Field(0, ge=0, le=10**9)


class ProductIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    subtitle: str = Field("", max_length=200)
    category_id: ObjectId | None = None
    selling_points: list[str] = Field(default_factory=list, max_length=10)
    description: str = Field("", max_length=20000)
    images: list[str] = Field(default_factory=list, max_length=20)
    detail_html: str = Field("", max_length=RICH_TEXT_MAX, description="rich text; cleaned when saved")
    keywords: str = Field("", max_length=200)
    sort_order: int = Field(0, ge=-10000, le=10000)
    roles: list[ProductRole] = Field(default_factory=list)
    status: ProductStatus = ProductStatus.DRAFT
    skus: list[SkuIn] = Field(..., min_length=1, max_length=100)


@router.post("/products", response={201: StaffProductOut, **ERRORS})
def create_product(request: StaffRequest, payload: ProductIn):
    data = payload.dict()
    skus = [services.SkuInput(**s) for s in data.pop("skus")]
    product = services.create_product(
        merchant=request.staff.merchant, acting_staff=request.staff, skus=skus, **data
    )
    return 201, _staff_product(request, product.pk)


class StatusIn(Schema):
    product_ids: list[ObjectId] = Field(..., min_length=1, max_length=200)
    status: ProductStatus


@router.post("/products/bulk-status", response={200: list[StaffProductOut], **ERRORS})
def set_status(request: StaffRequest, payload: StatusIn):
    """Bulk on-shelf / off-shelf: all products change, or none. (Declared before /products/{id}.)"""
    products = services.set_products_status(
        merchant=request.staff.merchant,
        product_ids=payload.product_ids,
        status=payload.status,
        acting_staff=request.staff,
    )
    return [_staff_product(request, p.pk) for p in products]


@router.get("/products/{product_id}", response={200: StaffProductOut, 403: ErrorOut, 404: ErrorOut})
def get_product(request: StaffRequest, product_id: ObjectId):
    require(request.staff, Perm.CATALOG_VIEW)
    return _staff_product(request, product_id)


class ProductPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    subtitle: str | None = Field(None, max_length=200)
    category_id: ObjectId | None = None
    selling_points: list[str] | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=20000)
    images: list[str] | None = Field(None, max_length=20)
    detail_html: str | None = Field(
        None, max_length=RICH_TEXT_MAX, description="rich text; cleaned when saved"
    )
    keywords: str | None = Field(None, max_length=200)
    sort_order: int | None = Field(None, ge=-10000, le=10000)
    roles: list[ProductRole] | None = None


@router.patch("/products/{product_id}", response={200: StaffProductOut, **ERRORS})
def update_product(request: StaffRequest, product_id: ObjectId, payload: ProductPatch):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.update_product(
        merchant=request.staff.merchant, product_id=product_id, acting_staff=request.staff, **changes
    )
    return _staff_product(request, product_id)


class SkusIn(Schema):
    skus: list[SkuIn] = Field(..., min_length=1, max_length=100)


@router.post("/products/{product_id}/skus", response={201: StaffProductOut, **ERRORS})
def add_skus(request: StaffRequest, product_id: ObjectId, payload: SkusIn):
    services.add_skus(
        merchant=request.staff.merchant,
        product_id=product_id,
        skus=[services.SkuInput(**s.dict()) for s in payload.skus],
        acting_staff=request.staff,
    )
    return 201, _staff_product(request, product_id)


class SkuPatch(Schema):
    specs: dict[str, str] | None = None
    price: int | None = Field(None, ge=0, le=MAX_FEN)
    list_price: int | None = Field(None, ge=0, le=MAX_FEN)
    cost: int | None = Field(None, ge=0, le=MAX_FEN)
    barcode: str | None = Field(None, max_length=32)
    weight_grams: int | None = Field(None, ge=0, le=10**7)
    is_active: bool | None = None


@router.patch("/skus/{sku_id}", response={200: StaffProductOut, **ERRORS})
def update_sku(request: StaffRequest, sku_id: ObjectId, payload: SkuPatch):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    sku = services.update_sku(
        merchant=request.staff.merchant, sku_id=sku_id, acting_staff=request.staff, **changes
    )
    return _staff_product(request, sku.product_id)


class StockOut(Schema):
    id: int
    sku_id: int
    sku_code: str
    product_name: str
    outlet_id: int | None
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int


def _stock_row(level: StockLevel) -> dict:
    return {
        "id": level.pk,
        "sku_id": level.sku_id,
        "sku_code": level.sku.code,
        "product_name": level.sku.product.name,
        "outlet_id": level.outlet_id,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
        "low_stock_threshold": level.low_stock_threshold,
    }


class StockFilter(Schema):
    sku_id: ObjectId | None = None
    outlet_id: ObjectId | None = None
    warehouse_only: bool = False


@router.get("/stock", response={200: Page[StockOut], 403: ErrorOut})
def list_stock(request: StaffRequest, filters: Query[StockFilter], page: Query[PageParams]):
    require(request.staff, Perm.INVENTORY_VIEW)
    qs = (
        StockLevel.objects.for_merchant(request.staff.merchant_id)
        .select_related("sku__product")
        .order_by("id")
    )
    scope = outlet_scope(request.staff)
    if scope is not None:
        qs = qs.filter(outlet_id__in=scope)
    if filters.sku_id:
        qs = qs.filter(sku_id=filters.sku_id)
    if filters.outlet_id:
        qs = qs.filter(outlet_id=filters.outlet_id)
    if filters.warehouse_only:
        qs = qs.filter(outlet=None)
    return paginate(qs, page, _stock_row)


@router.get("/stock/low", response={200: Page[StockOut], 403: ErrorOut})
def list_low_stock(request: StaffRequest, page: Query[PageParams]):
    """Low-stock alerts: available units at or below each level's threshold."""
    require(request.staff, Perm.INVENTORY_VIEW)
    return paginate(
        low_stock(merchant=request.staff.merchant, outlet_ids=outlet_scope(request.staff)), page, _stock_row
    )


class StockIn(Schema):
    sku_id: ObjectId
    outlet_id: ObjectId | None = None
    on_hand: int = Field(..., ge=0, le=10**9)
    low_stock_threshold: int | None = Field(None, ge=0, le=10**9)
    note: str = Field("", max_length=200)


@router.put("/stock", response={200: StockOut, **ERRORS})
def put_stock(request: StaffRequest, payload: StockIn):
    """Set counted units of a SKU at the warehouse or an outlet (reservations are kept)."""
    merchant = request.staff.merchant
    sku = Sku.objects.for_merchant(merchant).filter(pk=payload.sku_id).first()
    if sku is None:
        raise NotFound(detail={"sku_id": payload.sku_id})
    outlet = None
    if payload.outlet_id is not None:
        outlet = Outlet.objects.for_merchant(merchant).filter(pk=payload.outlet_id).first()
        if outlet is None:
            raise NotFound(detail={"outlet_id": payload.outlet_id})
    level = set_stock(
        merchant=merchant,
        sku=sku,
        outlet=outlet,
        on_hand=payload.on_hand,
        low_stock_threshold=payload.low_stock_threshold,
        acting_staff=request.staff,
        note=payload.note,
    )
    return _stock_row(StockLevel.objects.select_related("sku__product").get(pk=level.pk))
