"""The H5 member page (会员中心): tier and benefits, growth to the next tier, points and their history,
the tier ladder, and the daily check-in. The 我的 page shows the same membership as a card."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from siyu.core.errors import SiyuError
from siyu.members.loyalty import presentation
from siyu.members.loyalty import selectors as loyalty_selectors
from siyu.members.loyalty.services import checkins
from siyu.storefront.views.base import ShopPageRequest, SignedInShop, page, shop_page

POINTS_PER_PAGE = 20


@shop_page(login=True, methods=("GET", "POST"))
def member(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    """GET: the member page; POST ``action=check_in``: today's check-in (once a day), then back here."""
    if request.method == "POST":
        if request.POST.get("action") == "check_in":
            _check_in(request, shop)
        return HttpResponseRedirect(shop.url("member"))
    view = loyalty_selectors.membership_view(customer=shop.customer)
    if not view.enabled:
        return page(request, "storefront/member.html", {"membership": view, "tab": "me"})
    tiers = loyalty_selectors.shop_tiers(merchant_id=shop.merchant.pk)
    current = next((t for t in tiers if view.tier and t.pk == view.tier.pk), None)
    ladder = [
        {
            "tier": t,
            "benefits": presentation.benefits(t),
            "gift": presentation.upgrade_gift(t),
            "current": current is not None and t.pk == current.pk,
        }
        for t in tiers
    ]
    entries = Paginator(
        loyalty_selectors.points_entries(merchant_id=shop.merchant.pk, customer_id=shop.customer.pk),
        POINTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = {
        "membership": view,
        "benefits": presentation.benefits(current) if current else [],
        "ladder": ladder,
        "entries": entries,
        "tab": "me",
    }
    return page(request, "storefront/member.html", context)


def _check_in(request: ShopPageRequest, shop: SignedInShop) -> None:
    try:
        result = checkins.check_in(customer=shop.customer)
    except SiyuError as exc:
        messages.error(request, str(exc.text))
        return
    c = result.check_in
    if result.created:
        text = _("Checked in: day %(streak)s, +%(points)s points.") % {"streak": c.streak, "points": c.points}
    else:
        text = _("You have already checked in today.")
    messages.success(request, text)
