"""Share links: the page's address with ``?sharer=<customer id>&source=<channel>``.

A visitor who lands through one is attributed in ``views.base`` (event, session, order source).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.functional import Promise

from siyu.members.models import Source

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
