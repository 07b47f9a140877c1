"""Tracked links: ``{{ link }}`` becomes ``<SIYU_PUBLIC_URL>/reach/r/<code>``, one code per message.

A click (``follow_link``) stamps the message's first click, counts it, and records a ``page_view``
behaviour event whose source is ``promo_link`` with campaign ``reach:b<broadcast>`` (``reach:m<message>``
for a message outside a broadcast). The event moves the customer's last touch, so an order placed
within the attribution window (siyu/events/attribution.py) carries that campaign, and the
broadcast's report counts it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.reach.errors import LinkNotFound
from siyu.reach.models import Message, TrackedLink

CODE_BYTES = 8  # 64 random bits, url-safe: 11 characters


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def public_url(code: str) -> str:
    return f"{settings.SIYU_PUBLIC_URL.rstrip('/')}/reach/r/{code}"


def target_of(message: Message) -> str:
    """Where a message's link leads: the template's web link, else the shop's page."""
    template = message.template
    if template is not None and template.link_url:
        return template.link_url
    from django.urls import reverse

    page = template.page if template is not None else ""
    try:
        shop = reverse("storefront:home", kwargs={"merchant": message.merchant_id})
    except Exception:  # the storefront is not installed in this deployment
        shop = "/"
    return f"{settings.SIYU_PUBLIC_URL.rstrip('/')}{shop}" + (f"?page={page}" if page else "")


def link_for_messages(messages: Sequence[Message]) -> dict[int, str]:
    """Each message's tracked link URL, created on first use (one query to read, one to write)."""
    if not messages:
        return {}
    existing = dict(
        TrackedLink.objects.filter(message__in=[m.pk for m in messages]).values_list("message_id", "code")
    )
    fresh = [
        TrackedLink(merchant_id=m.merchant_id, message=m, code=new_code(), url=target_of(m))
        for m in messages
        if m.pk not in existing
    ]
    TrackedLink.objects.bulk_create(fresh)
    existing.update({link.message_id: link.code for link in fresh})
    return {pk: public_url(code) for pk, code in existing.items()}


def campaign_for(message: Message) -> str:
    from siyu.reach.reports import campaign_of

    return campaign_of(message.broadcast_id) if message.broadcast_id else f"reach:m{message.pk}"


@transaction.atomic
def follow_link(*, code: str, now: datetime | None = None) -> str:
    """Record a click on ``code`` and answer the URL to redirect to; ``LinkNotFound`` for an unknown code."""
    from siyu.events.services import record_events

    now = now or timezone.now()
    link = TrackedLink.objects.select_related("message").filter(code=code).first()
    if link is None:
        raise LinkNotFound(detail={"code": code[:32]})
    message = link.message
    TrackedLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
    TrackedLink.objects.filter(pk=link.pk, first_clicked_at__isnull=True).update(first_clicked_at=now)
    Message.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=now)
    result = record_events(
        merchant=message.merchant_id,
        customer=message.customer_id,
        events=[
            {
                "event_id": str(uuid.uuid4()),
                "type": "page_view",
                "occurred_at": now.isoformat(),
                "properties": {"path": "/reach/r/", "message_id": message.pk},
                "source": {
                    "channel": "promo_link",
                    "campaign": campaign_for(message),
                    "content_id": f"m{message.pk}",
                },
                "device": "server",
            }
        ],
        now=now,
        trusted=True,
    )
    if result.rejected:
        raise ValueError(f"click event refused: {result.rejected[0].code}")
    return link.url
