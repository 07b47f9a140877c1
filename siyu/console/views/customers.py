"""客户: the customer list with filters and spend, and the customer 360 page.

Tags and the segment builder come with the customer data platform issue.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from siyu.console.access import console_view
from siyu.console.forms import CustomerFilterForm, cleaned
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors.customers import CustomerFilters, customer_360, customer_list, spend_by_customer
from siyu.core.errors import NotFound
from siyu.tenancy.permissions import Perm


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_list_page(request: HttpRequest) -> HttpResponse:
    merchant = request.staff.merchant  # type: ignore[attr-defined]
    form = CustomerFilterForm(request.GET)
    data = cleaned(form)
    page = page_of(request, customer_list(merchant, CustomerFilters(**data)))
    customers = list(page.object_list)
    spend = spend_by_customer(merchant, customers)
    context = {"form": form, "page": page, "rows": [(c, spend[c.pk]) for c in customers], "swap": True}
    template = "console/customers/_table.html" if wants_fragment(request) else "console/customers/list.html"
    return render_page(request, template, context, module="customers")


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    view = customer_360(request.staff.merchant, customer_id)  # type: ignore[attr-defined]
    if view is None:
        raise NotFound(detail={"customer_id": customer_id})
    return render_page(request, "console/customers/detail.html", {"view": view}, module="customers")
