"""Share links: the page's address with ``?sharer=<customer id>&source=<channel>``.

A visitor who lands through one is attributed in ``views.base`` (event, session, order source).

A shopping guide's link carries ``?guide=<code>`` instead of a sharer: the code is the guide's
staff id signed for their merchant (``siyu/members/guide_links.py``), so nobody can make a link
that binds customers to a guide of their choosing. A customer who lands through it (or logs in
after landing) is bound to that guide if they have none yet (``bind_to_link_guide``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.functional import Promise

from siyu.members.models import BindingSource, Customer, Source
from siyu.members.services import bind_guide
from siyu.tenancy.models import Role, Staff

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
