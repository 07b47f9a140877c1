"""The customer's orders: list, detail, pay again, cancel, confirm receipt, ask for an after-sale."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.orders import presentation
from siyu.orders.models import AFTER_SALE_REASONS, AfterSaleKind, Order, OrderStatus
from siyu.orders.services import aftersales, lifecycle
from siyu.promotions.groupbuy.models import TeamMember, TeamStatus
from siyu.promotions.groupbuy.services.teams import HOLD_REASON as GROUP_FORMING
from siyu.promotions.presale.services.bookings import DEPOSIT_HOLD
from siyu.storefront import selectors
from siyu.storefront.views.base import ShopPageRequest, SignedInShop, page, shop_page
from siyu.storefront.views.catalog import int_param
from siyu.storefront.views.checkout import pay_redirect

TAB_LABELS = {
    "all": gettext_lazy("All"),
    "unpaid": OrderStatus.PENDING_PAYMENT.label,
    "to_ship": gettext_lazy("To ship"),
    "to_receive": gettext_lazy("To receive"),
    "done": gettext_lazy("Done"),
}


# Why a paid order waits before it ships, as the customer reads it (Order.hold_reason).
HOLD_TEXTS = {
    GROUP_FORMING: gettext_lazy("Ships once the group forms."),
    DEPOSIT_HOLD: gettext_lazy("This is a deposit: the goods ship with the balance order."),
}
OTHER_HOLD = gettext_lazy("Waiting for the activity to finish before shipping.")


def _order(shop: SignedInShop, order_id: int) -> Order:
    found = selectors.order(customer=shop.customer, order_id=order_id)
    if found is None:
        raise NotFound(detail={"order_id": order_id})
    return found


@shop_page(login=True)
def order_list(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    tab = request.GET.get("tab", "all")
    if tab not in selectors.ORDER_TABS:
        tab = "all"
    page_no = int_param(request.GET.get("page"), default=1, high=500) or 1
    rows, more = selectors.orders(customer=shop.customer, tab=tab, page=page_no)
    return page(
        request,
        "storefront/orders.html",
        {
            "orders": [(order, presentation.for_order(order)) for order in rows],
            "tab_key": tab,
            "tabs": TAB_LABELS.items(),
            "page_no": page_no,
            "more": more,
        },
    )


@shop_page(login=True)
def order_detail(request: ShopPageRequest, shop: SignedInShop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    forming_team = None  # the group-buy team this order waits for: invite friends to fill it
    if order.hold_reason == GROUP_FORMING:
        seats = TeamMember.objects.filter(merchant_id=order.merchant_id, order=order)
        forming = seats.filter(team__status=TeamStatus.FORMING)
        forming_team = forming.values_list("team_id", flat=True).first()
    return page(
        request,
        "storefront/order.html",
        {
            "order": order,
            "hold_text": HOLD_TEXTS.get(order.hold_reason, OTHER_HOLD) if order.hold_reason else "",
            "forming_team": forming_team,
            "priced": presentation.for_order(order),
            "after_sales": list(order.after_sales.all()),
            "can_after_sale": order.status in aftersales.ALLOWED[AfterSaleKind.REFUND_ONLY],
        },
    )


@shop_page(login=True, methods=("POST",))
def order_pay(request: ShopPageRequest, shop: SignedInShop, order_id: int) -> HttpResponse:
    return pay_redirect(request, shop, _order(shop, order_id))


@shop_page(login=True, methods=("POST",))
def order_cancel(request: ShopPageRequest, shop: SignedInShop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    lifecycle.cancel_order(order=order, actor=shop.customer, reason="customer_cancelled")
    messages.success(request, _("The order was cancelled."))
    return HttpResponseRedirect(shop.url("order", order_id))


@shop_page(login=True, methods=("POST",))
def order_confirm(request: ShopPageRequest, shop: SignedInShop, order_id: int) -> HttpResponse:
    lifecycle.confirm_receipt(customer=shop.customer, order_id=order_id)
    messages.success(request, _("Thank you! Receipt confirmed."))
    return HttpResponseRedirect(shop.url("order", order_id))


def _after_sale_lines(request: ShopPageRequest, order: Order) -> list[aftersales.AfterSaleLineRequest]:
    picked = []
    for line in order.lines.all():
        quantity = int_param(request.POST.get(f"qty_{line.pk}"), default=None, low=0, high=999)
        if quantity is None:
            raise InvalidInput(
                detail={"order_line_id": line.pk, "quantity": request.POST.get(f"qty_{line.pk}")}
            )
        if quantity:
            picked.append(aftersales.AfterSaleLineRequest(line.pk, quantity))
    if not picked:
        raise InvalidInput(detail={"lines": "none chosen"})
    return picked


@shop_page(login=True, methods=("GET", "POST"))
def after_sale_new(request: ShopPageRequest, shop: SignedInShop, order_id: int) -> HttpResponse:
    order = _order(shop, order_id)
    error = None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        reason = request.POST.get("reason", "")
        try:
            if reason not in AFTER_SALE_REASONS:
                raise InvalidInput(detail={"reason": reason})
            aftersales.request_after_sale(
                customer=shop.customer,
                order_id=order.pk,
                kind=kind,
                reason=reason,
                description=request.POST.get("description", "")[:500],
                lines=_after_sale_lines(request, order),
            )
        except SiyuError as exc:
            error = exc
        else:
            messages.success(request, _("Your request was sent. We will review it soon."))
            return HttpResponseRedirect(shop.url("order", order.pk))
    lines = [line for line in order.lines.all() if line.quantity > line.refunded_quantity]
    for line in lines:
        line.refundable = line.quantity - line.refunded_quantity  # type: ignore[attr-defined]
    kinds = [(k, AfterSaleKind(k).label) for k in aftersales.ALLOWED if order.status in aftersales.ALLOWED[k]]
    return page(
        request,
        "storefront/after_sale.html",
        {
            "order": order,
            "lines": lines,
            "kinds": kinds,
            "reasons": AFTER_SALE_REASONS.items(),
            "error": error,
            "posted": request.POST if error else None,
        },
        status=error.status if error else 200,
    )


@shop_page(login=True)
def after_sale_list(request: ShopPageRequest, shop: SignedInShop) -> HttpResponse:
    return page(
        request,
        "storefront/after_sales.html",
        {"after_sales": selectors.after_sales(customer=shop.customer)},
    )
