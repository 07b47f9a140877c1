"""Reads of bargains: what the shop shows, record pages, and the staff's numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from siyu.promotions.bargain.models import ActivityStatus, Bargain, BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.services.records import KIND
from siyu.promotions.groupbuy.selectors import activity_sales


def bargains(merchant_id: int) -> QuerySet[Bargain]:
    return Bargain.objects.for_merchant(merchant_id).select_related("sku__product")


def live_bargains(merchant_id: int, now: datetime) -> QuerySet[Bargain]:
    """Bargains a customer can start right now, ending soonest first."""
    return (
        bargains(merchant_id)
        .filter(status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")
    )


def records(merchant_id: int) -> QuerySet[BargainRecord]:
    return (
        BargainRecord.objects.for_merchant(merchant_id)
        .select_related("customer", "bargain__sku__product")
        .prefetch_related(
            Prefetch("helps", queryset=BargainHelp.objects.select_related("helper").order_by("seq"))
        )
    )


def bargain_stats(bargain: Bargain) -> dict[str, Any]:
    """Participants, helps, outcomes, orders, GMV and discount cost of one bargain."""
    rows = BargainRecord.objects.filter(bargain=bargain)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    helps = BargainHelp.objects.filter(record__bargain=bargain)
    return {
        "bargain_id": bargain.pk,
        "records": sum(by_status.values()),
        "participants": rows.values("customer_id").distinct().count(),
        "helps": helps.count(),
        "helpers": helps.values("helper_id").distinct().count(),
        "ongoing": by_status.get(RecordStatus.ONGOING, 0),
        "reached_floor": rows.filter(succeeded_at__isnull=False).count(),
        "expired": by_status.get(RecordStatus.EXPIRED, 0),
        "ordered": by_status.get(RecordStatus.ORDERED, 0),
        "sold": bargain.sold,
        **activity_sales(bargain.merchant_id, KIND, rows.values("pk")),
    }
