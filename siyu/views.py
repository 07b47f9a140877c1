"""The project's own pages: the landing page at /, the health check and the benchmarks' bare view."""

import os

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from siyu.simulate.demo_tables import DEMO_PASSWORD, DEMO_SLUG, SAMPLE_CODE
from siyu.tenancy.models import Merchant

LANDING_SHOPS = 10


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the benchmarks' baseline."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def hello(request: HttpRequest) -> JsonResponse:
    """A bare JSON view with no database: the ceiling the benchmarks compare real endpoints to."""
    return JsonResponse({"hello": "siyu"})


def landing(request: HttpRequest) -> HttpResponse:
    """The page at ``/``: links to the console, the shops' H5 storefronts and the API docs.

    Under ``siyu demo`` (``SIYU_DEMO=1``, set by ``siyu.cli`` for its server) it also names the demo
    logins; a deployment never shows them.
    """
    shops = list(Merchant.objects.filter(is_active=True).order_by("id").only("slug", "name")[:LANDING_SHOPS])
    demo = None
    if os.environ.get("SIYU_DEMO") == "1" and any(shop.slug == DEMO_SLUG for shop in shops):
        demo = {"password": DEMO_PASSWORD, "code": SAMPLE_CODE}
    return render(request, "core/landing.html", {"shops": shops, "demo": demo})
