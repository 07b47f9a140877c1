"""The periodic membership jobs: tier downgrade evaluation and birthday coupons.

Downgrade (off by default): every ``downgrade_period_days`` after a member's tier started (or was
last evaluated), the growth they earned in that period is compared with the tier's
``keep_threshold``; below it they drop one tier and their growth value is cut to the lower tier's
threshold (a ``downgrade`` growth entry), so they must earn the difference again to climb back.
Members due are found by one query and handled in locked chunks with bulk writes.

Birthday coupons: on a member's birthday in the merchant's time zone (29 February counts on 28
February in other years) the
tier's birthday coupon template is issued once per year, through ``issue_coupon`` with the claim
key ``birthday:<year>``, so a rerun of the job (or two at once) issues nothing twice and raises
nothing: a run that meets a coupon another run just issued takes it as already given.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from siyu.core.errors import SiyuError
from siyu.members.loyalty.models import GrowthEntry, GrowthKind, LoyaltySettings, Membership, TierChange
from siyu.members.loyalty.services import ledger
from siyu.members.loyalty.services.expiry import _chunks
from siyu.promotions.services.coupons import issue_coupon

log = logging.getLogger(__name__)


def evaluate_tiers(*, now: datetime | None = None) -> int:
    """Run the downgrade evaluation for every merchant that turned it on. Returns members dropped."""
    now = now or timezone.now()
    rows = LoyaltySettings.objects.filter(enabled=True, downgrade_enabled=True).order_by("merchant_id")
    return sum(
        evaluate_merchant_tiers(merchant_id=s.merchant_id, period_days=s.downgrade_period_days, now=now)
        for s in rows
    )


def _due(merchant_id: int, cutoff: datetime):
    return Membership.objects.filter(merchant_id=merchant_id, tier__isnull=False).filter(
        Q(tier_evaluated_at__lte=cutoff) | Q(tier_evaluated_at__isnull=True, tier_since__lte=cutoff)
    )


def evaluate_merchant_tiers(*, merchant_id: int, period_days: int, now: datetime) -> int:
    cutoff = now - timedelta(days=period_days)
    ids = list(_due(merchant_id, cutoff).order_by("pk").values_list("pk", flat=True))
    return sum(_evaluate_chunk(merchant_id, chunk, cutoff, now) for chunk in _chunks(ids))


def _evaluate_chunk(merchant_id: int, ids: Sequence[int], cutoff: datetime, now: datetime) -> int:
    all_tiers = ledger.tiers(merchant_id)
    lower = {t.pk: (all_tiers[i - 1] if i else None) for i, t in enumerate(all_tiers)}
    by_id = {t.pk: t for t in all_tiers}
    with transaction.atomic():
        rows = list(_due(merchant_id, cutoff).select_for_update().filter(pk__in=ids).order_by("pk"))
        earned = dict(
            GrowthEntry.objects.filter(
                merchant_id=merchant_id, customer_id__in=[r.customer_id for r in rows], created_at__gt=cutoff
            )
            .exclude(kind=GrowthKind.DOWNGRADE)
            .values("customer_id")
            .annotate(total=Sum("delta"))
            .values_list("customer_id", "total")
        )
        kept, dropped, growth_rows, changes = [], [], [], []
        for row in rows:  # builds the chunk's bulk writes
            tier, below = by_id[row.tier_id], lower[row.tier_id]
            if below is None or earned.get(row.customer_id, 0) >= tier.keep_threshold:
                kept.append(row.pk)
                continue
            growth = min(row.growth_value, below.growth_threshold)
            if growth != row.growth_value:
                growth_rows.append(
                    GrowthEntry(
                        merchant_id=merchant_id,
                        customer_id=row.customer_id,
                        kind=GrowthKind.DOWNGRADE,
                        delta=growth - row.growth_value,
                        growth_after=growth,
                        idempotency_key=f"downgrade:{row.customer_id}:{now.isoformat()}",
                    )
                )
            changes.append(
                TierChange(
                    merchant_id=merchant_id,
                    customer_id=row.customer_id,
                    from_tier=tier,
                    to_tier=below,
                    reason="downgrade",
                    growth_value=growth,
                )
            )
            row.tier, row.tier_since, row.tier_evaluated_at, row.growth_value = below, now, now, growth
            dropped.append(row)
        Membership.objects.filter(pk__in=kept).update(tier_evaluated_at=now)
        GrowthEntry.objects.bulk_create(growth_rows)
        TierChange.objects.bulk_create(changes)
        Membership.objects.bulk_update(dropped, ["tier", "tier_since", "tier_evaluated_at", "growth_value"])
    return len(dropped)


def _birthdays(today: date) -> Q:
    q = Q(customer__birthday__month=today.month, customer__birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        q |= Q(customer__birthday__month=2, customer__birthday__day=29)
    return q


def _merchants_by_zone() -> dict[str, list[int]]:
    """The merchants with loyalty turned on, grouped by their time zone (whose calendar says "today")."""
    zones: dict[str, list[int]] = {}
    rows = LoyaltySettings.objects.filter(enabled=True).values_list("merchant_id", "merchant__timezone")
    for merchant_id, zone in rows.order_by("merchant_id"):
        zones.setdefault(zone, []).append(merchant_id)
    return zones


def issue_birthday_coupons(*, now: datetime | None = None) -> int:
    """Issue today's birthday coupons. Returns how many were issued.

    "Today", and the year of the claim key, are each merchant's own: a Shanghai shop's members get
    theirs from 00:00 Shanghai time (16:00 UTC the day before), a New York shop's from its midnight.
    """
    now = now or timezone.now()
    return sum(
        _issue_birthday_coupons(merchant_ids, timezone.localdate(now, ZoneInfo(zone)))
        for zone, merchant_ids in _merchants_by_zone().items()
    )


def _issue_birthday_coupons(merchant_ids: list[int], today: date) -> int:
    due = (
        Membership.objects.filter(
            _birthdays(today), merchant_id__in=merchant_ids, tier__birthday_template__isnull=False
        )
        .filter(Q(birthday_coupon_year__isnull=True) | ~Q(birthday_coupon_year=today.year))
        .select_related("customer", "tier__birthday_template")
        .order_by("pk")
    )
    issued = 0
    # Only today's birthdays are read; each coupon goes through the one issuing path.
    for row in due.iterator(chunk_size=500):
        template = row.tier.birthday_template if row.tier else None
        if template is None:  # the filter above guarantees one; this keeps the type checker sure
            continue
        try:
            with transaction.atomic():
                issue_coupon(
                    template=template,
                    customer=row.customer,
                    source="birthday",
                    claim_key=f"birthday:{today.year}",
                )
                # An overlapping run may have issued this coupon after our query read the row: the
                # claim key then answers its coupon, and only the run whose UPDATE marks the year counts it.
                marked = (
                    Membership.objects.filter(pk=row.pk)
                    .filter(Q(birthday_coupon_year__isnull=True) | ~Q(birthday_coupon_year=today.year))
                    .update(birthday_coupon_year=today.year)
                )
        except SiyuError as exc:  # used up, paused, limit reached: the next run tries again today
            log.info("birthday coupon %s not issued to %s: %s", template.pk, row.customer_id, exc.code)
            continue
        issued += marked
    return issued
