"""Planning a broadcast: one ``Message`` row per audience customer, in one INSERT ... SELECT.

For each customer of the frozen audience (the segment evaluated at start), in this order:

1. blocked (``Customer.is_blocked``)                     -> skipped "blocked"
2. in the holdout (siyu/reach/holdout.py)                -> skipped "holdout"
3. the first template, in the broadcast's preference order, whose channel is usable (adapter
   installed, ``ChannelSetting.enabled``, ``adapter.ready``), that the customer consented to
   (a ``ContactPreference`` row with ``opted_in``; no row = not opted in) and is reachable on
   (``adapter.reachable``)                                -> that channel; none: skipped "no_consent"
   when no usable channel has their consent, else "unreachable"
4. the send slot (siyu/reach/sendtime.py) from the broadcast's start, the customer's preferred hour
   (``CustomerValue.preferred_hour``, else ``FatiguePolicy.default_hour``) when sending at each
   customer's hour, and their quiet hours, in the merchant's zone; outside the window -> skipped
   "quiet_hours"
5. queued, with ``budget_day`` = the slot's local date.

The slot is computed in Python once per class of (hour, quiet start, quiet end) (a few dozen) and
applied in SQL with a CASE over the classes. The message key is ``b<broadcast>:c<customer>`` and the
INSERT does nothing on a key that exists, so planning twice plans once.

Then the budget (siyu/reach/budget.py): only customers who already have standing messages in the
week can be over a cap (every cap is at least 1), so their rows are read, checked in Python and
skipped "over_budget" or, when the broadcast asks, deferred day by day (up to 7 days) to the first
day that fits. The claim at send time checks again; this pass keeps the plan's counts honest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from siyu.members.models import ContactPreference, Customer
from siyu.reach import budget, holdout, sendtime
from siyu.reach.channels import adapters
from siyu.reach.models import (
    Broadcast,
    BroadcastChannel,
    ChannelSetting,
    FatiguePolicy,
    Message,
    MessageStatus,
    MessageTemplate,
    OverBudget,
    SendTime,
)

DEFER_DAYS = 7
# Planning more rows than this refreshes the table statistics before the budget pass reads them.
ANALYZE_AFTER = 10_000


def usable_templates(merchant_id: int, templates: list[MessageTemplate]) -> list[MessageTemplate]:
    """The templates whose channel can send for this merchant now."""
    enabled = set(
        ChannelSetting.objects.filter(merchant_id=merchant_id, enabled=True).values_list("channel", flat=True)
    )
    installed = adapters()
    return [
        t
        for t in templates
        if t.channel in enabled and t.channel in installed and installed[t.channel].ready(merchant_id)
    ]


def _consent(channel: str) -> Exists:
    return Exists(ContactPreference.objects.filter(customer=OuterRef("pk"), channel=channel, opted_in=True))


def choice_expression(merchant_id: int, ordered: list[MessageTemplate]) -> Case:
    """Per customer: the index of the first usable template that reaches them.

    -1: a usable channel has their consent but none reaches them; -2: no usable channel has their consent.
    """
    usable = {t.pk for t in usable_templates(merchant_id, ordered)}
    installed = adapters()
    whens = []
    consents = []
    for i, t in enumerate(ordered):
        if t.pk not in usable:
            continue
        consent = _consent(t.channel)
        consents.append(consent)
        whens.append(When(Q(consent) & installed[t.channel].reachable(merchant_id, t), then=Value(i)))
    if consents:
        any_consent = Q(consents[0])
        for c in consents[1:]:
            any_consent |= Q(c)
        whens.append(When(any_consent, then=Value(-1)))
    if not whens:
        return Case(default=Value(-1), output_field=IntegerField())
    return Case(*whens, default=Value(-2), output_field=IntegerField())


def choose_channel(
    customer: Customer, template: MessageTemplate, *, transactional: bool = False
) -> str | None:
    """For a single send: None when ``template`` can reach ``customer``, else the skip reason.

    Transactional notices need no marketing consent (a pickup notice is owed), only reachability.
    """
    if not usable_templates(customer.merchant_id, [template]):
        return "unreachable"
    qs = Customer.objects.filter(pk=customer.pk)
    if not transactional and not qs.filter(_consent(template.channel)).exists():
        return "no_consent"
    reach = adapters()[template.channel].reachable(customer.merchant_id, template)
    return None if qs.filter(reach).exists() else "unreachable"


def _templates(broadcast: Broadcast) -> list[MessageTemplate]:
    rows = (
        BroadcastChannel.objects.filter(broadcast=broadcast).select_related("template").order_by("position")
    )
    return [r.template for r in rows]


def _audience(broadcast: Broadcast, now: dt.datetime) -> QuerySet[Customer]:
    from siyu.audience.selectors import segment_customers

    return segment_customers(broadcast.segment, now=now).order_by()


def _classes(
    qs: QuerySet[Customer], *, per_customer_hour: bool, default_hour: int
) -> list[tuple[int | None, dt.time | None, dt.time | None]]:
    if per_customer_hour:
        rows = qs.annotate(ph=Coalesce("value__preferred_hour", Value(default_hour))).values_list(
            "ph", "quiet_hours_start", "quiet_hours_end"
        )
    else:
        rows = qs.annotate(ph=Value(None, output_field=IntegerField())).values_list(
            "ph", "quiet_hours_start", "quiet_hours_end"
        )
    return sorted(set(rows.distinct()), key=repr)


def _eq(column: str, value: Any, params: list[Any], adapt: Any) -> str:
    if value is None:
        return f"{column} IS NULL"
    params.append(adapt(value))
    return f"{column} = %s"


def plan_broadcast(broadcast: Broadcast, now: dt.datetime) -> int:
    """Plan every recipient of ``broadcast`` (started at ``broadcast.send_at``); returns rows planned.

    Sets ``broadcast.audience_size`` and ``holdout_seed`` (the caller saves them).
    """
    m = broadcast.merchant_id
    zone = budget.merchant_zone(m)
    policy = FatiguePolicy.objects.filter(merchant_id=m).first() or FatiguePolicy()
    start = broadcast.send_at or now
    if not broadcast.holdout_seed:
        broadcast.holdout_seed = holdout.new_seed()
    templates = _templates(broadcast)
    audience = _audience(broadcast, now)
    per_hour = broadcast.send_time == SendTime.PREFERRED_HOUR
    ops = connection.ops

    inner = audience.annotate(
        choice=choice_expression(m, templates),
        ph=Coalesce("value__preferred_hour", Value(policy.default_hour)) if per_hour else Value(-1),
    ).values_list("id", "is_blocked", "choice", "ph", "quiet_hours_start", "quiet_hours_end")
    inner_sql, inner_params = inner.query.sql_with_params()

    params: list[Any] = []
    # The slot and its local day, per class.
    slot_whens, day_whens = [], []
    for hour, q_start, q_end in _classes(
        audience, per_customer_hour=per_hour, default_hour=policy.default_hour
    ):
        when = slot(start, hour if per_hour else None, q_start, q_end, zone, broadcast.window_days)
        cond_params: list[Any] = []
        conds = []
        if per_hour:
            conds.append(_eq("a.ph", hour, cond_params, lambda v: v))
        conds.append(_eq("a.quiet_hours_start", q_start, cond_params, ops.adapt_timefield_value))
        conds.append(_eq("a.quiet_hours_end", q_end, cond_params, ops.adapt_timefield_value))
        cond = " AND ".join(conds)
        slot_whens.append((cond, cond_params, ops.adapt_datetimefield_value(when) if when else None))
        day_whens.append(
            (cond, cond_params, ops.adapt_datefield_value(when.astimezone(zone).date()) if when else None)
        )

    def case(whens: list[tuple[str, list[Any], Any]], default: Any) -> str:
        if not whens:
            params.append(default)
            return "%s"
        parts = []
        for cond, cond_params, value in whens:
            params.extend(cond_params)
            params.append(value)
            parts.append(f"WHEN {cond} THEN %s")
        params.append(default)
        return "CASE " + " ".join(parts) + " ELSE %s END"

    pg = connection.vendor == "postgresql"
    bucket = holdout.bucket_sql("a.id", broadcast.holdout_seed).replace("%", "%%")
    held = f"({bucket}) < {int(broadcast.holdout_bp)}" if broadcast.holdout_bp else "1 = 0"
    channel_case = (
        "CASE " + " ".join(f"WHEN a.choice = {i} THEN %s" for i in range(len(templates))) + " ELSE '' END"
    )
    template_case = (
        "CASE "
        + " ".join(f"WHEN a.choice = {i} THEN {int(t.pk)}" for i, t in enumerate(templates))
        + " ELSE NULL END"
    )
    start_db = ops.adapt_datetimefield_value(start)
    start_day = ops.adapt_datefield_value(start.astimezone(zone).date())

    select_parts = []
    params_head: list[Any] = [m, broadcast.pk, broadcast.pk, f"b{broadcast.pk}:c"]
    select_parts.append("%s, a.id, %s, 'broadcast', %s, %s || CAST(a.id AS TEXT)")
    channel_sql = channel_case
    params_channel = [t.channel for t in templates]
    # Status and reason.
    status_sql = (
        f"CASE WHEN a.is_blocked THEN 'skipped' WHEN {held} THEN 'skipped' WHEN a.choice < 0 THEN 'skipped' "
        "WHEN ({slot}) IS NULL THEN 'skipped' ELSE 'queued' END"
    )
    reason_sql = (
        f"CASE WHEN a.is_blocked THEN 'blocked' WHEN {held} THEN 'holdout' "
        "WHEN a.choice = -1 THEN 'unreachable' WHEN a.choice = -2 THEN 'no_consent' "
        "WHEN ({slot}) IS NULL THEN 'quiet_hours' ELSE '' END"
    )
    # Build each CASE with its own params, in the order they appear in the SELECT.
    full_params: list[Any] = list(params_head)
    pieces: list[str] = []

    def add_case(kind: str) -> str:
        params.clear()
        sql = case(slot_whens if kind == "slot" else day_whens, None)
        full_params.extend(params)
        return sql

    pieces.append(channel_sql)
    full_params.extend(params_channel)
    pieces.append(template_case)
    pieces.append("''")  # address: looked up at the claim
    pieces.append(status_sql.replace("{slot}", add_case("slot")))
    pieces.append(reason_sql.replace("{slot}", add_case("slot")))
    full_params.extend([broadcast.priority, False, broadcast.over_budget])
    pieces.append("%s, %s, %s")
    slot_sql = add_case("slot")
    full_params.append(start_db)
    pieces.append(f"COALESCE({slot_sql}, %s)")
    day_sql = add_case("day")
    full_params.append(start_day)
    pieces.append(f"COALESCE({day_sql}, %s)")
    pieces.append("'{}'::jsonb" if pg else "'{}'")
    pieces.append("'', '', '', 0, '', %s")
    full_params.append(ops.adapt_datetimefield_value(now))
    columns = (
        "merchant_id, customer_id, broadcast_id, origin, origin_id, key, channel, template_id, address, "
        "status, reason, priority, transactional, over_budget, send_at, budget_day, payload, "
        "provider_id, batch_key, lease_owner, attempts, error, created_at"
    )
    sql = (
        f"INSERT INTO reach_message ({columns}) SELECT {select_parts[0]}, {', '.join(pieces)} "
        f"FROM ({inner_sql}) a WHERE 1 = 1 ON CONFLICT (merchant_id, key) DO NOTHING"
    )
    # The inner query's params come where its SQL sits: after every SELECT-list param.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*full_params, *inner_params])
        inserted = cursor.rowcount
        if pg and inserted >= ANALYZE_AFTER:
            # The statistics predate these rows: without a fresh sample PostgreSQL plans the budget
            # pass as a nested loop over them (minutes at 1M rows instead of under a second).
            cursor.execute("ANALYZE reach_message")
    broadcast.audience_size = Message.objects.filter(broadcast=broadcast).count()
    apply_budget(broadcast, now)
    return inserted


def slot(
    start: dt.datetime,
    hour: int | None,
    q_start: dt.time | None,
    q_end: dt.time | None,
    zone: Any,
    window: int,
) -> dt.datetime | None:
    return sendtime.slot(start, hour, q_start, q_end, zone, window)


def apply_budget(broadcast: Broadcast, now: dt.datetime) -> int:
    """Skip (or defer) the broadcast's queued rows whose customer's budget is already spoken for."""
    m = broadcast.merchant_id
    zone = budget.merchant_zone(m)
    ours = Message.objects.filter(broadcast=broadcast, status=MessageStatus.QUEUED)
    span = ours.values_list("budget_day", flat=True).distinct()
    days = sorted(d for d in span if d is not None)
    if not days:
        return 0
    first, last = days[0], days[-1] + dt.timedelta(days=DEFER_DAYS)
    others = Message.objects.filter(
        budget.standing(
            Q(merchant_id=m, budget_day__gte=first - dt.timedelta(days=6), budget_day__lte=last),
            priority=broadcast.priority,
            strictly_higher=False,
        )
    ).exclude(broadcast=broadcast)
    if not others.exists():  # nobody has another standing message in the span: nothing to check
        return 0
    busy = list(
        ours.filter(Exists(others.filter(customer_id=OuterRef("customer_id")))).values_list(
            "pk", "customer_id", "budget_day", "channel", "send_at"
        )
    )
    if not busy:
        return 0
    customer_ids = [row[1] for row in busy]
    loads = budget.loads(
        m,
        customer_ids,
        first,
        last,
        priority=broadcast.priority,
        strictly_higher=False,
        exclude=Q(broadcast=broadcast),
    )
    caps, tighten = budget.caps_for(m)
    low = budget.low_tolerance(m, customer_ids, now) if tighten else set()
    skipped: list[int] = []
    moved: dict[tuple[dt.datetime, dt.date], list[int]] = defaultdict(list)
    for pk, cid, day, channel, send_at in busy:
        load = loads.get(cid)
        if load is None or day is None:
            continue
        mine = budget.tightened(caps) if cid in low else caps
        if load.fits(day, channel, mine):
            continue
        if broadcast.over_budget != OverBudget.DEFER:
            skipped.append(pk)
            continue
        at = send_at
        for _ in range(DEFER_DAYS):
            at = budget.next_day(at, zone)
            d = at.astimezone(zone).date()
            if load.fits(d, channel, mine):
                moved[(at, d)].append(pk)
                break
        else:
            skipped.append(pk)
    changed = 0
    for i in range(0, len(skipped), 5000):
        changed += Message.objects.filter(pk__in=skipped[i : i + 5000]).update(
            status=MessageStatus.SKIPPED, reason="over_budget"
        )
    for (at, d), pks in moved.items():
        changed += Message.objects.filter(pk__in=pks).update(send_at=at, budget_day=d)
    return changed


def preview_counts(
    *,
    merchant_id: int,
    segment_id: int,
    template_ids: list[int],
    holdout_bp: int,
    send_time: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The live preview (selectors.broadcast_preview): one aggregate query over the audience."""
    from siyu.audience.selectors import get_segment, segment_customers

    segment = get_segment(merchant_id=merchant_id, segment_id=segment_id)
    found = {t.pk: t for t in MessageTemplate.objects.for_merchant(merchant_id).filter(pk__in=template_ids)}
    missing = [t for t in template_ids if t not in found]
    if missing:
        from siyu.reach.errors import TemplateNotFound

        raise TemplateNotFound(detail={"template_id": missing[0]})
    templates = [found[t] for t in template_ids]
    audience = segment_customers(segment, now=now).order_by()
    policy = FatiguePolicy.objects.filter(merchant_id=merchant_id).first() or FatiguePolicy()
    today = now.astimezone(budget.merchant_zone(merchant_id)).date()
    spent = Message.objects.filter(
        budget.standing(Q(merchant_id=merchant_id, budget_day=today), priority=50, strictly_higher=False),
        customer_id=OuterRef("pk"),
    )
    inner = audience.annotate(choice=choice_expression(merchant_id, templates))
    counts: dict[tuple[int, bool], int] = {}
    for choice, blocked, n in (
        inner.order_by()
        .values("choice", "is_blocked")
        .annotate(n=models_count())
        .values_list("choice", "is_blocked", "n")
    ):
        counts[(choice, blocked)] = n
    audience_n = sum(counts.values())
    blocked_n = sum(n for (_c, b), n in counts.items() if b)
    channels = [
        {
            "template_id": t.pk,
            "channel": t.channel,
            "reachable": sum(n for (c, b), n in counts.items() if c == i and not b),
        }
        for i, t in enumerate(templates)
    ]
    reachable = sum(int(ch["reachable"]) for ch in channels)  # type: ignore[call-overload]
    # Over budget today already (the cross-channel daily cap), among those a channel reaches.
    over = (
        inner.filter(choice__gte=0, is_blocked=False)
        .annotate(spent=Coalesce(models_subquery_count(spent), Value(0)))
        .filter(spent__gte=policy.daily_cap)
        .count()
    )
    holdout_n = round(reachable * holdout_bp / 10_000)
    return {
        "audience": audience_n,
        "blocked": blocked_n,
        "channels": channels,
        "unreachable": sum(n for (c, b), n in counts.items() if c == -1 and not b),
        "no_consent": sum(n for (c, b), n in counts.items() if c == -2 and not b),
        "over_budget": over,
        "holdout": holdout_n,
        "to_send": max(0, reachable - over - holdout_n),
        "send_time": send_time,
    }


def models_count() -> Any:
    from django.db.models import Count

    return Count("id")


def models_subquery_count(qs: QuerySet[Message]) -> Any:
    from django.db.models import Count, Subquery

    return Subquery(qs.order_by().values("customer_id").annotate(c=Count("id")).values("c")[:1])
