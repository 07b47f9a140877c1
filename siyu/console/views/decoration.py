"""店铺装修: the shop's decorated pages, the section editor with its phone preview, publishing and
the version history, all through siyu/decoration/services.py.

Every change to a section saves the page's draft at once (one ``save_draft``), so the phone
preview, an iframe of the storefront showing the draft through a signed token, is always what
"Publish" would put live. With htmx the editor column is swapped in place and the preview
reloads (the ``decorationSaved`` event); without it each form posts and comes back to the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal, cleaned
from siyu.console.forms_decoration import (
    SECTION_LABELS,
    SOURCE_LABELS,
    AddSectionForm,
    MoveForm,
    NewPageForm,
    PageSettingsForm,
    SectionForm,
    apply_section_refusal,
    section_form,
)
from siyu.console.layout import render_page, wants_fragment
from siyu.core.errors import SiyuError
from siyu.decoration import preview, selectors
from siyu.decoration import services as svc
from siyu.decoration.errors import PageNotFound
from siyu.decoration.models import PageKind, ShopPage
from siyu.decoration.schema import ACTIVITY_LABELS, Section, dump_sections, new_section
from siyu.tenancy.permissions import Perm

MODULE = "decoration"


@require_GET
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def pages_page(request: ConsoleRequest) -> HttpResponse:
    """The shop's pages: the home page (or the offer to decorate it) and the custom pages."""
    rows = list(selectors.page_rows(merchant=request.staff.merchant_id))
    return _pages(request, rows, NewPageForm())


def _pages(
    request: ConsoleRequest, rows: list[ShopPage], form: NewPageForm, status: int = 200
) -> HttpResponse:
    context = {
        "rows": rows,
        "has_home": any(r.kind == PageKind.HOME for r in rows),
        "form": form,
    }
    return render_page(request, "console/decoration/pages.html", context, module=MODULE, status=status)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def page_create(request: ConsoleRequest) -> HttpResponse:
    """A custom page (title + address), or the home page (``kind=home``): then its editor."""
    staff = request.staff
    if request.POST.get("kind") == PageKind.HOME:
        created = svc.create_page(staff=staff, kind=PageKind.HOME, title=_("Home"))
        return redirect("console:decoration_page", page_id=created.pk)
    form = NewPageForm(request.POST)
    if form.is_valid():
        try:
            created = svc.create_page(staff=staff, kind=PageKind.CUSTOM, **form.cleaned_data)
        except SiyuError as exc:
            apply_refusal(form, exc)
        else:
            messages.success(request, _("The page %(title)s was created.") % {"title": created.title})
            return redirect("console:decoration_page", page_id=created.pk)
    rows = list(selectors.page_rows(merchant=staff.merchant_id))
    return _pages(request, rows, form, status=400)


def _page(request: ConsoleRequest, page_id: int) -> ShopPage:
    return selectors.get_page(merchant=request.staff.merchant_id, page_id=page_id)


def _editor(
    request: ConsoleRequest,
    page: ShopPage,
    *,
    bound: SectionForm | None = None,
    open_id: str = "",
    settings_form: PageSettingsForm | None = None,
    error: SiyuError | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = request.staff
    editing = selectors.editing(page=page)
    targets = selectors.link_targets(merchant=staff.merchant, now=timezone.now())
    items = []
    for section in editing.sections:
        form = (
            bound if bound is not None and bound.section.id == section.id else section_form(section, targets)
        )
        items.append(
            {
                "section": section,
                "form": form,
                "label": SECTION_LABELS[section.kind],
                "summary": summary(section),
            }
        )
    token = preview.make_token(merchant_id=staff.merchant_id, page_id=page.pk)
    shop_path = (
        reverse("storefront:home", args=[staff.merchant.slug])
        if page.kind == PageKind.HOME
        else reverse("storefront:page", args=[staff.merchant.slug, page.slug])
    )
    context: dict[str, Any] = {
        "page": page,
        "editing": editing,
        "items": items,
        "open_id": open_id,
        "add_form": AddSectionForm(),
        "section_labels": SECTION_LABELS,
        "settings_form": settings_form or PageSettingsForm(initial={"title": page.title, "slug": page.slug}),
        "preview_url": reverse("storefront:page_preview", args=[staff.merchant.slug]) + f"?token={token}",
        "shop_path": shop_path,
        "error": error,
    }
    template = (
        "console/decoration/_editor.html" if wants_fragment(request) else "console/decoration/editor.html"
    )
    response = render_page(request, template, context, module=MODULE, status=status)
    if status == 200 and request.method == "POST":
        response["HX-Trigger"] = "decorationSaved"
    return response


def summary(section: Any) -> str:
    """One line about a section for the editor's list: what it shows, in the page's language."""
    kind = section.kind
    if kind == "banner":
        return _("Slides: %(n)d") % {"n": len(section.slides)} if section.slides else _("No slides yet")
    if kind == "products":
        source = str(SOURCE_LABELS[section.source])
        if section.source == "role" and section.role:
            from siyu.catalog.models import ProductRole

            source = str(ProductRole(section.role).label)
        elif section.source == "manual":
            source = _("%(n)d picked") % {"n": len(section.product_ids)}
        return _("%(source)s · up to %(limit)d · %(columns)d columns") % {
            "source": source,
            "limit": section.limit,
            "columns": section.columns,
        }
    if kind == "coupons":
        return (
            _("%(n)d chosen") % {"n": len(section.template_ids)}
            if section.template_ids
            else _("Newest claimable")
        )
    if kind == "activities":
        if section.kinds:
            return " · ".join(str(ACTIVITY_LABELS[k]) for k in section.kinds)
        return _("Every running activity")
    if kind == "notice":
        return section.text or _("Empty")
    if kind == "image":
        return section.alt or (_("Image set") if section.image else _("No image yet"))
    return _("%(n)d characters") % {"n": len(section.html)} if section.html else _("Empty")


@require_GET
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def editor_page(request: ConsoleRequest, page_id: int) -> HttpResponse:
    return _editor(request, _page(request, page_id))


def _saved(request: ConsoleRequest, page: ShopPage, open_id: str = "") -> HttpResponse:
    if wants_fragment(request):
        return _editor(request, page, open_id=open_id)
    url = reverse("console:decoration_page", args=[page.pk])
    return redirect(f"{url}#s-{open_id}" if open_id else url)


def _change(
    request: ConsoleRequest, page_id: int, change: Callable[[list[Section]], list[Section]], open_id: str = ""
) -> HttpResponse:
    """Apply ``change`` to the draft's sections and save: a refusal shows on the editor, changing nothing."""
    page = _page(request, page_id)
    sections = change(list(selectors.editing(page=page).sections))
    try:
        svc.save_draft(staff=request.staff, page_id=page.pk, sections=dump_sections(sections))
    except SiyuError as exc:
        return _editor(request, page, error=exc, status=exc.status)
    return _saved(request, page, open_id)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def section_add(request: ConsoleRequest, page_id: int) -> HttpResponse:
    kind = cleaned(AddSectionForm(request.POST))["kind"]
    added: list[str] = []

    def add(sections: list[Section]) -> list[Section]:
        section = new_section(kind, {s.id for s in sections})
        added.append(section.id)
        return [*sections, section]

    page = _page(request, page_id)
    sections = add(list(selectors.editing(page=page).sections))
    try:
        svc.save_draft(staff=request.staff, page_id=page.pk, sections=dump_sections(sections))
    except SiyuError as exc:
        return _editor(request, page, error=exc, status=exc.status)
    return _saved(request, page, added[0])


def _find(sections: list[Section], section_id: str, page_id: int) -> int:
    for index, section in enumerate(sections):
        if section.id == section_id:
            return index
    raise PageNotFound(detail={"page_id": page_id, "section_id": section_id})


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def section_save(request: ConsoleRequest, page_id: int, section_id: str) -> HttpResponse:
    """Save one section's form into the draft; form errors and refusals show on that form (400)."""
    staff = request.staff
    page = _page(request, page_id)
    sections = list(selectors.editing(page=page).sections)
    index = _find(sections, section_id, page.pk)
    targets = selectors.link_targets(merchant=staff.merchant, now=timezone.now())
    form = section_form(sections[index], targets, request.POST)
    if form.is_valid():
        data = {**form.section_data(), "id": section_id}
        if form.is_valid():  # section_data may add errors (a slide without an image)
            raw = dump_sections(sections)
            raw[index] = data
            try:
                svc.save_draft(staff=staff, page_id=page.pk, sections=raw)
            except SiyuError as exc:
                apply_section_refusal(form, exc)
                return _editor(request, page, bound=form, open_id=section_id, error=exc, status=exc.status)
            return _saved(request, page, section_id)
    return _editor(request, page, bound=form, open_id=section_id, status=400)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def section_move(request: ConsoleRequest, page_id: int, section_id: str) -> HttpResponse:
    direction = cleaned(MoveForm(request.POST))["direction"]

    def move(sections: list[Section]) -> list[Section]:
        i = _find(sections, section_id, page_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(sections):
            sections[i], sections[j] = sections[j], sections[i]
        return sections

    return _change(request, page_id, move)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def section_remove(request: ConsoleRequest, page_id: int, section_id: str) -> HttpResponse:
    def remove(sections: list[Section]) -> list[Section]:
        i = _find(sections, section_id, page_id)
        return sections[:i] + sections[i + 1 :]

    return _change(request, page_id, remove)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def page_settings(request: ConsoleRequest, page_id: int) -> HttpResponse:
    page = _page(request, page_id)
    form = PageSettingsForm(request.POST)
    if form.is_valid():
        try:
            svc.update_page(
                staff=request.staff,
                page_id=page.pk,
                title=form.cleaned_data["title"],
                slug=form.cleaned_data["slug"] if page.kind == PageKind.CUSTOM else None,
            )
        except SiyuError as exc:
            apply_refusal(form, exc)
            return _editor(request, page, settings_form=form, error=exc, status=exc.status)
        messages.success(request, _("The page was saved."))
        return redirect("console:decoration_page", page_id=page.pk)
    return _editor(request, page, settings_form=form, status=400)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def page_publish(request: ConsoleRequest, page_id: int) -> HttpResponse:
    page = _page(request, page_id)
    try:
        version = svc.publish_page(staff=request.staff, page_id=page.pk)
    except SiyuError as exc:
        return _editor(request, page, error=exc, status=exc.status)
    messages.success(request, _("Version %(n)d is live.") % {"n": version.number})
    return redirect("console:decoration_page", page_id=page.pk)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def page_discard(request: ConsoleRequest, page_id: int) -> HttpResponse:
    page = _page(request, page_id)
    try:
        svc.discard_draft(staff=request.staff, page_id=page.pk)
    except SiyuError as exc:
        return _editor(request, page, error=exc, status=exc.status)
    messages.success(request, _("The unpublished changes were discarded."))
    return redirect("console:decoration_page", page_id=page.pk)


@require_GET
@console_view(Perm.CATALOG_VIEW, module=MODULE)
def versions_page(request: ConsoleRequest, page_id: int) -> HttpResponse:
    page = _page(request, page_id)
    return _versions(request, page)


def _versions(request: ConsoleRequest, page: ShopPage, error: SiyuError | None = None) -> HttpResponse:
    rows = selectors.versions(page=page)
    for row in rows:
        row.kinds = [SECTION_LABELS.get(s.get("kind"), "?") for s in row.sections]  # type: ignore[attr-defined]
    context = {"page": page, "rows": rows, "has_draft": selectors.editing(page=page).is_draft, "error": error}
    status = error.status if error else 200
    return render_page(request, "console/decoration/versions.html", context, module=MODULE, status=status)


@require_POST
@console_view(Perm.STOREFRONT_EDIT, module=MODULE)
def version_rollback(request: ConsoleRequest, page_id: int, number: int) -> HttpResponse:
    page = _page(request, page_id)
    try:
        version = svc.rollback_page(staff=request.staff, page_id=page.pk, number=number)
    except SiyuError as exc:
        return _versions(request, page, error=exc)
    messages.success(
        request, _("Version %(old)d is live again, as version %(n)d.") % {"old": number, "n": version.number}
    )
    return redirect("console:decoration_versions", page_id=page.pk)
