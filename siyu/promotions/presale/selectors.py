"""Reads of presales: a presale's stats, and the presales holding some SKUs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from siyu.orders.models import Order
from siyu.promotions.kit.stats import ActivityStats, Figure
from siyu.promotions.presale.models import BookingStatus, Presale, PresaleBooking, PresaleStatus

B = BookingStatus
PAID = ["paid", "shipped", "delivered", "completed"]
DEPOSIT_KEPT = [B.DEPOSIT_PAID, B.BALANCE_PENDING, B.COMPLETED, B.FORFEITED]


def presale_stats(presale: Presale) -> ActivityStats:
    rows = list(
        PresaleBooking.objects.filter(presale=presale)
        .values("status")
        .annotate(
            n=Count("pk"),
            units=Sum("quantity"),
            deposit=Sum("deposit_amount"),
            deduction=Sum("deduction_amount"),
        )
    )
    by: dict[str, dict[str, Any]] = {r["status"]: dict(r) for r in rows}

    def total(statuses: Sequence[str], key: str) -> int:
        return sum(int(by[s][key] or 0) for s in statuses if s in by)

    bookings = PresaleBooking.objects.filter(presale=presale)
    balance = Order.objects.filter(
        pk__in=bookings.filter(status=B.COMPLETED).values("balance_order_id"), status__in=PAID
    ).aggregate(n=Count("pk"), paid=Sum("paid_amount"))
    deposits_paid = total(DEPOSIT_KEPT, "n")
    deposits = total(DEPOSIT_KEPT, "deposit")
    balances = balance["paid"] or 0
    return ActivityStats(
        "presale_id",
        presale.pk,
        (
            Figure("participants", _("Participants"), bookings.values("customer_id").distinct().count()),
            Figure("bookings", _("Bookings"), {s: by[s]["n"] if s in by else 0 for s in B.values}),
            Figure("units", _("Units"), {s: by[s]["units"] if s in by else 0 for s in B.values}),
            Figure("orders", _("Paid orders"), deposits_paid + balance["n"]),
            Figure("deposits", _("Deposits"), deposits, money=True),
            Figure("forfeited", _("Deposits forfeited"), total([B.FORFEITED], "deposit"), money=True),
            Figure("balances", _("Balances"), balances, money=True),
            Figure("gmv", _("GMV"), deposits + balances, money=True),
            Figure(
                "discount_cost",
                _("Discount cost"),
                total([B.COMPLETED], "deduction") - total([B.COMPLETED], "deposit"),
                money=True,
            ),
        ),
    )


def live_on_skus(
    *, merchant_id: int, sku_ids: list[int], starts_at: datetime, ends_at: datetime
) -> list[dict[str, Any]]:
    """Presales not cancelled whose goods or deposit SKU is one of ``sku_ids``, with a window
    (first deposit to last balance) overlapping [starts_at, ends_at): an ended presale still takes
    its balances."""
    presales = (
        Presale.objects.for_merchant(merchant_id)
        .filter(Q(sku_id__in=sku_ids) | Q(deposit_sku_id__in=sku_ids))
        .filter(deposit_starts_at__lt=ends_at, balance_ends_at__gt=starts_at)
        .exclude(status=PresaleStatus.CANCELLED)
    )
    return [
        {"kind": "presale", "id": pk, "sku_id": sku if sku in sku_ids else deposit}
        for pk, sku, deposit in presales.values_list("pk", "sku_id", "deposit_sku_id")
    ]
