"""A broadcast's send report (selectors.broadcast_report)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from siyu.reach.models import Broadcast, Message


def campaign_of(broadcast_id: int) -> str:
    """The campaign string a broadcast's clicks carry (and orders are attributed by)."""
    return f"reach:b{broadcast_id}"


def report(broadcast: Broadcast, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    rows = (
        Message.objects.filter(broadcast=broadcast)
        .values("channel", "status", "reason")
        .annotate(
            n=Count("id"),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
        )
        .order_by()
    )
    total: dict[str, Any] = _empty()
    per_channel: dict[str, dict[str, Any]] = {}
    for r in rows:
        for bucket in (total, per_channel.setdefault(r["channel"] or "", _empty())):
            _add(bucket, r)
    orders = _orders(broadcast)
    total.update(orders)
    return {
        "broadcast_id": broadcast.pk,
        "status": broadcast.status,
        "audience_size": broadcast.audience_size,
        **total,
        "channels": [{"channel": c, **v} for c, v in sorted(per_channel.items()) if c],
    }


def _empty() -> dict[str, Any]:
    return {
        "planned": 0,
        "holdout": 0,
        "skipped": {},
        "queued": 0,
        "sending": 0,
        "sent": 0,
        "delivered": 0,
        "failed": 0,
        "in_doubt": 0,
        "cancelled": 0,
        "clicked": 0,
        "unsubscribed": 0,
    }


def _add(bucket: dict[str, Any], r: Any) -> None:
    n, status, reason = r["n"], r["status"], r["reason"]
    bucket["planned"] += n
    bucket["clicked"] += r["clicked"]
    bucket["unsubscribed"] += r["unsubscribed"]
    if status == "skipped":
        if reason == "holdout":
            bucket["holdout"] += n
        else:
            bucket["skipped"][reason] = bucket["skipped"].get(reason, 0) + n
    elif status in ("queued", "planned"):
        bucket["queued"] += n
    elif status == "delivered":
        # Delivered messages were sent too: "sent" counts every message the provider took.
        bucket["delivered"] += n
        bucket["sent"] += n
    elif status in bucket:
        bucket[status] += n


def _orders(broadcast: Broadcast) -> dict[str, int]:
    """Orders whose source campaign is this broadcast (set by attribution from the link's click)."""
    from siyu.orders.models import Order

    agg = Order.objects.filter(
        merchant_id=broadcast.merchant_id, source_campaign=campaign_of(broadcast.pk), paid_at__isnull=False
    ).aggregate(n=Count("id"), gmv=Sum("paid_amount"))
    return {"orders": agg["n"] or 0, "gmv": agg["gmv"] or 0}
