"""The coupon centre (领券中心), claiming, redeeming a code, and the customer's coupons."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.promotions.errors import CouponCodeInvalid
from siyu.promotions.services import coupons as coupon_services
from siyu.storefront import coupon_selectors
from siyu.storefront.sharing import share_links
from siyu.storefront.views.base import Shop, ShopPageRequest, SignedInShop, page, shop_page
from siyu.tenancy import throttle

CODE_MAX = 32
TAB_LABELS = {
    "usable": gettext_lazy("Usable"),
    "used": gettext_lazy("Used"),
    "expired": gettext_lazy("Expired"),
}


@shop_page()
def centre(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    offers = coupon_selectors.offers(merchant=shop.merchant, customer=shop.customer, now=timezone.now())
    return page(
        request, "storefront/coupon_centre.html", {"offers": offers, "shares": share_links(request, shop)}
    )


@shop_page(login=True, methods=("POST",))
def claim(request: ShopPageRequest, shop: SignedInShop, template_id: int) -> HttpResponse:
    coupon_services.claim_coupon(customer=shop.customer, template_id=template_id)
    messages.success(request, _("Coupon claimed."))
    return HttpResponseRedirect(shop.url("coupons"))


@shop_page(login=True, methods=("POST",))
@throttle.guard(throttle.COUPON_CODE)
def redeem(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    code = request.POST.get("code", "").strip()
    if not 1 <= len(code) <= CODE_MAX:
        raise CouponCodeInvalid()
    coupon_services.redeem_code(customer=shop.customer, code=code)
    messages.success(request, _("Coupon added to your account."))
    return HttpResponseRedirect(shop.url("my_coupons"))


@shop_page(login=True)
def mine(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    tab = request.GET.get("tab", "usable")
    if tab not in coupon_selectors.WALLET_TABS:
        tab = "usable"
    held = coupon_selectors.wallet(customer=shop.customer, tab=tab, now=timezone.now())
    return page(
        request,
        "storefront/my_coupons.html",
        {"held": held, "tab_key": tab, "tabs": TAB_LABELS.items()},
    )
