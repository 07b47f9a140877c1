"""Browsing: home, categories, search and the product page. No login needed."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from siyu.catalog import carriers
from siyu.catalog.errors import SoldOnlyByActivity
from siyu.catalog.selectors import sku_available
from siyu.core.errors import NotFound
from siyu.decoration import selectors as decoration
from siyu.storefront import activity_selectors, selectors, tracking
from siyu.storefront.offers import product_offers
from siyu.storefront.sharing import share_links
from siyu.storefront.views.base import Shop, ShopPageRequest, page, shop_page
from siyu.storefront.views.pages import render_home

MAX_QUERY = 50


def int_param(raw: str | None, *, default: int | None = None, low: int = 1, high: int = 2**62) -> int | None:
    """An integer query parameter within bounds, or ``default`` when missing or malformed."""
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 19:
        return default
    value = int(raw)
    return value if low <= value <= high else default


@shop_page()
def home(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The decorated home page once the merchant has published one; until then the fixed layout."""
    live = decoration.live_page(merchant=shop.merchant)
    if live is not None:
        return render_home(request, shop, live)
    zones, feed = selectors.home(merchant=shop.merchant)
    now = timezone.now()
    return page(
        request,
        "storefront/home.html",
        {
            "zones": zones,
            "feed": feed,
            "activities": selectors.home_activities(merchant=shop.merchant, now=now),
            "running": activity_selectors.running_count(merchant=shop.merchant, now=now),
            "tab": "home",
        },
    )


@shop_page()
def categories(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    tops = selectors.categories(merchant=shop.merchant)
    known = {c.pk: c for top in tops for c in [top, *top.subs]}  # type: ignore[attr-defined]
    chosen_id = int_param(request.GET.get("c"))
    chosen = known.get(chosen_id) if chosen_id else (tops[0] if tops else None)
    current_top = None
    if chosen is not None:
        current_top = chosen if chosen.parent_id is None else known.get(chosen.parent_id)
    page_no = int_param(request.GET.get("page"), default=1, high=500) or 1
    cards, more = (
        selectors.product_page(merchant=shop.merchant, category_id=chosen.pk, page=page_no)
        if chosen
        else ([], False)
    )
    return page(
        request,
        "storefront/categories.html",
        {
            "tops": tops,
            "chosen": chosen,
            "current_top": current_top,
            "cards": cards,
            "page_no": page_no,
            "more": more,
            "tab": "categories",
        },
    )


@shop_page()
def search(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    page_no = int_param(request.GET.get("page"), default=1, high=500) or 1
    cards, more = selectors.product_page(merchant=shop.merchant, q=q, page=page_no) if q else ([], False)
    if q and shop.customer is not None and page_no == 1:
        tracking.record_search(customer=shop.customer, keywords=q, results=len(cards))
    return page(request, "storefront/search.html", {"q": q, "cards": cards, "page_no": page_no, "more": more})


@shop_page()
def product(request: ShopPageRequest, shop: Shop, product_id: int) -> HttpResponse:
    found = selectors.product(merchant=shop.merchant, product_id=product_id)
    if found is None:
        if carriers.is_carrier(shop.merchant.pk, product_id):  # a deposit or blind box: its own page sells it
            raise SoldOnlyByActivity(detail={"product_id": product_id})
        raise NotFound(detail={"product_id": product_id})
    skus = [s for s in found.skus.all() if s.is_active]
    now = timezone.now()
    offers = product_offers(merchant=shop.merchant, product=found, skus=skus, customer=shop.customer, now=now)
    flash = selectors.flash_prices(merchant=shop.merchant, product_ids=[found.pk], now=now)
    for sku in skus:
        sku.available = sku_available(sku)  # type: ignore[attr-defined]
        # What the page shows: the flash price if a running flash sale sells it for less (as the
        # product cards do, and "Buy now" then buys through the sale), else the promoted price if a
        # promotion lowers it; crossed out beside it the price (or the SKU's own list price).
        promoted = offers.unit_prices.get(sku.pk)
        price, _was, flash_sale_id = selectors.shown_price(sku, flash)
        sku.flash_sale_id = flash_sale_id  # type: ignore[attr-defined]
        if flash_sale_id is not None:
            sku.shown_price = price  # type: ignore[attr-defined]
            was = sku.price
        else:
            sku.shown_price = promoted if promoted is not None else sku.price  # type: ignore[attr-defined]
            was = sku.price if promoted is not None else sku.list_price
        sku.was_price = was if was > sku.shown_price else 0  # type: ignore[attr-defined]
    wanted = int_param(request.GET.get("sku"))
    selected = next((s for s in skus if s.pk == wanted), None) or next(
        (s for s in skus if s.available > 0),  # type: ignore[attr-defined]
        skus[0] if skus else None,
    )
    if shop.customer is not None:
        tracking.record_product_view(
            customer=shop.customer, product_id=found.pk, source=shop.attribution.source
        )
    return page(
        request,
        "storefront/product.html",
        {
            "product": found,
            "card": selectors.card(found, flash),
            "skus": skus,
            "selected": selected,
            "shares": share_links(request, shop),
            "offers": offers.labels,
        },
    )
