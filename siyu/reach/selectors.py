"""Reads of the reach engine: the live audience preview, a broadcast's report, a customer's messages.

``broadcast_preview`` answers the console while an operator edits a broadcast, so it runs a few
set-based queries whatever the segment's size (the same eligibility rules ``planning.py`` applies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from siyu.reach.models import Broadcast, Message


def broadcast_preview(
    merchant_id: int,
    segment_id: int,
    template_ids: list[int],
    holdout_bp: int,
    send_time: str,
    now: datetime,
) -> dict[str, Any]:
    """How a broadcast would land, were it started now.

    ``{"audience": n, "blocked": n, "holdout": expected n, "channels": [{"template_id", "channel",
    "reachable"}...] (first reachable wins, in preference order), "unreachable": n, "no_consent": n,
    "over_budget": n, "to_send": n}``.
    """
    from siyu.reach.planning import preview_counts

    return preview_counts(
        merchant_id=merchant_id,
        segment_id=segment_id,
        template_ids=template_ids,
        holdout_bp=holdout_bp,
        send_time=send_time,
        now=now,
    )


def broadcast_report(broadcast: Broadcast, *, now: datetime | None = None) -> dict[str, Any]:
    """What a broadcast did: planned, holdout, skipped by reason, queued, sent, delivered, failed, in
    doubt, clicked, unsubscribed, the orders and GMV attributed to it, and the same per channel."""
    from siyu.reach.reports import report

    return report(broadcast, now=now)


def customer_messages(merchant_id: int, customer_id: int, *, limit: int = 100) -> QuerySet[Message]:
    """The customer's messages, newest first, with their template and broadcast (the 360 timeline)."""
    return (
        Message.objects.for_merchant(merchant_id)
        .filter(customer_id=customer_id)
        .select_related("template", "broadcast")
        .order_by("-send_at", "-id")[:limit]
    )


def messages(
    merchant_id: int,
    *,
    broadcast_id: int | None = None,
    customer_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Message]:
    """The merchant's messages filtered by broadcast, customer and status, newest first."""
    qs = Message.objects.for_merchant(merchant_id).select_related("template")
    if broadcast_id is not None:
        qs = qs.filter(broadcast_id=broadcast_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def in_doubt(merchant_id: int) -> QuerySet[Message]:
    """Sends whose outcome is unknown (the worker died, the channel cannot be asked): for review."""
    return messages(merchant_id, status="in_doubt")
