"""Points expiry: every credit is a lot that expires ``points_valid_days`` after it was earned.

Spending takes the lots that expire soonest first (FIFO), so what a customer loses when lots expire
is what those lots still hold: ``sum(lots expired by now) - everything debited so far`` (spends,
reversals, earlier expiries), never below zero. The job finds the customers whose lots expired
since its last run (an index range on ``expires_at``), locks their memberships in chunks and books
each chunk with one aggregate query, one bulk insert and one bulk update: no query per customer.
Running it twice, or two at once, expires nothing twice: the second run finds nothing left due.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone

from siyu.members.loyalty.models import LoyaltySettings, Membership, PointsEntry, PointsKind

CHUNK = 1000
T = TypeVar("T")


def _chunks(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _due(merchant_id: int, customer_ids: Sequence[int], at: datetime) -> dict[int, int]:
    """customer id -> points of lots expired by ``at`` not yet covered by debits (may be <= 0)."""
    rows = (
        PointsEntry.objects.filter(merchant_id=merchant_id, customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(
            due=Sum(
                Case(
                    When(delta__gt=0, expires_at__lte=at, then=F("delta")),
                    When(delta__lt=0, then=F("delta")),
                    default=0,
                )
            )
        )
    )
    return {r["customer_id"]: r["due"] or 0 for r in rows}


def expiring_points(*, merchant_id: int, customer_id: int, within: timedelta, now: datetime) -> int:
    """Points that expire by ``now + within`` unless spent first."""
    return max(_due(merchant_id, [customer_id], now + within).get(customer_id, 0), 0)


def expire_points(*, now: datetime | None = None) -> int:
    """Expire due lots for every merchant with a membership programme. Returns the points expired."""
    now = now or timezone.now()
    merchants = LoyaltySettings.objects.order_by("merchant_id").values_list("merchant_id", flat=True)
    return sum(expire_merchant_points(merchant_id=m, now=now) for m in merchants)


def expire_merchant_points(*, merchant_id: int, now: datetime) -> int:
    settings = LoyaltySettings.objects.for_merchant(merchant_id).get()
    lots = PointsEntry.objects.for_merchant(merchant_id).filter(delta__gt=0, expires_at__lte=now)
    if settings.points_expired_through is not None:
        lots = lots.filter(expires_at__gt=settings.points_expired_through)
    customer_ids = list(lots.order_by("customer_id").values_list("customer_id", flat=True).distinct())
    expired = sum(_expire_chunk(merchant_id, chunk, now) for chunk in _chunks(customer_ids))
    LoyaltySettings.objects.filter(pk=settings.pk).update(points_expired_through=now)
    return expired


def _expire_chunk(merchant_id: int, customer_ids: Sequence[int], now: datetime) -> int:
    with transaction.atomic():
        rows = list(
            Membership.objects.select_for_update()
            .filter(merchant_id=merchant_id, customer_id__in=customer_ids)
            .order_by("pk")
        )
        due = _due(merchant_id, customer_ids, now)  # read under the locks: no spend can interleave
        entries, changed = [], []
        for row in rows:  # builds one bulk insert and one bulk update for the chunk
            amount = min(max(due.get(row.customer_id, 0), 0), row.points_balance)
            if not amount:
                continue
            row.points_balance -= amount
            changed.append(row)
            entries.append(
                PointsEntry(
                    merchant_id=merchant_id,
                    customer_id=row.customer_id,
                    kind=PointsKind.EXPIRE,
                    delta=-amount,
                    balance_after=row.points_balance,
                    idempotency_key=f"expire:{row.customer_id}:{now.isoformat()}",
                )
            )
        PointsEntry.objects.bulk_create(entries)
        Membership.objects.bulk_update(changed, ["points_balance"])
    return sum(-e.delta for e in entries)
