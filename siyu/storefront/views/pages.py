"""Decorated pages: the home page's sections, custom pages at /shop/<merchant>/p/<slug>/, and the
editor's phone preview of a draft.

What is cached, and why it is safe (``sections_html``): the HTML of a published version's sections,
under ``decoration:<page id>:<version number>:<language>``. A version never changes once published
and numbers only grow, so publishing or rolling back shows at once (a new key), with no
invalidation to forget. The sections also show live facts of the shop (prices, stock, flash-sale
prices, which coupons can be claimed, which activities run): those may be up to
``SIYU_DECORATION_CACHE_SECONDS`` (30 s) old, which is why the entry expires. Nothing in the cached
HTML depends on who is looking: no customer, no cart badge, no CSRF token (the coupon strip links to
the coupon centre rather than posting a claim). Those are rendered around it on every request, and
the product page, cart and checkout always read prices and stock fresh, so a shopper never pays a
cached price. The lookup of the live version is one indexed query per request and never cached,
so a publication is never hidden behind a stale pointer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_sameorigin

from siyu.decoration import preview as preview_tokens
from siyu.decoration import selectors as decoration
from siyu.decoration.errors import PageNotFound
from siyu.decoration.models import PageKind
from siyu.decoration.schema import parse_sections
from siyu.storefront import sections
from siyu.storefront.views.base import Shop, ShopPageRequest, page, shop_page


def cache_key(live: decoration.LivePage) -> str:
    return f"decoration:{live.page_id}:{live.number}:{get_language()}"


def sections_html(shop: Shop, live: decoration.LivePage, *, cached: bool = True) -> SafeString:
    """The page's sections as HTML: from the cache for a published version, else rendered."""
    key = cache_key(live)
    if cached:
        hit = cache.get(key)
        if hit is not None:
            return mark_safe(hit)
    blocks = sections.resolve(
        merchant=shop.merchant, sections=parse_sections(live.sections), now=timezone.now()
    )
    html = render_to_string(
        "storefront/sections/_blocks.html", {"blocks": blocks, "shop": shop, "merchant": shop.merchant}
    )
    if cached:
        cache.set(key, html, settings.SIYU_DECORATION_CACHE_SECONDS)
    return mark_safe(html)


def render_home(request: ShopPageRequest, shop: Shop, live: decoration.LivePage) -> HttpResponse:
    """The home page as the merchant decorated it (``catalog.home`` falls back to the fixed layout)."""
    return page(request, "storefront/home.html", {"decorated": sections_html(shop, live), "tab": "home"})


@shop_page()
def custom_page(request: ShopPageRequest, shop: Shop, slug: str) -> HttpResponse:
    live = decoration.live_page(merchant=shop.merchant, slug=slug)
    if live is None or live.kind != PageKind.CUSTOM:
        raise PageNotFound(detail={"slug": slug})
    return page(
        request, "storefront/page.html", {"title": live.title, "decorated": sections_html(shop, live)}
    )


@xframe_options_sameorigin  # the console's editor shows it in an iframe
@shop_page()
def preview(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The draft of a page (else its live version) for whoever holds the editor's signed token."""
    page_id = preview_tokens.read_token(request.GET.get("token", ""), merchant_id=shop.merchant.pk)
    shown = decoration.preview_page(merchant=shop.merchant, page_id=page_id)
    if shown is None:
        raise PageNotFound(detail={"page_id": page_id})
    context = {
        "decorated": sections_html(shop, shown, cached=False),
        "preview": True,
        "title": shown.title,
        "visit_beacon": False,  # the merchant looking at a draft is not a shop visitor
        "tab": "home" if shown.kind == PageKind.HOME else "",
    }
    template = "storefront/home.html" if shown.kind == PageKind.HOME else "storefront/page.html"
    return page(request, template, context)
