"""营销, 门店 and 设置: the marketing index, outlets, merchant settings, staff and the audit log."""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siyu.console.access import ConsoleRequest, can, console_view
from siyu.console.forms import AuditFilterForm, StaffForm, apply_refusal, cleaned
from siyu.console.forms_settings import MerchantForm
from siyu.console.layout import render_page
from siyu.console.navigation import MARKETING_PAGES
from siyu.console.paging import page_of
from siyu.console.playbooks import PLAYBOOKS
from siyu.console.readable import audit_action, audit_changes, audit_object, weekday
from siyu.console.selectors.store import AuditFilters, audit_entries, staff_members
from siyu.core.errors import SiyuError
from siyu.orders.models import AfterSaleStatus, OrderStatus
from siyu.tenancy.models import Outlet, Role, Staff
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm
from siyu.tenancy.services import create_staff, update_merchant

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@require_GET
@console_view(Perm.PROMOTIONS_VIEW, module="marketing")
def marketing_page(request: ConsoleRequest) -> HttpResponse:
    """What marketing exists: the playbook apps installed, and the pages the promotions issue adds."""
    staff = request.staff
    playbooks = [
        config.verbose_name
        for config in apps.get_app_configs()
        if config.name == "siyu.promotions" or config.name.startswith("siyu.promotions.")
    ]
    pages = [(reverse(p.url_name), p.label) for p in MARKETING_PAGES if can(staff, p.perm)]
    playbook_pages = [(reverse(f"console:{b.key}_list"), b.label) for b in PLAYBOOKS.values()]
    context = {"playbooks": playbooks, "pages": pages, "playbook_pages": playbook_pages}
    return render_page(request, "console/marketing.html", context, module="marketing")


@require_GET
@console_view(Perm.OUTLETS_VIEW, module="outlets")
def outlets_page(request: ConsoleRequest) -> HttpResponse:
    outlets = list(Outlet.objects.for_merchant(request.staff.merchant_id).order_by("id"))
    rows = [(o, [(weekday(day), o.opening_hours.get(day, [])) for day in DAYS]) for o in outlets]
    return render_page(request, "console/outlets.html", {"rows": rows}, module="outlets")


@require_http_methods(["GET", "POST"])
@console_view(Perm.MERCHANT_EDIT, module="settings")
def merchant_page(request: ConsoleRequest) -> HttpResponse:
    """The merchant's settings, and the form that changes them (``update_merchant``)."""
    staff = request.staff
    merchant = staff.merchant
    form = MerchantForm(request.POST or None, initial=MerchantForm.initial_of(merchant))
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changes = form.changes(merchant)
                if changes:
                    update_merchant(staff=staff, **changes)
            except SiyuError as exc:
                error, status = exc, exc.status
                apply_refusal(form, exc)
                staff.merchant.refresh_from_db()
            else:
                messages.success(request, _("The merchant settings were saved."))
                return redirect("console:merchant")
        else:
            status = 400
    context = {"form": form, "error": error}
    return render_page(request, "console/settings/merchant.html", context, module="settings", status=status)


def _outlet_choices(staff: Staff) -> list[tuple[int, str]]:
    return list(Outlet.objects.for_merchant(staff.merchant_id).order_by("id").values_list("id", "name"))


@require_http_methods(["GET", "POST"])
@console_view(Perm.STAFF_MANAGE, module="settings")
def staff_page(request: ConsoleRequest) -> HttpResponse:
    """The merchant's staff with their roles and outlets; the owner adds staff here."""
    staff = request.staff
    form = StaffForm(request.POST or None, outlets=_outlet_choices(staff))
    error, status = None, 200
    if request.method == "POST":
        try:
            data = cleaned(form)
            added = create_staff(
                merchant=staff.merchant,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                display_name=data["display_name"],
                outlet_ids=data["outlets"],
                acting_staff=staff,
            )
        except SiyuError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("%(name)s can now log in.") % {"name": added.display_name})
            return redirect("console:staff")
    roles = [
        (value, label, sorted(p.value for p in ROLE_PERMISSIONS[value])) for value, label in Role.choices
    ]
    page = page_of(request, staff_members(staff), per_page=50)
    context = {"page": page, "form": form, "error": error, "roles": roles}
    return render_page(request, "console/settings/staff.html", context, module="settings", status=status)


@require_GET
@console_view(Perm.AUDIT_VIEW, module="settings")
def audit_page(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = AuditFilterForm(request.GET)
    data = cleaned(form)
    filters = AuditFilters(action=data["action"], staff_id=data["staff"], object_type=data["object_type"])
    page = page_of(request, audit_entries(staff, filters), per_page=30)
    people = list(
        Staff.objects.for_merchant(staff.merchant_id).order_by("id").values_list("id", "display_name")
    )
    statuses = {**dict(OrderStatus.choices), **dict(AfterSaleStatus.choices)}
    rows = [
        (
            e,
            audit_action(e.action),
            audit_object(e.object_type),
            audit_changes(e.before, e.after, statuses),
            json.dumps({"before": e.before, "after": e.after}, ensure_ascii=False, default=str),
        )
        for e in page.object_list
    ]
    return render_page(
        request,
        "console/settings/audit.html",
        {"form": form, "page": page, "rows": rows, "people": people},
        module="settings",
    )
