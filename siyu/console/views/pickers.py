"""The pickers' searches: ``/console/pick/<kind>/?q=&category=&page=`` answers an HTML fragment of
result rows (``?open=1``: the search box and filter around the first page), for the dialog of
console/picker.js. Each search is one query over the merchant's own rows (selectors/pickers.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import cleaned
from siyu.console.selectors import pickers as sel
from siyu.members.privacy import mask_phone
from siyu.tenancy.permissions import Perm


class PickSearchForm(forms.Form):
    q = forms.CharField(max_length=64, required=False)
    category = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    page = forms.IntegerField(min_value=1, max_value=500, required=False)
    open = forms.BooleanField(required=False)


def _answer(
    request: ConsoleRequest, page: sel.PickPage, data: dict[str, Any], *, placeholder: str, categories: bool
) -> HttpResponse:
    context: dict[str, Any] = {"page": page, "q": data["q"], "placeholder": placeholder}
    if data["open"]:
        context["categories"] = sel.categories(request.staff.merchant_id) if categories else []
        return render(request, "console/_picker_panel.html", context)
    return render(request, "console/_picker_results.html", context)


@require_GET
@console_view(Perm.CATALOG_VIEW)
def pick_skus(request: ConsoleRequest) -> HttpResponse:
    data = cleaned(PickSearchForm(request.GET))
    page = sel.search_skus(
        request.staff.merchant_id, q=data["q"], category_id=data["category"], page=data["page"] or 1
    )
    placeholder = _("Product name, SKU code, barcode or category")
    return _answer(request, page, data, placeholder=placeholder, categories=True)


@require_GET
@console_view(Perm.CATALOG_VIEW)
def pick_products(request: ConsoleRequest) -> HttpResponse:
    data = cleaned(PickSearchForm(request.GET))
    page = sel.search_products(
        request.staff.merchant_id, q=data["q"], category_id=data["category"], page=data["page"] or 1
    )
    placeholder = _("Product name, SKU code, barcode or category")
    return _answer(request, page, data, placeholder=placeholder, categories=True)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW)
def pick_customers(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    data = cleaned(PickSearchForm(request.GET))
    page = sel.search_customers(
        staff.merchant_id,
        q=data["q"],
        shown_phone=mask_phone,  # masked for every role (docs/guides.md)
        page=data["page"] or 1,
        staff=staff,
    )
    placeholder = _("Nickname, whole phone number or customer id")
    return _answer(request, page, data, placeholder=placeholder, categories=False)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW)
def pick_segments(request: ConsoleRequest) -> HttpResponse:
    data = cleaned(PickSearchForm(request.GET))
    page = sel.search_segments(request.staff.merchant_id, q=data["q"], page=data["page"] or 1)
    return _answer(request, page, data, placeholder=_("Segment name"), categories=False)
