"""营销 · 活动: every playbook's activities (秒杀, 拼团, 砍价, 预售, 助力, 瓜分, 抽奖, 盲盒) with their
status and numbers, a create form per playbook, and the status actions, through each playbook app's services.

The URLs are one set per playbook (``/console/marketing/flash-sales/`` ...); ``playbook`` comes from
the URL pattern, never from the request.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, can, console_view
from siyu.console.forms import _blank, apply_refusal, cleaned
from siyu.console.forms_activities import ActivityForm
from siyu.console.forms_pickers import Picks
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.playbooks import PLAYBOOKS, Playbook, stat_rows
from siyu.console.readable import label as value_label
from siyu.core.errors import NotFound, SiyuError
from siyu.tenancy.permissions import Perm


def _statuses(playbook: Playbook) -> list[tuple[str, Any]]:
    field = playbook.rows(0).model._meta.get_field("status")
    return list(field.choices or [])


def _filter_form(playbook: Playbook, data: Any) -> Any:
    from django import forms

    class ActivityFilterForm(forms.Form):
        q = forms.CharField(max_length=64, required=False)
        status = forms.ChoiceField(choices=_blank(_statuses(playbook)), required=False)

    return ActivityFilterForm(data)


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def activities_page(request: ConsoleRequest) -> HttpResponse:
    """Every playbook with how many of its activities run, are paused, ended: one query each."""
    from django.db.models import Count

    staff = request.staff
    rows = []
    for playbook in PLAYBOOKS.values():
        model = playbook.rows(staff.merchant_id).model
        qs = model.objects.for_merchant(staff.merchant_id)
        if playbook.key in ("lottery", "blind_box"):
            qs = qs.filter(kind="pay_lottery" if playbook.key == "lottery" else "blind_box")
        counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        labels = dict(model._meta.get_field("status").choices or [])
        rows.append(
            (playbook, sum(counts.values()), [(s, labels.get(s, s), n) for s, n in sorted(counts.items())])
        )
    return render_page(request, "console/marketing/activities.html", {"rows": rows}, module="marketing")


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def activity_list_page(request: ConsoleRequest, playbook: str) -> HttpResponse:
    """One playbook's activities, newest first, each with participants, orders, GMV and discount cost."""
    staff = request.staff
    book = PLAYBOOKS[playbook]
    form = _filter_form(book, request.GET)
    data = cleaned(form)
    qs = book.rows(staff.merchant_id)
    if data["q"].strip():
        qs = qs.filter(**{f"{book.title_field}__icontains": data["q"].strip()})
    if data["status"]:
        qs = qs.filter(status=data["status"])
    context = {
        "book": book,
        "form": form,
        "statuses": _statuses(book),
        "page": page_of(request, qs.order_by("-pk")),
        "swap": True,
    }
    template = (
        "console/marketing/_activities_table.html"
        if wants_fragment(request)
        else "console/marketing/activity_list.html"
    )
    return render_page(request, template, context, module="marketing")


def _row(book: Playbook, merchant_id: int, activity_id: int) -> Any:
    row = book.rows(merchant_id).filter(pk=activity_id).first()
    if row is None:
        raise NotFound(detail={f"{book.key}_id": activity_id})
    return row


def _facts(book: Playbook, row: Any) -> list[tuple[Any, Any, str]]:
    facts = []
    for fact in book.facts:
        value: Any = row
        for part in fact.path.split("."):
            value = getattr(value, part, None) if value is not None else None
        if isinstance(value, str) and not fact.fmt:
            value = value_label(value)  # a stored choice (reward kinds...) as a word
        facts.append((fact.label, value, fact.fmt))
    return facts


def _detail(
    request: ConsoleRequest, book: Playbook, activity_id: int, *, error: SiyuError | None = None
) -> HttpResponse:
    staff = request.staff
    row = _row(book, staff.merchant_id, activity_id)
    stats = book.stats(row)
    context = {
        "book": book,
        "row": row,
        "title": book.title(row),
        "facts": _facts(book, row),
        "stats": stat_rows(stats),
        "items": stats.extra.get("items") or [],
        "prizes": stats.extra.get("prizes") or [],
        "actions": book.actions_for(row) if can(staff, Perm.PROMOTIONS_EDIT) else [],
        "error": error,
    }
    status = error.status if error else 200
    return render_page(request, "console/marketing/activity.html", context, module="marketing", status=status)


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def activity_page(request: ConsoleRequest, playbook: str, activity_id: int) -> HttpResponse:
    return _detail(request, PLAYBOOKS[playbook], activity_id)


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def activity_action(request: ConsoleRequest, playbook: str, activity_id: int, action: str) -> HttpResponse:
    """Publish, pause, resume, end (or cancel a presale) through the playbook's own service."""
    staff = request.staff
    book = PLAYBOOKS[playbook]
    row = _row(book, staff.merchant_id, activity_id)
    if action not in book.actions:
        raise NotFound(detail={"action": action})
    try:
        book.act(action, staff, row.pk)
    except SiyuError as exc:
        return _detail(request, book, activity_id, error=exc)
    messages.success(
        request, _("%(title)s: done (%(action)s).") % {"title": book.title(row), "action": action}
    )
    return redirect(f"console:{book.key}", activity_id=row.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module="marketing")
def activity_create(request: ConsoleRequest, playbook: str) -> HttpResponse:
    staff = request.staff
    book = PLAYBOOKS[playbook]
    form: ActivityForm = book.form(request.POST if request.method == "POST" else None, picks=Picks(staff))
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = form.create(staff)
        except SiyuError as exc:
            error = exc
            apply_refusal(form, exc)
        else:
            messages.success(request, _("%(title)s was created.") % {"title": book.title(created)})
            return redirect(f"console:{book.key}", activity_id=created.pk)
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"book": book, "form": form, "error": error}
    return render_page(
        request, "console/marketing/activity_form.html", context, module="marketing", status=status
    )
