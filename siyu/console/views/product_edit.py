"""商品 · 编辑: create a product with its SKUs, edit it (fields, gallery and 图文详情, category, roles, SKU
prices and codes), add SKUs, and the category list, through siyu/catalog/services.py.

Saving a product and its SKUs is one service call (``edit_product``, one transaction), so a refused
SKU leaves the product as it was too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from siyu.catalog import selectors as catalog
from siyu.catalog import services as catalog_services
from siyu.catalog.models import Category, Product
from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal, cleaned
from siyu.console.forms_media import show_thumbnails
from siyu.console.forms_settings import AddSkusForm, CategoryForm, ProductCreateForm, ProductForm, SkuForm
from siyu.console.layout import render_page
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm


def _category_choices(staff: Staff) -> list[tuple[int, str]]:
    rows = Category.objects.for_merchant(staff.merchant_id).order_by("sort_order", "id")
    names = {c.pk: c.name for c in rows}
    return [(c.pk, f"{names.get(c.parent_id, '')} / {c.name}" if c.parent_id else c.name) for c in rows]


def _product(staff: Staff, product_id: int) -> Product:
    product = catalog.products(merchant=staff.merchant).filter(pk=product_id).first()
    if product is None:
        raise NotFound(detail={"product_id": product_id})
    return product


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_EDIT, module="products")
def product_create(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = ProductCreateForm(request.POST if request.method == "POST" else None)
    form.set_categories(_category_choices(staff))
    show_thumbnails(form, staff.merchant)
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            product = catalog_services.create_product(
                merchant=staff.merchant,
                skus=d["skus"],
                category_id=d["category"],
                roles=d["roles"],
                status=d["status"],
                acting_staff=staff,
                **form.attrs(),
            )
        except SiyuError as exc:
            error = exc
            apply_refusal(form, exc)
        else:
            messages.success(request, _("The product %(name)s was created.") % {"name": product.name})
            return redirect("console:product", product_id=product.pk)
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "error": error}
    return render_page(request, "console/products/create.html", context, module="products", status=status)


def _edit_page(
    request: ConsoleRequest,
    product: Product,
    form: ProductForm,
    sku_forms: list[tuple[Any, SkuForm]],
    error: SiyuError | None,
    add_form: AddSkusForm | None = None,
) -> HttpResponse:
    invalid = form.is_bound and (form.errors or any(f.errors for _s, f in sku_forms))
    status = error.status if error else (400 if invalid or (add_form and add_form.errors) else 200)
    context = {
        "product": product,
        "form": form,
        "sku_forms": sku_forms,
        "add_form": add_form or AddSkusForm(),
        "error": error,
    }
    return render_page(request, "console/products/edit.html", context, module="products", status=status)


def _forms(
    request: ConsoleRequest, product: Product, *, bound: bool = True
) -> tuple[ProductForm, list[tuple[Any, SkuForm]]]:
    staff = request.staff
    data = request.POST if bound and request.method == "POST" else None
    roles = sorted(r.role for r in product.role_rows.all())
    form = ProductForm(data, initial=ProductForm.initial_of(product, roles))
    form.set_categories(_category_choices(staff))
    show_thumbnails(form, staff.merchant)
    sku_forms = [
        (sku, SkuForm(data, prefix=f"sku{sku.pk}", initial=SkuForm.initial_of(sku)))
        for sku in product.skus.all()
    ]
    return form, sku_forms


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_EDIT, module="products")
def product_edit(request: ConsoleRequest, product_id: int) -> HttpResponse:
    """The product's fields, category and roles, and every SKU's prices, barcode and active flag."""
    staff = request.staff
    product = _product(staff, product_id)
    form, sku_forms = _forms(request, product)
    valid = form.is_valid() if request.method == "POST" else False
    valid = valid and all(f.is_valid() for _s, f in sku_forms)
    if not valid:
        return _edit_page(request, product, form, sku_forms, None)
    d = form.cleaned_data
    try:
        if d["category"] is None and product.category_id is not None:
            raise InvalidInput(detail={"category": "a product's category can be changed, not removed"})
        catalog_services.edit_product(
            merchant=staff.merchant,
            product_id=product.pk,
            acting_staff=staff,
            roles=d["roles"],
            category_id=d["category"],
            sku_changes={sku.pk: sku_form.changes(sku) for sku, sku_form in sku_forms},
            **form.attrs(),
        )
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _edit_page(request, product, form, sku_forms, exc)
    messages.success(request, _("The product %(name)s was saved.") % {"name": d["name"]})
    return redirect("console:product", product_id=product.pk)


@require_POST
@console_view(Perm.CATALOG_EDIT, module="products")
def product_add_skus(request: ConsoleRequest, product_id: int) -> HttpResponse:
    staff = request.staff
    product = _product(staff, product_id)
    add_form = AddSkusForm(request.POST)
    try:
        skus = cleaned(add_form)["skus"]
        catalog_services.add_skus(
            merchant=staff.merchant, product_id=product.pk, skus=skus, acting_staff=staff
        )
    except SiyuError as exc:
        if add_form.is_valid():
            apply_refusal(add_form, exc)
        form, sku_forms = _forms(request, product, bound=False)  # the edit forms as saved
        return _edit_page(request, product, form, sku_forms, exc, add_form)
    messages.success(request, _("%(n)d SKUs were added.") % {"n": len(skus)})
    return redirect("console:product_edit", product_id=product.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_VIEW, module="products")
def categories_page(request: ConsoleRequest) -> HttpResponse:
    """The category tree (three levels at most); staff who edit the catalogue add categories here."""
    staff = request.staff
    choices = _category_choices(staff)
    form = CategoryForm(request.POST if request.method == "POST" else None, categories=choices)
    error: SiyuError | None = None
    if request.method == "POST":
        try:
            d = cleaned(form)
            created = catalog_services.create_category(
                merchant=staff.merchant,
                name=d["name"].strip(),
                parent_id=d["parent"],
                sort_order=d["sort_order"],
                acting_staff=staff,
            )
        except SiyuError as exc:
            error = exc
        else:
            messages.success(request, _("The category %(name)s was added.") % {"name": created.name})
            return redirect("console:categories")
    from django.db.models import Count

    rows = (
        Category.objects.for_merchant(staff.merchant_id)
        .select_related("parent")
        .annotate(products_count=Count("products"))
        .order_by("sort_order", "id")
    )
    context = {"rows": rows, "form": form, "error": error}
    return render_page(
        request,
        "console/products/categories.html",
        context,
        module="products",
        status=error.status if error else 200,
    )
