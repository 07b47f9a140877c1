"""Activity pages people share: flash sales (with countdown), group buys and their teams (the join
page), bargains and their records (the help page). Buying goes through the checkout page with the
activity on the line; the activity's own service places the order (``views.checkout``)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.errors import NotFound
from siyu.core.money import format_yuan
from siyu.orders.models import Fulfilment
from siyu.promotions.bargain import selectors as bargain_selectors
from siyu.promotions.bargain.models import LIVE_RECORD, BargainRecord
from siyu.promotions.bargain.services import records as bargains
from siyu.promotions.flashsale import selectors as flash_selectors
from siyu.promotions.groupbuy import selectors as group_selectors
from siyu.promotions.groupbuy.models import LIVE_MEMBER, TeamStatus
from siyu.promotions.groupbuy.services import teams
from siyu.storefront import selectors
from siyu.storefront.sharing import share_links
from siyu.storefront.views.base import Shop, ShopPageRequest, SignedInShop, page, shop_page
from siyu.storefront.views.catalog import int_param
from siyu.storefront.views.checkout import pay_redirect


def checkout_url(shop: Shop, *, sku_id: int, quantity: int, activity: str) -> str:
    return f"{shop.url('checkout')}?{urlencode({'sku': sku_id, 'qty': quantity, 'activity': activity})}"


# ---- flash sales ------------------------------------------------------------------------------


@shop_page()
def flash_sales(request: ShopPageRequest, shop: Shop) -> HttpResponse:
    now = timezone.now()
    sales = [
        flash_selectors.shop_sale_dict(s, now=now)
        for s in flash_selectors.shop_sales(merchant_id=shop.merchant.pk, now=now)[:20]
    ]
    return page(request, "storefront/flash_sales.html", {"sales": sales})


@shop_page()
def flash_sale(request: ShopPageRequest, shop: Shop, flash_sale_id: int) -> HttpResponse:
    now = timezone.now()
    sale = flash_selectors.shop_sale(merchant_id=shop.merchant.pk, flash_sale_id=flash_sale_id)
    if sale is None:
        raise NotFound(detail={"flash_sale_id": flash_sale_id})
    held = (
        flash_selectors.units_held(customer=shop.customer, flash_sale_id=sale.pk)
        if shop.customer is not None
        else None
    )
    data = flash_selectors.shop_sale_dict(sale, now=now, customer=shop.customer, held=held)
    return page(
        request,
        "storefront/flash_sale.html",
        {"sale": data, "activity": f"flash_sale:{sale.pk}", "shares": share_links(request, shop)},
    )


# ---- group buys -------------------------------------------------------------------------------


@shop_page()
def group_buy(request: ShopPageRequest, shop: Shop, group_buy_id: int) -> HttpResponse:
    now = timezone.now()
    found = group_selectors.live_group_buys(shop.merchant.pk, now).filter(pk=group_buy_id).first()
    if found is None:
        raise NotFound(detail={"group_buy_id": group_buy_id})
    joined: set[int] = set()  # the customer's own seats: invite friends there, don't join again
    if shop.customer is not None:
        joined = set(
            group_selectors.customer_memberships(shop.merchant.pk, shop.customer.pk)
            .filter(team__group_buy=found, status__in=LIVE_MEMBER)
            .values_list("team_id", flat=True)
        )
    return page(
        request,
        "storefront/group_buy.html",
        {
            "group_buy": found,
            "rows": list(found.skus.all()),
            "teams": group_selectors.joinable_teams(found, now),
            "joined": joined,
            "shares": share_links(request, shop),
            "token": uuid.uuid4().hex,
        },
    )


def _delivery(shop: SignedInShop, *, pickup_only: bool, sku_id: int, quantity: int) -> teams.Delivery | None:
    """The customer's default address (or, when the activity is pickup only, the first pickup outlet
    that has the units, else the first outlet)."""
    if pickup_only:
        outlets = selectors.pickup_outlets(merchant=shop.merchant)
        choices = selectors.pickup_choices(merchant=shop.merchant, outlets=outlets, wanted={sku_id: quantity})
        outlet = next((c.outlet for c in choices if c.has_everything), next(iter(outlets), None))
        return teams.Delivery(fulfilment=Fulfilment.PICKUP, pickup_outlet_id=outlet.pk) if outlet else None
    address = next(iter(selectors.addresses(customer=shop.customer)), None)
    return teams.Delivery(address_id=address.pk) if address else None


@shop_page(login=True, methods=("POST",))
def open_team(request: ShopPageRequest, shop: SignedInShop, group_buy_id: int) -> HttpResponse:
    """开团 with the default address (the leader's order is held until the team forms), then pay and
    come back to the team, where the invite to friends is."""
    found = group_selectors.group_buys(shop.merchant.pk).filter(pk=group_buy_id).first()
    if found is None:
        raise NotFound(detail={"group_buy_id": group_buy_id})
    sku_id = int_param(request.POST.get("sku"))
    quantity = int_param(request.POST.get("qty"), default=1, high=999) or 1
    delivery = _delivery(shop, pickup_only=found.pickup_only, sku_id=sku_id or 0, quantity=quantity)
    if delivery is None:
        messages.error(request, _("Please add an address first."))
        back = shop.url("group_buy", group_buy_id)
        return HttpResponseRedirect(f"{shop.url('address_new')}?{urlencode({'next': back})}")
    token = request.POST.get("token", "")[:40]
    member = teams.open_team(
        customer=shop.customer,
        group_buy_id=found.pk,
        sku_id=sku_id or 0,
        quantity=quantity,
        delivery=delivery,
        idempotency_key=f"h5:{token}" if token else None,
    )
    return pay_redirect(request, shop, member.order, back=shop.url("team", member.team_id))


@shop_page()
def team(request: ShopPageRequest, shop: Shop, team_id: int) -> HttpResponse:
    """The join page members share: seats, members, deadline."""
    found = (
        group_selectors.teams(shop.merchant.pk)
        .select_related("group_buy")
        .prefetch_related("group_buy__skus__sku__product")
        .filter(pk=team_id)
        .first()
    )
    if found is None:
        raise NotFound(detail={"team_id": team_id})
    members = [m for m in found.members.all() if m.status in LIVE_MEMBER]
    mine = next((m for m in members if shop.customer is not None and m.customer_id == shop.customer.pk), None)
    return page(
        request,
        "storefront/team.html",
        {
            "team": found,
            "members": members,
            "empty_seats": range(max(0, found.size - len(members) - found.virtual_members)),
            "rows": list(found.group_buy.skus.all()),
            "mine": mine,
            # A team still forming asks for friends: its members invite, others may join and share.
            "forming": found.status == TeamStatus.FORMING and found.seats_left > 0,
            "joinable": found.status == TeamStatus.FORMING and found.seats_left > 0 and mine is None,
            "activity": f"group_buy:{found.pk}",
            "shares": share_links(request, shop),
        },
    )


# ---- bargains ---------------------------------------------------------------------------------


@shop_page()
def bargain(request: ShopPageRequest, shop: Shop, bargain_id: int) -> HttpResponse:
    now = timezone.now()
    found = bargain_selectors.live_bargains(shop.merchant.pk, now).filter(pk=bargain_id).first()
    if found is None:
        raise NotFound(detail={"bargain_id": bargain_id})
    mine = None  # the customer's own bargain under way: go on with it rather than start another
    if shop.customer is not None:
        mine = (
            BargainRecord.objects.for_merchant(shop.merchant)
            .filter(bargain=found, customer=shop.customer, status__in=LIVE_RECORD, expires_at__gt=now)
            .first()
        )
    return page(
        request,
        "storefront/bargain.html",
        {"bargain": found, "mine": mine, "shares": share_links(request, shop)},
    )


@shop_page(login=True, methods=("POST",))
def start_bargain(request: ShopPageRequest, shop: SignedInShop, bargain_id: int) -> HttpResponse:
    record = bargains.start_bargain(customer=shop.customer, bargain_id=bargain_id)
    return HttpResponseRedirect(shop.url("bargain_record", record.pk))


@shop_page()
def bargain_record(request: ShopPageRequest, shop: Shop, record_id: int) -> HttpResponse:
    """The help page: progress, the friends who cut, and a button for the next one."""
    found = bargain_selectors.records(shop.merchant.pk).filter(pk=record_id).first()
    if found is None:
        raise NotFound(detail={"record_id": record_id})
    helps = list(found.helps.all())
    owner = shop.customer is not None and found.customer_id == shop.customer.pk
    helped = shop.customer is not None and any(h.helper_id == shop.customer.pk for h in helps)
    cut = found.start_price - found.current_price
    total = found.start_price - found.floor_price
    return page(
        request,
        "storefront/bargain_record.html",
        {
            "record": found,
            "helps": helps,
            "owner": owner,
            "helped": helped,
            "cut": cut,
            "progress": 100 * cut // total if total else 100,
            "helps_left": found.helpers_needed - found.helps_done,
            "activity": f"bargain:{found.pk}",
            "shares": share_links(request, shop),
        },
    )


@shop_page(login=True, methods=("POST",))
def help_bargain(request: ShopPageRequest, shop: SignedInShop, record_id: int) -> HttpResponse:
    helped = bargains.help_bargain(helper=shop.customer, record_id=record_id)
    messages.success(request, _("You cut %(amount)s off!") % {"amount": format_yuan(helped.cut)})
    return HttpResponseRedirect(shop.url("bargain_record", record_id))
