"""Logging in and out of the console, and choosing which merchant to work on."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from siyu.console.access import SESSION_MERCHANT, ConsoleRequest, console_view, current_staff, staff_roles
from siyu.console.errors import LoginFailed, NoConsoleAccess
from siyu.console.forms import LoginForm
from siyu.console.layout import SESSION_MERCHANTS
from siyu.console.navigation import home_url
from siyu.core.errors import NotFound
from siyu.tenancy import throttle
from siyu.tenancy.errors import TooManyAttempts


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console:home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Staff log in with their username and password; the session remembers their merchant."""
    if request.method == "GET" and current_staff(request) is not None:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise LoginFailed()
            user = authenticate(
                request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
            if user is None:
                throttle.refuse_locked_login(request, form.cleaned_data["username"])
                raise LoginFailed()
            roles = staff_roles(user)
            if not roles:
                raise NoConsoleAccess()
        except (LoginFailed, NoConsoleAccess, TooManyAttempts) as exc:
            error, status = exc, exc.status
        else:
            login(request, user)  # rotates the session key and the CSRF token
            request.session[SESSION_MERCHANT] = roles[0].merchant_id
            request.session[SESSION_MERCHANTS] = [(s.merchant_id, s.merchant.name) for s in roles]
            return redirect(_safe_next(request))
    return render(
        request,
        "console/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session, merchant choice included
    return redirect("console:login")


@require_GET
@console_view()
def home(request: ConsoleRequest) -> HttpResponse:
    """The console's start: the first page the staff member's role may open."""
    url = home_url(request.staff)
    if url is None:
        raise NoConsoleAccess()
    return HttpResponseRedirect(url)


@require_POST
@console_view()
def switch_merchant(request: ConsoleRequest) -> HttpResponse:
    """Work on another merchant the same person is staff at."""
    merchant_id = request.POST.get("merchant_id", "")
    roles = {s.merchant_id: s for s in staff_roles(request.user)}
    if not merchant_id.isdigit() or int(merchant_id) not in roles:
        raise NotFound(detail={"merchant_id": merchant_id})
    request.session[SESSION_MERCHANT] = int(merchant_id)
    request.session[SESSION_MERCHANTS] = [(s.merchant_id, s.merchant.name) for s in roles.values()]
    return redirect("console:home")
