"""Recompute and refresh the customer value models; the merchant's value-model settings.

``recompute_merchant`` rewrites every customer's row of one merchant in one set-based statement
(see ``sql.py``) and stores what a refresh needs: the repurchase cycle it measured, the quintile
cut points and the score sums. ``refresh_customers`` rewrites a few customers' rows against those
stored figures, so its cost does not depend on the merchant's size; order payments and refunds
(``hooks.py``) and event ingestion (``schedule_refresh``) call it after their transaction commits.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from siyu.audience.values import sql, tasks
from siyu.audience.values.errors import InvalidValueSettings
from siyu.audience.values.models import RfmRule, ValueModelSettings, ValueModelState
from siyu.tenancy.models import Merchant, Staff
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import record_audit, require

# A refresh writes at most this many customers per statement (SQLite allows 32,766 parameters).
REFRESH_BATCH = 500
# pg_advisory_xact_lock's first key: "value models", so a merchant's recomputes run one at a time.
LOCK_CLASS = 0x5641
# A daily recompute reads the value behaviours since the previous run less this overlap (events
# arrive late), and all of them again once the last such full read is older than REREAD_EVENTS.
EVENTS_OVERLAP = timedelta(days=2)
REREAD_EVENTS = timedelta(days=7)
# PostgreSQL memory per sort or hash of a full recompute (the default 4MB spills 1M customers to disk).
RECOMPUTE_WORK_MEM = "256MB"

# name -> (lowest, highest) for every integer setting staff may change.
INT_RANGES: dict[str, tuple[int, int]] = {
    "cycle_window_days": (30, 3650),
    "cycle_min_customers": (1, 1_000_000),
    "cycle_default_days": (1, 3650),
    "cycle_floor_days": (1, 3650),
    "cycle_ceiling_days": (1, 3650),
    "growth_orders": (2, 100),
    "maturity_orders": (2, 100),
    "new_customer_days": (1, 3650),
    "active_days": (1, 3650),
    "die_hard_orders": (1, 10_000),
    "die_hard_spend": (0, 10**12),
    "rfm_min_score": (1, 5),
    "preference_window_days": (1, 3650),
    "discount_window_days": (1, 3650),
    "contact_window_days": (1, 3650),
}
CYCLE_MULTIPLES = {
    "dormancy_cycles": (Decimal("0.5"), Decimal("50")),
    "churn_cycles": (Decimal("0.5"), Decimal("100")),
}
SETTING_FIELDS = ("cycle_days_fixed", "rfm_rule", *INT_RANGES, *CYCLE_MULTIPLES)


def settings_for(merchant_id: int) -> ValueModelSettings:
    """The merchant's settings, or the defaults (unsaved) when it never changed them."""
    found = ValueModelSettings.objects.for_merchant(merchant_id).first()
    return found or ValueModelSettings(merchant_id=merchant_id)


def state_for(merchant_id: int) -> ValueModelState | None:
    return ValueModelState.objects.for_merchant(merchant_id).first()


@dataclass(frozen=True)
class Cycle:
    days: int
    source: str  # measured | default | fixed
    customers: int  # repeat customers measured
    median_days: float | None


def measure_cycle(merchant_id: int, settings: ValueModelSettings, now: datetime) -> Cycle:
    """The merchant's repurchase cycle: over its repeat customers, the median of each one's median
    days between consecutive purchases (intervals ending in the last ``cycle_window_days``),
    rounded up and kept within the floor and ceiling. One vote per customer, so the few who buy
    every few days do not set the rhythm for everyone."""
    if settings.cycle_days_fixed:
        return Cycle(settings.cycle_days_fixed, "fixed", 0, None)
    since = now - timedelta(days=settings.cycle_window_days)
    with connection.cursor() as cursor:
        cursor.execute(*sql.cycle_gaps(merchant_id, since, now))
        row = cursor.fetchone()
    # Rounded: SQLite's julianday arithmetic leaves ~1e-9 of a day, which must not round 12 up to 13.
    customers, median = (int(row[0]), round(float(row[1]), 4)) if row else (0, None)
    if median is None or customers < settings.cycle_min_customers:
        return Cycle(settings.cycle_default_days, "default", customers, median)
    days = min(max(math.ceil(median), settings.cycle_floor_days), settings.cycle_ceiling_days)
    return Cycle(days, "measured", customers, median)


def thresholds(settings: ValueModelSettings, tz: str, cycle_days: int, now: datetime) -> sql.Thresholds:
    """The settings as absolute times for one run at ``now``."""
    dormancy_days = math.ceil(Decimal(settings.dormancy_cycles) * cycle_days)
    churn_days = math.ceil(Decimal(settings.churn_cycles) * cycle_days)

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    return sql.Thresholds(
        now=now,
        timezone=tz,
        dormant_before=ago(dormancy_days),
        churned_before=ago(churn_days),
        growth_orders=settings.growth_orders,
        maturity_orders=settings.maturity_orders,
        new_since=ago(settings.new_customer_days),
        active_since=ago(settings.active_days),
        die_hard_orders=settings.die_hard_orders,
        die_hard_spend=settings.die_hard_spend,
        rfm_rule=settings.rfm_rule,
        rfm_min_score=settings.rfm_min_score,
        preference_since=ago(settings.preference_window_days),
        discount_since=ago(settings.discount_window_days),
        contact_since=ago(settings.contact_window_days),
    )


def _lock(merchant_id: int, *, shared: bool = False) -> None:
    """A recompute runs alone per merchant; refreshes run beside each other but not beside a
    recompute, so a batch refresh and a recompute never lock the same rows in opposite orders
    (SQLite already runs one writer at a time). The lock ends with the transaction."""
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [LOCK_CLASS, merchant_id])
            if not shared:  # the big sorts and hashes of a full recompute stay in memory
                cursor.execute(f"SET LOCAL work_mem = '{RECOMPUTE_WORK_MEM}'")


def _written(cursor: Any) -> int:
    """Rows the last upsert wrote (Python's sqlite3 reports no rowcount for a statement that starts WITH)."""
    if connection.vendor == "sqlite":
        cursor.execute("SELECT changes()")
        return int(cursor.fetchone()[0])
    return max(cursor.rowcount, 0)


def _key_value(value: Any) -> Any:
    if isinstance(value, datetime | str) and not isinstance(value, int):
        moment = value if isinstance(value, datetime) else parse_datetime(value)
        assert moment is not None
        if timezone.is_naive(moment):  # SQLite hands back the stored UTC text
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    return int(value)


def _read_cuts(merchant_id: int) -> tuple[dict[str, list[list[Any]]], int, dict[str, int]]:
    cuts: dict[str, list[list[Any]]] = {}
    with connection.cursor() as cursor:
        for score in sql.SCORE_KEYS:
            cursor.execute(*sql.cut_keys(merchant_id, score))
            cuts[score] = [[_key_value(v) for v in row[1:]] for row in cursor.fetchall()]
        cursor.execute(*sql.score_sums(merchant_id))
        buyers, r_sum, f_sum, m_sum = (int(v) for v in cursor.fetchone())
    return cuts, buyers, {"r": r_sum, "f": f_sum, "m": m_sum}


def _events_since(previous: ValueModelState | None, now: datetime, reread: bool) -> datetime | None:
    """From when this recompute reads value behaviours (None: all of them)."""
    if reread or previous is None or previous.full_scan_at is None or previous.computed_at > now:
        return None
    if now - previous.full_scan_at >= REREAD_EVENTS:
        return None
    return previous.computed_at - EVENTS_OVERLAP


def recompute_merchant(
    merchant_id: int, *, now: datetime | None = None, reread_events: bool = False
) -> ValueModelState:
    """Recompute every customer's value row of a merchant (a daily task: recency moves every day).

    Value behaviours are read since the previous run (less an overlap), the older ones kept from the
    stored rows; every ``REREAD_EVENTS``, or with ``reread_events``, all events are read again.
    """
    began = time.perf_counter()
    now = now or timezone.now()
    merchant = Merchant.objects.get(pk=merchant_id)
    settings = settings_for(merchant_id)
    with transaction.atomic():
        _lock(merchant_id)
        previous = state_for(merchant_id)
        since = _events_since(previous, now, reread_events)
        cycle = measure_cycle(merchant_id, settings, now)
        limits = thresholds(settings, merchant.timezone, cycle.days, now)
        with connection.cursor() as cursor:
            cursor.execute(*sql.upsert_values(merchant_id, limits, engaged_since=since))
            customers = _written(cursor)
        cuts, buyers, sums = _read_cuts(merchant_id)
        state, _ = ValueModelState.objects.update_or_create(
            merchant_id=merchant_id,
            defaults={
                "computed_at": now,
                "full_scan_at": now if since is None else previous.full_scan_at if previous else None,
                "seconds": round(time.perf_counter() - began, 3),
                "customers": customers,
                "buyers": buyers,
                "cycle_days": cycle.days,
                "cycle_source": cycle.source,
                "cycle_customers": cycle.customers,
                "cycle_median_days": cycle.median_days,
                "r_sum": sums["r"],
                "f_sum": sums["f"],
                "m_sum": sums["m"],
                "cuts": cuts,
            },
        )
    return state


def refresh_customers(merchant_id: int, customer_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Rewrite these customers' value rows against the last full recompute's cut points and cycle.

    Ids of another merchant's customers are ignored. A merchant never recomputed is recomputed in
    full first (that stores the cut points). Returns how many rows were written.
    """
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return 0
    now = now or timezone.now()
    state = state_for(merchant_id)
    if state is None:
        recompute_merchant(merchant_id, now=now)
        return len(ids)
    merchant = Merchant.objects.get(pk=merchant_id)
    limits = thresholds(settings_for(merchant_id), merchant.timezone, state.cycle_days, now)
    cuts = sql.Cuts(
        keys=state.cuts, buyers=state.buyers, sums={"r": state.r_sum, "f": state.f_sum, "m": state.m_sum}
    )
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(merchant_id, shared=True)
        for start in range(0, len(ids), REFRESH_BATCH):
            batch = ids[start : start + REFRESH_BATCH]
            cursor.execute(*sql.upsert_values(merchant_id, limits, cuts=cuts, customer_ids=batch))
            written += _written(cursor)
    return written


def schedule_refresh(merchant_id: int, customer_ids: Iterable[int]) -> None:
    """Refresh these customers' value rows once the current transaction commits (in a task worker).

    For callers that change what the models read: order payments and refunds (``hooks.py``),
    and event ingestion (engagement, semi-private membership, contact hour). Deduplicated per
    transaction: however many calls a transaction makes (an order paid, its events, a batch of
    events), its commit enqueues one task per merchant with each customer once. Nothing is
    enqueued for a transaction that rolls back (its flush is dropped with it, and the next call
    starts afresh).
    """
    ids = {int(i) for i in customer_ids}
    if not ids:
        return
    pending: dict[int, _Pending] = _refresh_local.__dict__.setdefault("pending", {})
    entry = pending.get(merchant_id)
    waiting = transaction.get_connection().run_on_commit
    if entry is not None and any(func == entry.flush for _sids, func, _robust in waiting):
        entry.ids |= ids  # this transaction's flush is registered already: it takes these too
        return
    # First call of this transaction (or the last one's flush was dropped by a rollback).
    entry = pending[merchant_id] = _Pending(merchant_id, ids)
    transaction.on_commit(entry.flush, robust=True)


_refresh_local = threading.local()  # .pending: merchant id -> the current transaction's _Pending


class _Pending:
    """The customers of one merchant waiting for the current transaction's commit."""

    def __init__(self, merchant_id: int, ids: set[int]) -> None:
        self.merchant_id, self.ids = merchant_id, ids

    def flush(self) -> None:
        pending = _refresh_local.__dict__.get("pending", {})
        if pending.get(self.merchant_id) is self:
            del pending[self.merchant_id]
        tasks.refresh_customer_values.enqueue(self.merchant_id, sorted(self.ids))


# --- staff use cases --------------------------------------------------------------------------------


def _validate(settings: ValueModelSettings) -> None:
    bad: dict[str, str] = {}
    for name, (low, high) in INT_RANGES.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            bad[name] = f"an integer from {low} to {high}"
    for name, (least, most) in CYCLE_MULTIPLES.items():
        multiple = getattr(settings, name)
        try:
            number = Decimal(str(multiple))
        except ArithmeticError:
            number = Decimal(-1)
        if not number.is_finite() or not least <= number <= most or number != number.quantize(Decimal("0.1")):
            bad[name] = f"a multiple of 0.1 from {least} to {most}"
        else:
            setattr(settings, name, number)
    fixed = settings.cycle_days_fixed
    if fixed is not None and (not isinstance(fixed, int) or not 1 <= fixed <= 3650):
        bad["cycle_days_fixed"] = "null or an integer from 1 to 3650"
    if settings.rfm_rule not in RfmRule.values:
        bad["rfm_rule"] = "one of " + ", ".join(RfmRule.values)
    if not bad:
        if settings.churn_cycles <= settings.dormancy_cycles:
            bad["churn_cycles"] = "more than dormancy_cycles"
        if settings.maturity_orders <= settings.growth_orders:
            bad["maturity_orders"] = "more than growth_orders"
        if settings.cycle_ceiling_days < settings.cycle_floor_days:
            bad["cycle_ceiling_days"] = "at least cycle_floor_days"
    if bad:
        raise InvalidValueSettings(detail=bad)


def settings_dict(settings: ValueModelSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in SETTING_FIELDS}


def update_settings(*, staff: Staff, **changes: Any) -> ValueModelSettings:
    """Change the merchant's value-model thresholds; they apply from the next recompute."""
    require(staff, Perm.CUSTOMERS_EDIT)
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise InvalidValueSettings(detail={"unknown": sorted(unknown)})
    with transaction.atomic():
        ValueModelSettings.objects.get_or_create(merchant_id=staff.merchant_id)
        settings = ValueModelSettings.objects.select_for_update().get(merchant_id=staff.merchant_id)
        before = settings_dict(settings)
        for name, value in changes.items():
            setattr(settings, name, value)
        _validate(settings)
        settings.save()
        record_audit(
            staff=staff,
            merchant=staff.merchant,
            action="value_settings.update",
            obj=settings,
            before=_jsonable(before),
            after=_jsonable(settings_dict(settings)),
        )
    return settings


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def request_recompute(*, staff: Staff) -> None:
    """Queue a full recompute of the staff member's merchant (it runs in a task worker)."""
    require(staff, Perm.CUSTOMERS_EDIT)

    merchant_id = staff.merchant_id
    with transaction.atomic():
        record_audit(staff=staff, merchant=staff.merchant, action="values.recompute", obj=staff.merchant)
        transaction.on_commit(lambda: tasks.recompute_merchant_values.enqueue(merchant_id))
