"""客户: the customer list with filters (tags included), spend and bulk tagging, and the customer 360 page.

Tags, segments and value models have their own pages (views/customer_data.py, customer_segments.py).
"""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from django.views.decorators.http import require_GET

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import cleaned
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors.customers import CustomerFilters, customer_360, customer_list, spend_by_customer
from siyu.console.views.customer_forms import CustomerListForm
from siyu.core.errors import NotFound, SiyuError
from siyu.tenancy.permissions import Perm


def customer_list_response(
    request: ConsoleRequest, query: QueryDict, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    """The list for the filter in ``query`` (a page, or its table for htmx), with a refusal if any."""
    merchant = request.staff.merchant
    form = CustomerListForm(query)
    data = cleaned(form)
    page = page_of(request, customer_list(merchant, CustomerFilters(**data)))
    customers = list(page.object_list)
    spend = spend_by_customer(merchant, customers)
    filter_query = query.copy()
    filter_query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(c, spend[c.pk]) for c in customers],
        "swap": True,
        "filter_query": filter_query.urlencode(),
        "error": error,
    }
    fragment = wants_fragment(request) and error is None
    template = "console/customers/_table.html" if fragment else "console/customers/list.html"
    return render_page(request, template, context, module="customers", status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_list_page(request: ConsoleRequest) -> HttpResponse:
    return customer_list_response(request, request.GET)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_page(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    view = customer_360(request.staff.merchant, customer_id)
    if view is None:
        raise NotFound(detail={"customer_id": customer_id})
    return render_page(request, "console/customers/detail.html", {"view": view}, module="customers")
