"""Which source an order is credited to: the link it came by, else the customer's last touch.

The storefront passes the channel of the share link the visitor landed by (``CheckoutRequest.source``);
that stands. Otherwise the customer's last touch counts if it is at most
``settings.SIYU_ATTRIBUTION_WINDOW_DAYS`` (default 7) old when the order is placed: a touch a month
ago did not bring today's order. Outside the window the order has no source ("direct").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from siyu.events.ingest import CHANNELS
from siyu.members.models import Customer


def window() -> timedelta:
    return timedelta(days=getattr(settings, "SIYU_ATTRIBUTION_WINDOW_DAYS", 7))


def order_source(*, customer: Customer, requested: str, at: datetime) -> tuple[str, str]:
    """(source, campaign) for an order ``customer`` places at ``at``; ``("", "")`` when direct."""
    touch = (
        Customer.objects.filter(pk=customer.pk)
        .values_list("last_touch_source", "last_touch_campaign", "last_touch_at")
        .first()
    )
    source, campaign, touched_at = touch or ("", "", None)
    recent = touched_at is not None and at - window() <= touched_at <= at + timedelta(minutes=5)
    if requested:
        # The link's channel stands; its campaign is known only if the last touch was that link.
        return requested[:16], campaign if recent and source == requested else ""
    if recent and source in CHANNELS:
        return source, campaign
    return "", ""
