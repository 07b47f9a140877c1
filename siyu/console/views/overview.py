"""概况: today's KPIs against yesterday, and their trend lines over 7, 30 or 90 days."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms import RangeForm, cleaned
from siyu.console.layout import render_page, wants_fragment
from siyu.console.selectors.overview import RANGES, overview
from siyu.tenancy.permissions import Perm

# (key, label, format) of the KPI cards, in display order.
CARDS = (
    ("gmv", _("GMV"), "yuan"),
    ("orders", _("Paid orders"), "int"),
    ("paying_customers", _("Paying customers"), "int"),
    ("visitors", _("Visitors"), "int"),
    ("conversion_rate", _("Conversion rate"), "percent"),
    ("aov", _("Average order value"), "yuan"),
)


def _series_labels() -> dict[str, str]:
    return {key: str(label) for key, label, _fmt in CARDS}


@require_GET
@console_view(Perm.ANALYTICS_VIEW, module="overview")
def overview_page(request: ConsoleRequest) -> HttpResponse:
    days = cleaned(RangeForm(request.GET)).get("days") or 30
    data = overview(merchant=request.staff.merchant, days=days)
    kpis = data.kpis
    context = {
        "data": data,
        "cards": [(key, label, fmt, kpis[key]) for key, label, fmt in CARDS],
        "chart": {**data.chart(), "names": _series_labels()},
        "days": days,
        "ranges": RANGES,
    }
    template = "console/overview/_trend.html" if wants_fragment(request) else "console/overview/page.html"
    return render_page(request, template, context, module="overview")
