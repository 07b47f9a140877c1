"""微信 > 支付对账: WeChat Pay reconciliation runs, their mismatches, and "run for a date".

Reading needs ``orders.view``; running needs ``orders.fulfil`` (checked by the service). A run
downloads the day's trade bill from WeChat Pay and compares it with Siyu's payments
(``siyu.wechat.pay.services.reconcile_trade_bill``).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms_wechat_pay import ReconcileForm
from siyu.console.layout import render_page
from siyu.core.errors import InvalidInput, SiyuError
from siyu.tenancy.permissions import Perm
from siyu.wechat.pay import selectors, services

MODULE = "wechat"


def error_text(code: str) -> str:
    """Why a run could not compare, in the page's language (the stored code is WeChat's or ours)."""
    known = {
        "NO_STATEMENT_EXIST": _("WeChat Pay has not published this day's bill yet (it does after 10:00)."),
        "UNVERIFIED": _("The bill's signature or hash did not verify."),
        "BAD_BILL": _("The bill could not be read."),
    }
    return known.get(code, _("WeChat Pay answered with an error (%(code)s).") % {"code": code})


def _page(request: ConsoleRequest, form: ReconcileForm, error: SiyuError | None = None) -> HttpResponse:
    merchant_id = request.staff.merchant_id
    context = {
        "form": form,
        "error": error,
        "runs": [
            (run, error_text(run.error) if run.error else "")
            for run in selectors.reconciliation_runs(merchant_id)
        ],
        "configured": selectors.pay_configured(merchant_id),
    }
    status = error.status if error else 200
    return render_page(
        request, "console/wechat/pay_reconciliation.html", context, module=MODULE, status=status
    )


@require_GET
@console_view(Perm.ORDERS_VIEW, module=MODULE)
def reconciliation_page(request: ConsoleRequest) -> HttpResponse:
    yesterday = timezone.localdate() - timedelta(days=1)
    return _page(request, ReconcileForm(initial={"bill_date": yesterday}))


@require_POST
@console_view(Perm.ORDERS_VIEW, module=MODULE)
def reconcile(request: ConsoleRequest) -> HttpResponse:
    form = ReconcileForm(request.POST)
    if not form.is_valid():
        return _page(request, form, InvalidInput(detail={"bill_date": request.POST.get("bill_date", "")}))
    bill_date = form.cleaned_data["bill_date"]
    if bill_date >= timezone.localdate():
        error = InvalidInput(
            _("Only a finished day can be reconciled."), detail={"bill_date": str(bill_date)}
        )
        return _page(request, form, error)
    try:
        run = services.reconcile_trade_bill(
            merchant=request.staff.merchant, bill_date=bill_date, staff=request.staff
        )
    except SiyuError as exc:
        return _page(request, form, exc)
    messages.success(
        request,
        _("%(date)s reconciled: %(status)s.")
        % {"date": bill_date.isoformat(), "status": run.get_status_display()},
    )
    return redirect("console:wechat_reconciliation")
