"""The fatigue budget: how many messages a customer may get per local day and week, and the claim.

The rule (docs/reach.md, "The budget"):

- Days are the merchant's local days (``Merchant.timezone``); a message counts on ``budget_day``, the
  local date of its slot. The week of a day is the 7 local days ending on it.
- Counted: the customer's non-transactional messages in ``COUNTED_STATUSES`` (sending, sent,
  delivered, in doubt). Transactional messages are exempt and never counted.
- Caps: ``FatiguePolicy.daily_cap`` / ``weekly_cap`` across channels, and the channel's own
  ``ChannelSetting.daily_cap`` / ``weekly_cap`` counting that channel only. A message may go when,
  with it, no cap is exceeded.
- Tolerance (when ``FatiguePolicy.tighten_for_tolerance``): a customer who opted out of any channel
  in the 90 days before the slot, or whose last ``UNENGAGED_AFTER`` (5) sent messages were all left
  unclicked, gets daily cap 1 and weekly cap ``max(1, weekly_cap - 1)``.
- Priority: a queued message of strictly higher priority on the same day holds its place: a lower
  one claimed first counts it, so the higher one is not crowded out (the lower one is
  ``skipped displaced``, or deferred). Planning counts queued messages of higher *or equal* priority,
  so two broadcasts planned one after the other do not both take the last slot.

``claim`` is the authoritative check, made at send time inside the message's transaction with the
customer's ``ReachBudget`` row locked ``FOR UPDATE``: two workers claiming two messages of one
customer count one after the other, so the last slot of a day goes to exactly one of them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from siyu.members.models import ContactPreference
from siyu.reach.models import COUNTED_STATUSES, ChannelSetting, FatiguePolicy, Message, MessageStatus

TOLERANCE_DAYS = 90
UNENGAGED_AFTER = 5


@lru_cache(maxsize=256)
def _zone_name(merchant_id: int) -> str:
    from siyu.tenancy.models import Merchant

    return (
        Merchant.objects.filter(pk=merchant_id).values_list("timezone", flat=True).first() or "Asia/Shanghai"
    )


def merchant_zone(merchant_id: int) -> ZoneInfo:
    return ZoneInfo(_zone_name(merchant_id))


def local_day(merchant_id: int, moment: dt.datetime) -> dt.date:
    """The merchant-local date of ``moment``."""
    return moment.astimezone(merchant_zone(merchant_id)).date()


def next_day(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The same local wall time a day later."""
    local = moment.astimezone(zone)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), local.time().replace(tzinfo=None), zone)


@dataclass(frozen=True)
class Caps:
    daily: int
    weekly: int
    channel_daily: dict[str, int | None]
    channel_weekly: dict[str, int | None]


def caps_for(merchant_id: int) -> tuple[Caps, bool]:
    """The merchant's caps and whether tolerance tightens them."""
    policy = FatiguePolicy.objects.filter(merchant_id=merchant_id).first() or FatiguePolicy()
    settings = ChannelSetting.objects.filter(merchant_id=merchant_id).values_list(
        "channel", "daily_cap", "weekly_cap"
    )
    return (
        Caps(
            daily=policy.daily_cap,
            weekly=policy.weekly_cap,
            channel_daily={c: d for c, d, _w in settings},
            channel_weekly={c: w for c, _d, w in settings},
        ),
        policy.tighten_for_tolerance,
    )


def tightened(caps: Caps) -> Caps:
    return Caps(1, max(1, caps.weekly - 1), caps.channel_daily, caps.channel_weekly)


def low_tolerance(merchant_id: int, customer_ids: Iterable[int], now: dt.datetime) -> set[int]:
    """The customers whose caps tolerance tightens (see the module docstring), among ``customer_ids``."""
    ids = list(set(customer_ids))
    if not ids:
        return set()
    since = now - dt.timedelta(days=TOLERANCE_DAYS)
    out: set[int] = set()
    for chunk in _chunks(ids):
        out.update(
            ContactPreference.objects.filter(
                merchant_id=merchant_id, customer_id__in=chunk, opted_in=False, updated_at__gte=since
            ).values_list("customer_id", flat=True)
        )
        out.update(
            Message.objects.filter(
                merchant_id=merchant_id, customer_id__in=chunk, unsubscribed_at__gte=since
            ).values_list("customer_id", flat=True)
        )
        recent: dict[int, list[bool]] = {}
        rows = (
            Message.objects.filter(
                merchant_id=merchant_id,
                customer_id__in=chunk,
                transactional=False,
                status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
                sent_at__gte=since,
            )
            .order_by("customer_id", "-sent_at", "-id")
            .values_list("customer_id", "clicked_at")
        )
        for cid, clicked in rows:
            seen = recent.setdefault(cid, [])
            if len(seen) < UNENGAGED_AFTER:
                seen.append(clicked is not None)
        out.update(cid for cid, seen in recent.items() if len(seen) >= UNENGAGED_AFTER and not any(seen))
    return out


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


@dataclass
class Load:
    """What already stands on a customer's days: counts per (day) and per (day, channel)."""

    days: Counter[dt.date]
    channel_days: Counter[tuple[dt.date, str]]

    def week(self, day: dt.date) -> int:
        return sum(self.days[day - dt.timedelta(days=i)] for i in range(7))

    def channel_week(self, day: dt.date, channel: str) -> int:
        return sum(self.channel_days[(day - dt.timedelta(days=i), channel)] for i in range(7))

    def fits(self, day: dt.date, channel: str, caps: Caps) -> bool:
        if self.days[day] + 1 > caps.daily or self.week(day) + 1 > caps.weekly:
            return False
        ch_daily, ch_weekly = caps.channel_daily.get(channel), caps.channel_weekly.get(channel)
        if ch_daily is not None and self.channel_days[(day, channel)] + 1 > ch_daily:
            return False
        return not (ch_weekly is not None and self.channel_week(day, channel) + 1 > ch_weekly)

    def add(self, day: dt.date, channel: str) -> None:
        self.days[day] += 1
        self.channel_days[(day, channel)] += 1


def standing(qs_filter: Q, *, priority: int, strictly_higher: bool) -> Q:
    """Messages that take a place in a budget: counted ones, and queued ones of higher priority."""
    higher = Q(priority__gt=priority) if strictly_higher else Q(priority__gte=priority)
    return (
        qs_filter
        & Q(transactional=False)
        & (Q(status__in=COUNTED_STATUSES) | (Q(status=MessageStatus.QUEUED) & higher))
    )


def loads(
    merchant_id: int,
    customer_ids: list[int],
    first_day: dt.date,
    last_day: dt.date,
    *,
    priority: int,
    strictly_higher: bool,
    exclude: Q | None = None,
) -> dict[int, Load]:
    """Each customer's standing messages with budget days in [first_day - 6, last_day]."""
    out: dict[int, Load] = {}
    for chunk in _chunks(customer_ids):
        qs = Message.objects.filter(
            standing(
                Q(
                    merchant_id=merchant_id,
                    customer_id__in=chunk,
                    budget_day__gte=first_day - dt.timedelta(days=6),
                    budget_day__lte=last_day,
                ),
                priority=priority,
                strictly_higher=strictly_higher,
            )
        )
        if exclude is not None:
            qs = qs.exclude(exclude)
        for cid, day, channel in qs.values_list("customer_id", "budget_day", "channel"):
            if day is None:
                continue
            load = out.setdefault(cid, Load(Counter(), Counter()))
            load.add(day, channel)
    return out


def claim_reason(message: Message, now: dt.datetime) -> str | None:
    """None when ``message`` fits its customer's budget now, else "over_budget" or "displaced".

    Call in the claim's transaction: it locks the customer's ``ReachBudget`` row first (created on
    first use), so concurrent claims for one customer count one after the other. "displaced": the
    sent messages alone leave room, but a queued higher-priority message of that day holds it.
    Transactional messages always fit.
    """
    from siyu.reach.models import ReachBudget

    if message.transactional:
        return None
    ReachBudget.objects.bulk_create(
        [ReachBudget(merchant_id=message.merchant_id, customer_id=message.customer_id)], ignore_conflicts=True
    )
    list(ReachBudget.objects.select_for_update().filter(customer_id=message.customer_id).values_list("pk"))
    day = message.budget_day or local_day(message.merchant_id, message.send_at)
    caps, tighten = caps_for(message.merchant_id)
    if tighten and message.customer_id in low_tolerance(message.merchant_id, [message.customer_id], now):
        caps = tightened(caps)
    empty = Load(Counter(), Counter())
    load = loads(
        message.merchant_id,
        [message.customer_id],
        day,
        day,
        priority=message.priority,
        strictly_higher=True,
        exclude=Q(pk=message.pk),
    ).get(message.customer_id, empty)
    if load.fits(day, message.channel, caps):
        return None
    sent_only = loads(
        message.merchant_id,
        [message.customer_id],
        day,
        day,
        priority=10**6,
        strictly_higher=True,
        exclude=Q(pk=message.pk),
    ).get(message.customer_id, empty)
    return "displaced" if sent_only.fits(day, message.channel, caps) else "over_budget"


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()
