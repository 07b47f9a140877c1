"""客户: the customer list with filters (tags and guides included), spend, bulk tagging and bulk guide
assignment, and the customer 360 page with its guide and the audited "show number".

What a staff member sees is their customer scope (``siyu/members/scope.py``): a guide's list is
"my customers", another guide's customer is a 404. Phones are masked everywhere (docs/guides.md).
Tags, segments and value models have their own pages (views/customer_data.py, customer_segments.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.console.access import ConsoleRequest, can, console_view
from siyu.console.forms import cleaned
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors.customers import (
    CustomerFilters,
    customer_360,
    customer_list,
    guide_choices,
    spend_by_customer,
)
from siyu.console.views.customer_forms import BulkGuideForm, CustomerListForm, GuideAssignForm
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.members import privacy
from siyu.members.guide_links import guide_share_url
from siyu.members.scope import customers_visible_to, is_scoped
from siyu.members.services import MAX_BULK_BIND, bind_guide, bind_guides
from siyu.tenancy.models import Role, Staff
from siyu.tenancy.permissions import Perm
from siyu.wechat.wecom import selectors as wecom_selectors


def customer_list_response(
    request: ConsoleRequest, query: QueryDict, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    """The list for the filter in ``query`` (a page, or its table for htmx), with a refusal if any."""
    staff = request.staff
    form = CustomerListForm(query)
    data = cleaned(form)
    page = page_of(request, customer_list(staff, CustomerFilters(**data)))
    customers = list(page.object_list)
    spend = spend_by_customer(staff.merchant, customers)
    filter_query = query.copy()
    filter_query.pop("page", None)
    is_guide = staff.role == Role.GUIDE
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "rows": [(c, spend[c.pk]) for c in customers],
        "swap": True,
        "filter_query": filter_query.urlencode(),
        "error": error,
        "is_guide": is_guide,
        # A guide's list is theirs alone: no guide filter, no guide column, their share link instead.
        "guides": [] if is_guide else guide_choices(staff.merchant_id),
        "guide_link": guide_share_url(request, staff) if is_guide else "",
    }
    fragment = wants_fragment(request) and error is None
    template = "console/customers/_table.html" if fragment else "console/customers/list.html"
    return render_page(request, template, context, module="customers", status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_list_page(request: ConsoleRequest) -> HttpResponse:
    return customer_list_response(request, request.GET)


def _customer_page(
    request: ConsoleRequest,
    customer_id: int,
    *,
    guide_form: GuideAssignForm | None = None,
    error: SiyuError | None = None,
) -> HttpResponse:
    staff = request.staff
    view = customer_360(staff, customer_id)
    if view is None:
        raise NotFound(detail={"customer_id": customer_id})
    referrer = view.customer.referrer
    context = {
        "view": view,
        # A referrer bound to another guide is out of a guide's scope: named, not linked.
        "referrer_linked": referrer is not None
        and (not is_scoped(staff) or customers_visible_to(staff).filter(pk=referrer.pk).exists()),
        "guides": guide_choices(staff.merchant_id) if can(staff, Perm.CUSTOMERS_ASSIGN_GUIDE) else [],
        "guide_form": guide_form or GuideAssignForm(initial={"guide": view.customer.guide_id}),
        "error": error,
        # WeCom: the guides they are a contact of, since when, via which 活码, deleted or not.
        "wecom_contacts": wecom_selectors.customer_contacts(staff.merchant_id, view.customer.pk),
    }
    status = error.status if error else 200
    return render_page(request, "console/customers/detail.html", context, module="customers", status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_page(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    return _customer_page(request, customer_id)


@require_POST
@console_view(Perm.CUSTOMERS_ASSIGN_GUIDE, module="customers")
def customer_guide_assign(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """Bind the customer to the chosen guide (or unbind them); back to the customer page."""
    staff = request.staff
    form = GuideAssignForm(request.POST)
    try:
        guide_id = cleaned(form)["guide"]
        customer = bind_guide(staff=staff, customer_id=customer_id, guide_id=guide_id)
    except NotFound:
        raise
    except SiyuError as exc:
        if form.is_bound and not form.errors:
            form.add_error("guide", str(exc.text))
        return _customer_page(request, customer_id, guide_form=form, error=exc)
    if customer.guide is not None:
        text = _("%(customer)s is now a customer of %(guide)s.")
        messages.success(request, text % {"customer": customer, "guide": customer.guide.display_name})
    else:
        messages.success(request, _("%(customer)s no longer has a guide.") % {"customer": customer})
    return redirect("console:customer", customer_id=customer_id)


def _filtered_ids(staff: Staff, filter_query: str) -> list[int]:
    form = CustomerListForm(QueryDict(filter_query))
    qs = customer_list(staff, CustomerFilters(**cleaned(form)))
    ids = list(qs.values_list("pk", flat=True)[: MAX_BULK_BIND + 1])
    if len(ids) > MAX_BULK_BIND:
        raise InvalidInput(detail={"customer_ids": f"the filter finds more than {MAX_BULK_BIND} customers"})
    if not ids:
        raise InvalidInput(detail={"customer_ids": "the filter finds no customers"})
    return ids


@require_POST
@console_view(Perm.CUSTOMERS_ASSIGN_GUIDE, module="customers")
def bulk_guide(request: ConsoleRequest) -> HttpResponse:
    """Bind the ticked customers, or every customer the filter finds, to one guide (or none): one
    service call, all or nothing."""
    staff = request.staff
    form = BulkGuideForm(request.POST)
    filter_query = request.POST.get("filter", "")[:1000]
    try:
        fields = cleaned(form)
        ids = fields["customer_ids"] if fields["scope"] == "selected" else _filtered_ids(staff, filter_query)
        n = bind_guides(staff=staff, customer_ids=ids, guide_id=form.guide_id)
    except SiyuError as exc:
        return customer_list_response(request, QueryDict(filter_query), error=exc, status=exc.status)
    messages.success(request, _("%(n)d customers moved to the chosen guide.") % {"n": n})
    url = reverse("console:customers")
    return redirect(f"{url}?{filter_query}" if filter_query else url)


@require_POST
@console_view(Perm.CUSTOMERS_VIEW_PHONE, module="customers")
def customer_phone_reveal(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """The customer's full number, for the "show number" button (htmx swaps it in); audited."""
    customer = privacy.reveal_customer_phone(staff=request.staff, customer_id=customer_id)
    context = {"phone": customer.phone or "", "testid": "phone-full"}
    return render_page(request, "console/customers/_phone.html", context, module="customers")


@require_POST
@console_view(Perm.CUSTOMERS_VIEW_PHONE, module="orders")
def order_phone_reveal(request: ConsoleRequest, order_id: int) -> HttpResponse:
    """The recipient's full number on an order's page, for the "show number" button; audited."""
    order = privacy.reveal_order_phones(staff=request.staff, order_id=order_id)
    address = order.shipping_address or {}
    context = {"phone": address.get("phone") or order.customer.phone or "", "testid": "order-phone-full"}
    return render_page(request, "console/customers/_phone.html", context, module="orders")
