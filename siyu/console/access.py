"""Who is using the console: the logged-in user's staff role at the session's merchant.

Every console view is wrapped by ``console_view``: it resolves ``request.staff`` (and so the
merchant every query is scoped by), checks the view's permission, shows times in the merchant's
timezone, and turns a refused request (any ``SiyuError``) into an error page with its status.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import ROLE_PERMISSIONS, Perm
from siyu.tenancy.services import require

SESSION_MERCHANT = "merchant_id"  # the same key the admin API's StaffSession reads


class ConsoleRequest(HttpRequest):
    """A request a console view serves: ``staff`` is the caller, scoped to one merchant."""

    staff: Staff


def staff_roles(user: Any) -> list[Staff]:
    """The active staff roles of a user at active merchants, oldest first."""
    if not user or not user.is_authenticated:
        return []
    return list(
        Staff.objects.select_related("merchant")
        .filter(user=user, is_active=True, merchant__is_active=True)
        .order_by("id")
    )


def current_staff(request: HttpRequest) -> Staff | None:
    """The staff role of the logged-in user at the session's merchant (one query), or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    qs = Staff.objects.select_related("merchant", "user").filter(
        user=user, is_active=True, merchant__is_active=True
    )
    merchant_id = request.session.get(SESSION_MERCHANT)
    if merchant_id:
        qs = qs.filter(merchant_id=merchant_id)
    return qs.order_by("id").first()


def can(staff: Staff, perm: Perm) -> bool:
    return staff.is_active and perm in ROLE_PERMISSIONS.get(staff.role, frozenset())


def render_refusal(request: ConsoleRequest, exc: SiyuError, *, module: str = "") -> HttpResponse:
    """The console page for a refused request, with the error's own HTTP status."""
    from siyu.console.layout import layout_context  # the layout needs the navigation, which needs can()

    context: dict[str, Any] = {
        **layout_context(request, request.staff, module),
        "message": str(exc.text),
        "code": exc.code,
        "detail": exc.detail,
    }
    return render(request, "console/error.html", context, status=exc.status)


P = ParamSpec("P")


def console_view(
    perm: Perm | None = None, *, module: str = ""
) -> Callable[
    [Callable[Concatenate[ConsoleRequest, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """Decorate a console view: log-in required, ``perm`` required, errors rendered.

    The view is handed a ``ConsoleRequest``: ``request.staff`` is set, so the view reads it typed.
    ``module`` names the navigation entry the page belongs to (highlighted on error pages too).
    """

    def decorate(
        view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            staff = current_staff(request)
            if staff is None:
                return redirect_to_login(request.get_full_path(), login_url=reverse("console:login"))
            # The one place a request becomes a ConsoleRequest: from here on it carries its staff.
            console_request = cast(ConsoleRequest, request)
            console_request.staff = staff
            # render() runs inside, so templates show times in the merchant's own timezone.
            with timezone.override(ZoneInfo(staff.merchant.timezone)):
                try:
                    if perm is not None:
                        require(staff, perm)
                    return view(console_request, *args, **kwargs)
                except SiyuError as exc:
                    return render_refusal(console_request, exc, module=module)

        return wrapper

    return decorate
