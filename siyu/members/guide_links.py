"""A shopping guide's share code: the ``guide`` parameter of the links a guide sends to customers.

The code is the guide's staff id signed for their merchant, so nobody can make a link that binds
customers to a guide of their choosing, and a code of one shop means nothing in another. The
storefront reads it (``siyu/storefront/sharing.py``); the console shows the guide their link.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from siyu.members.models import Source
from siyu.tenancy.models import Merchant, Role, Staff


def _signer(merchant_id: int) -> signing.Signer:
    return signing.Signer(salt=f"siyu.members.guide-link.{merchant_id}")


def guide_code(staff: Staff) -> str:
    """The ``guide`` parameter of the staff member's share links."""
    return _signer(staff.merchant_id).sign(str(staff.pk))


def guide_from_code(merchant: Merchant, code: str) -> Staff | None:
    """The active guide of ``merchant`` a ``guide`` parameter names, or None (forged, stale, other shop)."""
    if not code or len(code) > 100:
        return None
    try:
        pk = _signer(merchant.pk).unsign(code)
    except signing.BadSignature:
        return None
    if not pk.isdigit():
        return None
    return Staff.objects.for_merchant(merchant).filter(pk=int(pk), role=Role.GUIDE, is_active=True).first()


def guide_share_url(request: HttpRequest, staff: Staff) -> str:
    """The guide's link to the shop's home page, as a customer opens it."""
    home = reverse("storefront:home", args=[staff.merchant.slug])
    params = {"guide": guide_code(staff), "source": Source.PROMO_LINK}
    return request.build_absolute_uri(home) + "?" + urlencode(params)
