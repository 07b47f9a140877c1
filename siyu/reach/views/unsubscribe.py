"""The unsubscribe link of every email (and any channel whose message carries one): ``/reach/u/<token>``.

GET shows a confirm page with one button; POST unsubscribes. A mail client's one-click unsubscribe
(RFC 8058: ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) posts straight to the URL, without a
page or a CSRF token: the signed token is the proof. A token Siyu did not sign, or one naming a
customer who is gone, is a 400 page and changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.members.models import Channel, Customer
from siyu.reach.channels.email import read_unsubscribe_token
from siyu.tenancy.models import Merchant

TEMPLATE = "reach/unsubscribe.html"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    data = read_unsubscribe_token(token)
    merchant = Merchant.objects.filter(pk=data["m"]).first() if data else None
    known = (
        data is not None
        and merchant is not None
        and data["ch"] in Channel.values
        and Customer.objects.filter(merchant_id=data["m"], pk=data["c"]).exists()
    )
    if not known or data is None or merchant is None:
        return render(request, TEMPLATE, {"invalid": True}, status=400)
    context = {"merchant": merchant.name, "channel": Channel(data["ch"]).label}
    if request.method == "POST":
        from siyu.reach import services

        services.unsubscribe(
            merchant_id=merchant.pk,
            customer_id=int(data["c"]),
            channel=data["ch"],
            message_id=data.get("msg"),
        )
        return render(request, TEMPLATE, {**context, "done": True})
    return render(request, TEMPLATE, context)
