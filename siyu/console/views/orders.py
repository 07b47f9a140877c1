"""订单: the order list and detail with its timeline, shipping, pickup verification (核销), after-sales.
Batch shipping, export, 改价, remarks, flags and bulk actions are in ``orders_batch.py``.

Writes call the order services (which check permissions, lock, audit); a refusal re-renders the
page with the service's message and HTTP status, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import AfterSaleFilterForm, OrderFilterForm, PickupForm, ReviewForm, ShipForm, cleaned
from siyu.console.forms_orders import AdjustPriceForm, MarkForm
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors.orders import (
    OrderFilters,
    after_sale_detail,
    after_sale_list,
    order_detail,
    order_list,
    order_timeline,
)
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.members.models import Source
from siyu.orders.couriers import courier_label
from siyu.orders.models import AfterSaleKind, AfterSaleStatus, Fulfilment, OrderFlag, OrderStatus
from siyu.orders.services import aftersales, lifecycle
from siyu.orders.services.adjustments import price_room
from siyu.tenancy.permissions import Perm


@require_GET
@console_view(Perm.ORDERS_VIEW, module="orders")
def order_list_page(request: ConsoleRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    filters = order_filters(form)
    page = page_of(request, order_list(request.staff, filters))
    template = "console/orders/_table.html" if wants_fragment(request) else "console/orders/list.html"
    context = {
        "form": form,
        "page": page,
        "swap": True,
        "flags": OrderFlag.choices,
        "export_query": request.GET.urlencode(),
    }
    return render_page(request, template, context, module="orders")


def order_filters(form: OrderFilterForm) -> OrderFilters:
    """The list's filters from its (GET) form; ``InvalidInput`` if they do not validate."""
    data = cleaned(form)
    return OrderFilters(
        status=data["status"],
        fulfilment=data["fulfilment"],
        q=data["q"],
        created_from=data["created_from"],
        created_to=data["created_to"],
        customer_id=data["customer"],
        flag=data["flag"],
    )


def _detail(
    request: ConsoleRequest,
    order_id: int,
    *,
    ship_form: ShipForm | None = None,
    price_form: AdjustPriceForm | None = None,
    error: SiyuError | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = request.staff
    order = order_detail(staff, order_id)
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    unpaid = order.status == OrderStatus.PENDING_PAYMENT
    room = price_room(order, list(order.lines.all())) if unpaid else None
    context: dict[str, Any] = {
        "order": order,
        "timeline": order_timeline(staff, order),
        "source": dict(Source.choices).get(order.source, order.source),
        "courier": courier_label(order.carrier),
        "ship_form": ship_form or ShipForm(),
        "mark_form": MarkForm(initial={"remark": order.merchant_remark, "flag": order.flag}),
        "price_room": room,
        "price_form": price_form
        or AdjustPriceForm(initial={"discount": order.price_adjustment, "shipping_fee": order.shipping_fee}),
        "can_ship": order.status == OrderStatus.PAID
        and order.fulfilment == Fulfilment.DELIVERY
        and not order.hold_reason,
        "can_cancel": order.status == OrderStatus.PENDING_PAYMENT,
        "error": error,
    }
    return render_page(request, "console/orders/detail.html", context, module="orders", status=status)


@require_GET
@console_view(Perm.ORDERS_VIEW, module="orders")
def order_detail_page(request: ConsoleRequest, order_id: int) -> HttpResponse:
    return _detail(request, order_id)


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def ship(request: ConsoleRequest, order_id: int) -> HttpResponse:
    staff = request.staff
    if order_detail(staff, order_id) is None:
        raise NotFound(detail={"order_id": order_id})
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _detail(request, order_id, ship_form=form, error=InvalidInput(), status=400)
    try:
        order = lifecycle.ship_order(
            staff=staff,
            order_id=order_id,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except SiyuError as exc:
        return _detail(request, order_id, ship_form=form, error=exc, status=exc.status)
    messages.success(request, _("Order %(number)s was shipped.") % {"number": order.number})
    return redirect("console:order", order_id=order_id)


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def cancel(request: ConsoleRequest, order_id: int) -> HttpResponse:
    staff = request.staff
    order = order_detail(staff, order_id)
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    try:
        lifecycle.cancel_order(order=order, actor=staff, reason="merchant_cancelled")
    except SiyuError as exc:
        return _detail(request, order_id, error=exc, status=exc.status)
    messages.success(request, _("Order %(number)s was cancelled.") % {"number": order.number})
    return redirect("console:order", order_id=order_id)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PICKUP_VERIFY, module="orders")
def pickup_page(request: ConsoleRequest) -> HttpResponse:
    """Outlet staff type the customer's pickup code and hand over the order (核销)."""
    form = PickupForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "verified": None, "pickup_error": None}
    status = 200
    if request.method == "POST":
        try:
            code = cleaned(form)["code"]
            order = lifecycle.verify_pickup(staff=request.staff, code=code)
        except SiyuError as exc:
            context["pickup_error"], status = exc, exc.status
        else:
            context["verified"] = order_detail(request.staff, order.pk)
            context["form"] = PickupForm()
    template = (
        "console/orders/_pickup_result.html" if wants_fragment(request) else "console/orders/pickup.html"
    )
    return render_page(request, template, context, module="orders", status=status)


@require_GET
@console_view(Perm.ORDERS_VIEW, module="orders")
def after_sale_list_page(request: ConsoleRequest) -> HttpResponse:
    form = AfterSaleFilterForm(request.GET)
    status = cleaned(form)["status"]
    page = page_of(request, after_sale_list(request.staff, status=status))
    return render_page(
        request, "console/orders/after_sales.html", {"form": form, "page": page}, module="orders"
    )


def _after_sale(
    request: ConsoleRequest, after_sale_id: int, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    row = after_sale_detail(request.staff, after_sale_id)
    if row is None:
        raise NotFound(detail={"after_sale_id": after_sale_id})
    context = {
        "after_sale": row,
        "can_review": row.status == AfterSaleStatus.REQUESTED,
        "can_receive": row.status == AfterSaleStatus.APPROVED and row.kind == AfterSaleKind.RETURN_REFUND,
        "error": error,
        "form": ReviewForm(),
    }
    return render_page(request, "console/orders/after_sale.html", context, module="orders", status=status)


@require_GET
@console_view(Perm.ORDERS_VIEW, module="orders")
def after_sale_page(request: ConsoleRequest, after_sale_id: int) -> HttpResponse:
    return _after_sale(request, after_sale_id)


ACTIONS = {
    "approve": gettext_lazy("After-sale %(number)s was approved."),
    "reject": gettext_lazy("After-sale %(number)s was rejected."),
    "receive": gettext_lazy("After-sale %(number)s: the goods came back and the refund was made."),
}


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def after_sale_action(request: ConsoleRequest, after_sale_id: int, action: str) -> HttpResponse:
    """Approve, reject, or confirm the returned goods of an after-sale request."""
    staff = request.staff
    if action not in ACTIONS or after_sale_detail(staff, after_sale_id) is None:
        raise NotFound(detail={"after_sale_id": after_sale_id, "action": action})
    try:
        note = cleaned(ReviewForm(request.POST))["note"]
        if action == "approve":
            row = aftersales.approve_after_sale(staff=staff, after_sale_id=after_sale_id, note=note)
        elif action == "reject":
            row = aftersales.reject_after_sale(staff=staff, after_sale_id=after_sale_id, note=note)
        else:
            row = aftersales.confirm_goods_returned(staff=staff, after_sale_id=after_sale_id)
    except SiyuError as exc:
        return _after_sale(request, after_sale_id, error=exc, status=exc.status)
    messages.success(request, str(ACTIONS[action]) % {"number": row.number})
    return redirect("console:after_sale", after_sale_id=after_sale_id)
