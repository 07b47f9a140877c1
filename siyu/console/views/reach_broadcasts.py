"""触达 · 群发: broadcasts (list, create and edit a draft with a live preview of who it reaches, start,
pause, resume, cancel) and each broadcast's send report; in the demo, 沙箱快进 brings the next hour
of sends forward (siyu/reach/demo_clock.py)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms_pickers import Picks
from siyu.console.forms_reach import BROADCAST_ALIASES, SEND_TIMES, BroadcastForm, place_refusal
from siyu.console.layout import render_page
from siyu.console.paging import page_of
from siyu.console.selectors import reach as sel
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.members.models import Channel
from siyu.reach import demo_clock
from siyu.reach import selectors as reach_selectors
from siyu.reach import services as reach
from siyu.reach.models import Broadcast, BroadcastStatus, SendTime, SkipReason
from siyu.tenancy.permissions import Perm

ACTIONS = {
    "start": reach.start_broadcast,
    "pause": reach.pause_broadcast,
    "resume": reach.resume_broadcast,
    "cancel": reach.cancel_broadcast,
}
DONE_TEXT = {
    "start": gettext_lazy("The broadcast was started."),
    "pause": gettext_lazy("The broadcast was paused."),
    "resume": gettext_lazy("The broadcast was resumed."),
    "cancel": gettext_lazy("The broadcast was cancelled: queued messages will not be sent."),
}


def _broadcast(request: ConsoleRequest, broadcast_id: int) -> Broadcast:
    found = (
        Broadcast.objects.for_merchant(request.staff.merchant_id)
        .select_related("segment", "coupon_template")
        .filter(pk=broadcast_id)
        .first()
    )
    if found is None:
        raise NotFound(detail={"broadcast_id": broadcast_id})
    return found


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def broadcasts_page(request: ConsoleRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status and status not in BroadcastStatus.values:
        raise InvalidInput(detail={"status": status})
    context = {
        "page": page_of(request, sel.broadcast_list(request.staff.merchant_id, status=status)),
        "status": status,
        "statuses": BroadcastStatus.choices,
    }
    return render_page(request, "console/reach/broadcasts.html", context, module="reach")


def _form(request: ConsoleRequest, broadcast: Broadcast | None = None) -> BroadcastForm:
    staff = request.staff
    initial: dict[str, Any] = {}
    if broadcast is not None:
        ids = [t.pk for t in sel.broadcast_templates(broadcast)]
        initial = BroadcastForm.initial_of(broadcast, ids)
    return BroadcastForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        picks=Picks(staff),
        templates=sel.template_choices(staff.merchant_id),
    )


def _form_page(
    request: ConsoleRequest, form: BroadcastForm, broadcast: Broadcast | None, error: SiyuError | None
) -> HttpResponse:
    context = {"form": form, "broadcast": broadcast, "error": error, "preview": _preview(request, form)}
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/reach/broadcast_form.html", context, module="reach", status=status)


def _preview(request: ConsoleRequest, form: BroadcastForm) -> dict[str, Any] | None:
    """broadcast_preview for what the form holds so far (None until a segment and a template are picked)."""
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    else:
        data = {k: form.initial.get(k) for k in ("segment", "template_1", "template_2", "template_3")}
        data["holdout"] = form.initial.get("holdout") or 0
        data["send_time"] = form.initial.get("send_time") or SendTime.NOW
    segment = data.get("segment")
    template_ids = [data[n] for n in ("template_1", "template_2", "template_3") if data.get(n)]
    if not segment or not template_ids:
        return None
    holdout = data.get("holdout") or 0
    try:
        counts = reach_selectors.broadcast_preview(
            request.staff.merchant_id,
            int(segment),
            [int(t) for t in template_ids],
            int(float(holdout) * 100),
            str(data.get("send_time") or SendTime.NOW),
            timezone.now(),
        )
    except SiyuError:
        return None
    names = dict(sel.template_choices(request.staff.merchant_id))
    counts = dict(counts)
    counts["channel_rows"] = [
        {
            **c,
            "label": names.get(c["template_id"], ""),
            "channel_label": sel.label_of(Channel.choices, c["channel"]),
        }
        for c in counts.get("channels", [])
    ]
    return counts


@require_POST
@console_view(Perm.REACH_VIEW, module="reach")
def broadcast_preview(request: ConsoleRequest) -> HttpResponse:
    """The live panel: audience, reachable per channel in order, unreachable, no consent, over budget,
    holdout, for the form as it stands (htmx posts the form on every change; nothing is saved)."""
    form = _form(request)
    return render_page(
        request, "console/reach/_broadcast_preview.html", {"preview": _preview(request, form)}, module="reach"
    )


def _save(request: ConsoleRequest, form: BroadcastForm, broadcast: Broadcast | None) -> HttpResponse:
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, form, broadcast, None)
    staff = request.staff
    try:
        if broadcast is None:
            saved = reach.create_broadcast(staff=staff, **form.service_fields())
        else:
            saved = reach.update_broadcast(staff=staff, broadcast_id=broadcast.pk, **form.service_fields())
    except SiyuError as exc:
        place_refusal(form, exc, BROADCAST_ALIASES)
        return _form_page(request, form, broadcast, exc)
    messages.success(request, _("The broadcast %(name)s was saved as a draft.") % {"name": saved.name})
    return redirect("console:reach_broadcast", broadcast_id=saved.pk)


@require_http_methods(["GET", "POST"])
@console_view(Perm.REACH_SEND, module="reach")
def broadcast_create(request: ConsoleRequest) -> HttpResponse:
    return _save(request, _form(request), None)


@require_http_methods(["GET", "POST"])
@console_view(Perm.REACH_SEND, module="reach")
def broadcast_edit(request: ConsoleRequest, broadcast_id: int) -> HttpResponse:
    broadcast = _broadcast(request, broadcast_id)
    return _save(request, _form(request, broadcast), broadcast)


def _report_rows(report: dict[str, Any]) -> list[tuple[str, int]]:
    """The parts the audience splits into, as (label, count): they add up to the audience."""
    skipped = sum(report["skipped"].values())
    return [
        (_("Holdout"), report["holdout"]),
        (_("Skipped"), skipped),
        (_("Queued"), report["queued"]),
        (_("Sending"), report["sending"]),
        (_("Sent"), report["sent"]),
        (_("Failed"), report["failed"]),
        (_("In doubt"), report["in_doubt"]),
        (_("Cancelled"), report["cancelled"]),
    ]


def _detail(request: ConsoleRequest, broadcast: Broadcast, error: SiyuError | None = None) -> HttpResponse:
    report = reach_selectors.broadcast_report(broadcast)
    parts = _report_rows(report)
    zone = ZoneInfo(request.staff.merchant.timezone)
    context = {
        "broadcast": broadcast,
        "send_time_label": {str(k): v for k, v in SEND_TIMES}.get(broadcast.send_time, broadcast.send_time),
        "templates": sel.broadcast_templates(broadcast),
        "report": report,
        "parts": parts,
        "parts_total": sum(n for _label, n in parts),
        "skipped": [(sel.label_of(SkipReason.choices, r), n) for r, n in sorted(report["skipped"].items())],
        "channels": [
            {
                **c,
                "label": sel.label_of(Channel.choices, c["channel"]),
                "skipped_n": sum(c["skipped"].values()),
            }
            for c in report["channels"]
        ],
        "chart": {
            **sel.sends_per_hour(broadcast, zone),
            "names": {"scheduled": _("Scheduled"), "sent": _("Sent")},
        },
        "fast_forward": demo_clock.available()
        and broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING),
        "error": error,
    }
    status = error.status if error else 200
    return render_page(request, "console/reach/broadcast.html", context, module="reach", status=status)


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def broadcast_page(request: ConsoleRequest, broadcast_id: int) -> HttpResponse:
    """The send report: how the audience split (adding up), per channel, clicks, orders and GMV, and
    the sends per hour scheduled against sent."""
    return _detail(request, _broadcast(request, broadcast_id))


@require_POST
@console_view(Perm.REACH_SEND, module="reach")
def broadcast_action(request: ConsoleRequest, broadcast_id: int, action: str) -> HttpResponse:
    """Start (freeze the audience and plan), pause, resume or cancel."""
    if action not in ACTIONS:
        raise NotFound(detail={"action": action})
    broadcast = _broadcast(request, broadcast_id)
    try:
        ACTIONS[action](staff=request.staff, broadcast_id=broadcast.pk)
    except SiyuError as exc:
        return _detail(request, broadcast, exc)
    messages.success(request, str(DONE_TEXT[action]))
    return redirect("console:reach_broadcast", broadcast_id=broadcast.pk)


@require_POST
@console_view(Perm.REACH_SEND, module="reach")
def broadcast_fast_forward(request: ConsoleRequest, broadcast_id: int) -> HttpResponse:
    """沙箱快进 (demo only): the next hour of this broadcast's sends go out now."""
    broadcast = _broadcast(request, broadcast_id)
    moved = demo_clock.fast_forward(staff=request.staff, broadcast_id=broadcast.pk)
    messages.success(request, _("%(n)d sends moved to now: watch the sandbox inbox.") % {"n": moved})
    return redirect("console:reach_broadcast", broadcast_id=broadcast.pk)
