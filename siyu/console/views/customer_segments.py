"""客户 · 人群: saved segments (list, builder with a live count, detail with members, CSV export,
snapshot, coupon hand-off), all through siyu/audience/services/segments.py and export.py.

The builder (static/console/segment-builder.js) writes the JSON rule into the form's ``rule`` field;
the live count is an htmx POST of that field to ``segment_preview``, which asks ``preview_rule``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.audience import selectors as audience_selectors
from siyu.audience import services as audience
from siyu.audience.errors import DuplicateName, InvalidRule
from siyu.audience.models import Segment
from siyu.audience.rules import spec
from siyu.console.access import ConsoleRequest, can, console_view
from siyu.console.forms import cleaned
from siyu.console.layout import render_page
from siyu.console.paging import page_of
from siyu.console.rule_sentences import rule_sentence
from siyu.console.selectors import customer_data as data
from siyu.console.views.customer_forms import (
    RuleForm,
    SegmentEditForm,
    SegmentForm,
    SegmentIssueForm,
    parse_rule_text,
)
from siyu.core.errors import SiyuError
from siyu.members.scope import customers_visible_to
from siyu.promotions.errors import CouponQuantityShort
from siyu.tenancy.permissions import Perm

EXAMPLE_RULE = '{"all": []}'


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def segment_list_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    context = {"page": page_of(request, data.segments(staff.merchant_id))}
    return render_page(request, "console/customers/segments.html", context, module="customers")


def _builder_page(
    request: ConsoleRequest,
    form: SegmentForm,
    *,
    segment: Segment | None = None,
    error: SiyuError | None = None,
) -> HttpResponse:
    staff = request.staff
    rule_text = form["rule"].value() or EXAMPLE_RULE
    context = {
        "form": form,
        "segment": segment,
        "rule_text": rule_text,
        "options": data.builder_options(staff.merchant_id),
        "error": error,
        "error_path": (error.detail or {}).get("path", "") if error else "",
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(
        request, "console/customers/segment_builder.html", context, module="customers", status=status
    )


@require_http_methods(["GET", "POST"])
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def segment_create(request: ConsoleRequest) -> HttpResponse:
    """The segment builder: conditions (or JSON), a live count, then save as dynamic or static."""
    staff = request.staff
    form = SegmentForm(request.POST if request.method == "POST" else None, initial=_starting_rule(request))
    if request.method == "GET" or not form.is_valid():
        return _builder_page(request, form)
    try:
        segment = audience.create_segment(staff=staff, **form.cleaned_data)
    except SiyuError as exc:
        _refuse(form, exc)
        return _builder_page(request, form, error=exc)
    messages.success(
        request,
        _("The segment %(name)s was saved with %(n)d customers.")
        % {"name": segment.name, "n": segment.member_count},
    )
    return redirect("console:segment", segment_id=segment.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def segment_edit(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    """Rename a segment or (dynamic only) change its rule; a static segment keeps its members."""
    staff = request.staff
    segment = audience_selectors.get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    initial = {"name": segment.name, "description": segment.description, "rule": _json(segment.rule)}
    form = SegmentEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "GET" or not form.is_valid():
        return _builder_page(request, form, segment=segment)
    try:
        audience.update_segment(staff=staff, segment_id=segment.pk, **form.cleaned_data)
    except SiyuError as exc:
        _refuse(form, exc)
        return _builder_page(request, form, segment=segment, error=exc)
    messages.success(request, _("The segment %(name)s was saved.") % {"name": form.cleaned_data["name"]})
    return redirect("console:segment", segment_id=segment.pk)


def _starting_rule(request: ConsoleRequest) -> dict[str, str]:
    """A builder opened from a distribution (``?rfm_class=important_value``) starts with that class;
    one opened from a WeCom group (``?wecom_group=7``) with its members."""
    for key in ("rfm_class", "lifecycle_stage", "value_tier"):
        value = request.GET.get(key, "")
        if value in spec.FIELDS[key].choices:
            return {"rule": _json({"all": [{key: [value]}]})}
    group = request.GET.get("wecom_group", "")  # from a WeCom group's page: its members
    if group.isdigit() and len(group) < 19:
        return {"rule": _json({"all": [{"wecom_group": int(group)}]})}
    return {}


def _refuse(form: SegmentForm, exc: SiyuError) -> None:
    """Put a service's refusal on the field it is about (the rule, the name) or on the whole form."""
    if isinstance(exc, InvalidRule):
        form.add_error("rule", str(exc.text))
    elif isinstance(exc, DuplicateName):
        form.add_error("name", str(exc.text))
    else:
        form.add_error(None, str(exc.text))


def _json(rule: Any) -> str:
    import json

    return json.dumps(rule, ensure_ascii=False, indent=2)


@require_POST
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def segment_preview(request: ConsoleRequest) -> HttpResponse:
    """The live count: how many customers the posted rule matches now and the newest ten, or the
    rule's first problem with its JSON path (400). Nothing is saved."""
    staff = request.staff
    context: dict[str, Any] = {}
    status = 200
    try:
        text = cleaned(RuleForm(request.POST))["rule"]
        try:
            rule = parse_rule_text(text)
        except ValueError as exc:
            raise InvalidRule(
                _("The rule is not valid JSON: %(reason)s") % {"reason": exc},
                detail={"path": "rule", "reason": "not_json"},
            ) from exc
        result = audience.preview_rule(staff=staff, rule=rule)
        for row in result["sample"]:  # masked for every role (docs/guides.md)
            row["phone"] = audience.mask_phone(row["phone"])
        context = {"count": result["count"], "sample": result["sample"]}
    except SiyuError as exc:
        context = {"error": exc, "path": (exc.detail or {}).get("path", "")}
        status = exc.status
    return render_page(
        request, "console/customers/segment_preview.html", context, module="customers", status=status
    )


def _detail(
    request: ConsoleRequest, segment_id: int, *, error: SiyuError | None = None, **forms: Any
) -> HttpResponse:
    staff = request.staff
    segment = audience_selectors.get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    # A guide sees their own customers among the members; phones masked for every role.
    members = page_of(request, customers_visible_to(staff, audience_selectors.segment_customers(segment)))
    rows = [(c, audience.mask_phone(c.phone)) for c in members.object_list]
    issue_form = forms.get("issue_form")
    if issue_form is None and can(staff, Perm.PROMOTIONS_EDIT):
        issue_form = SegmentIssueForm(
            initial={"batch_key": secrets.token_hex(8)},
            templates=data.coupon_template_choices(staff.merchant_id),
        )
    context = {
        "segment": segment,
        "rule_text": _json(segment.rule),
        "rule_sentence": rule_sentence(staff.merchant_id, segment.rule),
        "page": members,
        "rows": rows,
        "issue_form": issue_form,
        "partial_offer": forms.get("partial_offer"),
        "error": error,
    }
    status = error.status if error else 200
    return render_page(
        request, "console/customers/segment_detail.html", context, module="customers", status=status
    )


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def segment_page(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    """A segment and its members now (dynamic: the rule evaluated now), 20 a page."""
    return _detail(request, segment_id)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def segment_export(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    """The members as CSV, streamed (full phones only for ``customers.view_phone``); audited."""
    staff = request.staff
    segment = audience.start_export(staff=staff, segment_id=segment_id)
    response = StreamingHttpResponse(
        audience.csv_lines(staff=staff, segment=segment), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
    return response  # type: ignore[return-value]  # streamed: console_view passes any response through


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def segment_snapshot(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    """Freeze who is in the segment now as a new static segment."""
    staff = request.staff
    try:
        snapshot = audience.snapshot_segment(staff=staff, segment_id=segment_id)
    except SiyuError as exc:
        if exc.status == 404:
            raise
        return _detail(request, segment_id, error=exc)
    messages.success(
        request,
        _("The snapshot %(name)s holds %(n)d customers.")
        % {"name": snapshot.name, "n": snapshot.member_count},
    )
    return redirect("console:segment", segment_id=snapshot.pk)


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def segment_delete(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    try:
        audience.delete_segment(staff=request.staff, segment_id=segment_id)
    except SiyuError as exc:
        if exc.status == 404:
            raise
        return _detail(request, segment_id, error=exc)
    messages.success(request, _("The segment was deleted."))
    return redirect("console:segments")


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="customers")
def segment_issue(request: ConsoleRequest, segment_id: int) -> HttpResponse:
    """定向发券: one coupon of the chosen template to every member of the segment, all or nothing;
    when too few are left, the page offers the first N members instead (or cancel)."""
    staff = request.staff
    segment = audience_selectors.get_segment(merchant_id=staff.merchant_id, segment_id=segment_id)
    form = SegmentIssueForm(request.POST, templates=data.coupon_template_choices(staff.merchant_id))
    try:
        fields = cleaned(form)
        result = audience.issue_coupon_to_segment(
            staff=staff,
            segment_id=segment.pk,
            template_id=fields["template_id"],
            batch_key=fields["batch_key"],
            first_n=fields["first_n"],
        )
    except CouponQuantityShort as exc:
        # Nothing was issued. Offer the deliberate choice: the first N members (by customer id) in
        # the same batch, so pressing it twice still issues once; or cancel.
        offer = {**exc.detail, "template_id": fields["template_id"], "batch_key": fields["batch_key"]}
        return _detail(request, segment.pk, error=exc, issue_form=form, partial_offer=offer)
    except SiyuError as exc:
        if exc.status == 404:
            raise
        return _detail(request, segment.pk, error=exc, issue_form=form)
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
    return redirect("console:segment", segment_id=segment.pk)
