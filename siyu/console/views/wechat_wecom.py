"""微信 · 企业微信: 渠道活码 (create, list with QR and counts, edit, delete), staff ↔ WeCom members,
and 继承 (hand a guide's WeCom customers to another guide, with each customer's outcome).

Every write is one service of ``siyu.wechat.wecom``; a refusal comes back on the form with its code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal
from siyu.console.forms_wechat_wecom import ContactWayForm, MemberForm, TransferForm
from siyu.console.layout import render_page
from siyu.core.errors import InvalidInput, NotFound, SiyuError
from siyu.tenancy.permissions import Perm
from siyu.wechat.accounts import account_for
from siyu.wechat.models import AccountKind
from siyu.wechat.wecom import selectors, services, transfers
from siyu.wechat.wecom.models import ContactWay

MODULE = "wechat"


def _sandbox_url(request: ConsoleRequest) -> str:
    """The sandbox's WeCom page when the shop's corp is the sandbox's (to scan a 活码 there)."""
    account = account_for(request.staff.merchant, AccountKind.WECOM)
    if account is None or not account.sandbox:
        return ""
    return f"{settings.SIYU_WECHAT_SANDBOX_URL}/ui/wecom/"


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module=MODULE)
def contact_ways_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    context: dict[str, Any] = {
        "ways": list(selectors.contact_ways(staff.merchant_id)),
        "configured": account_for(staff.merchant, AccountKind.WECOM) is not None,
        "sandbox_url": _sandbox_url(request),
    }
    return render_page(request, "console/wechat/wecom_ways.html", context, module=MODULE)


def _way_page(
    request: ConsoleRequest, form: ContactWayForm, way: ContactWay | None, error: SiyuError | None
) -> HttpResponse:
    context = {"form": form, "way": way, "error": error}
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/wechat/wecom_way_form.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def contact_way_create(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    members = selectors.member_choices(staff.merchant_id)
    form = ContactWayForm(request.POST if request.method == "POST" else None, members=members)
    if request.method == "GET" or not form.is_valid():
        return _way_page(request, form, None, None)
    try:
        way = services.create_contact_way(staff=staff, data=form.way_input())
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _way_page(request, form, None, exc)
    messages.success(request, _("The contact way %(name)s was created.") % {"name": way.name})
    return redirect("console:wecom_contact_ways")


def _live_way(request: ConsoleRequest, way_id: int) -> ContactWay:
    way = (
        ContactWay.objects.for_merchant(request.staff.merchant_id)
        .filter(pk=way_id, deleted_at__isnull=True)
        .prefetch_related("members")
        .first()
    )
    if way is None:
        raise NotFound(detail={"contact_way_id": way_id})
    return way


@require_http_methods(["GET", "POST"])
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def contact_way_edit(request: ConsoleRequest, way_id: int) -> HttpResponse:
    staff = request.staff
    way = _live_way(request, way_id)
    form = ContactWayForm(
        request.POST if request.method == "POST" else None,
        initial=ContactWayForm.initial_of(way),
        members=selectors.member_choices(staff.merchant_id),
        locked_source=True,
    )
    if request.method == "GET" or not form.is_valid():
        return _way_page(request, form, way, None)
    try:
        services.update_contact_way(staff=staff, way_id=way.pk, data=form.way_input())
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _way_page(request, form, way, exc)
    messages.success(request, _("The contact way %(name)s was saved.") % {"name": form.cleaned_data["name"]})
    return redirect("console:wecom_contact_ways")


@require_POST
@console_view(Perm.PROMOTIONS_EDIT, module=MODULE)
def contact_way_delete(request: ConsoleRequest, way_id: int) -> HttpResponse:
    way = services.delete_contact_way(staff=request.staff, way_id=way_id)
    messages.success(request, _("The contact way %(name)s was deleted.") % {"name": way.name})
    return redirect("console:wecom_contact_ways")


def _members_page(
    request: ConsoleRequest, error: SiyuError | None = None, failed: int | None = None
) -> HttpResponse:
    context = {
        "rows": selectors.staff_with_userids(request.staff.merchant_id),
        "error": error,
        "failed": failed,
    }
    status = error.status if error else 200
    return render_page(request, "console/wechat/wecom_members.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.STAFF_MANAGE, module=MODULE)
def members_page(request: ConsoleRequest) -> HttpResponse:
    """Each staff member's WeCom userid: one row saved at a time."""
    if request.method == "GET":
        return _members_page(request)
    form = MemberForm(request.POST)
    if not form.is_valid():
        exc = InvalidInput(detail={k: [str(e) for e in v] for k, v in form.errors.items()})
        return _members_page(request, exc, failed=None)
    try:
        services.map_member(
            staff=request.staff,
            member_staff_id=form.cleaned_data["staff"],
            userid=form.cleaned_data["userid"],
        )
    except NotFound:
        raise
    except SiyuError as exc:
        return _members_page(request, exc, failed=form.cleaned_data["staff"])
    messages.success(request, _("The WeCom account was saved."))
    return redirect("console:wecom_members")


def _transfers_page(
    request: ConsoleRequest, form: TransferForm, error: SiyuError | None = None
) -> HttpResponse:
    context = {"form": form, "rows": selectors.recent_transfers(request.staff.merchant_id), "error": error}
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    return render_page(request, "console/wechat/wecom_transfers.html", context, module=MODULE, status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CUSTOMERS_ASSIGN_GUIDE, module=MODULE)
def transfers_page(request: ConsoleRequest) -> HttpResponse:
    """继承: start a transfer of one guide's WeCom customers; the latest transfers and how they ended."""
    guides = selectors.guide_choices(request.staff.merchant_id)
    form = TransferForm(request.POST if request.method == "POST" else None, guides=guides)
    if request.method == "GET" or not form.is_valid():
        return _transfers_page(request, form)
    data = form.cleaned_data
    try:
        result = transfers.transfer_customers(
            staff=request.staff,
            from_guide_id=data["from_guide"],
            to_guide_id=data["to_guide"],
            resigned=data["resigned"],
            message=data["message"],
        )
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _transfers_page(request, form, exc)
    text = _("WeCom is handing over %(started)d customers; %(refused)d could not be handed over.")
    messages.success(request, text % {"started": result.started, "refused": result.refused})
    return redirect("console:wecom_transfers")
