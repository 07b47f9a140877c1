"""The sandbox cashier page: stands in for a real gateway's payment page in the demo and tests."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from siyu.core.errors import SiyuError
from siyu.orders.gateways.sandbox import SandboxGateway
from siyu.orders.models import OrderStatus, Payment, PaymentStatus
from siyu.orders.services.payments import receive_notification


def _safe_return(request: HttpRequest) -> str:
    """The shop page to go back to: only a path or URL on this site, never an open redirect."""
    url = request.GET.get("return", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, payment_number: str) -> HttpResponse:
    """GET shows the amount; POST pays: the sandbox signs a notification and delivers it.

    Delivery goes through ``receive_notification``, the same code path as the HTTP callback
    endpoint, so the signature check and replay protection are exercised on every demo payment.
    The page exists only while the sandbox gateway is on (``SIYU_SANDBOX_PAY``): it takes no money.
    """
    if not settings.SIYU_SANDBOX_PAY:
        raise Http404
    payment = (
        Payment.objects.select_related("order", "merchant")
        .filter(number=payment_number, gateway="sandbox")
        .first()
    )
    if payment is None:
        return render(request, "orders/sandbox_pay.html", {"missing": True}, status=404)
    error = ""
    if request.method == "POST" and payment.status == PaymentStatus.PENDING:
        if payment.order.status != OrderStatus.PENDING_PAYMENT or payment.order.expires_at <= timezone.now():
            error = "expired"
        else:
            body, headers = SandboxGateway().build_notification(
                payment_number=payment.number, amount=payment.amount
            )
            try:
                receive_notification(gateway="sandbox", body=body, headers=headers)
            except SiyuError as exc:
                error = exc.code
            payment.refresh_from_db()
    return render(
        request,
        "orders/sandbox_pay.html",
        {
            "payment": payment,
            "order": payment.order,
            "error": error,
            "return_url": _safe_return(request),
        },
    )
