"""营销 · 促销: item and order promotions (限时折扣, 会员价, 第N件, 买N送M, 套餐, 满减/满折/满送, 加价购,
满额包邮) with a config form per kind, their numbers, pause/end; and the pricing policy. The engine
validates a promotion's config when the service saves it (siyu/promotions/rules.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal, cleaned
from siyu.console.forms_marketing import (
    PROMOTION_FORMS,
    PricingPolicyForm,
    PromotionFilterForm,
    PromotionForm,
    StatusForm,
)
from siyu.console.forms_pickers import Picks
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.readable import config_rows
from siyu.console.selectors.marketing import MarketingFilters, promotions
from siyu.console.views.marketing_coupons import category_choices, scope_names
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.promotions import selectors as promotion_selectors
from siyu.promotions import services as svc
from siyu.promotions.models import PricingPolicy, Promotion, PromotionKind, PromotionStatus
from siyu.promotions.rules import referenced_sku_ids
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm


def _promotion(staff: Staff, promotion_id: int) -> Promotion:
    row = (
        Promotion.objects.for_merchant(staff.merchant_id)
        .prefetch_related("gift_stock__sku")
        .filter(pk=promotion_id)
        .first()
    )
    if row is None:
        raise NotFound(detail={"promotion_id": promotion_id})
    return row


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def promotion_list_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = PromotionFilterForm(request.GET)
    data = cleaned(form)
    filters = MarketingFilters(q=data["q"], status=data["status"], kind=data["kind"])
    context = {
        "form": form,
        "page": page_of(request, promotions(staff.merchant_id, filters)),
        "kinds": PromotionKind.choices,
        "swap": True,
    }
    template = (
        "console/marketing/_promotions.html"
        if wants_fragment(request)
        else "console/marketing/promotions.html"
    )
    return render_page(request, template, context, module="marketing")


def _bound(request: ConsoleRequest, kind: str, row: Promotion | None) -> PromotionForm:
    staff = request.staff
    form_class = PROMOTION_FORMS[kind]
    initial: dict[str, Any] = {}
    if row is not None:
        initial = form_class.initial_of(row)
        stock = [g.remaining for g in row.gift_stock.all()]
        if stock and "gift_units" in form_class.base_fields:
            initial["gift_units"] = stock[0]
    return form_class(
        request.POST if request.method == "POST" else None,
        initial=initial,
        categories=category_choices(staff),
        picks=Picks(staff),
    )


def _form_page(
    request: ConsoleRequest, form: PromotionForm, kind: str, row: Promotion | None, error: SiyuError | None
) -> HttpResponse:
    context = {
        "form": form,
        "kind": kind,
        "kind_label": dict(PromotionKind.choices)[kind],
        "kinds": PromotionKind.choices,
        "promotion": row,
        "error": error,
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(
        request, "console/marketing/promotion_form.html", context, module="marketing", status=status
    )


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def promotion_create(request: ConsoleRequest) -> HttpResponse:
    """A new promotion of the kind chosen (``?kind=``), with that kind's config form."""
    staff = request.staff
    kind = request.GET.get("kind") or request.POST.get("kind") or PromotionKind.TIERED
    if kind not in PROMOTION_FORMS:
        raise InvalidInput(detail={"kind": kind})
    form = _bound(request, kind, None)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, kind, None, None)
    try:
        row = svc.create_promotion(
            staff=staff, kind=kind, gift_stock=form.gift_stock(), **form.service_fields()
        )
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _form_page(request, form, kind, None, exc)
    messages.success(request, _("The promotion %(title)s was created.") % {"title": row.title})
    return redirect("console:promotion", promotion_id=row.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def promotion_edit(request: ConsoleRequest, promotion_id: int) -> HttpResponse:
    staff = request.staff
    row = _promotion(staff, promotion_id)
    form = _bound(request, row.kind, row)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, row.kind, row, None)
    try:
        svc.update_promotion(
            staff=staff, promotion_id=row.pk, gift_stock=form.gift_stock(), **form.service_fields()
        )
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _form_page(request, form, row.kind, row, exc)
    messages.success(request, _("The promotion %(title)s was saved.") % {"title": form.cleaned_data["title"]})
    return redirect("console:promotion", promotion_id=row.pk)


def _detail(request: ConsoleRequest, promotion_id: int, *, error: SiyuError | None = None) -> HttpResponse:
    staff = request.staff
    row = _promotion(staff, promotion_id)
    picks = Picks(staff)
    scope = row.scope or {}
    names = scope_names(
        picks, {**scope, "sku_ids": [*scope.get("sku_ids", []), *referenced_sku_ids(row)]}, staff
    )
    context = {
        "promotion": row,
        "stats": promotion_selectors.promotion_stats(staff.merchant_id, row.rule_id),
        "config": config_rows(row.config or {}, names),
        "scope": config_rows(scope, names),
        "audience": config_rows(row.audience or {}),
        "error": error,
    }
    status = error.status if error else 200
    return render_page(
        request, "console/marketing/promotion.html", context, module="marketing", status=status
    )


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def promotion_page(request: ConsoleRequest, promotion_id: int) -> HttpResponse:
    return _detail(request, promotion_id)


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def promotion_status(request: ConsoleRequest, promotion_id: int) -> HttpResponse:
    staff = request.staff
    row = _promotion(staff, promotion_id)
    try:
        status = cleaned(StatusForm(request.POST))["status"]
        svc.set_promotion_status(staff=staff, promotion_id=row.pk, status=status)
    except SiyuError as exc:
        return _detail(request, promotion_id, error=exc)
    label = dict(PromotionStatus.choices).get(status, status)
    messages.success(request, _("The promotion is now %(status)s.") % {"status": label})
    return redirect("console:promotion", promotion_id=row.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def pricing_policy_page(request: ConsoleRequest) -> HttpResponse:
    """The floor no stack of promotions breaks, and how many coupons an order takes."""
    staff = request.staff
    policy = PricingPolicy.objects.for_merchant(staff.merchant_id).first() or PricingPolicy()
    initial = {
        "floor_min_cost": policy.floor_min_cost_bp,
        "floor_min_list": policy.floor_min_list_bp,
        "max_goods_coupons": policy.max_goods_coupons,
        "max_shipping_coupons": policy.max_shipping_coupons,
    }
    form = PricingPolicyForm(request.POST if request.method == "POST" else None, initial=initial)
    error: SiyuError | None = None
    if request.method == "POST":
        try:
            cleaned(form)
            svc.update_pricing_policy(staff=staff, **form.service_fields())
        except SiyuError as exc:
            error = exc
            if form.is_valid():
                apply_refusal(form, exc)
        else:
            messages.success(request, _("The pricing policy was saved."))
            return redirect("console:pricing_policy")
    context = {"form": form, "policy": policy, "error": error}
    return render_page(
        request,
        "console/marketing/pricing_policy.html",
        context,
        module="marketing",
        status=error.status if error else 200,
    )
