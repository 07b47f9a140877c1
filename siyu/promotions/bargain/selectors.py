"""Reads of bargains: what the shop shows, record pages, and the staff's numbers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantQuerySet
from siyu.promotions.bargain.models import Bargain, BargainHelp, BargainRecord, RecordStatus
from siyu.promotions.bargain.services.records import KIND
from siyu.promotions.kit.models import ActivityStatus
from siyu.promotions.kit.stats import ActivityStats, Figure, sales_figures

LIVE = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED)  # holds its SKU against other activities


def bargains(merchant_id: int) -> TenantQuerySet:
    return Bargain.objects.for_merchant(merchant_id).select_related("sku__product")


def live_bargains(merchant_id: int, now: datetime) -> TenantQuerySet:
    """Bargains a customer can start right now, ending soonest first."""
    return (
        bargains(merchant_id)
        .filter(status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at", "pk")
    )


def records(merchant_id: int) -> TenantQuerySet:
    return (
        BargainRecord.objects.for_merchant(merchant_id)
        .select_related("customer", "bargain__sku__product")
        .prefetch_related(
            Prefetch("helps", queryset=BargainHelp.objects.select_related("helper").order_by("seq"))
        )
    )


def bargain_stats(bargain: Bargain) -> ActivityStats:
    """Participants, helps, outcomes, orders, GMV and discount cost of one bargain."""
    rows = BargainRecord.objects.filter(bargain=bargain)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    helps = BargainHelp.objects.filter(record__bargain=bargain)
    return ActivityStats(
        "bargain_id",
        bargain.pk,
        (
            Figure("records", _("Records"), sum(by_status.values())),
            Figure("participants", _("Participants"), rows.values("customer_id").distinct().count()),
            Figure("helps", _("Helps"), helps.count()),
            Figure("helpers", _("Helpers"), helps.values("helper_id").distinct().count()),
            Figure("ongoing", _("Ongoing"), by_status.get(RecordStatus.ONGOING, 0)),
            Figure(
                "reached_floor",
                _("Reached the lowest price"),
                rows.filter(succeeded_at__isnull=False).count(),
            ),
            Figure("expired", _("Expired"), by_status.get(RecordStatus.EXPIRED, 0)),
            Figure("ordered", _("Ordered"), by_status.get(RecordStatus.ORDERED, 0)),
            Figure("sold", _("Sold"), bargain.sold),
            *sales_figures(bargain.merchant_id, KIND, rows.values("pk")),
        ),
    )


def live_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict]:
    """Live (active or paused) bargains on these SKUs in a window overlapping [starts_at, ends_at)."""
    rows = Bargain.objects.filter(
        merchant_id=merchant_id,
        sku_id__in=sku_ids,
        status__in=LIVE,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).order_by("pk")
    return [{"kind": KIND, "id": i, "sku_id": s} for i, s in rows.values_list("pk", "sku_id")]
