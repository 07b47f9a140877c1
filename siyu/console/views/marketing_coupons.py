"""营销 · 优惠券: coupon templates (list, create, edit, pause/resume/end), codes, targeted issuing and
each template's numbers, all through siyu/promotions/services/coupons.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.audience import services as audience
from siyu.catalog.models import Category
from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal, cleaned
from siyu.console.forms_marketing import (
    CodesForm,
    CouponFilterForm,
    CouponTemplateForm,
    IssueForm,
    StatusForm,
)
from siyu.console.forms_pickers import Picks
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.readable import config_rows
from siyu.console.selectors.marketing import MarketingFilters, coupon_templates
from siyu.core.errors import NotFound, SiyuError
from siyu.promotions import selectors as promotion_selectors
from siyu.promotions import services as svc
from siyu.promotions.models import CouponCode, CouponTemplate, CouponTrigger, TemplateStatus
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm


def category_choices(staff: Staff) -> list[tuple[int, str]]:
    rows = Category.objects.for_merchant(staff.merchant_id).order_by("sort_order", "id")
    return [(c.pk, c.name) for c in rows]


def _template(staff: Staff, template_id: int) -> CouponTemplate:
    template = CouponTemplate.objects.for_merchant(staff.merchant_id).filter(pk=template_id).first()
    if template is None:
        raise NotFound(detail={"coupon_template_id": template_id})
    return template


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def coupon_list_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = CouponFilterForm(request.GET)
    data = cleaned(form)
    filters = MarketingFilters(q=data["q"], status=data["status"], kind=data["kind"])
    context = {
        "form": form,
        "page": page_of(request, coupon_templates(staff.merchant_id, filters)),
        "swap": True,
    }
    template = (
        "console/marketing/_coupons.html" if wants_fragment(request) else "console/marketing/coupons.html"
    )
    return render_page(request, template, context, module="marketing")


def _form_page(
    request: ConsoleRequest,
    form: CouponTemplateForm,
    template: CouponTemplate | None,
    error: SiyuError | None,
) -> HttpResponse:
    context = {"form": form, "template": template, "error": error}
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(
        request, "console/marketing/coupon_form.html", context, module="marketing", status=status
    )


def _bound(request: ConsoleRequest, template: CouponTemplate | None) -> CouponTemplateForm:
    staff = request.staff
    locked = bool(template and template.issued)
    initial = CouponTemplateForm.initial_of(template) if template is not None else {}
    return CouponTemplateForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        categories=category_choices(staff),
        locked=locked,
        picks=Picks(staff),
    )


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def coupon_create(request: ConsoleRequest) -> HttpResponse:
    """A new coupon template: every field the service accepts; its refusals become form errors."""
    staff = request.staff
    form = _bound(request, None)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, None, None)
    try:
        created = svc.create_template(staff=staff, **form.service_fields())
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _form_page(request, form, None, exc)
    messages.success(request, _("The coupon %(title)s was created.") % {"title": created.title})
    return redirect("console:coupon", template_id=created.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def coupon_edit(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """Change a template: sends only what changed; once issued, what a coupon gives stays fixed."""
    staff = request.staff
    template = _template(staff, template_id)
    form = _bound(request, template)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, template, None)
    fields = form.service_fields()
    changes = {k: v for k, v in fields.items() if getattr(template, k) != v}
    try:
        if changes:
            svc.update_template(staff=staff, template_id=template.pk, **changes)
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _form_page(request, form, template, exc)
    messages.success(request, _("The coupon %(title)s was saved.") % {"title": fields["title"]})
    return redirect("console:coupon", template_id=template.pk)


def _detail(
    request: ConsoleRequest, template_id: int, *, error: SiyuError | None = None, **forms: Any
) -> HttpResponse:
    staff = request.staff
    template = _template(staff, template_id)
    codes = CouponCode.objects.for_merchant(staff.merchant_id).filter(template=template).order_by("-id")
    stats = promotion_selectors.template_stats(template)
    used = stats["used"]
    picks = Picks(staff)
    context = {
        "template": template,
        "scope": config_rows(template.scope or {}, scope_names(picks, template.scope or {}, staff)),
        "stats": stats,
        "use_rate": (used * 100 / template.issued) if template.issued else None,
        "triggers": [
            (t, CouponTrigger(t).label if t in CouponTrigger.values else t) for t in template.triggers or []
        ],
        "codes": page_of(request, codes, per_page=50),
        "codes_form": forms.get("codes_form") or CodesForm(),
        "issue_form": forms.get("issue_form") or IssueForm(picks=picks),
        "error": error,
    }
    status = error.status if error else 200
    return render_page(request, "console/marketing/coupon.html", context, module="marketing", status=status)


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def coupon_page(request: ConsoleRequest, template_id: int) -> HttpResponse:
    return _detail(request, template_id)


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def coupon_status(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """Pause, resume or end: the service keeps an ended coupon ended."""
    staff = request.staff
    template = _template(staff, template_id)
    try:
        status = cleaned(StatusForm(request.POST))["status"]
        svc.set_template_status(staff=staff, template_id=template.pk, status=status)
    except SiyuError as exc:
        return _detail(request, template_id, error=exc)
    messages.success(request, _("The coupon is now %(status)s.") % {"status": _status_label(status)})
    return redirect("console:coupon", template_id=template.pk)


def _status_label(status: str) -> str:
    return str(dict(TemplateStatus.choices).get(status, status))


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def coupon_codes(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """Generate codes: one shared code (given or generated), or N single-use codes."""
    staff = request.staff
    template = _template(staff, template_id)
    form = CodesForm(request.POST)
    try:
        data = cleaned(form)
        rows = svc.create_codes(
            staff=staff, template_id=template.pk, count=data["count"], code=data["code"] or ""
        )
    except SiyuError as exc:
        if form.is_valid():
            apply_refusal(form, exc)
        return _detail(request, template_id, error=exc, codes_form=form)
    messages.success(request, _("%(n)d codes were created.") % {"n": len(rows)})
    return redirect("console:coupon", template_id=template.pk)


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def coupon_issue(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """定向发券: one coupon to each picked customer, or to every member of a picked segment; all or
    nothing on the quantity left."""
    staff = request.staff
    template = _template(staff, template_id)
    form = IssueForm(request.POST, picks=Picks(staff))
    try:
        data = cleaned(form)
        if data["segment"]:
            result = audience.issue_coupon_to_segment(
                staff=staff,
                segment_id=data["segment"],
                template_id=template.pk,
                batch_key=data["batch_key"],
            )
        else:
            result = svc.issue_to_customers(
                staff=staff,
                template_id=template.pk,
                customer_ids=data["customers"],
                batch_key=data["batch_key"],
            )
    except SiyuError as exc:
        if form.is_valid():
            apply_refusal(form, exc)
        return _detail(request, template_id, error=exc, issue_form=form)
    text = _("%(issued)d coupons issued, %(replayed)d already issued in this batch, %(skipped)d skipped.")
    messages.success(
        request,
        text
        % {
            "issued": result["issued"],
            "replayed": result["replayed"],
            "skipped": len(result["skipped_customer_ids"]),
        },
    )
    return redirect("console:coupon", template_id=template.pk)


def scope_names(picks: Picks, scope: dict[str, Any], staff: Staff) -> dict[str, dict[int, str]]:
    """Words for the ids a scope names: products and SKUs by name (and spec, code), categories by name."""
    products = picks.cards("product", [*scope.get("product_ids", []), *scope.get("exclude_product_ids", [])])
    skus = picks.cards("sku", [*scope.get("sku_ids", []), *scope.get("exclude_sku_ids", [])])
    return {
        "product_id": {i: c.title for i, c in products.items()},
        "sku_id": {i: " ".join(p for p in (c.title, c.detail, c.code) if p) for i, c in skus.items()},
        "category_id": dict(category_choices(staff)) if scope.get("category_ids") else {},
    }
