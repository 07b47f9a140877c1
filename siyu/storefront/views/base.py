"""What every storefront page does first: resolve the shop, the customer and a share landing.

``shop_page`` wraps a view: the merchant comes from the URL's slug (an unknown or closed shop is a
404), the customer from this shop's compartment of the session (scoped to the merchant, so no id
from another shop can ever load), and a ``?sharer=&source=`` landing is recorded once and then
redirected to the clean URL. A page not yet counted today carries the visit beacon, whose request
records the day's ``visit`` (``record_visit``; the overview counts visitors from it), so a page
view costs no write and can never fail by it. A ``SiyuError`` the view lets
through becomes the error page with the error's status: the service refused, so nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, Literal, ParamSpec, cast, overload
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from siyu.core.errors import SiyuError
from siyu.members.guide_links import guide_from_code
from siyu.members.models import Customer
from siyu.orders.models import CartItem
from siyu.storefront import session, sharing, tracking
from siyu.tenancy.models import Merchant

SHARE_PARAMS = ("sharer", "source", "guide")


@dataclass
class Shop:
    """The shop a storefront page belongs to, and who is looking at it (None: not logged in)."""

    merchant: Merchant
    customer: Customer | None
    attribution: session.Attribution

    @property
    def slug(self) -> str:
        return self.merchant.slug

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"storefront:{name}", args=[self.merchant.slug, *args])


@dataclass
class SignedInShop(Shop):
    """The shop of a page that requires login (``shop_page(login=True)``): the customer is known."""

    customer: Customer


class ShopPageRequest(HttpRequest):
    """A request a storefront page serves: ``shop_page`` has set its ``shop``."""

    shop: Shop


def _load_customer(request: HttpRequest, merchant: Merchant) -> Customer | None:
    pk = session.customer_id(request, merchant.slug)
    if pk is None:
        return None
    customer = Customer.objects.for_merchant(merchant).filter(pk=pk, is_blocked=False).first()
    if customer is None:
        session.log_out(request, merchant.slug)
        return None
    customer.merchant = merchant  # already loaded: spare the services a query for it
    return customer


def _parse_sharer(raw: str, merchant: Merchant, customer: Customer | None) -> int | None:
    if not raw.isdigit() or len(raw) > 18:
        return None
    sharer = int(raw)
    if customer is not None and customer.pk == sharer:
        return None  # following your own link is not a referral
    # Only this shop's customers can refer: an id from another shop is noise, not attribution.
    return sharer if Customer.objects.for_merchant(merchant).filter(pk=sharer).exists() else None


def _land(request: HttpRequest, shop: Shop) -> HttpResponse:
    """Record a share landing, keep it for checkout and login, and show the clean URL."""
    sharer = _parse_sharer(request.GET.get("sharer", ""), shop.merchant, shop.customer)
    source = tracking.share_source(request.GET.get("source", "")[:16], has_sharer=sharer is not None)
    guide = guide_from_code(shop.merchant, request.GET.get("guide", ""))
    if guide is not None and shop.customer is not None:
        sharing.bind_to_link_guide(shop.customer, guide.pk)  # a guide's link: their customer if unbound
    if sharer is not None or source or guide is not None:
        value = session.Attribution(
            sharer_id=sharer, source=source, guide_id=guide.pk if guide is not None else None
        )
        session.remember_attribution(request, shop.slug, value)
        tracking.record_share_landing(
            merchant=shop.merchant,
            customer=shop.customer,
            anonymous_id=session.visitor_id(request, shop.slug),
            path=request.path,
            sharer_id=sharer,
            source=source,
        )
    rest = [(k, v) for k, v in request.GET.items() if k not in SHARE_PARAMS]
    return HttpResponseRedirect(request.path + (f"?{urlencode(rest)}" if rest else ""))


def local_day(shop: Shop) -> str:
    return timezone.localdate(timezone=ZoneInfo(shop.merchant.timezone)).isoformat()


def record_visit(request: HttpRequest, shop: Shop) -> None:
    """Count the visitor on the overview: one ``visit`` event per visitor and local day, remembered
    in the session so the other pages of the day do not ask again (``tracking.record_visit`` never
    raises; a failure is tried again on the next page)."""
    today = local_day(shop)
    if session.visited_on(request, shop.slug) == today:
        return
    anonymous_id = "" if shop.customer else session.visitor_id(request, shop.slug)
    recorded = tracking.record_visit(
        merchant=shop.merchant, customer=shop.customer, anonymous_id=anonymous_id, day=today
    )
    if recorded:
        session.remember_visit(request, shop.slug, today)


def safe_next(request: HttpRequest, shop: Shop, default: str) -> str:
    """The ``next`` parameter if it stays inside this shop, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    inside = target.startswith(f"/shop/{shop.slug}/")
    if inside and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def login_redirect(request: HttpRequest, shop: Shop) -> HttpResponse:
    if request.method == "GET":
        target = request.get_full_path()
    else:  # after login, go back to the page the form was on
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        target = referer.path + (f"?{referer.query}" if referer.query else "")
    query = urlencode({"next": target}) if target.startswith(f"/shop/{shop.slug}/") else ""
    return HttpResponseRedirect(shop.url("login") + (f"?{query}" if query else ""))


def page(
    request: ShopPageRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HttpResponse:
    shop = request.shop
    cart_count = (
        CartItem.objects.filter(merchant_id=shop.merchant.pk, customer=shop.customer).count()
        if shop.customer
        else 0
    )
    full = {
        "shop": shop,
        "merchant": shop.merchant,
        "customer": shop.customer,
        "cart_count": cart_count,
        # Not yet counted today: the page asks for the visit beacon (views.account.visit).
        "visit_beacon": session.visited_on(request, shop.slug) != local_day(shop),
    }
    full.update(context or {})
    return render(request, template, full, status=status)


def error_page(request: ShopPageRequest, exc: SiyuError) -> HttpResponse:
    return page(request, "storefront/error.html", {"error": exc}, status=exc.status)


# What a view takes: the overloads type a login=True view's shop as a SignedInShop, and mypy refuses
# a public view that asks for one.
P = ParamSpec("P")
ShopView = Callable[Concatenate[ShopPageRequest, Shop, P], HttpResponse]
SignedInShopView = Callable[Concatenate[ShopPageRequest, SignedInShop, P], HttpResponse]
# Called by the URL resolver as (request, merchant=<slug>, **the view's own URL arguments).
Page = Callable[..., HttpResponse]


@overload
def shop_page(
    *, login: Literal[False] = False, methods: tuple[str, ...] = ("GET",)
) -> Callable[[ShopView[P]], Page]: ...


@overload
def shop_page(
    *, login: Literal[True], methods: tuple[str, ...] = ("GET",)
) -> Callable[[SignedInShopView[P]], Page]: ...


def shop_page(
    *, login: bool = False, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[..., HttpResponse]], Page]:
    """Decorate a storefront view: resolve the shop and its customer, record a share landing.

    The view is called as ``view(request, shop, **url_arguments)``. With ``login=True`` a visitor who
    has not logged in is sent to the login page instead, so the view is handed a ``SignedInShop``.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Page:
        @wraps(view)
        def wrapper(request: HttpRequest, merchant: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            found = Merchant.objects.filter(slug=merchant, is_active=True).first()
            if found is None:
                return render(request, "storefront/shop_missing.html", {"slug": merchant}, status=404)
            customer = _load_customer(request, found)
            attribution = session.attribution(request, found.slug)
            shop = (
                Shop(found, None, attribution)
                if customer is None
                else SignedInShop(found, customer, attribution)
            )
            # The one place a request becomes a ShopPageRequest: from here on it carries its shop.
            shop_request = cast(ShopPageRequest, request)
            shop_request.shop = shop
            if request.method == "GET" and any(k in request.GET for k in SHARE_PARAMS):
                return _land(request, shop)
            if login and customer is None:
                return login_redirect(request, shop)
            try:
                return view(shop_request, shop, **kwargs)
            except SiyuError as exc:
                return error_page(shop_request, exc)

        return wrapper

    return decorate
