"""Sandbox login, the member centre, addresses, and recording a copied share link."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import SiyuError
from siyu.freight import regions
from siyu.freight.errors import RegionInvalid
from siyu.members import services as members
from siyu.members.loyalty import selectors as loyalty_selectors
from siyu.members.loyalty.services import checkins
from siyu.members.models import Source
from siyu.orders.models import AfterSaleStatus
from siyu.storefront import coupon_selectors, selectors, session, sharing, tracking
from siyu.storefront.errors import H5LoginUnavailable, NicknameInvalid
from siyu.storefront.views import wechat_login
from siyu.storefront.views.base import (
    Shop,
    ShopPageRequest,
    SignedInShop,
    page,
    record_visit,
    safe_next,
    shop_page,
)
from siyu.tenancy import throttle
from siyu.tenancy.models import LoginAdapter

NICKNAME_MAX = 32
RECENT_POINTS = 5  # points entries the member centre shows


@shop_page(methods=("GET", "POST"))
@throttle.guard(throttle.CUSTOMER_LOGIN)
def login(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The H5 stand-in for wx.login(): the nickname is the sandbox login code, so the same nickname
    is always the same customer (and a code the demo prints logs in as that demo customer). The
    browser's visitor id (``session.visitor_id``) goes with it, so its anonymous history is linked.
    A shop with an official account also offers 微信登录 (``views/wechat_login.py``)."""
    next_url = safe_next(request, shop, shop.url("me"))
    error = None
    if request.method == "POST":
        nickname = request.POST.get("nickname", "").strip()
        try:
            if shop.merchant.login_adapter != LoginAdapter.SANDBOX:
                raise H5LoginUnavailable()
            if not 1 <= len(nickname) <= NICKNAME_MAX:
                raise NicknameInvalid(detail={"nickname": nickname[:64]})
            result = members.login_with_code(
                merchant=shop.merchant,
                code=nickname,
                source=shop.attribution.source or Source.H5,
                referrer_id=shop.attribution.sharer_id,
                # What this browser did before logging in (visits, share landings) becomes theirs.
                anonymous_id=session.known_visitor_id(request, shop.slug),
            )
            if result.created:
                members.update_profile(customer=result.customer, nickname=nickname)
            sharing.bind_to_link_guide(result.customer, shop.attribution.guide_id)
        except SiyuError as exc:
            error = exc
        else:
            session.log_in(request, shop.slug, result.customer.pk)
            return HttpResponseRedirect(next_url)
    return page(
        request,
        "storefront/login.html",
        {
            "next": next_url,
            "error": error,
            "nickname": request.POST.get("nickname", ""),
            "wechat_login": wechat_login.login_account(shop) is not None,
        },
        status=error.status if error else 200,
    )


# A transparent 1x1 GIF: what the visit beacon's <img> receives.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@shop_page()
def visit(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The visit beacon: a page not yet counted today loads this pixel, which records the visitor's
    ``visit`` of the day (``base.record_visit``). The page itself writes nothing for it, so a page
    view never slows down or breaks on tracking; clients that load no images (most bots) are not
    counted as visitors."""
    record_visit(request, shop)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@shop_page(methods=("POST",))
def logout(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    session.log_out(request, shop.slug)
    return HttpResponseRedirect(shop.url("home"))


@shop_page(login=True, methods=("GET", "POST"))
def me(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    """The member centre; its check-in button posts here (``action=check_in``, once a day)."""
    if request.method == "POST":
        return _check_in(request, shop)
    after_sales = selectors.after_sales(customer=shop.customer)
    return page(
        request,
        "storefront/me.html",
        {
            "counts": selectors.order_counts(customer=shop.customer),
            "address_count": len(selectors.addresses(customer=shop.customer)),
            "open_after_sales": sum(
                1
                for a in after_sales
                if a.status
                in (AfterSaleStatus.REQUESTED, AfterSaleStatus.APPROVED, AfterSaleStatus.GOODS_RETURNED)
            ),
            "coupon_count": coupon_selectors.usable_count(customer=shop.customer, now=timezone.now()),
            "membership": loyalty_selectors.membership_view(customer=shop.customer, recent=RECENT_POINTS),
            "tab": "me",
        },
    )


def _check_in(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    if request.POST.get("action") == "check_in":
        try:
            result = checkins.check_in(customer=shop.customer)
        except SiyuError as exc:
            messages.error(request, str(exc.text))
        else:
            c = result.check_in
            if result.created:
                text = _("Checked in: day %(streak)s, +%(points)s points.") % {
                    "streak": c.streak,
                    "points": c.points,
                }
            else:
                text = _("You have already checked in today.")
            messages.success(request, text)
    return HttpResponseRedirect(shop.url("me"))


@shop_page(login=True)
def addresses(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    return page(
        request,
        "storefront/addresses.html",
        {"addresses": selectors.addresses(customer=shop.customer), "next": safe_next(request, shop, "")},
    )


ADDRESS_FIELDS = ("recipient", "phone", "province_code", "city_code", "district_code", "detail")
ADDRESS_LIMITS = {
    "recipient": 32,
    "phone": 20,
    "province_code": 6,
    "city_code": 6,
    "district_code": 6,
    "detail": 200,
}


def _region_choices(values: dict) -> dict[str, list[regions.Division]]:
    """The picker's options for the codes chosen so far: every province, the chosen province's
    cities, the chosen city's districts (the page works before its script runs, or without it)."""
    province = regions.get(values.get("province_code", ""))
    city = regions.get(values.get("city_code", ""))
    in_province = province is not None and province.level == regions.PROVINCE
    in_city = in_province and city is not None and city.parent == values["province_code"]
    return {
        "provinces": regions.provinces(),
        "cities": regions.children(values["province_code"]) if in_province else [],
        "districts": regions.children(values["city_code"]) if in_city else [],
    }


@shop_page(login=True, methods=("GET", "POST"))
def address_form(request: ShopPageRequest, shop: SignedInShop, address_id: int | None = None) -> HttpResponse:
    """An address with its region picked from the division codes (province → city → district); the
    server checks the codes belong together and takes the names from them."""
    address = members.get_address(shop.customer, address_id) if address_id else None
    next_url = safe_next(request, shop, shop.url("addresses"))
    error = None
    values = {f: getattr(address, f, "") for f in ADDRESS_FIELDS}
    if address is not None and not address.province_code:  # saved by name before codes: best guess
        found = regions.codes_for(address.province, address.city, address.district)
        values.update(zip(("province_code", "city_code", "district_code"), found, strict=True))
    values["is_default"] = bool(address and address.is_default)
    if request.method == "POST":
        fields = {f: request.POST.get(f, "").strip()[: ADDRESS_LIMITS[f]] for f in ADDRESS_FIELDS}
        is_default = request.POST.get("is_default") == "on"
        values = {**fields, "is_default": is_default}
        try:
            if not fields["province_code"] or not fields["city_code"]:
                raise RegionInvalid(
                    detail={"province_code": fields["province_code"], "city_code": fields["city_code"]}
                )
            saved = members.save_address(
                customer=shop.customer, address_id=address_id, is_default=is_default, **fields
            )
        except SiyuError as exc:
            error = exc
        else:
            if "address=" not in next_url and "/checkout/" in next_url:
                next_url += ("&" if "?" in next_url else "?") + f"address={saved.pk}"
            return HttpResponseRedirect(next_url)
    return page(
        request,
        "storefront/address_form.html",
        {"address": address, "values": values, "error": error, "next": next_url, **_region_choices(values)},
        status=error.status if error else 200,
    )


@shop_page()
def address_regions(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The division tree the address picker fills its lists from (``siyu/freight/data/regions.json``),
    cached by browsers for a day."""
    response = HttpResponse(regions.DATA.read_bytes(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@shop_page(login=True, methods=("POST",))
def address_delete(request: ShopPageRequest, shop: SignedInShop, address_id: int) -> HttpResponse:
    members.delete_address(customer=shop.customer, address_id=address_id)
    messages.success(request, _("The address was deleted."))
    return HttpResponseRedirect(shop.url("addresses"))


@shop_page(methods=("POST",))
def share(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    """The share sheet's copy button: a logged-in customer shared a page (204 either way)."""
    channel = request.POST.get("source", "")
    path = request.POST.get("path", "")[:200]
    if (
        shop.customer is not None
        and channel in tracking.SHARE_SOURCES
        and path.startswith(f"/shop/{shop.slug}/")
    ):
        tracking.record_share(customer=shop.customer, path=path, source=channel)
    return HttpResponse(status=204)
