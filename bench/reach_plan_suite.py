"""Planning a broadcast to 1,000,000 customers on PostgreSQL, as a ratio to a bare ``INSERT ... SELECT``.

``run(quick)`` returns what ``bench.run`` reports. It creates a scratch PostgreSQL database of its own
(``SIYU_BENCH_REACH_PLAN_DB``, default ``siyu_bench_reach_plan``), migrates it, and in a child process
(Django reads its database settings once) loads one merchant with ``SIYU_BENCH_REACH_PLAN_N``
customers (default 1,000,000; 20,000 with ``--quick``) straight in SQL (``generate_series``, not the
services):

- a phone for 9 in 10, blocked 1 in 50, quiet hours 22:00-08:00 for 1 in 5 and 12:00-14:00 for
  1 in 7 of the rest;
- consents (``ContactPreference``): SMS opted in for 3 in 4 (opted out 1 in 4, no row 1 in 8),
  webhook opted in for 2 in 3;
- value rows with a preferred hour spread over the day (none for 1 in 10: the default hour);
- a static segment holding all of them, an SMS template first and a webhook template as fallback,
  both channels enabled and configured.

It then times, on the same data:

- ``preview``: ``selectors.broadcast_preview`` (the console's live preview), best of two after a warm-up;
- ``bare_insert``: ``INSERT INTO reach_message (...) SELECT ... FROM members_customer`` of the same
  number of rows (constant values, a unique key per row): the floor of writing the rows at all;
- ``plan``: ``planning.plan_broadcast`` of a broadcast at "each customer's hour" with a 10% holdout
  (one transaction, as ``start_broadcast`` runs it).

``reach_message`` is emptied (``TRUNCATE``) before each insert. The planned rows are checked: their
count equals the audience, blocked customers are skipped ``blocked``, the holdout is 10% of the rest
(within half a point at 1M), every status and reason sums to the audience. The scratch database is
dropped afterwards (set ``SIYU_BENCH_REACH_PLAN_KEEP=1`` to keep it for a look).

Run alone with ``python -m bench.reach_plan_suite [--quick]``; ``SIYU_BENCH_REACH_PLAN_N=100000`` for a
smaller run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases

SCRATCH_DB = os.environ.get("SIYU_BENCH_REACH_PLAN_DB", "siyu_bench_reach_plan")
SIZE_ENV = "SIYU_BENCH_REACH_PLAN_N"
DEFAULT_N = 1_000_000
QUICK_N = 20_000
GOAL_S = 30.0  # issue 15: planning 1M recipients in 30 s or less
TIMEOUT_S = 30 * 60
# 10:30 in Asia/Shanghai: some preferred hours are still ahead today, the rest fall tomorrow.
NOW = dt.datetime(2026, 12, 8, 2, 30, tzinfo=dt.UTC)
# Quiet hours: 22:00-08:00 for 1 in 5 customers, 12:00-14:00 for 1 in 7 of the rest.
QUIET = "CASE WHEN mod(i, 5) = 0 THEN TIME '{}' WHEN mod(i, 7) = 0 THEN TIME '{}' END"


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _size(quick: bool) -> int:
    raw = os.environ.get(SIZE_ENV, "")
    if raw:
        return int(raw.replace("_", ""))
    return QUICK_N if quick else DEFAULT_N


def run(quick: bool = False) -> dict[str, Any]:
    """Seconds to plan N recipients, to insert N bare rows, and to preview; their ratio; the checks."""
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        return {"reach_plan_skipped": reason}
    n = _size(quick)
    base = admin_url.rpartition("/")[0]
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-plan-") as tmp:
            env = databases.django_env(Path(tmp), f"{base}/{SCRATCH_DB}")
            databases.migrate(env)
            done = subprocess.run(
                [sys.executable, "-m", "bench.reach_plan_suite", "--child", json.dumps({"customers": n})],
                env=env,
                cwd=databases.REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=True,
            )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError) as exc:
        return {"reach_plan_error": databases.failure_text(exc)}
    finally:
        if os.environ.get("SIYU_BENCH_REACH_PLAN_KEEP", "") in ("", "0"):
            _admin(admin_url, drop)
    return {f"reach_plan_{k}": v for k, v in measured.items()}


# --- the child: load the audience, then time the inserts ---------------------------------------------


def _defaults(model: Any, skip: set[str]) -> dict[str, Any]:
    """Column -> the model's default for every NOT NULL concrete field, for a bulk SQL insert."""
    from django.db.models import NOT_PROVIDED

    out: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.column in skip or (field.primary_key and field.column == "id"):
            continue
        if field.default is not NOT_PROVIDED:
            value = field.default() if callable(field.default) else field.default
            out[field.column] = json.dumps(value) if field.get_internal_type() == "JSONField" else value
        elif not field.null:
            out[field.column] = ""  # a blank CharField
    return out


def _insert_select(
    table: str, computed: dict[str, str], defaults: dict[str, Any], source: str
) -> tuple[str, list[Any]]:
    """``INSERT INTO table (...) SELECT <computed SQL>, <defaults as params> <source>``."""
    columns = list(computed) + [c for c in defaults if c not in computed]
    values = list(computed.values()) + ["%s" for c in defaults if c not in computed]
    params = [defaults[c] for c in defaults if c not in computed]
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}", params


def _load(n: int) -> dict[str, Any]:
    """The merchant, its N customers and everything planning reads; returns the ids the timing needs."""
    from django.db import connection, transaction

    from siyu.audience.models import Segment, SegmentKind, SegmentMember
    from siyu.audience.values.models import CustomerValue
    from siyu.members.models import ContactPreference, Customer
    from siyu.reach.models import Broadcast, BroadcastChannel, ChannelSetting, MessageTemplate, SendTime
    from siyu.tenancy.models import Merchant

    with transaction.atomic():
        merchant = Merchant.objects.create(slug="bench-plan", name="bench", timezone="Asia/Shanghai")
        m = merchant.pk
        sms = ChannelSetting(
            merchant=merchant,
            channel="sms",
            enabled=True,
            config={"sms_sdk_app_id": "1400000001", "sign_name": "茶舍"},
        )
        sms.set_secrets({"secret_id": "bench-id", "secret_key": "bench-key"})
        sms.save()
        hook = ChannelSetting(
            merchant=merchant, channel="webhook", enabled=True, config={"url": "http://127.0.0.1:9/hook"}
        )
        hook.set_secrets({"signing_secret": "bench-secret"})
        hook.save()
        templates = [
            MessageTemplate.objects.create(
                merchant=merchant, name="sms", channel="sms", external_id="1", fields={"params": ["hi"]}
            ),
            MessageTemplate.objects.create(
                merchant=merchant, name="webhook", channel="webhook", fields={"text": "hi"}
            ),
        ]
        segment = Segment.objects.create(
            merchant=merchant, name="everyone", rule={"all": []}, kind=SegmentKind.STATIC, member_count=n
        )
        broadcast = Broadcast.objects.create(
            merchant=merchant,
            name="bench",
            segment=segment,
            send_time=SendTime.PREFERRED_HOUR,
            holdout_bp=1000,
        )
        for i, t in enumerate(templates):
            BroadcastChannel.objects.create(merchant=merchant, broadcast=broadcast, position=i, template=t)

        now = NOW
        with connection.cursor() as cursor:
            customer_sql, params = _insert_select(
                Customer._meta.db_table,
                {
                    "merchant_id": str(int(m)),
                    "nickname": "'c' || i",
                    "phone": "CASE WHEN mod(i, 10) = 0 THEN NULL ELSE '139' || lpad(i::text, 8, '0') END",
                    "quiet_hours_start": QUIET.format("22:00", "12:00"),
                    "quiet_hours_end": QUIET.format("08:00", "14:00"),
                    "registered_at": "%s - make_interval(secs => i)",
                    "is_blocked": "mod(i, 50) = 0",
                },
                _defaults(Customer, {"registered_at"}),
                f"FROM generate_series(1, {int(n)}) AS i",
            )
            # registered_at's %s comes first in the SELECT list, before the defaults' params.
            cursor.execute(customer_sql, [now, *params])
            cp = ContactPreference._meta.db_table
            for channel, opted, where in (
                ("sms", "mod(id, 4) <> 0", "mod(id, 8) <> 0"),
                ("webhook", "mod(id, 3) <> 0", "TRUE"),
            ):
                cursor.execute(
                    f"INSERT INTO {cp} (merchant_id, customer_id, channel, opted_in, updated_at) "
                    f"SELECT merchant_id, id, %s, {opted}, %s FROM members_customer "
                    f"WHERE merchant_id = %s AND {where}",
                    [channel, now, m],
                )
            value_sql, params = _insert_select(
                CustomerValue._meta.db_table,
                {
                    "customer_id": "id",
                    "merchant_id": "merchant_id",
                    "preferred_hour": "CASE WHEN mod(id, 10) = 9 THEN NULL ELSE mod(id * 7, 24) END",
                    "computed_at": "%s",
                },
                _defaults(CustomerValue, {"customer_id", "merchant_id", "preferred_hour", "computed_at"}),
                "FROM members_customer WHERE merchant_id = %s",
            )
            cursor.execute(value_sql, [now, *params, m])
            members = SegmentMember._meta.db_table
            cursor.execute(
                f"INSERT INTO {members} (merchant_id, segment_id, customer_id, added_at) "
                "SELECT merchant_id, %s, id, %s FROM members_customer WHERE merchant_id = %s",
                [segment.pk, now, m],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "merchant": m,
        "segment": segment.pk,
        "broadcast": broadcast.pk,
        "templates": [t.pk for t in templates],
    }


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reach_message CASCADE")


def _bare_insert(merchant_id: int, broadcast_id: int, template_id: int) -> int:
    """The same rows, all columns, constant values and a unique key: the cost of writing them at all."""
    from django.db import connection, transaction

    from siyu.reach.models import Message

    columns = (
        "merchant_id, customer_id, broadcast_id, origin, origin_id, key, channel, template_id, address, "
        "status, reason, priority, transactional, over_budget, send_at, budget_day, payload, "
        "provider_id, batch_key, lease_owner, attempts, error, created_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Message._meta.db_table} ({columns}) "
            "SELECT merchant_id, id, %s, 'broadcast', %s, 'bare:c' || id, 'sms', %s, '', 'queued', '', 50, "
            "FALSE, 'skip', %s, %s, '{}'::jsonb, '', '', '', 0, '', %s "
            "FROM members_customer WHERE merchant_id = %s",
            [broadcast_id, broadcast_id, template_id, NOW, NOW.date(), NOW, merchant_id],
        )
        return int(cursor.rowcount)


def _plan(broadcast_id: int) -> tuple[int, Any]:
    from django.db import transaction

    from siyu.reach.models import Broadcast
    from siyu.reach.planning import plan_broadcast

    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast_id)
        broadcast.send_at = NOW
        broadcast.holdout_seed = ""
        planned = plan_broadcast(broadcast, NOW)
        broadcast.save(update_fields=["send_at", "holdout_seed", "audience_size"])
    return planned, broadcast


def _timed(work: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    value = work()
    return round(time.perf_counter() - began, 2), value


def _checks(n: int, ids: dict[str, Any], broadcast: Any, preview: dict[str, Any]) -> dict[str, Any]:
    from django.db.models import Count

    from siyu.members.models import Customer
    from siyu.reach.models import Message

    rows = Message.objects.filter(broadcast_id=broadcast.pk)
    by = {
        f"{r['status']}:{r['reason'] or '-'}": r["n"]
        for r in rows.values("status", "reason").annotate(n=Count("id")).order_by("status", "reason")
    }
    total = sum(by.values())
    blocked = Customer.objects.filter(merchant_id=ids["merchant"], is_blocked=True).count()
    held = by.get("skipped:holdout", 0)
    share = held / max(1, n - blocked)
    tolerance = 0.005 if n >= 100_000 else 0.02
    problems = []
    if total != n or broadcast.audience_size != n:
        problems.append(f"planned {total} rows (audience_size {broadcast.audience_size}) for {n} customers")
    if by.get("skipped:blocked", 0) != blocked:
        problems.append(f"{by.get('skipped:blocked', 0)} skipped blocked, {blocked} customers blocked")
    if abs(share - 0.10) > tolerance:
        problems.append(f"holdout {share:.4f} of the unblocked, not 0.10 +/- {tolerance}")
    if preview["audience"] != n or preview["blocked"] != blocked:
        problems.append(f"preview audience {preview['audience']} blocked {preview['blocked']}")
    return {
        "counts": by,
        "holdout_share": round(share, 4),
        "queued": by.get("queued:-", 0),
        "counts_add_up": not problems,
        "problems": problems,
    }


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from siyu.reach.selectors import broadcast_preview

    n = int(spec["customers"])
    out: dict[str, Any] = {"customers": n}
    out["load_seconds"], ids = _timed(lambda: _load(n))

    def preview() -> dict[str, Any]:
        return broadcast_preview(
            merchant_id=ids["merchant"],
            segment_id=ids["segment"],
            template_ids=ids["templates"],
            holdout_bp=1000,
            send_time="preferred_hour",
            now=NOW,
        )

    preview()  # warm the cache: the numbers are for a database that is in use
    first, shown = _timed(preview)
    second, _ = _timed(preview)
    out["preview_seconds"] = min(first, second)
    out["preview"] = shown

    _truncate()
    out["bare_insert_seconds"], out["bare_insert_rows"] = _timed(
        lambda: _bare_insert(ids["merchant"], ids["broadcast"], ids["templates"][0])
    )
    _truncate()
    out["plan_seconds"], (planned, broadcast) = _timed(lambda: _plan(ids["broadcast"]))
    out["planned_rows"] = planned
    out["ratio_plan_to_bare_insert"] = round(out["plan_seconds"] / max(out["bare_insert_seconds"], 0.001), 2)
    out["plan_within_goal"] = out["plan_seconds"] <= GOAL_S * n / DEFAULT_N
    out.update(_checks(n, ids, broadcast, shown))
    _truncate()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reach_plan_suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_N:,} customers instead of {DEFAULT_N:,}"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(json.loads(args.child)), default=str))
        return
    print(json.dumps(run(args.quick), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
