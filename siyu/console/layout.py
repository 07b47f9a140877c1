"""Rendering a console page inside the layout: top bar, left navigation, permissions for buttons."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from siyu.console.access import SESSION_MERCHANT, ConsoleRequest, can
from siyu.console.navigation import navigation
from siyu.tenancy.models import Staff
from siyu.tenancy.permissions import Perm

SESSION_MERCHANTS = "console_merchants"  # [(merchant id, name)] of the user's roles, saved at login


def layout_context(request: HttpRequest, staff: Staff, module: str) -> dict[str, Any]:
    """What base.html needs, without a query: nav, staff, merchant, permission flags."""
    match = request.resolver_match
    url_name = f"console:{match.url_name}" if match else ""
    return {
        "staff": staff,
        "merchant": staff.merchant,
        "nav": navigation(staff, module, url_name),
        "can": {perm.name.lower(): can(staff, perm) for perm in Perm},
        "merchants": request.session.get(SESSION_MERCHANTS, []),
        "current_merchant_id": request.session.get(SESSION_MERCHANT, staff.merchant_id),
        "module": module,
    }


def render_page(
    request: ConsoleRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    module: str,
    status: int = 200,
) -> HttpResponse:
    full = layout_context(request, request.staff, module)
    full.update(context or {})
    response = render(request, template, full, status=status)
    # The same URL answers htmx with a fragment and a browser with the page: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap asks for the page's fragment; a history restore still wants the whole page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def back_url(request: HttpRequest, default: str) -> str:
    """Where a form asked to return (``back``), if it is a console page of this site, else ``default``."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("back", "")
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return reverse(default)
