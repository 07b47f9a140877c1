"""Reads the storefront pages need, each a fixed number of queries however many rows they show.

Products come through ``siyu.catalog.selectors`` (SKUs, warehouse stock and roles prefetched).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from siyu.catalog import selectors as catalog
from siyu.catalog.models import Category, Product, ProductRole, ProductRoleAssignment, ProductStatus, Sku
from siyu.inventory.models import StockLevel
from siyu.members.models import Address, Customer
from siyu.orders.models import AfterSale, CartItem, Order, OrderLine, OrderStatus
from siyu.promotions.bargain import selectors as bargain_selectors
from siyu.promotions.flashsale import selectors as flash_selectors
from siyu.promotions.flashsale.models import SELLING, FlashSaleItem
from siyu.promotions.groupbuy import selectors as group_selectors
from siyu.tenancy.models import Merchant, Outlet

PAGE_SIZE = 20
# The home page's zones, in the order they are shown: each is the products playing that role.
HOME_ZONES = (
    ProductRole.HOT_ITEM,
    ProductRole.NEW_CUSTOMER_TRIAL,
    ProductRole.FLAGSHIP,
    ProductRole.MEMBER_WELFARE,
    ProductRole.RETENTION_STAPLE,
    ProductRole.CLEARANCE,
)
ZONE_SIZE = 6


@dataclass(frozen=True)
class FlashPrice:
    """A SKU's price in a running flash sale that still has units: the price a shopper can get now."""

    price: int
    flash_sale_id: int


@dataclass(frozen=True)
class ProductCard:
    """A product as a list shows it: name, first image, lowest price, whether anything is in stock.

    A SKU in a running flash sale counts at its flash price, with its own price crossed out beside
    it, as the product page shows it.
    """

    product: Product
    price_from: int
    list_price: int
    available: int
    flash_sale_id: int | None = None

    @property
    def image(self) -> str:
        return (self.product.images or [""])[0]


def flash_prices(*, merchant: Merchant, product_ids: Iterable[int], now: datetime) -> dict[int, FlashPrice]:
    """SKU id -> its lowest price in the flash sales selling now with units left, in 1 query."""

    rows = (
        FlashSaleItem.objects.for_merchant(merchant)
        .filter(
            sku__product_id__in=list(product_ids),
            flash_sale__status__in=SELLING,
            flash_sale__starts_at__lte=now,
            flash_sale__ends_at__gt=now,
            quota__gt=F("reserved") + F("sold"),
        )
        .order_by("-price", "-flash_sale_id")  # the lowest price (then the oldest sale) is kept last
        .values_list("sku_id", "price", "flash_sale_id")
    )
    return {sku_id: FlashPrice(price, sale_id) for sku_id, price, sale_id in rows}


def shown_price(sku: Sku, flash: Mapping[int, FlashPrice]) -> tuple[int, int, int | None]:
    """(price, crossed-out price or 0, flash sale id) of a SKU as the shop shows it."""
    offer = flash.get(sku.pk)
    if offer is not None and offer.price < sku.price:
        return offer.price, sku.price, offer.flash_sale_id
    return sku.price, sku.list_price if sku.list_price > sku.price else 0, None


def flash_sale_of(*, merchant: Merchant, sku_id: int, now: datetime | None = None) -> int | None:
    """The running flash sale that sells this SKU below its price (as the shop shows it), if any."""
    sku = Sku.objects.for_merchant(merchant).filter(pk=sku_id).first()
    if sku is None:
        return None
    flash = flash_prices(merchant=merchant, product_ids=[sku.product_id], now=now or timezone.now())
    return shown_price(sku, flash)[2]


def card(product: Product, flash: Mapping[int, FlashPrice] | None = None) -> ProductCard:
    skus = [s for s in product.skus.all() if s.is_active]
    shown = [shown_price(s, flash or {}) for s in skus]
    cheapest = min(shown, key=lambda row: row[0]) if shown else (0, 0, None)
    return ProductCard(
        product=product,
        price_from=cheapest[0],
        list_price=cheapest[1],
        available=sum(catalog.sku_available(s) for s in skus),
        flash_sale_id=cheapest[2],
    )


@dataclass(frozen=True)
class Zone:
    role: str
    label: str
    cards: list[ProductCard]


def home(*, merchant: Merchant, now: datetime | None = None) -> tuple[list[Zone], list[ProductCard]]:
    """The role zones (hot items first) and the newest products, in 9 queries."""
    in_zones = Exists(ProductRoleAssignment.objects.filter(product=OuterRef("pk"), role__in=HOME_ZONES))
    zoned = list(catalog.on_sale_products(merchant=merchant).filter(in_zones)[:200])
    newest = list(catalog.on_sale_products(merchant=merchant)[:PAGE_SIZE])
    flash = flash_prices(
        merchant=merchant, product_ids={p.pk for p in zoned + newest}, now=now or timezone.now()
    )
    zones = []
    for role in HOME_ZONES:
        in_role = [p for p in zoned if any(r.role == role for r in p.role_rows.all())][:ZONE_SIZE]
        if in_role:
            cards = [card(p, flash) for p in in_role]
            zones.append(Zone(role=role, label=str(ProductRole(role).label), cards=cards))
    return zones, [card(p, flash) for p in newest]


def product_page(
    *,
    merchant: Merchant,
    category_id: int | None = None,
    q: str = "",
    page: int = 1,
    now: datetime | None = None,
) -> tuple[list[ProductCard], bool]:
    """One page of on-sale products, and whether there is a next page."""
    start = (page - 1) * PAGE_SIZE
    rows = list(
        catalog.on_sale_products(merchant=merchant, q=q, category_id=category_id)[
            start : start + PAGE_SIZE + 1
        ]
    )
    shown = rows[:PAGE_SIZE]
    flash = flash_prices(merchant=merchant, product_ids=[p.pk for p in shown], now=now or timezone.now())
    return [card(p, flash) for p in shown], len(rows) > PAGE_SIZE


def categories(*, merchant: Merchant) -> list[Category]:
    """Active top-level categories, each with its active children in ``.subs``."""
    rows = list(Category.objects.for_merchant(merchant).filter(is_active=True))
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    tops = [row for row in rows if row.parent_id is None]
    for top in tops:
        top.subs = children.get(top.pk, [])  # type: ignore[attr-defined]
    return tops


def product(*, merchant: Merchant, product_id: int) -> Product | None:
    return catalog.on_sale_products(merchant=merchant).filter(pk=product_id).first()


@dataclass(frozen=True)
class CartRow:
    item: CartItem
    product: Product
    sku: Sku
    available: int

    @property
    def on_sale(self) -> bool:
        return self.product.status == ProductStatus.ON_SALE and self.sku.is_active

    @property
    def amount(self) -> int:
        return self.sku.price * self.item.quantity


def cart(*, customer: Customer) -> list[CartRow]:
    """The customer's cart rows with their products and stock, in 5 queries."""
    items = list(CartItem.objects.filter(merchant_id=customer.merchant_id, customer=customer))
    if not items:
        return []
    product_ids = Sku.objects.for_merchant(customer.merchant_id).filter(pk__in=[i.sku_id for i in items])
    products = {
        p.pk: p
        for p in catalog.products(merchant=customer.merchant).filter(pk__in=product_ids.values("product_id"))
    }
    skus = {s.pk: (p, s) for p in products.values() for s in p.skus.all()}
    rows = []
    for item in items:
        if item.sku_id in skus:
            product, sku = skus[item.sku_id]
            rows.append(CartRow(item=item, product=product, sku=sku, available=catalog.sku_available(sku)))
    return rows


# Order list tabs: what each shows.
ORDER_TABS: dict[str, list[str]] = {
    "all": [],
    "unpaid": [OrderStatus.PENDING_PAYMENT],
    "to_ship": [OrderStatus.PAID],
    "to_receive": [OrderStatus.SHIPPED],
    "done": [OrderStatus.DELIVERED, OrderStatus.COMPLETED],
}


def _orders(customer: Customer) -> QuerySet[Order]:
    return Order.objects.for_merchant(customer.merchant_id).filter(customer=customer)


def orders(*, customer: Customer, tab: str = "all", page: int = 1) -> tuple[list[Order], bool]:
    """A page of the customer's orders with their lines and redemptions, in 3 queries."""
    qs = _orders(customer)
    statuses = ORDER_TABS.get(tab) or []
    if statuses:
        qs = qs.filter(status__in=statuses)
    start = (page - 1) * PAGE_SIZE
    rows = list(
        qs.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")), "redemptions")[
            start : start + PAGE_SIZE + 1
        ]
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def order(*, customer: Customer, order_id: int) -> Order | None:
    """One of the customer's orders with lines, redemptions, pickup outlet and after-sales (5 queries)."""
    return (
        _orders(customer)
        .select_related("pickup_outlet")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            "redemptions",
            Prefetch("after_sales", queryset=AfterSale.objects.order_by("-id").prefetch_related("lines")),
        )
        .filter(pk=order_id)
        .first()
    )


def order_counts(*, customer: Customer) -> dict[str, int]:
    """How many orders the customer has per tab, in 1 query."""
    aggregates = {
        tab: Count("id", filter=Q(status__in=statuses)) if statuses else Count("id")
        for tab, statuses in ORDER_TABS.items()
    }
    return _orders(customer).aggregate(**aggregates)


def addresses(*, customer: Customer) -> list[Address]:
    return list(Address.objects.for_merchant(customer.merchant_id).filter(customer=customer))


def pickup_outlets(*, merchant: Merchant) -> list[Outlet]:
    return list(Outlet.objects.for_merchant(merchant).filter(is_active=True, supports_pickup=True))


def specs_text(specs: object) -> str:
    """A SKU's specs as a shopper reads them: {"规格": "50g", "包装": "罐"} -> "50g / 罐"."""
    if not isinstance(specs, dict):
        return ""
    return " / ".join(f"{v}" for v in specs.values())


@dataclass(frozen=True)
class Shortage:
    """An item an outlet cannot hand over in full: the units wanted and the units it has."""

    name: str
    specs: dict
    wanted: int
    available: int

    @property
    def item(self) -> str:
        return f"{self.name} {specs_text(self.specs)}".strip()


@dataclass(frozen=True)
class PickupChoice:
    outlet: Outlet
    shortages: list[Shortage]

    @property
    def has_everything(self) -> bool:
        return not self.shortages


def pickup_choices(
    *, merchant: Merchant, outlets: list[Outlet], wanted: dict[int, int]
) -> list[PickupChoice]:
    """Each pickup outlet with the items it is short of for ``wanted`` (SKU id -> units), in 2 queries.

    An outlet holds stock of its own (a StockLevel per SKU and outlet); a SKU it has no row for has
    none there. Units held by unpaid orders are not available.
    """
    if not outlets or not wanted:
        return [PickupChoice(outlet, []) for outlet in outlets]
    rows = Sku.objects.for_merchant(merchant).select_related("product").filter(pk__in=list(wanted))
    skus = {s.pk: s for s in rows}
    available = {
        (outlet_id, sku_id): on_hand - reserved
        for outlet_id, sku_id, on_hand, reserved in StockLevel.objects.for_merchant(merchant)
        .filter(outlet__in=outlets, sku_id__in=list(skus))
        .values_list("outlet_id", "sku_id", "on_hand", "reserved")
    }
    choices = []
    for outlet in outlets:
        shortages = [
            Shortage(sku.product.name, sku.specs, wanted[sku_id], max(0, have))
            for sku_id, sku in sorted(skus.items())
            if (have := available.get((outlet.pk, sku_id), 0)) < wanted[sku_id]
        ]
        choices.append(PickupChoice(outlet, shortages))
    return choices


def after_sales(*, customer: Customer) -> list[AfterSale]:
    return list(
        AfterSale.objects.for_merchant(customer.merchant_id)
        .filter(customer=customer)
        .select_related("order")
        .prefetch_related("lines")[:50]
    )


@dataclass(frozen=True)
class Activities:
    """What the home page shows of the running activities (banners and entries), in 5 queries."""

    flash_sales: list[dict]
    group_buys: list
    bargains: list


def home_activities(*, merchant: Merchant, now: datetime) -> Activities:
    sales = flash_selectors.shop_sales(merchant_id=merchant.pk, now=now)[:3]
    return Activities(
        flash_sales=[flash_selectors.shop_sale_dict(s, now=now) for s in sales],
        group_buys=list(group_selectors.live_group_buys(merchant.pk, now)[:4]),
        bargains=list(bargain_selectors.live_bargains(merchant.pk, now)[:4]),
    )
