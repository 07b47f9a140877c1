"""Share links: the page's address with ``?sharer=<customer id>&source=<channel>``.

A visitor who lands through one is attributed in ``views.base`` (event, session, order source).

A shopping guide's link carries ``?guide=<code>`` instead of a sharer: the code is the guide's
staff id signed for their merchant (``guide_code``), so nobody can make a link that binds customers
to a guide of their choosing. A customer who lands through it (or logs in after landing) is bound
to that guide if they have none yet (``members.services.bind_guide``, source ``share_link``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

from siyu.members.models import BindingSource, Customer, Source
from siyu.members.services import bind_guide
from siyu.tenancy.models import Merchant, Role, Staff

# The channels a customer can share to from the H5 pages, in the order the share sheet lists them.
SHARE_CHANNELS = (Source.MOMENTS, Source.COMMUNITY, Source.PROMO_LINK)


@dataclass(frozen=True)
class ShareLink:
    channel: str
    label: str | Promise
    url: str


def share_url(request: HttpRequest, *, sharer_id: int | None, channel: str, path: str | None = None) -> str:
    params = {"sharer": sharer_id, "source": channel} if sharer_id else {"source": channel}
    return request.build_absolute_uri(path or request.path) + "?" + urlencode(params)


def share_links(request: HttpRequest, shop, path: str | None = None) -> list[ShareLink]:
    sharer_id = shop.customer.pk if shop.customer is not None else None
    return [
        ShareLink(
            channel=channel,
            label=Source(channel).label,
            url=share_url(request, sharer_id=sharer_id, channel=channel, path=path),
        )
        for channel in SHARE_CHANNELS
    ]


def _guide_signer(merchant_id: int) -> signing.Signer:
    return signing.Signer(salt=f"siyu.storefront.guide-link.{merchant_id}")


def guide_code(staff: Staff) -> str:
    """The ``guide`` parameter of a guide's share links (their id, signed for their merchant)."""
    return _guide_signer(staff.merchant_id).sign(str(staff.pk))


def guide_from_code(merchant: Merchant, code: str) -> Staff | None:
    """The active guide of ``merchant`` a ``guide`` parameter names, or None (forged, stale, other shop)."""
    if not code or len(code) > 100:
        return None
    try:
        pk = _guide_signer(merchant.pk).unsign(code)
    except signing.BadSignature:
        return None
    if not pk.isdigit():
        return None
    return Staff.objects.for_merchant(merchant).filter(pk=int(pk), role=Role.GUIDE, is_active=True).first()


def guide_share_url(request: HttpRequest, staff: Staff) -> str:
    """The guide's link to the shop's home page (what the console's "my customers" page offers)."""
    home = reverse("storefront:home", args=[staff.merchant.slug])
    params = {"guide": guide_code(staff), "source": Source.PROMO_LINK}
    return request.build_absolute_uri(home) + "?" + urlencode(params)


def bind_to_link_guide(customer: Customer, guide_id: int | None) -> None:
    """Bind the customer to the guide whose link they came by, if they have no guide yet.

    Called where a visitor becomes a known customer (a landing while logged in, a login after the
    landing). The guide may have left since the landing: then nothing happens.
    """
    if guide_id is None or customer.guide_id is not None:
        return
    guide = (
        Staff.objects.for_merchant(customer.merchant_id)
        .filter(pk=guide_id, role=Role.GUIDE, is_active=True)
        .first()
    )
    if guide is not None:
        bind_guide(staff=guide, customer_id=customer.pk, guide_id=guide.pk, source=BindingSource.SHARE_LINK)
