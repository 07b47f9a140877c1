"""客户 · 标签 and the customer data on the customer pages: tag groups and tags (with how many carry
each), tag rules run by hand, bulk tagging from the customer list, a customer's value model, tags,
membership and coupons, and the value-model distributions. Every write is an audience service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.audience import profile
from siyu.audience import services as audience
from siyu.audience.errors import InvalidRule
from siyu.audience.models import GuideNote, NoteKind
from siyu.audience.services.tags import MAX_BULK_IDS
from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import cleaned
from siyu.console.layout import render_page, wants_fragment
from siyu.console.rule_sentences import rule_sentences
from siyu.console.selectors import customer_data as data
from siyu.console.selectors.customers import CustomerFilters, customer_list
from siyu.console.views.customer_forms import (
    BulkTagForm,
    CustomerListForm,
    RenameForm,
    TagForm,
    TagGroupForm,
    TagPickForm,
    TagRuleForm,
)
from siyu.console.views.customers import customer_list_response
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm

# ---- 标签: groups, tags, rules -----------------------------------------------------------------------


def _tags_page(
    request: ConsoleRequest, *, error: SiyuError | None = None, status: int = 200, **forms: Any
) -> HttpResponse:
    staff = request.staff
    groups = data.tag_groups_with_counts(staff.merchant_id)
    group_choices = [(row.group.pk, row.group.name) for row in groups]
    rules = data.tag_rules(staff.merchant_id)
    for rule, sentence in zip(rules, rule_sentences(staff.merchant_id, [r.rule for r in rules]), strict=True):
        rule.sentence = sentence  # type: ignore[attr-defined]  # shown in place of the JSON
    context = {
        "groups": groups,
        "rules": rules,
        "group_form": forms.get("group_form") or TagGroupForm(),
        "tag_form": forms.get("tag_form") or TagForm(groups=group_choices),
        "rule_form": forms.get("rule_form") or TagRuleForm(tags=_ruleless_tags(groups)),
        "error": error,
    }
    return render_page(request, "console/customers/tags.html", context, module="customers", status=status)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def tags_page(request: ConsoleRequest) -> HttpResponse:
    # The eight default families are made the first time a merchant looks (as the admin API does).
    audience.seed_default_tag_groups(merchant_id=request.staff.merchant_id)
    return _tags_page(request)


def _done(request: ConsoleRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("console:customer_tags")


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_group_create(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = TagGroupForm(request.POST)
    try:
        fields = cleaned(form)
        group = audience.create_tag_group(staff=staff, kind=fields["kind"], name=fields["name"])
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status, group_form=form)
    return _done(request, _("The tag group %(name)s was created.") % {"name": group.name})


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_group_rename(request: ConsoleRequest, group_id: int) -> HttpResponse:
    staff = request.staff
    try:
        name = cleaned(RenameForm(request.POST))["name"]
        group = audience.update_tag_group(staff=staff, group_id=group_id, name=name)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    return _done(request, _("The tag group is now called %(name)s.") % {"name": group.name})


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_group_delete(request: ConsoleRequest, group_id: int) -> HttpResponse:
    try:
        audience.delete_tag_group(staff=request.staff, group_id=group_id)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    return _done(request, _("The tag group was deleted."))


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_create(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    groups = [(row.group.pk, row.group.name) for row in data.tag_groups_with_counts(staff.merchant_id)]
    form = TagForm(request.POST, groups=groups)
    try:
        fields = cleaned(form)
        tag = audience.create_tag(staff=staff, **fields)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status, tag_form=form)
    return _done(request, _("The tag %(name)s was created.") % {"name": tag.name})


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_rename(request: ConsoleRequest, tag_id: int) -> HttpResponse:
    staff = request.staff
    try:
        name = cleaned(RenameForm(request.POST))["name"]
        tag = audience.update_tag(staff=staff, tag_id=tag_id, name=name)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    return _done(request, _("The tag is now called %(name)s.") % {"name": tag.name})


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_delete(request: ConsoleRequest, tag_id: int) -> HttpResponse:
    try:
        audience.delete_tag(staff=request.staff, tag_id=tag_id)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    return _done(request, _("The tag was deleted."))


def _ruleless_tags(groups: list[data.GroupRow]) -> list[tuple[int, str]]:
    """Tags a new automatic rule may set: those without one yet."""
    return [
        (t.pk, f"{row.group.name} / {t.name}")
        for row in groups
        for t in row.tags
        if not t.automatic  # type: ignore[attr-defined]
    ]


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_rule_create(request: ConsoleRequest) -> HttpResponse:
    """A new automatic rule; it runs with the next periodic job, or now with "run now"."""
    staff = request.staff
    form = TagRuleForm(request.POST, tags=_ruleless_tags(data.tag_groups_with_counts(staff.merchant_id)))
    try:
        fields = cleaned(form)
        audience.create_tag_rule(staff=staff, tag_id=fields["tag_id"], rule=fields["rule"])
    except SiyuError as exc:
        if form.is_bound and not form.errors and isinstance(exc, InvalidRule):
            form.add_error("rule", str(exc.text))
        return _tags_page(request, error=exc, status=exc.status, rule_form=form)
    return _done(request, _("The automatic rule was created; run it to tag its customers now."))


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_rule_delete(request: ConsoleRequest, rule_id: int) -> HttpResponse:
    """Delete a rule and the tags it set (nothing keeps them true any more)."""
    try:
        removed = audience.delete_tag_rule(staff=request.staff, rule_id=rule_id)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    return _done(request, _("The rule was deleted and its tag taken off %(n)d customers.") % {"n": removed})


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def tag_rule_run(request: ConsoleRequest, rule_id: int) -> HttpResponse:
    """Run one automatic tag rule now, for every customer of the merchant (even while it is paused)."""
    try:
        result = audience.run_tag_rule(staff=request.staff, rule_id=rule_id)
    except SiyuError as exc:
        return _tags_page(request, error=exc, status=exc.status)
    text = _("The rule ran: %(added)d customers tagged, %(removed)d untagged, %(matched)d carry the tag.")
    return _done(request, text % result)


# ---- the customer list: tag filter options and bulk tagging -----------------------------------------


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def tag_options(request: ConsoleRequest) -> HttpResponse:
    """The ``<option>``s of a tag picker, loaded into the customer list's selects after the page.

    ``?manual=1`` leaves out automatic tags (for tagging by hand); ``?selected=`` marks one.
    """
    staff = request.staff
    selected = request.GET.get("selected", "")
    context = {
        "options": data.tag_options(staff.merchant_id, manual_only=request.GET.get("manual") == "1"),
        "selected": int(selected) if selected.isdigit() else None,
        "blank": _("Choose a tag") if request.GET.get("manual") == "1" else _("All"),
    }
    return render_page(request, "console/customers/tags_options.html", context, module="customers")


def _list_url(filter_query: str) -> str:
    url = reverse("console:customers")
    return f"{url}?{filter_query}" if filter_query else url


def _filtered_ids(staff: Staff, filter_query: str) -> list[int]:
    """Ids of every customer the list's filter finds (ids only, bounded like the service's bulk)."""
    form = CustomerListForm(QueryDict(filter_query))
    fields = cleaned(form)
    qs = customer_list(staff, CustomerFilters(**fields))
    ids = list(qs.values_list("pk", flat=True)[: MAX_BULK_IDS + 1])
    if len(ids) > MAX_BULK_IDS:
        raise InvalidInput(detail={"customer_ids": f"the filter finds more than {MAX_BULK_IDS} customers"})
    if not ids:
        raise InvalidInput(detail={"customer_ids": "the filter finds no customers"})
    return ids


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def bulk_tag(request: ConsoleRequest) -> HttpResponse:
    """Add or remove a tag on the ticked customers, or on every customer the current filter finds:
    one audience service call (one statement and one audit row), all or nothing."""
    staff = request.staff
    form = BulkTagForm(request.POST)
    filter_query = request.POST.get("filter", "")[:1000]
    try:
        fields = cleaned(form)
        ids = fields["customer_ids"] if fields["scope"] == "selected" else _filtered_ids(staff, filter_query)
        if fields["action"] == "add":
            n = audience.tag_customers(staff=staff, tag_id=fields["tag_id"], customer_ids=ids)["added"]
            text = _("The tag was added to %(n)d customers.") % {"n": n}
        else:
            n = audience.untag_customers(staff=staff, tag_id=fields["tag_id"], customer_ids=ids)["removed"]
            text = _("The tag was removed from %(n)d customers.") % {"n": n}
    except SiyuError as exc:
        return customer_list_response(request, QueryDict(filter_query), error=exc, status=exc.status)
    messages.success(request, text)
    return redirect(_list_url(filter_query))


# ---- the customer 360 page's customer data -----------------------------------------------------------


def _panel(request: ConsoleRequest, customer_id: int, *, error: SiyuError | None = None) -> HttpResponse:
    staff = request.staff
    view = data.customer_data(staff, customer_id)
    if view is None:
        raise NotFound(detail={"customer_id": customer_id})
    notes = list(
        GuideNote.objects.for_merchant(staff.merchant_id)
        .filter(customer_id=customer_id)
        .select_related("staff")
        .order_by("-id")[: profile.RECENT_NOTES]
    )
    context = {"data": view, "error": error, "notes": notes, "note_kinds": NoteKind.choices}
    status = error.status if error else 200
    return render_page(request, "console/customers/_data.html", context, module="customers", status=status)


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def customer_note_add(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """A guide records a 1:1 consultation; back to the customer page (the note shows in its panel)."""
    staff = request.staff
    try:
        profile.add_note(
            staff=staff,
            customer_id=customer_id,
            body=request.POST.get("body", ""),
            kind=request.POST.get("kind", NoteKind.CONSULTATION),
        )
    except NotFound:
        raise
    except SiyuError as exc:
        messages.error(request, str(exc.text))
    else:
        messages.success(request, _("Note saved."))
    return redirect("console:customer", customer_id=customer_id)


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def customer_data_panel(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """The value model, tags, membership and coupons of one customer (loaded into the 360 page)."""
    return _panel(request, customer_id)


def _customer_tags(
    request: ConsoleRequest, customer_id: int, *, error: SiyuError | None = None
) -> HttpResponse:
    staff = request.staff
    found = data.customer_tag_rows(staff, customer_id)
    if found is None:
        raise NotFound(detail={"customer_id": customer_id})
    if not wants_fragment(request):  # a plain form post (no script): back to the customer page
        if error is not None:
            messages.error(request, str(error.text))
        return redirect("console:customer", customer_id=customer_id)
    context = {"data": {"customer": found[0], "tags": found[1]}, "error": error}
    status = error.status if error else 200
    return render_page(
        request, "console/customers/_customer_tags.html", context, module="customers", status=status
    )


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def customer_tag_add(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """Tag one customer by hand (htmx swaps the tag list in place)."""
    staff = request.staff
    try:
        tag_id = cleaned(TagPickForm(request.POST))["tag_id"]
        audience.tag_customers(staff=staff, tag_id=tag_id, customer_ids=[customer_id])
    except NotFound:
        raise
    except SiyuError as exc:
        return _customer_tags(request, customer_id, error=exc)
    return _customer_tags(request, customer_id)


@require_POST
@console_view(Perm.CUSTOMERS_EDIT, module="customers")
def customer_tag_remove(request: ConsoleRequest, customer_id: int, tag_id: int) -> HttpResponse:
    staff = request.staff
    try:
        audience.untag_customers(staff=staff, tag_id=tag_id, customer_ids=[customer_id])
    except NotFound:
        raise
    except SiyuError as exc:
        return _customer_tags(request, customer_id, error=exc)
    return _customer_tags(request, customer_id)


# ---- 价值模型: distributions ----------------------------------------------------------------------------


@require_GET
@console_view(Perm.CUSTOMERS_VIEW, module="customers")
def values_page(request: ConsoleRequest) -> HttpResponse:
    """Customers per RFM class, lifecycle stage, value tier and ladder rung, with bar charts."""
    staff = request.staff
    dist = data.value_distribution(staff.merchant_id)
    charts = {
        "rfm": _bars(dist["rfm_classes"]),
        "lifecycle": _bars(dist["lifecycle_stages"]),
        "tier": _bars(dist["value_tiers"]),
        "rung": {
            "labels": [str(r["rung"]) if r["rung"] < 3 else "3+" for r in dist["loyalty_rungs"]],
            "values": [r["customers"] for r in dist["loyalty_rungs"]],
        },
    }
    context = {"dist": dist, "charts": charts}
    return render_page(request, "console/customers/values.html", context, module="customers")


def _bars(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {"labels": [r["label"] for r in rows], "values": [r["customers"] for r in rows]}
