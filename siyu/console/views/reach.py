"""触达 · 渠道: each channel on or off, set up or not, its throttle, caps and health; the fatigue
policy; messages in doubt for review; and the message timeline on the customer 360 page.

Writes go through siyu/reach/services.py (save_channel_setting, save_fatigue_policy); secrets go in
and never come back out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms_reach import ChannelForm, FatigueForm, place_refusal
from siyu.console.layout import render_page
from siyu.console.paging import page_of
from siyu.console.selectors import reach as sel
from siyu.core.errors import NotFound, SiyuError
from siyu.members.models import Channel
from siyu.members.scope import customers_visible_to
from siyu.reach import services as reach
from siyu.reach.channels.sms import callback_paths
from siyu.reach.models import FatiguePolicy, MessageStatus, SkipReason
from siyu.tenancy.permissions import Perm


def _policy_form(request: ConsoleRequest, policy: FatiguePolicy | None) -> FatigueForm:
    policy = policy or FatiguePolicy()
    initial = {
        "daily_cap": policy.daily_cap,
        "weekly_cap": policy.weekly_cap,
        "default_hour": policy.default_hour,
        "tighten_for_tolerance": policy.tighten_for_tolerance,
    }
    return FatigueForm(request.POST if request.method == "POST" else None, initial=initial)


def _channels(
    request: ConsoleRequest, *, policy_form: FatigueForm | None = None, error: SiyuError | None = None
) -> HttpResponse:
    staff = request.staff
    policy = sel.fatigue_policy(staff.merchant_id)
    context = {
        "rows": sel.channel_rows(staff.merchant_id),
        "policy": policy or FatiguePolicy(),
        "policy_form": policy_form or _policy_form(request, policy),
        "error": error,
    }
    status = error.status if error else (400 if policy_form is not None and policy_form.errors else 200)
    return render_page(request, "console/reach/channels.html", context, module="reach", status=status)


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def channels_page(request: ConsoleRequest) -> HttpResponse:
    """Every channel: on or off, set up or not, throttle, own caps, last success and error."""
    return _channels(request)


@require_POST
@console_view(Perm.REACH_SEND, module="reach")
def fatigue_save(request: ConsoleRequest) -> HttpResponse:
    """The shop-wide budget per customer: messages a day and a week, the default hour, tolerance."""
    staff = request.staff
    form = _policy_form(request, sel.fatigue_policy(staff.merchant_id))
    if not form.is_valid():
        return _channels(request, policy_form=form)
    try:
        reach.save_fatigue_policy(staff=staff, **form.cleaned_data)
    except SiyuError as exc:
        place_refusal(form, exc)
        return _channels(request, policy_form=form, error=exc)
    messages.success(request, _("The fatigue budget was saved."))
    return redirect("console:reach_channels")


@require_http_methods(["GET", "POST"])
@console_view(Perm.REACH_VIEW, module="reach")
def channel_edit(request: ConsoleRequest, channel: str) -> HttpResponse:
    """One channel's switch, throttle and caps; SMS, email and the webhook also take their provider's
    set-up here (WeChat channels take theirs from 设置 → 微信账号)."""
    if channel not in Channel.values:
        raise NotFound(detail={"channel": channel})
    staff = request.staff
    setting = sel.channel_setting(staff.merchant_id, channel)
    held = set(setting.secrets()) if setting and setting.sealed_secrets else set()
    form = ChannelForm(
        request.POST if request.method == "POST" else None,
        channel=channel,
        held_secrets=held,
        initial=ChannelForm.initial_of(setting),
    )
    error: SiyuError | None = None
    if request.method == "POST":
        # Reading is REACH_VIEW; saving needs REACH_SEND (the refusal page is a 403).
        from siyu.tenancy.services import require

        require(staff, Perm.REACH_SEND)
        if form.is_valid():
            try:
                reach.save_channel_setting(staff=staff, **form.service_fields())
            except SiyuError as exc:
                error = exc
                place_refusal(form, exc)
            else:
                label = Channel(channel).label
                messages.success(request, _("The %(channel)s channel was saved.") % {"channel": label})
                return redirect("console:reach_channels")
    installed, ready = sel.channel_ready(channel, staff.merchant_id)
    context = {
        "form": form,
        "channel": channel,
        "channel_label": Channel(channel).label,
        "wechat": channel in sel.WECHAT_CHANNELS,
        "installed": installed,
        "ready": ready,
        "setting": setting,
        "error": error,
        "callbacks": _sms_callbacks(staff.merchant_id, setting) if channel == Channel.SMS else None,
    }
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/reach/channel_edit.html", context, module="reach", status=status)


@require_GET
@console_view(Perm.REACH_VIEW, module="reach")
def in_doubt_page(request: ConsoleRequest) -> HttpResponse:
    """Sends whose outcome is unknown (the worker died mid-send, the channel cannot be asked): never
    resent, listed here for someone to check with the customer or the provider."""
    page = page_of(request, sel.in_doubt(request.staff.merchant_id))
    return render_page(request, "console/reach/in_doubt.html", {"page": page}, module="reach")


@require_GET
@console_view(Perm.REACH_VIEW, module="customers")
def customer_messages_panel(request: ConsoleRequest, customer_id: int) -> HttpResponse:
    """The customer 360's 消息 section: what was sent to them, when, on which channel, what became of it."""
    staff = request.staff
    if not customers_visible_to(staff).filter(pk=customer_id).exists():
        raise NotFound(detail={"customer_id": customer_id})
    rows = sel.customer_messages(staff.merchant_id, customer_id)
    context = {
        "rows": [
            {
                "message": m,
                "channel": sel.label_of(Channel.choices, m.channel),
                # "Delivered" alone reads as an order's 已收货: a message is 已送达.
                "status": pgettext("message", "Delivered")
                if m.status == MessageStatus.DELIVERED
                else sel.label_of(MessageStatus.choices, m.status),
                "reason": sel.label_of(SkipReason.choices, m.reason),
            }
            for m in rows
        ],
        "customer_id": customer_id,
    }
    return render_page(request, "console/reach/_customer_messages.html", context, module="customers")


def _sms_callbacks(merchant_id: int, setting: Any) -> dict[str, str] | None:
    """The two URLs the merchant enters in Tencent's SMS console (status reports and replies)."""
    token = (
        setting.secrets().get("callback_token", "") if setting is not None and setting.sealed_secrets else ""
    )
    return callback_paths(merchant_id, token) if token else None
