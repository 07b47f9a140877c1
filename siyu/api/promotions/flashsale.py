"""Flash sales: the customer routes (``shop_router``, under /api/v1/shop/{merchant}/) and the staff
routes (``admin_router``, under /api/v1/admin/)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from ninja import Field, Header, Query, Router, Schema

from siyu.api import auth as api_auth
from siyu.api.auth import ShopRequest, ShopVisitor, staff_auth
from siyu.api.errors import ErrorOut
from siyu.api.pagination import Page, PageParams, paginate
from siyu.api.patches import PatchIn
from siyu.api.promotions.activity_routes import ActivityRoutes, activity_routes, route_names
from siyu.api.schemas import MerchantSlug, ObjectId, OrderOut
from siyu.api.serializers import order_dict
from siyu.core.ids import token_digest
from siyu.members.models import Customer, CustomerToken
from siyu.orders.models import Order, OrderLine
from siyu.promotions.flashsale import selectors
from siyu.promotions.flashsale.errors import FlashSaleNotFound
from siyu.promotions.flashsale.models import FlashSale, FlashSaleStatus
from siyu.promotions.flashsale.playbook import FLASH_SALES
from siyu.promotions.flashsale.services import buying, manage
from siyu.tenancy.models import Merchant, Staff


def _buyer_sql() -> str:
    q = connection.ops.quote_name
    customer, token, merchant = (q(m._meta.db_table) for m in (Customer, CustomerToken, Merchant))
    return (
        f"SELECT c.* FROM {customer} c JOIN {token} t ON t.customer_id = c.id"
        f" JOIN {merchant} m ON m.id = c.merchant_id"
        " WHERE t.digest = %s AND t.expires_at > %s AND c.is_blocked = %s"
        " AND m.slug = %s AND m.is_active = %s LIMIT 1"
    )


class CustomerBearer(api_auth.CustomerBearer):
    """The shop's customer bearer in one precomposed query (token, customer and shop together).

    The buy route is the hottest in the shop, and during a flash sale almost every request to it
    is refused: composing the usual ORM join cost more CPU than everything else the refusal does.
    Anything this query does not find goes through the usual checks, so an unknown shop is still
    a 404 and a wrong token a 401. (Same class name: the same OpenAPI security scheme.)
    """

    def authenticate(self, request: HttpRequest, token: str):
        slug = request.resolver_match.kwargs.get("merchant", "") if request.resolver_match else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params = [token_digest(token), now, False, slug, True]
        customer = next(iter(Customer.objects.raw(_buyer_sql(), params)), None)
        if customer is None:
            return super().authenticate(request, token)
        request.merchant = SimpleLazyObject(lambda: customer.merchant)  # type: ignore[attr-defined]
        request.customer = customer  # type: ignore[attr-defined]
        return customer


shop_router = Router(tags=["shop: flashsale"], auth=CustomerBearer())
admin_router = Router(tags=["admin: flashsale"], auth=staff_auth)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
MAX_FEN = 10**9

# ---- shop --------------------------------------------------------------------------------------


class FlashItemOut(Schema):
    sku_id: int
    product_id: int
    product_name: str
    specs: dict[str, str]
    image: str
    price: int = Field(..., description="the SKU's own price (fen)")
    flash_price: int
    quota: int
    remaining: int
    sold_out: bool
    my_units: int | None = Field(None, description="units the logged-in customer holds or bought")


class FlashSaleOut(Schema):
    id: int
    title: str
    phase: str = Field(..., description="upcoming, running, paused or ended")
    starts_at: datetime
    ends_at: datetime
    now: datetime = Field(..., description="the server's clock, for the countdown")
    starts_in_seconds: int
    ends_in_seconds: int
    per_customer_limit: int
    items: list[FlashItemOut]


@shop_router.get("/flash-sales", response=Page[FlashSaleOut], auth=ShopVisitor())
def list_shop_flash_sales(request: ShopRequest, merchant: MerchantSlug, page: Query[PageParams]):
    """Published flash sales that have not ended, soonest first, with their countdown data."""
    now = timezone.now()
    qs = selectors.shop_sales(merchant_id=request.merchant.pk, now=now)
    return paginate(qs, page, lambda s: selectors.shop_sale_dict(s, now=now))


@shop_router.get(
    "/flash-sales/{flash_sale_id}", response={200: FlashSaleOut, 404: ErrorOut}, auth=ShopVisitor()
)
def get_shop_flash_sale(request: ShopRequest, merchant: MerchantSlug, flash_sale_id: ObjectId):
    now = timezone.now()
    sale = selectors.shop_sale(merchant_id=request.merchant.pk, flash_sale_id=flash_sale_id)
    if sale is None:
        raise FlashSaleNotFound(detail={"flash_sale_id": flash_sale_id})
    customer = request.customer
    held = selectors.units_held(customer=customer, flash_sale_id=sale.pk) if customer is not None else None
    return selectors.shop_sale_dict(sale, now=now, customer=customer, held=held)


class FlashBuyIn(Schema):
    sku_id: ObjectId
    quantity: int = Field(1, ge=1, le=99)
    fulfilment: str = Field("delivery", pattern="^(delivery|pickup)$")
    address_id: ObjectId | None = None
    pickup_outlet_id: ObjectId | None = None
    note: str = Field("", max_length=200)
    source: str = Field("", max_length=16)


@shop_router.post("/flash-sales/{flash_sale_id}/orders", response={201: OrderOut, 200: OrderOut, **ERRORS})
def buy_flash_sale(
    request: ShopRequest,
    merchant: MerchantSlug,
    flash_sale_id: ObjectId,
    payload: FlashBuyIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
):
    """Buy at the flash price: an order awaiting payment. Send an ``Idempotency-Key`` so a retry
    returns the same order instead of taking more units."""
    order, created = buying.buy_flash_sale(
        customer=request.customer,
        request=buying.BuyRequest(flash_sale_id=flash_sale_id, **payload.dict()),
        idempotency_key=idempotency_key or None,
    )
    order = (
        Order.objects.filter(pk=order.pk)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .get()
    )
    return (201 if created else 200), order_dict(order)


# ---- admin -------------------------------------------------------------------------------------


class StaffFlashItemOut(Schema):
    id: int
    sku_id: int
    product_name: str
    sku_code: str
    price: int
    flash_price: int
    quota: int
    reserved: int
    sold: int
    remaining: int


class StaffFlashSaleOut(Schema):
    id: int
    title: str
    status: str
    phase: str
    selling: bool = Field(..., description="takes orders right now")
    starts_at: datetime
    ends_at: datetime
    per_customer_limit: int
    payment_minutes: int | None
    created_at: datetime
    published_at: datetime | None
    ended_at: datetime | None
    items: list[StaffFlashItemOut]


class FlashItemIn(Schema):
    sku_id: ObjectId
    price: int = Field(..., ge=1, le=MAX_FEN, description="flash price in fen, below the SKU's price")
    quota: int = Field(..., ge=1, le=1_000_000)


class FlashSaleIn(Schema):
    title: str = Field(..., min_length=1, max_length=60)
    starts_at: datetime
    ends_at: datetime
    per_customer_limit: int = Field(1, ge=1, le=manage.MAX_LIMIT)
    payment_minutes: int | None = Field(None, ge=1, le=1440)
    publish: bool = Field(True, description="false keeps it a draft")
    items: list[FlashItemIn] = Field(..., min_length=1, max_length=manage.MAX_ITEMS)


class FlashSalePatch(PatchIn):
    NULLABLE = frozenset({"payment_minutes"})  # null clears: no limit / the default

    title: str | None = Field(None, min_length=1, max_length=60)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    per_customer_limit: int | None = Field(None, ge=1, le=manage.MAX_LIMIT)
    payment_minutes: int | None = Field(None, ge=1, le=1440)
    items: list[FlashItemIn] | None = Field(None, min_length=1, max_length=manage.MAX_ITEMS)


class FlashSaleFilter(Schema):
    status: FlashSaleStatus | None = None


class FlashItemStatsOut(Schema):
    sku_id: int
    product_name: str
    quota: int
    participants: int
    orders_paid: int
    orders_pending: int
    orders_cancelled: int
    orders_refunded: int
    units_sold: int
    units_reserved: int
    gmv: int
    discount_cost: int
    refunded_amount: int


class FlashSaleStatsOut(Schema):
    flash_sale_id: int
    status: str
    quota: int
    participants: int = Field(..., description="distinct customers who paid")
    orders_paid: int
    orders_pending: int
    orders_cancelled: int
    orders_refunded: int
    units_sold: int
    units_reserved: int
    gmv: int = Field(..., description="fen paid for the flash units (refunds not deducted)")
    discount_cost: int = Field(..., description="fen given away below the list price on paid units")
    refunded_amount: int
    items: list[FlashItemStatsOut]


def _items(rows: list[FlashItemIn] | None) -> list[manage.ItemInput] | None:
    return None if rows is None else [manage.ItemInput(r.sku_id, r.price, r.quota) for r in rows]


def _create(staff: Staff, payload: FlashSaleIn) -> FlashSale:
    return manage.create_flash_sale(
        staff=staff,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        per_customer_limit=payload.per_customer_limit,
        payment_minutes=payload.payment_minutes,
        publish=payload.publish,
        items=_items(payload.items) or [],
    )


def _update(staff: Staff, flash_sale_id: int, payload: FlashSalePatch) -> None:
    given = payload.model_fields_set
    manage.update_flash_sale(
        staff=staff,
        flash_sale_id=flash_sale_id,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        per_customer_limit=payload.per_customer_limit,
        payment_minutes=payload.payment_minutes if "payment_minutes" in given else manage.UNSET,
        items=_items(payload.items),
    )


def _listed(qs: QuerySet[FlashSale], filters: FlashSaleFilter) -> QuerySet[FlashSale]:
    return qs.filter(status=filters.status) if filters.status else qs


activity_routes(
    admin_router,
    ActivityRoutes(
        playbook=FLASH_SALES,
        path="/flash-sales",
        id_name="flash_sale_id",
        out=StaffFlashSaleOut,
        create_in=FlashSaleIn,
        patch_in=FlashSalePatch,
        filters=FlashSaleFilter,
        stats_out=FlashSaleStatsOut,
        staff_rows=lambda merchant_id: selectors.staff_sales(merchant_id=merchant_id),
        render=lambda sale, now: selectors.staff_sale_dict(sale, now=now),
        listed=_listed,
        create=_create,
        update=_update,
        names=route_names("flash_sale"),
        order=("list", "create", "get", "update", "publish", "pause", "resume", "end", "stats"),
        docs={
            "update": "Change a sale: anything before it starts; afterwards its title, end, limit, "
            "payment window\nand quotas (items must list the same SKUs at the same prices).",
            "stats": "Participants, orders, units, GMV and discount cost, in total and per item.",
        },
    ),
    module=__name__,
)
