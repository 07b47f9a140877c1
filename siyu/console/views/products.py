"""商品: products with SKUs, stock and roles; bulk on/off shelf; stock levels and stocktakes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.catalog import selectors as catalog
from siyu.catalog import services as catalog_services
from siyu.catalog.models import Category, ProductStatus
from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import (
    BulkStatusForm,
    ProductFilterForm,
    RolesForm,
    StockFilterForm,
    StockForm,
    cleaned,
)
from siyu.console.layout import back_url, render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors.store import WAREHOUSE, StockFilters, stock_levels
from siyu.core.errors import NotFound, SiyuError
from siyu.inventory.models import StockLevel
from siyu.inventory.services import set_stock
from siyu.tenancy.models import Outlet
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import outlet_scope


def _categories(request: ConsoleRequest) -> list[Category]:
    return list(Category.objects.for_merchant(request.staff.merchant_id).order_by("sort_order", "id"))


def _product_list(
    request: ConsoleRequest, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    form = ProductFilterForm(request.GET)
    data = cleaned(form)
    qs = catalog.products(
        merchant=request.staff.merchant,
        q=data["q"].strip(),
        status=data["status"] or None,
        role=data["role"] or None,
        category_id=data["category"],
    ).order_by("-sort_order", "id")
    context: dict[str, Any] = {
        "form": form,
        "page": page_of(request, qs),
        "categories": _categories(request),
        "swap": True,
        "error": error,
    }
    template = "console/products/_table.html" if wants_fragment(request) else "console/products/list.html"
    return render_page(request, template, context, module="products", status=status)


@require_GET
@console_view(Perm.CATALOG_VIEW, module="products")
def product_list_page(request: ConsoleRequest) -> HttpResponse:
    return _product_list(request)


@require_POST
@console_view(Perm.CATALOG_VIEW, module="products")
def bulk_status(request: ConsoleRequest) -> HttpResponse:
    """Put the ticked products on sale or off shelf: all of them, or none."""
    try:
        data = cleaned(BulkStatusForm(request.POST))
        products = catalog_services.set_products_status(
            merchant=request.staff.merchant,
            product_ids=data["product_ids"],
            status=data["status"],
            acting_staff=request.staff,
        )
    except SiyuError as exc:
        return _product_list(request, error=exc, status=exc.status)
    text = (
        _("%(n)d products are on sale.")
        if data["status"] == ProductStatus.ON_SALE
        else _("%(n)d products are off shelf.")
    )
    messages.success(request, text % {"n": len(products)})
    return redirect(back_url(request, "console:products"))


def _product(
    request: ConsoleRequest, product_id: int, *, error: SiyuError | None = None, status: int = 200
) -> HttpResponse:
    staff = request.staff
    product = catalog.products(merchant=staff.merchant).filter(pk=product_id).first()
    if product is None:
        raise NotFound(detail={"product_id": product_id})
    outlet_levels = (
        StockLevel.objects.for_merchant(staff.merchant_id)
        .filter(sku__product=product, outlet__isnull=False)
        .select_related("outlet", "sku")
        .order_by("sku_id", "outlet_id")
    )
    roles = sorted(r.role for r in product.role_rows.all())
    context = {
        "product": product,
        "skus": [(sku, catalog.sku_available(sku)) for sku in product.skus.all()],
        "outlet_levels": list(outlet_levels),
        "roles": roles,
        "roles_form": RolesForm(initial={"roles": roles}),
        "error": error,
    }
    return render_page(request, "console/products/detail.html", context, module="products", status=status)


@require_GET
@console_view(Perm.CATALOG_VIEW, module="products")
def product_page(request: ConsoleRequest, product_id: int) -> HttpResponse:
    return _product(request, product_id)


@require_POST
@console_view(Perm.CATALOG_VIEW, module="products")
def product_roles(request: ConsoleRequest, product_id: int) -> HttpResponse:
    """Set the roles the product plays in the product matrix."""
    staff = request.staff
    if not catalog.products(merchant=staff.merchant).filter(pk=product_id).exists():
        raise NotFound(detail={"product_id": product_id})
    try:
        roles = cleaned(RolesForm(request.POST))["roles"]
        catalog_services.update_product(
            merchant=staff.merchant, product_id=product_id, acting_staff=staff, roles=roles
        )
    except SiyuError as exc:
        return _product(request, product_id, error=exc, status=exc.status)
    messages.success(request, _("The product roles were saved."))
    return redirect("console:product", product_id=product_id)


def _places(request: ConsoleRequest) -> list[tuple[str, str]]:
    staff = request.staff
    outlets = Outlet.objects.for_merchant(staff.merchant_id).order_by("id")
    scope = outlet_scope(staff)
    if scope is not None:
        outlets = outlets.filter(pk__in=scope)
    places = [] if scope is not None else [(WAREHOUSE, _("Warehouse"))]
    return places + [(str(o.pk), o.name) for o in outlets]


def _stock(request: ConsoleRequest, *, error: SiyuError | None = None, status: int = 200) -> HttpResponse:
    form = StockFilterForm(request.GET)
    data = cleaned(form)
    filters = StockFilters(q=data["q"], place=data["place"], low=data["low"])
    context = {
        "form": form,
        "page": page_of(request, stock_levels(request.staff, filters)),
        "places": _places(request),
        "swap": True,
        "place": data["place"],
        "error": error,
    }
    template = (
        "console/products/_stock_table.html" if wants_fragment(request) else "console/products/stock.html"
    )
    return render_page(request, template, context, module="products", status=status)


@require_GET
@console_view(Perm.INVENTORY_VIEW, module="products")
def stock_page(request: ConsoleRequest) -> HttpResponse:
    return _stock(request)


@require_POST
@console_view(Perm.INVENTORY_VIEW, module="products")
def set_stock_level(request: ConsoleRequest, level_id: int) -> HttpResponse:
    """A stocktake: set the counted units (and the alert threshold) of one stock level."""
    staff = request.staff
    level = stock_levels(staff, StockFilters()).filter(pk=level_id).first()
    if level is None:
        raise NotFound(detail={"stock_level_id": level_id})
    try:
        data = cleaned(StockForm(request.POST))
        set_stock(
            merchant=staff.merchant,
            sku=level.sku,
            outlet=level.outlet,
            on_hand=data["on_hand"],
            low_stock_threshold=data["low_stock_threshold"],
            acting_staff=staff,
            note="console stocktake",
        )
    except SiyuError as exc:
        return _stock(request, error=exc, status=exc.status)
    messages.success(
        request, _("Stock of %(sku)s was set to %(n)d.") % {"sku": level.sku.code, "n": data["on_hand"]}
    )
    return redirect(back_url(request, "console:stock"))
