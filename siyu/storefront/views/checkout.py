"""Checkout: the priced breakdown (``checkout.quote``), then ``place_order`` and ``start_payment``.

The page is a GET form: changing the delivery method, address, outlet or coupons asks for a new
quote (the script submits on change; without it a "recalculate" button does). Placing the order
is a POST carrying a token minted with the page, used as the idempotency key: a double tap or a
resubmitted form returns the first order and its payment, never a second order.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect

from siyu.catalog.models import Sku
from siyu.core.errors import SiyuError
from siyu.members.loyalty import selectors as loyalty_selectors
from siyu.members.models import Address
from siyu.orders import presentation
from siyu.orders.models import Fulfilment, Order
from siyu.orders.services import checkout, payments
from siyu.promotions.activities import ActivityRef
from siyu.promotions.bargain.services import records as bargains
from siyu.promotions.flashsale.services.buying import BuyRequest, buy_flash_sale
from siyu.promotions.groupbuy.services import teams
from siyu.storefront import selectors
from siyu.storefront.errors import CheckoutFormInvalid
from siyu.storefront.views.base import ShopPageRequest, SignedInShop, page, shop_page
from siyu.storefront.views.catalog import int_param
from siyu.tenancy.models import Outlet

# Activities the checkout page buys through, and the coupons their services use: a flash sale
# takes none (its units take no other discount), the others let checkout pick the best.
ACTIVITY_COUPONS: dict[str, tuple[int, ...] | None] = {"flash_sale": (), "group_buy": None, "bargain": None}
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
# "Use points" asks for as many as the merchant's rules allow (the engine caps it at the balance,
# the share of the goods and the step); activity checkouts go through their own services, without.
POINTS_ALL = 10**9


@dataclass(frozen=True)
class Labelled:
    zh: str
    en: str


@dataclass(frozen=True)
class CouponView:
    pk: int
    zh: str
    en: str
    usable: bool
    chosen: bool
    value: int
    reason_zh: str
    reason_en: str


@dataclass
class Breakdown:
    """What the checkout page shows of a quote: the priced order (the same account the order page
    shows afterwards), what is almost reached, the coupons to choose from and the points offer."""

    priced: presentation.PricedOrder
    points_offer: tuple[int, int] | None = None  # (points, fen) "use points" would spend and save
    hints: list[Labelled] = field(default_factory=list)
    coupons: list[CouponView] = field(default_factory=list)

    @property
    def usable_coupons(self) -> list[CouponView]:
        return [c for c in self.coupons if c.usable]

    @property
    def unusable_coupons(self) -> list[CouponView]:
        return [c for c in self.coupons if not c.usable]


def _coupon_pk(engine_id: str) -> int | None:
    _kind, _, raw = engine_id.partition(":")
    return int(raw) if raw.isdigit() else None


def breakdown(priced: checkout.Quote, skus: dict[int, Sku], *, pickup: bool) -> Breakdown:
    """Read a quote for the page."""
    result = priced.result
    return Breakdown(
        priced=presentation.from_quote(priced, skus, pickup=pickup),
        hints=[Labelled(h.text_zh, h.text_en) for h in result.hints],
        coupons=[
            CouponView(
                pk=pk,
                zh=v.label_zh,
                en=v.label_en,
                usable=v.usable,
                chosen=v.chosen,
                value=v.value,
                reason_zh=v.reason_zh,
                reason_en=v.reason_en,
            )
            for v in result.coupons
            if (pk := _coupon_pk(v.coupon_id)) is not None
        ],
    )


@dataclass(frozen=True)
class Form:
    """The checkout form as read from the query (GET) or body (POST)."""

    request: checkout.CheckoutRequest
    buy_sku: int | None
    buy_qty: int | None
    coupons_set: bool
    activity: ActivityRef | None = None

    def query(self, **overrides: Any) -> str:
        r = self.request
        params: dict[str, Any] = {"fulfilment": r.fulfilment}
        if self.buy_sku:
            params.update(sku=self.buy_sku, qty=self.buy_qty)
        if self.activity:
            params["activity"] = self.activity.rule_id
        if r.address_id:
            params["address"] = r.address_id
        if r.pickup_outlet_id:
            params["outlet"] = r.pickup_outlet_id
        if r.points:
            params["use_points"] = 1
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v is not None})


@dataclass
class Places:
    """Where the order can go: the customer's addresses, the pickup outlets and, once a pickup order's
    lines are known, what each outlet has of them (``pickup``)."""

    addresses: list[Address]
    outlets: list[Outlet]
    pickup: list[selectors.PickupChoice] = field(default_factory=list)

    def preferred_outlet(self) -> int | None:
        """The first outlet that has every item, else the first outlet (the page says what is short)."""
        complete = [c.outlet.pk for c in self.pickup if c.has_everything]
        return next(iter(complete), self.outlets[0].pk if self.outlets else None)

    @property
    def pickup_complete(self) -> bool:
        return any(c.has_everything for c in self.pickup)


def _read_form(data, shop: SignedInShop, places: Places) -> Form:
    """Read the form; for a pickup order, also fill ``places.pickup`` with each outlet's stock of
    the lines and, when no outlet was chosen yet, choose one that has them all."""
    fulfilment = data.get("fulfilment") or Fulfilment.DELIVERY
    if fulfilment not in Fulfilment.values:
        raise CheckoutFormInvalid(detail={"fulfilment": fulfilment})
    lines = None
    buy_sku = int_param(data.get("sku"))
    buy_qty = int_param(data.get("qty"), default=1, high=999)
    activity = _activity(data.get("activity"))
    if "sku" in data or activity is not None:
        if buy_sku is None or buy_qty is None:
            raise CheckoutFormInvalid(detail={"sku": data.get("sku"), "qty": data.get("qty")})
        lines = [checkout.LineRequest(buy_sku, buy_qty, activity=activity)]
    address_id = int_param(data.get("address"))
    addresses = places.addresses
    if address_id is None and fulfilment == Fulfilment.DELIVERY and "address" not in data and addresses:
        address_id = addresses[0].pk  # the default address sorts first
    outlet_id = int_param(data.get("outlet"))
    if fulfilment == Fulfilment.PICKUP and places.outlets:
        wanted: dict[int, int] = {}
        for line in lines if lines is not None else checkout.cart_lines(shop.customer):
            wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
        places.pickup = selectors.pickup_choices(
            merchant=shop.merchant, outlets=places.outlets, wanted=wanted
        )
        if outlet_id is None and "outlet" not in data:
            outlet_id = places.preferred_outlet()
    coupons_set = data.get("coupons_set") == "1" and activity is None
    coupon_ids = ACTIVITY_COUPONS.get(activity.kind) if activity is not None else None
    if coupons_set:
        picked = [int_param(raw) for raw in data.getlist("coupon")[:20]]
        coupon_ids = tuple(pk for pk in picked if pk is not None)
    request = checkout.CheckoutRequest(
        lines=lines,
        fulfilment=fulfilment,
        address_id=address_id if fulfilment == Fulfilment.DELIVERY else None,
        pickup_outlet_id=outlet_id if fulfilment == Fulfilment.PICKUP else None,
        note=data.get("note", "")[:200],
        source=shop.attribution.source,
        coupon_ids=coupon_ids,
        points=POINTS_ALL if data.get("use_points") == "1" and activity is None else 0,
    )
    return Form(
        request=request,
        buy_sku=buy_sku if lines else None,
        buy_qty=buy_qty,
        coupons_set=coupons_set,
        activity=activity,
    )


def _activity(raw: str | None) -> ActivityRef | None:
    """``flash_sale:3``, ``group_buy:<team id>`` or ``bargain:<record id>`` from the form."""
    if not raw:
        return None
    kind, _, ident = raw.partition(":")
    if kind not in ACTIVITY_COUPONS or not ident.isdigit() or len(ident) > 18:
        raise CheckoutFormInvalid(detail={"activity": raw[:40]})
    return ActivityRef(kind=kind, id=int(ident))


def _render(request: ShopPageRequest, shop: SignedInShop, form: Form | None, places: Places, *, error=None):
    view, status = None, 200
    if form is not None:
        try:
            priced, skus = checkout.quote(customer=shop.customer, request=form.request)
            view = breakdown(priced, skus, pickup=form.request.fulfilment == Fulfilment.PICKUP)
            view.points_offer = _points_offer(shop, form, priced)
        except SiyuError as exc:
            error = error or exc
    if error is not None:
        status = error.status
    return page(
        request,
        "storefront/checkout.html",
        {
            "form": form,
            "req": form.request if form else None,
            "view": view,
            "addresses": places.addresses,
            "outlets": places.outlets,
            "pickup": places.pickup,
            "pickup_complete": places.pickup_complete,
            "error": error,
            "token": uuid.uuid4().hex,
            "address_next": f"{shop.url('checkout')}?{form.query(address=None) if form else ''}",
        },
        status=status,
    )


def _points_offer(shop: SignedInShop, form: Form, priced: checkout.Quote) -> tuple[int, int] | None:
    """What ticking "use points" would spend and save: the quote itself when it is ticked, else a
    second quote with points (only when the shop runs a programme and the customer has points)."""
    result = priced.result
    if form.request.points:
        return (result.points_used, result.points_amount) if result.points_used else None
    if form.activity is not None or priced.book.loyalty is None:
        return None
    with_points = replace(form.request, points=POINTS_ALL)
    if not loyalty_selectors.has_points(customer=shop.customer):
        return None
    offer = checkout.quote(customer=shop.customer, request=with_points)[0].result
    return (offer.points_used, offer.points_amount) if offer.points_used else None


@shop_page(login=True, methods=("GET", "POST"))
def checkout_page(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    places = Places(
        addresses=selectors.addresses(customer=shop.customer),
        outlets=selectors.pickup_outlets(merchant=shop.merchant),
    )
    data = request.POST if request.method == "POST" else request.GET
    try:
        form = _read_form(data, shop, places)
    except SiyuError as exc:
        return _render(request, shop, None, places, error=exc)
    if request.method == "GET":
        return _render(request, shop, form, places)
    token = request.POST.get("token", "")
    if not TOKEN_RE.match(token):
        return _render(request, shop, form, places, error=CheckoutFormInvalid())
    try:
        order = _place(shop, form, idempotency_key=f"h5:{token}")
    except SiyuError as exc:
        return _render(request, shop, form, places, error=exc)
    if form.activity is not None and form.activity.kind == "group_buy":  # back to the team just joined
        return pay_redirect(request, shop, order, back=shop.url("team", form.activity.id))
    return pay_redirect(request, shop, order)


def _place(shop: SignedInShop, form: Form, *, idempotency_key: str) -> Order:
    """Place the order through the service that owns the line: checkout, or the activity's own
    (the flash sale's gate, the group buy's seat, the bargain's record)."""
    r, ref = form.request, form.activity
    if ref is None:
        return checkout.place_order(customer=shop.customer, request=r, idempotency_key=idempotency_key)[0]
    assert form.buy_sku is not None and form.buy_qty is not None
    if ref.kind == "flash_sale":
        buy = BuyRequest(
            flash_sale_id=ref.id,
            sku_id=form.buy_sku,
            quantity=form.buy_qty,
            fulfilment=r.fulfilment,
            address_id=r.address_id,
            pickup_outlet_id=r.pickup_outlet_id,
            note=r.note,
            source=r.source,
        )
        return buy_flash_sale(customer=shop.customer, request=buy, idempotency_key=idempotency_key)[0]
    if ref.kind == "group_buy":
        delivery = teams.Delivery(
            fulfilment=r.fulfilment, address_id=r.address_id, pickup_outlet_id=r.pickup_outlet_id, note=r.note
        )
        member = teams.join_team(
            customer=shop.customer,
            team_id=ref.id,
            sku_id=form.buy_sku,
            quantity=form.buy_qty,
            delivery=delivery,
            idempotency_key=idempotency_key,
        )
        return member.order
    return bargains.buy_bargain(
        customer=shop.customer,
        record_id=ref.id,
        fulfilment=r.fulfilment,
        address_id=r.address_id,
        pickup_outlet_id=r.pickup_outlet_id,
        note=r.note,
        idempotency_key=idempotency_key,
    )


def pay_redirect(
    request: ShopPageRequest, shop: SignedInShop, order: Order, *, back: str | None = None
) -> HttpResponse:
    """Open (or reopen) the order's payment with the shop's gateway (``default_gateway``: WeChat Pay
    when the merchant set it up) and send the customer to the cashier, whose return link leads to
    ``back`` (the order's page unless the flow has a better one, e.g. the team just opened).

    One idempotency key per order: paying again from the order page reuses the open payment. If the
    payment cannot start, the customer is sent to ``back`` with the reason.
    """
    back = back or shop.url("order", order.pk)
    try:
        started = payments.start_payment(
            customer=shop.customer, order_id=order.pk, idempotency_key=f"h5:{order.number}"
        )
    except SiyuError as exc:
        messages.error(request, str(exc.text))
        return HttpResponseRedirect(back)
    if not started.action.url:
        # WeChat Pay JSAPI inside WeChat: the page opens WeChat's own cashier with the signed params.
        return page(
            request,
            "storefront/wechat_pay.html",
            {"order": order, "pay_params": dict(started.action.params or {}), "back": back},
        )
    query = urlencode({"return": request.build_absolute_uri(back)})
    return HttpResponseRedirect(f"{started.action.url}?{query}")
