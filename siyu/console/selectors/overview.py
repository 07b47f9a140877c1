"""概况: the day-by-day numbers of a merchant, bucketed by local day in the merchant's timezone.

Two grouped queries whatever the range: one over paid orders (GMV, orders, paying customers) and
one over visit events (visitors). Conversion rate and AOV are derived from those. The overview
runs them for today and (cached for a few minutes) for the trend's complete days.

- GMV: what customers paid on the orders paid that day (later refunds are not deducted).
- Orders: orders paid that day. Paying customers: distinct customers among them.
- Visitors: distinct people with a ``visit`` event that day: customers by id, anonymous visitors by
  their device id (a visit with neither is not counted).
- Conversion rate: paying customers / visitors. AOV: GMV / orders, in fen, rounded half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from siyu.events.models import Event, EventKind
from siyu.orders.models import Order
from siyu.tenancy.models import Merchant


class LocalDate(TruncDate):
    """``TruncDate`` in a zone; on SQLite with a fixed UTC offset, SQLite's own ``date()``.

    Django's SQLite ``TruncDate`` calls a Python function per row (5x slower over a month of
    events); with one offset over the whole range, shifting the UTC text is the same day.
    """

    def __init__(self, expression: str, *, tzinfo: ZoneInfo, fixed_offset: timedelta | None) -> None:
        super().__init__(expression, tzinfo=tzinfo)
        self.fixed_offset = fixed_offset

    def as_sqlite(self, compiler, connection, **extra):
        if self.fixed_offset is None:
            return self.as_sql(compiler, connection)
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, %s)", (*params, f"{int(self.fixed_offset.total_seconds()):+d} seconds")


def fixed_offset(zone: ZoneInfo, start: date, end: date) -> timedelta | None:
    """The zone's UTC offset if it is the same at every local midnight from start to end + 1."""
    offsets = {
        zone.utcoffset(datetime.combine(start + timedelta(days=n), time.min))
        for n in range((end - start).days + 2)
    }
    return offsets.pop() if len(offsets) == 1 else None


@dataclass(frozen=True)
class DayMetrics:
    day: date
    gmv: int = 0
    orders: int = 0
    paying_customers: int = 0
    visitors: int = 0

    @property
    def aov(self) -> int:
        """Average order value in fen, rounded half up; 0 without orders."""
        return (2 * self.gmv + self.orders) // (2 * self.orders) if self.orders else 0

    @property
    def conversion_rate(self) -> float | None:
        """Paying customers per visitor, in percent with two decimals; None without visitors."""
        if not self.visitors:
            return None
        return round(100 * self.paying_customers / self.visitors, 2)


def local_day_bounds(merchant: Merchant, start: date, end: date) -> tuple[datetime, datetime]:
    """The aware instants from ``start`` 00:00 to the midnight after ``end``, in the merchant's zone."""
    zone = ZoneInfo(merchant.timezone)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def daily_metrics(*, merchant: Merchant, start: date, end: date) -> list[DayMetrics]:
    """One row per local day from ``start`` to ``end`` inclusive; days without activity are zeros."""
    zone = ZoneInfo(merchant.timezone)
    lower, upper = local_day_bounds(merchant, start, end)
    offset = fixed_offset(zone, start, end)
    sales = (
        Order.objects.for_merchant(merchant)
        .filter(paid_at__gte=lower, paid_at__lt=upper)
        .annotate(day=LocalDate("paid_at", tzinfo=zone, fixed_offset=offset))
        .order_by()
        .values("day")
        .annotate(gmv=Sum("paid_amount"), orders=Count("id"), payers=Count("customer_id", distinct=True))
    )
    anonymous = Q(customer_id__isnull=True) & ~Q(anonymous_id="")
    visits = (
        Event.objects.for_merchant(merchant)
        .filter(kind=EventKind.VISIT, occurred_at__gte=lower, occurred_at__lt=upper)
        .annotate(day=LocalDate("occurred_at", tzinfo=zone, fixed_offset=offset))
        .order_by()
        .values("day")
        .annotate(
            customers=Count("customer_id", distinct=True),
            anonymous=Count("anonymous_id", distinct=True, filter=anonymous),
        )
    )
    by_day: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in sales}
    visitors = {row["day"]: row["customers"] + row["anonymous"] for row in visits}
    days = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        row = by_day.get(day, {})
        days.append(
            DayMetrics(
                day=day,
                gmv=row.get("gmv") or 0,
                orders=row.get("orders", 0),
                paying_customers=row.get("payers", 0),
                visitors=visitors.get(day, 0),
            )
        )
    return days


@dataclass(frozen=True)
class Kpi:
    """One card: today's value, yesterday's, and the change in percent (None from zero)."""

    key: str
    today: int | float | None
    yesterday: int | float | None

    @property
    def delta(self) -> float | None:
        if self.today is None or not self.yesterday:
            return None
        return round(100 * (self.today - self.yesterday) / self.yesterday, 1)


@dataclass(frozen=True)
class Overview:
    """Today so far against yesterday (the cards), and the trend of the complete days before today."""

    today: date
    days: list[DayMetrics]  # the trend's days, then today

    @property
    def trend(self) -> list[DayMetrics]:
        return self.days[:-1]

    @property
    def first_day(self) -> date:
        return self.days[0].day

    @property
    def last_day(self) -> date:
        return self.days[-2].day

    @property
    def kpis(self) -> dict[str, Kpi]:
        now, before = self.days[-1], self.days[-2]
        return {
            key: Kpi(key, getattr(now, key), getattr(before, key))
            for key in ("gmv", "orders", "paying_customers", "visitors", "conversion_rate", "aov")
        }

    def chart(self) -> dict:
        """The trend series for the page's charts (labels are ISO dates; amounts in fen)."""
        days = self.trend
        return {
            "labels": [d.day.isoformat() for d in days],
            "gmv": [d.gmv for d in days],
            "orders": [d.orders for d in days],
            "paying_customers": [d.paying_customers for d in days],
            "visitors": [d.visitors for d in days],
            "conversion_rate": [d.conversion_rate for d in days],
            "aov": [d.aov for d in days],
        }


RANGES = (7, 30, 90)


def local_today(merchant: Merchant) -> date:
    return timezone.localdate(timezone=ZoneInfo(merchant.timezone))


# Complete days hardly change (only a late event could), so their trend is kept this long; today
# is always counted afresh. A 90-day trend over the demo's year of history costs ~100 ms uncached.
PAST_DAYS_SECONDS = 300


def overview(*, merchant: Merchant, days: int = 30, today: date | None = None) -> Overview:
    """Today (live), and the ``days`` complete local days before it (cached for a few minutes)."""
    today = today or local_today(merchant)
    days = max(days, 1)
    start, yesterday = today - timedelta(days=days), today - timedelta(days=1)
    key = f"console:overview:{merchant.pk}:{merchant.timezone}:{start}:{yesterday}"
    past = cache.get(key)
    if past is None:
        past = daily_metrics(merchant=merchant, start=start, end=yesterday)
        cache.set(key, past, PAST_DAYS_SECONDS)
    return Overview(today=today, days=[*past, *daily_metrics(merchant=merchant, start=today, end=today)])
