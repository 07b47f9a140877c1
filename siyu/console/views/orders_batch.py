"""订单 operations: batch shipping from a file (批量发货), export, 改价, remarks and flags, bulk actions.

Every write calls one service (which checks the permission, locks and audits); a refusal re-renders
the page with the service's message and status and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import OrderFilterForm, cleaned
from siyu.console.forms_orders import AdjustPriceForm, BatchShipForm, BulkActionForm, MarkForm
from siyu.console.layout import render_page
from siyu.console.selectors.orders import order_detail, order_list, visible_orders
from siyu.console.views.orders import _detail, order_filters
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.orders.couriers import COURIERS
from siyu.orders.models import Order
from siyu.orders.services import adjustments, export, marks, shipping
from siyu.orders.services.marks import OrderOutcome
from siyu.tenancy.permissions import Perm

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# 批量发货 -----------------------------------------------------------------------------------------


def _batch_page(
    request: ConsoleRequest, form: BatchShipForm, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "error": error, "couriers": COURIERS}
    return render_page(request, "console/orders/batch_upload.html", context, module="orders", status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.ORDERS_FULFIL, module="orders")
def batch_ship_page(request: ConsoleRequest) -> HttpResponse:
    """Upload a file of order numbers, couriers and tracking numbers; see the report before shipping."""
    if request.method == "GET":
        return _batch_page(request, BatchShipForm())
    form = BatchShipForm(request.POST, request.FILES)
    if not form.is_valid():
        return _batch_page(request, form, error=InvalidInput(), status=400)
    upload = form.cleaned_data["file"]
    try:
        batch = shipping.preview_shipment_batch(staff=request.staff, data=upload.read(), filename=upload.name)
    except SiyuError as exc:
        return _batch_page(request, form, error=exc, status=exc.status)
    return redirect("console:order_batch", batch_id=batch.pk)


def _report(batch) -> dict[str, Any]:
    rows = [
        {**row, "reason_text": shipping.reason_text(row), "courier": shipping.row_courier(row)}
        for row in batch.rows
    ]
    return {
        "batch": batch,
        "rows": rows,
        "problems": [row for row in rows if row["outcome"] == shipping.Outcome.ERROR],
        "counts": shipping.summary(batch.rows),
        "applied": batch.status == "applied",
    }


@require_GET
@console_view(Perm.ORDERS_FULFIL, module="orders")
def batch_page(request: ConsoleRequest, batch_id: int) -> HttpResponse:
    batch = shipping.get_batch(staff=request.staff, batch_id=batch_id)
    return render_page(request, "console/orders/batch_report.html", _report(batch), module="orders")


@require_POST
@console_view(Perm.ORDERS_FULFIL, module="orders")
def batch_apply(request: ConsoleRequest, batch_id: int) -> HttpResponse:
    """Ship the ready rows; a second submit (double click, back button) ships nothing more."""
    try:
        batch = shipping.apply_shipment_batch(staff=request.staff, batch_id=batch_id)
    except SiyuError as exc:
        if isinstance(exc, NotFound):
            raise
        context = {**_report(shipping.get_batch(staff=request.staff, batch_id=batch_id)), "error": exc}
        return render_page(
            request, "console/orders/batch_report.html", context, module="orders", status=exc.status
        )
    counts = shipping.summary(batch.rows)
    messages.success(
        request,
        _("%(shipped)d orders shipped; %(errors)d rows not shipped.")
        % {"shipped": counts[shipping.Outcome.SHIPPED], "errors": counts[shipping.Outcome.ERROR]},
    )
    return redirect("console:order_batch", batch_id=batch.pk)


# Export --------------------------------------------------------------------------------------------


def _download(request: ConsoleRequest, orders, *, kind: str, file_format: str, filters: dict) -> HttpResponse:
    export.start_order_export(staff=request.staff, kind=kind, file_format=file_format, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{'orders' if kind == 'orders' else 'shipping'}-{stamp}.{file_format}"
    response: StreamingHttpResponse
    if file_format == "xlsx":
        response = FileResponse(
            export.xlsx_file(request.staff, orders, kind),
            as_attachment=True,
            filename=name,
            content_type=XLSX,
        )
    else:
        response = StreamingHttpResponse(export.csv_lines(request.staff, orders, kind), content_type=CSV)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response  # type: ignore[return-value]  # streamed: console_view passes any response through


@require_GET
@console_view(Perm.ORDERS_VIEW, module="orders")
def export_orders(request: ConsoleRequest) -> HttpResponse:
    """The orders the list's filters select, as CSV (streamed) or .xlsx."""
    file_format = request.GET.get("format", "csv")
    if file_format not in export.FORMATS:
        raise InvalidInput(detail={"format": file_format[:8], "allowed": list(export.FORMATS)})
    form = OrderFilterForm(request.GET)
    filters = order_filters(form)
    kept = {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}
    return _download(
        request, order_list(request.staff, filters), kind="orders", file_format=file_format, filters=kept
    )


# Bulk actions --------------------------------------------------------------------------------------

OUTCOME_TEXT = {
    "not_found": gettext_lazy("Not found"),
    "not_unpaid": gettext_lazy("Not awaiting payment: not cancelled"),
}


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def bulk_action(request: ConsoleRequest) -> HttpResponse:
    """Do one thing to the ticked orders and say what became of each."""
    staff = request.staff
    form = BulkActionForm(request.POST)
    data = cleaned(form)
    ids, action = data["order_ids"], data["action"]
    if action == "export_shipping":
        orders = visible_orders(staff).filter(pk__in=ids).order_by("-id")
        return _download(request, orders, kind="shipping", file_format="csv", filters={"order_ids": ids})
    outcomes: list[OrderOutcome]
    if action == "cancel":
        outcomes = marks.cancel_unpaid_orders_of(staff=staff, order_ids=ids)
        title = _("Cancel unpaid orders")
    elif action == "flag":
        outcomes = marks.set_order_marks(staff=staff, order_ids=ids, flag=data["flag"])
        title = _("Set flag")
    else:
        outcomes = marks.set_order_marks(staff=staff, order_ids=ids, remark=data["remark"])
        title = _("Set remark")
    rows = [
        {
            "outcome": o,
            "text": _("Done") if o.ok else (o.message or str(OUTCOME_TEXT.get(o.code, o.code))),
        }
        for o in outcomes
    ]
    context = {"title": title, "rows": rows, "done": sum(1 for o in outcomes if o.ok), "total": len(outcomes)}
    return render_page(request, "console/orders/bulk_result.html", context, module="orders")


# One order: 改价, remark and flag ------------------------------------------------------------------


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def adjust_price(request: ConsoleRequest, order_id: int) -> HttpResponse:
    staff = request.staff
    if order_detail(staff, order_id) is None:
        raise NotFound(detail={"order_id": order_id})
    form = AdjustPriceForm(request.POST)
    if not form.is_valid():
        return _detail(request, order_id, price_form=form, error=InvalidInput(), status=400)
    try:
        order = adjustments.adjust_order_price(
            staff=staff,
            order_id=order_id,
            discount=form.cleaned_data["discount"],
            shipping_fee=form.cleaned_data["shipping_fee"],
            reason=form.cleaned_data["reason"],
        )
    except SiyuError as exc:
        return _detail(request, order_id, price_form=form, error=exc, status=exc.status)
    messages.success(request, _("The price of order %(number)s was changed.") % {"number": order.number})
    return redirect("console:order", order_id=order_id)


@require_POST
@console_view(Perm.ORDERS_VIEW, module="orders")
def set_marks(request: ConsoleRequest, order_id: int) -> HttpResponse:
    staff = request.staff
    order: Order | None = order_detail(staff, order_id)
    if order is None:
        raise NotFound(detail={"order_id": order_id})
    try:
        data = cleaned(MarkForm(request.POST))
        marks.set_order_marks(staff=staff, order_ids=[order_id], remark=data["remark"], flag=data["flag"])
    except SiyuError as exc:
        return _detail(request, order_id, error=exc, status=exc.status)
    messages.success(request, _("Remark and flag of order %(number)s saved.") % {"number": order.number})
    return redirect("console:order", order_id=order_id)
