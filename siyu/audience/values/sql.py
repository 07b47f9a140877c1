"""The value models' SQL: one set-based statement per job, the same on SQLite (3.35+) and PostgreSQL.

``upsert_values`` builds ``WITH ... INSERT INTO values_customervalue SELECT ... ON CONFLICT
(customer_id) DO UPDATE``: a full recompute scores R, F and M with ``NTILE(5)`` over all the
merchant's buyers; a refresh of a few customers scores them against the cut points the last full
recompute stored (``Cuts``), so its cost does not grow with the merchant. Everything else (counts,
lifecycle, tier, preference, sensitivity, contact hour) is the same expression in both modes, which
is why a refresh of every customer right after a full recompute reproduces it exactly.

Only three things differ between the databases: the local hour of a timestamp, whole days between
two timestamps, and fractional days (for the repurchase cycle); ``_Dialect`` spells them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from siyu.audience.values.models import CustomerValue, LifecycleStage, RfmClass, RfmRule, ValueTier
from siyu.catalog.models import Product
from siyu.events.models import VALUE_KINDS, Event, EventKind
from siyu.members.models import Customer
from siyu.orders.models import Order, OrderLine, OrderStatus
from siyu.promotions.models import Coupon, CouponStatus

# Events that do not vote for the contact hour: server-written milestones that only mirror an order
# (the order itself votes, by its payment time), and page-level views, which come in bursts inside
# a session its visit already counts. Plain strings, so a kind the events app drops cannot break this.
NOT_CONTACT_KINDS = (
    EventKind.ORDER_CREATED.value,
    EventKind.ORDER_PAID.value,
    EventKind.REFUND.value,
    "coupon_used",
    "group_joined",
    EventKind.PAGE_VIEW.value,
    EventKind.PRODUCT_VIEW.value,
)
# The sort key of each score, ascending: a higher key is a better customer. Ties in the measure
# are broken by the next column (a more recent buyer ranks higher among equal frequencies), and
# finally by customer id, so every buyer has one place and each quintile holds n/5 ± 1 buyers.
SCORE_KEYS = {
    "r": ("last_at", "customer_id"),
    "f": ("n", "last_at", "customer_id"),
    "m": ("total", "customer_id"),
}
# The same keys as columns of the stored value rows.
STORED_KEYS = {
    "last_at": "last_order_at",
    "n": "order_count",
    "total": "paid_total",
    "customer_id": "customer_id",
}
TIME_KEYS = {"last_at"}
QUINTILES = 5


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _Dialect:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def local_hour(self, column: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(HOUR FROM {column} AT TIME ZONE %(tz)s) AS INTEGER)"
        # Django registers this function on every SQLite connection (it is what ExtractHour uses).
        return f"django_datetime_extract('hour', {column}, %(tz)s, 'UTC')"

    def whole_days_since(self, column: str) -> str:
        if self.postgres:
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM (%(now)s - {column})) / 86400) AS INTEGER)"
        return f"CAST(julianday(%(now)s) - julianday({column}) AS INTEGER)"

    def days_between(self, earlier: str, later: str) -> str:
        if self.postgres:
            return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
        return f"(julianday({later}) - julianday({earlier}))"


def db_time(value: datetime) -> Any:
    """An aware datetime as this database compares it with stored timestamps."""
    return connection.ops.adapt_datetimefield_value(value)


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of one run, already turned into absolute times and counts."""

    now: datetime
    timezone: str
    dormant_before: datetime  # no purchase since: dormancy
    churned_before: datetime  # no purchase (and no recent engagement) since: churn
    growth_orders: int
    maturity_orders: int
    new_since: datetime  # registered since, no order: newly activated
    active_since: datetime  # value behaviour since, no order: active
    die_hard_orders: int
    die_hard_spend: int
    rfm_rule: str
    rfm_min_score: int
    preference_since: datetime
    discount_since: datetime
    contact_since: datetime

    def params(self) -> dict[str, Any]:
        return {
            "now": db_time(self.now),
            "tz": self.timezone,
            "dormant_before": db_time(self.dormant_before),
            "churned_before": db_time(self.churned_before),
            "new_since": db_time(self.new_since),
            "active_since": db_time(self.active_since),
            "preference_since": db_time(self.preference_since),
            "discount_since": db_time(self.discount_since),
            "contact_since": db_time(self.contact_since),
        }


@dataclass(frozen=True)
class Cuts:
    """What a refresh scores against: each score's cut keys (lower bound of quintiles 2..5) and the
    buyers' score sums the class rule compares with."""

    keys: dict[str, list[list[Any]]]
    buyers: int
    sums: dict[str, int]


def _in(column: str, ids: Sequence[int] | None, params: dict[str, Any]) -> str:
    if ids is None:
        return ""
    names = []
    for i, customer_id in enumerate(ids):
        params[f"c{i}"] = int(customer_id)
        names.append(f"%(c{i})s")
    return f" AND {column} IN ({', '.join(names) or 'NULL'})"


def _ntile_scores() -> str:
    parts = [
        f"NTILE({QUINTILES}) OVER (ORDER BY {', '.join(key)}) AS {name}" for name, key in SCORE_KEYS.items()
    ]
    return "SELECT customer_id, " + ", ".join(parts) + " FROM buy"


def _cut_scores(cuts: Cuts, params: dict[str, Any]) -> str:
    parts = []
    for name, key in SCORE_KEYS.items():
        terms = ["1"]
        for k, cut in enumerate(cuts.keys.get(name, [])):
            names = []
            for column, value in zip(key, cut, strict=True):
                param = f"{name}{k}_{column}"
                params[param] = db_time(datetime.fromisoformat(value)) if column in TIME_KEYS else int(value)
                names.append(f"%({param})s")
            terms.append(f"CASE WHEN ({', '.join(key)}) >= ({', '.join(names)}) THEN 1 ELSE 0 END")
        parts.append(f"{' + '.join(terms)} AS {name}")
    return "SELECT customer_id, " + ", ".join(parts) + " FROM buy"


def _high(score: str, rule: str) -> str:
    if rule == RfmRule.AT_LEAST:
        return f"(s.{score} >= %(rfm_min_score)s)"
    # Above the mean, kept in integers: score > sum / buyers  <=>  score * buyers > sum.
    return f"(s.{score} * mean.n > mean.{score})"


def _rfm_class(rule: str) -> str:
    r, f, m = _high("r", rule), _high("f", rule), _high("m", rule)

    def by_rf(value: str, develop: str, keep: str, retain: str) -> str:
        return (
            f"CASE WHEN {r} AND {f} THEN '{value}' WHEN {r} THEN '{develop}' "
            f"WHEN {f} THEN '{keep}' ELSE '{retain}' END"
        )

    c = RfmClass
    important = by_rf(
        c.IMPORTANT_VALUE.value, c.IMPORTANT_DEVELOP.value, c.IMPORTANT_KEEP.value, c.IMPORTANT_RETAIN.value
    )
    general = by_rf(
        c.GENERAL_VALUE.value, c.GENERAL_DEVELOP.value, c.GENERAL_KEEP.value, c.GENERAL_RETAIN.value
    )
    return f"CASE WHEN s.customer_id IS NULL THEN '' WHEN {m} THEN {important} ELSE {general} END"


def _kinds(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{k}'" for k in map(str, kinds))


COLUMNS = (
    "customer_id",
    "merchant_id",
    "order_count",
    "paid_total",
    "first_order_at",
    "last_order_at",
    "recency_days",
    "r_score",
    "f_score",
    "m_score",
    "rfm_class",
    "lifecycle_stage",
    "value_tier",
    "last_engaged_at",
    "is_semi_private",
    "loyalty_rung",
    "favourite_category_id",
    "discount_order_share_bp",
    "coupon_use_share_bp",
    "preferred_hour",
    "computed_at",
)


def _engaged(ids: Sequence[int] | None, engaged_since: datetime | None, params: dict[str, Any]) -> str:
    """Each customer's last value behaviour. Events are append-only, so a daily recompute reads only
    the events since the last one (``engaged_since``) and keeps the larger of that and the stored
    time; a customer whose older events arrive late is refreshed by the ingestion (``schedule_refresh``)."""
    events = f"""SELECT customer_id, MAX(occurred_at) AS last_at FROM {table(Event)}
    WHERE merchant_id = %(merchant)s AND customer_id IS NOT NULL AND kind IN ({_kinds(VALUE_KINDS)})
        AND occurred_at <= %(now)s{{since}}{_in("customer_id", ids, params)}
    GROUP BY customer_id"""
    if engaged_since is None:
        return events.format(since="")
    params["engaged_since"] = db_time(engaged_since)
    return f"""SELECT customer_id, MAX(last_at) AS last_at FROM (
    {events.format(since=" AND occurred_at >= %(engaged_since)s")}
    UNION ALL
    SELECT customer_id, last_engaged_at FROM {table(CustomerValue)}
    WHERE merchant_id = %(merchant)s AND last_engaged_at IS NOT NULL AND last_engaged_at <= %(now)s
    ) seen GROUP BY customer_id"""


def upsert_values(
    merchant_id: int,
    t: Thresholds,
    *,
    cuts: Cuts | None = None,
    customer_ids: Sequence[int] | None = None,
    engaged_since: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """The statement that writes the value rows: all the merchant's customers when ``cuts`` is None
    (NTILE quintiles), else only ``customer_ids``, scored against ``cuts``. ``engaged_since``
    (full recompute only): read value behaviours from then on, the earlier ones from the stored rows."""
    d = _Dialect()
    params: dict[str, Any] = {"merchant": merchant_id, "rfm_min_score": t.rfm_min_score, **t.params()}
    ids = customer_ids if cuts is not None else None
    if ids is not None:
        engaged_since = None
    closed = OrderStatus.CLOSED.value
    used, voided = CouponStatus.USED.value, CouponStatus.VOIDED.value
    orders, lines, products = table(Order), table(OrderLine), table(Product)
    events, coupons, customers = table(Event), table(Coupon), table(Customer)
    if cuts is None:
        scores = _ntile_scores()
        mean = "SELECT COUNT(*) AS n, SUM(r) AS r, SUM(f) AS f, SUM(m) AS m FROM score"
    else:
        scores = _cut_scores(cuts, params)
        s = cuts.sums
        mean = f"SELECT {int(cuts.buyers)} AS n, {int(s['r'])} AS r, {int(s['f'])} AS f, {int(s['m'])} AS m"
    bought = "b.customer_id IS NOT NULL"
    lifecycle = f"""CASE
        WHEN NOT {bought} THEN CASE WHEN c.registered_at >= %(churned_before)s
            OR e.last_at >= %(churned_before)s THEN '{LifecycleStage.INTRODUCTION.value}'
            ELSE '{LifecycleStage.CHURN.value}' END
        WHEN b.last_at < %(churned_before)s AND (e.last_at IS NULL OR e.last_at < %(dormant_before)s)
            THEN '{LifecycleStage.CHURN.value}'
        WHEN b.last_at < %(dormant_before)s THEN '{LifecycleStage.DORMANCY.value}'
        WHEN b.n >= {int(t.maturity_orders)} THEN '{LifecycleStage.MATURITY.value}'
        WHEN b.n >= {int(t.growth_orders)} THEN '{LifecycleStage.GROWTH.value}'
        ELSE '{LifecycleStage.INTRODUCTION.value}' END"""
    tier = f"""CASE
        WHEN b.n >= {int(t.die_hard_orders)} AND b.total >= {int(t.die_hard_spend)}
            THEN '{ValueTier.DIE_HARD.value}'
        WHEN {bought} THEN '{ValueTier.PAYING.value}'
        WHEN c.registered_at >= %(new_since)s THEN '{ValueTier.NEWLY_ACTIVATED.value}'
        WHEN e.last_at >= %(active_since)s THEN '{ValueTier.ACTIVE.value}'
        ELSE '{ValueTier.ORDINARY.value}' END"""
    sql = f"""
WITH buy AS (
    SELECT customer_id, COUNT(*) AS n, SUM(paid_amount - refunded_amount) AS total,
        MIN(paid_at) AS first_at, MAX(paid_at) AS last_at,
        SUM(CASE WHEN paid_at >= %(discount_since)s THEN 1 ELSE 0 END) AS n_recent,
        SUM(CASE WHEN paid_at >= %(discount_since)s AND discount_amount > 0 THEN 1 ELSE 0 END) AS n_discount
    FROM {orders}
    WHERE merchant_id = %(merchant)s AND paid_at IS NOT NULL AND paid_at <= %(now)s
        AND status <> '{closed}'{_in("customer_id", ids, params)}
    GROUP BY customer_id
),
score AS ({scores}),
mean AS ({mean}),
engaged AS ({_engaged(ids, engaged_since, params)}),
liked AS (
    SELECT o.customer_id, p.category_id, ROW_NUMBER() OVER (
        PARTITION BY o.customer_id ORDER BY SUM(l.paid_amount - l.refunded_amount) DESC,
        SUM(l.quantity - l.refunded_quantity) DESC, p.category_id) AS rn
    FROM {lines} l JOIN {orders} o ON o.id = l.order_id JOIN {products} p ON p.id = l.product_id_snapshot
    WHERE o.merchant_id = %(merchant)s AND o.paid_at >= %(preference_since)s AND o.paid_at <= %(now)s
        AND o.status <> '{closed}' AND p.category_id IS NOT NULL{_in("o.customer_id", ids, params)}
    GROUP BY o.customer_id, p.category_id
),
touch AS (
    SELECT customer_id, {d.local_hour("occurred_at")} AS h FROM {events}
    WHERE merchant_id = %(merchant)s AND customer_id IS NOT NULL AND occurred_at >= %(contact_since)s
        AND occurred_at <= %(now)s AND kind NOT IN ({_kinds(NOT_CONTACT_KINDS)})
        {_in("customer_id", ids, params)}
    UNION ALL
    SELECT customer_id, {d.local_hour("paid_at")} AS h FROM {orders}
    WHERE merchant_id = %(merchant)s AND paid_at >= %(contact_since)s AND paid_at <= %(now)s
        {_in("customer_id", ids, params)}
),
hours AS (
    SELECT customer_id, h, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, h) AS rn
    FROM touch GROUP BY customer_id, h
),
held AS (
    SELECT customer_id, COUNT(*) AS got, SUM(CASE WHEN status = '{used}' THEN 1 ELSE 0 END) AS used
    FROM {coupons}
    WHERE merchant_id = %(merchant)s AND status <> '{voided}' AND claimed_at >= %(discount_since)s
        AND claimed_at <= %(now)s{_in("customer_id", ids, params)}
    GROUP BY customer_id
)
INSERT INTO {table(CustomerValue)} ({", ".join(COLUMNS)})
SELECT c.id, c.merchant_id, COALESCE(b.n, 0), COALESCE(b.total, 0), b.first_at, b.last_at,
    CASE WHEN b.last_at IS NULL THEN NULL WHEN b.last_at >= %(now)s THEN 0
        ELSE {d.whole_days_since("b.last_at")} END,
    COALESCE(s.r, 0), COALESCE(s.f, 0), COALESCE(s.m, 0),
    {_rfm_class(t.rfm_rule)},
    {lifecycle},
    {tier},
    e.last_at,
    (NOT {bought} AND e.customer_id IS NOT NULL),
    CASE WHEN b.n >= 3 THEN 3 ELSE COALESCE(b.n, 0) END,
    lk.category_id,
    CASE WHEN b.n_recent > 0 THEN (b.n_discount * 10000) / b.n_recent ELSE 0 END,
    CASE WHEN hd.got > 0 THEN (hd.used * 10000) / hd.got ELSE 0 END,
    hr.h,
    %(now)s
FROM {customers} c
    LEFT JOIN buy b ON b.customer_id = c.id
    LEFT JOIN score s ON s.customer_id = c.id
    LEFT JOIN engaged e ON e.customer_id = c.id
    LEFT JOIN liked lk ON lk.customer_id = c.id AND lk.rn = 1
    LEFT JOIN hours hr ON hr.customer_id = c.id AND hr.rn = 1
    LEFT JOIN held hd ON hd.customer_id = c.id
    CROSS JOIN mean
WHERE c.merchant_id = %(merchant)s{_in("c.id", ids, params)}{" ORDER BY c.id" if ids is not None else ""}
ON CONFLICT (customer_id) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])}
"""
    return sql, params


def cycle_gaps(merchant_id: int, since: datetime, now: datetime) -> tuple[str, dict[str, Any]]:
    """(repeat customers, lower median in days) of each repeat customer's lower-median interval:
    days between consecutive purchases, for intervals ending since ``since``. Gaps under a day are
    one shopping trip split into two orders, not a repurchase, and are left out."""
    d = _Dialect()
    gap = d.days_between("LAG(paid_at) OVER (PARTITION BY customer_id ORDER BY paid_at, id)", "paid_at")
    sql = f"""
WITH gaps AS (
    SELECT customer_id, paid_at, {gap} AS gap FROM {table(Order)}
    WHERE merchant_id = %(merchant)s AND paid_at IS NOT NULL AND paid_at <= %(now)s
        AND status <> '{OrderStatus.CLOSED.value}'
), ranked AS (
    SELECT gap, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY gap) AS k,
        COUNT(*) OVER (PARTITION BY customer_id) AS n
    FROM gaps WHERE gap >= 1 AND paid_at >= %(since)s
), typical AS (
    SELECT gap, ROW_NUMBER() OVER (ORDER BY gap) AS k, COUNT(*) OVER () AS n
    FROM ranked WHERE k = (n + 1) / 2
)
SELECT n, gap FROM typical WHERE k = (n + 1) / 2
"""
    return sql, {"merchant": merchant_id, "since": db_time(since), "now": db_time(now)}


def cut_keys(merchant_id: int, score: str) -> tuple[str, dict[str, Any]]:
    """The sort key of the first buyer of each quintile above the first, from the stored rows."""
    column = f"{score}_score"
    key = ", ".join(STORED_KEYS[k] for k in SCORE_KEYS[score])
    sql = f"""
SELECT {column}, {key} FROM (
    SELECT {column}, {key}, ROW_NUMBER() OVER (PARTITION BY {column} ORDER BY {key}) AS rn
    FROM {table(CustomerValue)} WHERE merchant_id = %(merchant)s AND order_count > 0
) t WHERE rn = 1 AND {column} > 1 ORDER BY {column}
"""
    return sql, {"merchant": merchant_id}


def score_sums(merchant_id: int) -> tuple[str, dict[str, Any]]:
    sql = f"""
SELECT COUNT(*), COALESCE(SUM(r_score), 0), COALESCE(SUM(f_score), 0), COALESCE(SUM(m_score), 0)
FROM {table(CustomerValue)} WHERE merchant_id = %(merchant)s AND order_count > 0
"""
    return sql, {"merchant": merchant_id}
