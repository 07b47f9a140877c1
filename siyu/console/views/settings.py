"""门店 and 设置 edits: outlets (create, edit), staff (role, outlets, disable) and the merchant's own
settings, through the tenancy services (permission, validation and audit row in one transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import apply_refusal
from siyu.console.forms_settings import OutletForm, StaffEditForm
from siyu.console.layout import render_page
from siyu.core.errors import NotFound, SiyuError
from siyu.tenancy import services as tenancy
from siyu.tenancy.models import Outlet, Staff
from siyu.tenancy.permissions import Perm


def _outlet_page(
    request: ConsoleRequest, form: OutletForm, outlet: Outlet | None, error: SiyuError | None
) -> HttpResponse:
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "outlet": outlet, "error": error}
    return render_page(request, "console/outlet_form.html", context, module="outlets", status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.OUTLETS_EDIT, module="outlets")
def outlet_create(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    form = OutletForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _outlet_page(request, form, None, None)
    try:
        outlet = tenancy.create_outlet(staff=staff, **form.service_fields())
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _outlet_page(request, form, None, exc)
    messages.success(request, _("The outlet %(name)s was opened.") % {"name": outlet.name})
    return redirect("console:outlets")


@require_http_methods(["GET", "POST"])
@console_view(Perm.OUTLETS_EDIT, module="outlets")
def outlet_edit(request: ConsoleRequest, outlet_id: int) -> HttpResponse:
    staff = request.staff
    outlet = Outlet.objects.for_merchant(staff.merchant_id).filter(pk=outlet_id).first()
    if outlet is None:
        raise NotFound(detail={"outlet_id": outlet_id})
    form = OutletForm(
        request.POST if request.method == "POST" else None, initial=OutletForm.initial_of(outlet)
    )
    if request.method == "GET" or not form.is_valid():
        return _outlet_page(request, form, outlet, None)
    try:
        tenancy.update_outlet(staff=staff, outlet_id=outlet.pk, **form.service_fields())
    except SiyuError as exc:
        apply_refusal(form, exc)
        return _outlet_page(request, form, outlet, exc)
    messages.success(request, _("The outlet %(name)s was saved.") % {"name": form.cleaned_data["name"]})
    return redirect("console:outlets")


@require_http_methods(["GET", "POST"])
@console_view(Perm.STAFF_MANAGE, module="settings")
def staff_edit(request: ConsoleRequest, staff_id: int) -> HttpResponse:
    """Change a staff member's name, role and outlets, or disable them."""
    staff = request.staff
    target = Staff.objects.for_merchant(staff.merchant_id).select_related("user").filter(pk=staff_id).first()
    if target is None:
        raise NotFound(detail={"staff_id": staff_id})
    outlets = list(Outlet.objects.for_merchant(staff.merchant_id).order_by("id").values_list("id", "name"))
    initial = {
        "display_name": target.display_name,
        "role": target.role,
        "is_active": target.is_active,
        "outlets": list(target.outlets.values_list("id", flat=True)),
    }
    form = StaffEditForm(request.POST if request.method == "POST" else None, initial=initial, outlets=outlets)
    error: SiyuError | None = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            tenancy.update_staff(
                staff=staff,
                staff_id=target.pk,
                role=d["role"],
                display_name=d["display_name"],
                is_active=d["is_active"],
                outlet_ids=d["outlets"],
            )
        except SiyuError as exc:
            error = exc
            apply_refusal(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": d["display_name"]})
            return redirect("console:staff")
    status = error.status if error else (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "target": target, "error": error}
    return render_page(request, "console/settings/staff_edit.html", context, module="settings", status=status)
