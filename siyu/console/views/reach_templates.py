"""触达 · 消息模板: templates by channel; a form whose fields are the channel's own (subscribe message
data, SMS parameters, an email's subject and body...); the channel's refusals shown on the field;
a preview for a real customer drawn as their phone would show it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import cleaned
from siyu.console.forms_pickers import Picks
from siyu.console.forms_reach import TEMPLATE_SHAPES, PreviewForm, TemplateForm, place_refusal
from siyu.console.layout import render_page, wants_fragment
from siyu.console.paging import page_of
from siyu.console.selectors import reach as sel
from siyu.core.errors import NotFound, SiyuError
from siyu.members.models import Channel
from siyu.reach import services as reach
from siyu.reach.models import MessageTemplate
from siyu.reach.render import VARIABLES
from siyu.tenancy.permissions import Perm


def _template(request: ConsoleRequest, template_id: int) -> MessageTemplate:
    template = MessageTemplate.objects.for_merchant(request.staff.merchant_id).filter(pk=template_id).first()
    if template is None:
        raise NotFound(detail={"template_id": template_id})
    return template


def _variables() -> list[tuple[str, str]]:
    return [(name, str(text)) for name, text in VARIABLES.items()]


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def templates_page(request: ConsoleRequest) -> HttpResponse:
    """Templates, grouped by channel (a channel tab filters), archived ones on request."""
    channel = request.GET.get("channel", "")
    if channel and channel not in Channel.values:
        channel = ""
    archived = request.GET.get("archived") == "1"
    rows = sel.templates(request.staff.merchant_id, channel=channel, archived=archived)
    page = page_of(request, rows, per_page=50)
    page.object_list = [_with_says(t) for t in page.object_list]
    context = {
        "page": page,
        "channel": channel,
        "archived": archived,
        "channels": Channel.choices,
    }
    return render_page(request, "console/reach/templates.html", context, module="reach")


def _form_page(
    request: ConsoleRequest,
    form: TemplateForm,
    template: MessageTemplate | None,
    error: SiyuError | None,
) -> HttpResponse:
    context = {
        "form": form,
        "template": template,
        "channel": form.channel,
        "channel_label": Channel(form.channel).label,
        "channels": Channel.choices,
        "variables": _variables(),
        "error": error,
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/reach/template_form.html", context, module="reach", status=status)


def _save(request: ConsoleRequest, form: TemplateForm, template: MessageTemplate | None) -> HttpResponse:
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, template, None)
    try:
        saved = reach.save_template(
            staff=request.staff, template_id=template.pk if template else None, **form.service_fields()
        )
    except SiyuError as exc:
        place_refusal(form, exc)
        return _form_page(request, form, template, exc)
    messages.success(request, _("The template %(name)s was saved.") % {"name": saved.name})
    return redirect("console:reach_template", template_id=saved.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.REACH_SEND, module="reach")
def template_create(request: ConsoleRequest) -> HttpResponse:
    """A new template of the channel chosen (``?channel=``, subscribe message by default)."""
    channel = request.GET.get("channel") or request.POST.get("channel") or Channel.SUBSCRIBE_MESSAGE
    if channel not in TEMPLATE_SHAPES:
        raise NotFound(detail={"channel": channel})
    form = TemplateForm(request.POST if request.method == "POST" else None, channel=channel)
    return _save(request, form, None)


@require_http_methods(["GET", "POST"])
@console_view(Perm.REACH_SEND, module="reach")
def template_edit(request: ConsoleRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    form = TemplateForm(
        request.POST if request.method == "POST" else None,
        channel=template.channel,
        initial=TemplateForm.initial_of(template),
    )
    return _save(request, form, template)


def _detail(
    request: ConsoleRequest,
    template: MessageTemplate,
    *,
    preview_form: PreviewForm | None = None,
    preview: dict[str, Any] | None = None,
    error: SiyuError | None = None,
) -> HttpResponse:
    staff = request.staff
    context = {
        "template": template,
        "channel_label": Channel(template.channel).label if template.channel in Channel.values else "",
        "fields": _field_rows(template),
        "preview_form": preview_form or PreviewForm(picks=Picks(staff)),
        "preview": preview,
        "error": error,
    }
    status = error.status if error else 200
    name = (
        "console/reach/_preview.html"
        if wants_fragment(request) and preview_form
        else "console/reach/template.html"
    )
    return render_page(request, name, context, module="reach", status=status)


def _with_says(template: MessageTemplate) -> MessageTemplate:
    """The list's "says" column: the first field's text (an SMS: its parameters in order)."""
    rows = _field_rows(template)
    if template.channel == Channel.SMS:
        template.says = " · ".join(text for _name, text in rows)  # type: ignore[attr-defined]
    else:
        template.says = rows[0][1] if rows else ""  # type: ignore[attr-defined]
    return template


def _field_rows(template: MessageTemplate) -> list[tuple[str, str]]:
    """The template's fields as (name, text) rows; SMS parameters numbered {1}, {2}..."""
    fields = template.fields or {}
    if template.channel == Channel.SMS:
        return [(f"{{{i}}}", str(v)) for i, v in enumerate(fields.get("params", []), start=1)]
    if template.channel == Channel.WEBHOOK:
        import json

        return [("JSON", json.dumps(fields, ensure_ascii=False, indent=2))]
    labels = {"subject": _("Subject"), "body": _("Body"), "text": _("Text")}
    return [(str(labels.get(k, k)), str(v)) for k, v in fields.items()]


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def template_page(request: ConsoleRequest, template_id: int) -> HttpResponse:
    return _detail(request, _template(request, template_id))


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def template_preview(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """The template rendered for the picked customer, as their phone (or mailbox) shows it."""
    template = _template(request, template_id)
    form = PreviewForm(request.GET, picks=Picks(request.staff))
    try:
        customer_id = cleaned(form)["customer"]
        preview = reach.preview_template(
            staff=request.staff, template_id=template.pk, customer_id=customer_id
        )
    except SiyuError as exc:
        return _detail(request, template, preview_form=form, error=exc)
    preview["customer"] = form.card("customer", customer_id)
    if template.channel == Channel.WEBHOOK:
        import json

        preview["json"] = json.dumps(preview["fields"], ensure_ascii=False, indent=2)
    return _detail(request, template, preview_form=form, preview=preview)


@require_POST
@console_view(Perm.REACH_SEND, module="reach")
def template_archive(request: ConsoleRequest, template_id: int) -> HttpResponse:
    """Retire a template: broadcasts using it keep it, new ones cannot pick it."""
    template = _template(request, template_id)
    reach.archive_template(staff=request.staff, template_id=template.pk)
    messages.success(request, _("The template %(name)s was archived.") % {"name": template.name})
    return redirect("console:reach_templates")
