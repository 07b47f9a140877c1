"""订单 > 运费模板: freight templates, their regional rules and the products each one prices.

Reading needs ``catalog.view``; every change goes through ``siyu.freight.services`` (which asks for
``freight.edit`` and writes the audit row).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import npgettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal
from siyu.console.forms_freight import ChargeForm, ProductsForm, RuleForm, TemplateForm
from siyu.console.layout import render_page
from siyu.core.errors import NotFound, SiyuError
from siyu.core.money import format_yuan
from siyu.freight import regions, selectors, services
from siyu.freight.calc import Basis
from siyu.freight.errors import FreightTemplateInvalid
from siyu.freight.models import ChargeFields, FreightRule, FreightTemplate
from siyu.tenancy.permissions import Perm

MODULE = "orders"


def units_text(units: int, basis: str) -> str:
    if basis == Basis.WEIGHT:
        return pgettext("freight", "%(kg)s kg") % {"kg": f"{Decimal(units) / 1000:g}"}
    return npgettext("freight", "%(n)d piece", "%(n)d pieces", units) % {"n": units}


def charge_text(row: ChargeFields, basis: str) -> str:
    """``首件1件 ¥8.00，续件1件 ¥3.00；满¥99.00包邮`` in the page's language."""
    values = {
        "units": units_text(row.first_units, basis),
        "fee": format_yuan(row.first_fee),
        "more": units_text(row.additional_units, basis),
        "add": format_yuan(row.additional_fee),
    }
    if basis == Basis.WEIGHT:
        text = (
            pgettext("freight by weight", "First %(units)s %(fee)s, each further %(more)s %(add)s") % values
        )
    else:
        text = pgettext("freight by piece", "First %(units)s %(fee)s, each further %(more)s %(add)s") % values
    amount, pieces = row.free_over_amount, row.free_over_pieces
    if amount is not None and pieces is not None:
        text += pgettext("freight", "; free shipping over %(amount)s and from %(n)d pieces") % {
            "amount": format_yuan(amount),
            "n": pieces,
        }
    elif amount is not None:
        text += pgettext("freight", "; free shipping over %(amount)s") % {"amount": format_yuan(amount)}
    elif pieces is not None:
        text += npgettext(
            "freight", "; free shipping from %(n)d piece", "; free shipping from %(n)d pieces", pieces
        ) % {"n": pieces}
    return text


def region_names(codes: list[str]) -> str:
    """Province and city names, a city with its province (``浙江省 杭州市``)."""
    names = []
    for code in codes:
        division = regions.get(code)
        if division is None:
            continue
        parent = regions.name_of(division.parent)
        names.append(f"{parent} {division.name}" if division.level == regions.CITY else division.name)
    return pgettext("list separator", ", ").join(names)


def picker(field: str, chosen: list[str]) -> dict[str, Any]:
    """The region picker's rows: every province, its cities under it, with what is ticked."""
    ticked = set(chosen)
    rows = []
    for province in regions.provinces():
        cities = [(c, c.code in ticked) for c in regions.children(province.code)]
        rows.append(
            {
                "province": province,
                "checked": province.code in ticked,
                "cities": cities,
                "open": any(on for _c, on in cities),
                "city_count": sum(1 for _c, on in cities if on),
            }
        )
    return {"field": field, "rows": rows}


def _chosen(form: Any, field: str, initial: list[str]) -> list[str]:
    return form.data.getlist(field) if form.is_bound else initial


@require_GET
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def template_list_page(request: ConsoleRequest) -> HttpResponse:
    rows = [
        (t, charge_text(t, t.basis), region_names(t.excluded_regions))
        for t in selectors.template_list(request.staff.merchant_id)
    ]
    return render_page(request, "console/freight/list.html", {"rows": rows}, module=MODULE)


def _template_page(
    request: ConsoleRequest, form: TemplateForm, template: FreightTemplate | None, error: SiyuError | None
) -> HttpResponse:
    initial = list(template.excluded_regions) if template else []
    rules = (
        [(r, region_names(r.regions), charge_text(r, template.basis)) for r in template.rules.all()]
        if template
        else []
    )
    context = {
        "form": form,
        "template": template,
        "error": error,
        "rules": rules,
        "excluded": picker("excluded_regions", _chosen(form, "excluded_regions", initial)),
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/freight/template.html", context, module=MODULE, status=status)


def _save_template(
    request: ConsoleRequest, form: TemplateForm, template: FreightTemplate | None
) -> HttpResponse:
    if not form.is_valid():
        return _template_page(request, form, template, None)
    d = form.cleaned_data
    fields = {
        "name": d["name"],
        "basis": d["basis_choice"],
        "charge": form.charge(),
        "is_default": d["is_default"],
        "excluded_regions": d["excluded_regions"],
    }
    try:
        if template is None:
            saved = services.create_template(staff=request.staff, **fields)
        else:
            saved = services.update_template(staff=request.staff, template_id=template.pk, **fields)
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _template_page(request, form, template, exc)
    messages.success(request, _("The freight template %(name)s was saved.") % {"name": saved.name})
    return redirect("console:freight_template", template_id=saved.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.FREIGHT_EDIT, module=MODULE)
def template_create(request: ConsoleRequest) -> HttpResponse:
    form = TemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _template_page(request, form, None, None)
    return _save_template(request, form, None)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def template_page(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """One template: its form (the default charge, excluded regions) and its rules."""
    template = selectors.template_with_rules(request.staff.merchant_id, template_id)
    initial = {
        "name": template.name,
        "basis_choice": template.basis,
        "is_default": template.is_default,
        "excluded_regions": template.excluded_regions,
        **ChargeForm.charge_initial(template, template.basis),
    }
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "GET":
        return _template_page(request, form, template, None)
    return _save_template(request, form, template)


@require_POST
@console_view(Perm.FREIGHT_EDIT, module=MODULE)
def template_delete(request: ConsoleRequest, template_id: int) -> HttpResponse:
    services.delete_template(staff=request.staff, template_id=template_id)
    messages.success(request, _("The freight template was deleted."))
    return redirect("console:freight")


def _rule_page(
    request: ConsoleRequest,
    template: FreightTemplate,
    form: RuleForm,
    rule: FreightRule | None,
    error: SiyuError | None,
) -> HttpResponse:
    taken = {c for r in template.rules.all() if r != rule for c in r.regions}
    context = {
        "form": form,
        "template": template,
        "rule": rule,
        "error": error,
        "picker": picker("regions", _chosen(form, "regions", list(rule.regions) if rule else [])),
        "taken": region_names(sorted(taken)),
        "units": _("kg") if template.basis == Basis.WEIGHT else _("pieces"),
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/freight/rule.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.FREIGHT_EDIT, module=MODULE)
def rule_edit(request: ConsoleRequest, template_id: int, rule_id: int | None = None) -> HttpResponse:
    """Add a rule (the charge for named provinces and cities), or change one."""
    template = selectors.template_with_rules(request.staff.merchant_id, template_id)
    rule = next((r for r in template.rules.all() if r.pk == rule_id), None)
    if rule_id is not None and rule is None:
        raise NotFound(detail={"rule_id": rule_id})
    initial = {"regions": rule.regions, **ChargeForm.charge_initial(rule, template.basis)} if rule else {}
    form = RuleForm(request.POST if request.method == "POST" else None, initial=initial, basis=template.basis)
    if request.method == "GET" or not form.is_valid():
        return _rule_page(request, template, form, rule, None)
    try:
        services.save_rule(
            staff=request.staff,
            template_id=template.pk,
            codes=form.cleaned_data["regions"],
            charge=form.charge(),
            rule_id=rule_id,
        )
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _rule_page(request, template, form, rule, exc)
    messages.success(request, _("The rule was saved."))
    return redirect("console:freight_template", template_id=template.pk)


@require_POST
@console_view(Perm.FREIGHT_EDIT, module=MODULE)
def rule_delete(request: ConsoleRequest, template_id: int, rule_id: int) -> HttpResponse:
    services.delete_rule(staff=request.staff, template_id=template_id, rule_id=rule_id)
    messages.success(request, _("The rule was deleted."))
    return redirect("console:freight_template", template_id=template_id)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def template_products(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """Tick the products this template prices; unticked ones fall back to the default template."""
    staff = request.staff
    template = selectors.template_with_rules(staff.merchant_id, template_id)
    products = list(selectors.assignable_products(staff.merchant_id))
    form = ProductsForm(
        request.POST if request.method == "POST" else None, product_ids=[p.pk for p in products]
    )
    error = None
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise FreightTemplateInvalid(detail={"product_ids": request.POST.getlist("product_ids")[:20]})
            joined, left = services.set_template_products(
                staff=staff, template_id=template.pk, product_ids=form.cleaned_data["product_ids"]
            )
        except SiyuError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("%(joined)d products joined, %(left)d left the template.")
                % {"joined": joined, "left": left},
            )
            return redirect("console:freight_products", template_id=template.pk)
    context = {"template": template, "products": products, "error": error}
    return render_page(
        request,
        "console/freight/products.html",
        context,
        module=MODULE,
        status=error.status if error else 200,
    )
