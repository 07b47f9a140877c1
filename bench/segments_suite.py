"""Segment preview seconds: realistic audience rules compiled to one SQL query, on simulated data.

``run(quick)`` returns what ``bench.run`` reports. It simulates a merchant into a scratch PostgreSQL
database of its own (``SIYU_BENCH_SEGMENTS_DB``, default ``siyu_bench_segments``; 100,000 customers
over a year, 20,000 with ``--quick``), computes the value models when that app provides
``recompute_merchant``, tags one customer in ten, and times each rule's preview (``COUNT(*) OVER ()``
plus the newest ten, the console's call) and its plain ``COUNT``, best of three after a warm-up.
Everything runs in a child process (Django reads its database settings once); the scratch database
is dropped afterwards.

The 1M path measures an existing, already loaded database instead (read-only): set
``SIYU_BENCH_SEGMENTS_1M_DB`` to its name on the same server (e.g. ``siyu_bench_values``). It must
be migrated to this tree; if not, the report says so and nothing is changed there.

Run alone with ``python -m bench.segments_suite [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases

SCRATCH_DB = os.environ.get("SIYU_BENCH_SEGMENTS_DB", "siyu_bench_segments")
MILLION_ENV = "SIYU_BENCH_SEGMENTS_1M_DB"
DEFAULT = {"customers": 100_000, "days": 365, "seed": 7}
QUICK = {"customers": 20_000, "days": 365, "seed": 7}
TIMEOUT_S = 30 * 60


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _child(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.segments_suite", "--child", json.dumps(spec)],
        env=env,
        cwd=databases.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict[str, Any]:
    """Preview seconds per rule at the default scale; at 1M too when ``SIYU_BENCH_SEGMENTS_1M_DB`` is set."""
    result: dict[str, Any] = {}
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        return {"segments_skipped": reason}
    base = admin_url.rpartition("/")[0]
    size = QUICK if quick else DEFAULT
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-seg-") as tmp:
            env = databases.django_env(Path(tmp), f"{base}/{SCRATCH_DB}")
            databases.migrate(env)
            key = f"segments_{size['customers'] // 1000}k"
            result.update(_child(env, {**size, "simulate": True, "prefix": key}))
    except (subprocess.SubprocessError, OSError) as exc:
        result["segments_error"] = databases.failure_text(exc)
    finally:
        _admin(admin_url, drop)
    million = os.environ.get(MILLION_ENV, "")
    if quick or not million:
        result["segments_1m_skipped"] = "quick run" if quick else f"set {MILLION_ENV} to a loaded database"
        return result
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-seg-") as tmp:
            env = databases.django_env(Path(tmp), f"{base}/{million}")
            result.update(_child(env, {"simulate": False, "prefix": "segments_1m"}))
    except (subprocess.SubprocessError, OSError) as exc:
        result["segments_1m_error"] = databases.failure_text(exc)
    return result


# --- the child: load (or find) the data, then time the rules ------------------------------------------


def _pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    plan = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def _prepare(spec: dict[str, Any]) -> Any:
    from siyu.members.models import Customer
    from siyu.simulate.runner import simulate
    from siyu.tenancy.models import Merchant

    if spec["simulate"]:
        simulate(
            merchant_slug="segments",
            customers=spec["customers"],
            days=spec["days"],
            seed=spec["seed"],
            progress=False,
        )
    merchant = Merchant.objects.order_by("id").first()
    assert merchant is not None and Customer.objects.for_merchant(merchant).exists(), "no simulated merchant"
    return merchant


def _fill(merchant: Any, now: Any) -> dict[str, Any]:
    """Value rows (when that app can compute them) and one tag on every tenth customer."""
    from django.db.models import F

    from siyu.audience.models import CustomerTag, Tag, TagGroup
    from siyu.audience.sql import insert_for_customers
    from siyu.audience.values.models import CustomerValue
    from siyu.members.models import Customer

    notes: dict[str, Any] = {}
    if not CustomerValue.objects.for_merchant(merchant).exists():
        try:
            from siyu.audience.values.services import recompute_merchant
        except ImportError:
            notes["values"] = "not computed (no recompute_merchant): customers judged on the defaults"
        else:
            began = time.perf_counter()
            recompute_merchant(merchant.pk, now=now)
            notes["values_seconds"] = round(time.perf_counter() - began, 1)
    group = TagGroup.objects.create(merchant=merchant, kind="basic", name="bench")
    tag = Tag.objects.create(merchant=merchant, group=group, name="every tenth")
    tenth = Customer.objects.for_merchant(merchant).alias(r=F("id") % 10).filter(r=0)
    insert_for_customers(
        CustomerTag, {"merchant": merchant.pk, "tag": tag.pk, "source": "import", "tagged_at": now}, tenth
    )
    notes["tag_id"] = tag.pk
    return notes


def _rules(merchant: Any, tag_id: int | None) -> dict[str, dict[str, Any]]:
    """Four rules an operator would build, aimed at the busiest product and category of the data."""
    from django.db.models import Count

    from siyu.catalog.models import Product
    from siyu.orders.models import OrderLine

    top = (
        OrderLine.objects.for_merchant(merchant)
        .values("product_id_snapshot")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    product = Product.objects.get(pk=top["product_id_snapshot"]) if top else None
    rules: dict[str, dict[str, Any]] = {
        "women_25_35_reachable_by_sms": {
            "all": [
                {"field": "gender", "op": "eq", "value": "female"},
                {"field": "age", "op": "between", "value": [25, 35]},
                {"reachable": "sms"},
            ]
        },
        "viewed_3x_in_30d_never_bought": {
            "all": [
                {
                    "event": "product_view",
                    "count": {"op": "gte", "value": 3},
                    "within_days": 30,
                    "where": {"product_id": product.pk if product else 1},
                },
                {"not": {"orders": {"product": product.pk if product else 1}}},
            ]
        },
        "valuable_but_quiet_60d": {
            "all": [
                {"rfm_class": ["important_value", "important_keep", "important_retain"]},
                {"not": {"orders": {"within_days": 60}}},
                {"any": [{"reachable": "subscribe_message"}, {"reachable": "official_account"}]},
            ]
        },
        "category_repeat_buyers_300_yuan_180d": {
            "orders": {
                "category": (product.category_id if product and product.category_id else 1),
                "count": {"op": "gte", "value": 2},
                "spend": {"op": "gte", "value": 30_000},
                "within_days": 180,
            }
        },
    }
    if tag_id:
        rules["tagged_or_semi_private_in_city"] = {
            "all": [{"any": [{"tag": tag_id}, {"semi_private": True}]}, {"field": "city", "op": "is_set"}]
        }
    return rules


def _time(fn: Any, runs: int = 3) -> tuple[float, Any]:
    fn()  # warm the cache: the numbers are for a database that is in use
    samples, value = [], None
    for _ in range(runs):
        began = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - began)
    return round(min(samples), 3), value


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Max, Window

    from siyu.audience.rules import customers_matching, validate_rule
    from siyu.events.models import Event
    from siyu.members.models import Customer

    prefix = spec["prefix"]
    pending = _pending_migrations()
    if pending:
        reason = f"database not migrated to this tree ({len(pending)} pending, e.g. {pending[0]})"
        return {f"{prefix}_skipped": reason}
    began = time.perf_counter()
    merchant = _prepare(spec)
    load_seconds = round(time.perf_counter() - began, 1)
    now = Event.objects.for_merchant(merchant).aggregate(m=Max("occurred_at"))["m"]
    notes = _fill(merchant, now) if spec["simulate"] else {}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures: dict[str, Any] = {f"{prefix}_customers": Customer.objects.for_merchant(merchant).count()}
    if spec["simulate"]:
        figures[f"{prefix}_load_seconds"] = load_seconds
    figures.update({f"{prefix}_{k}": v for k, v in notes.items() if k != "tag_id"})
    previews: dict[str, dict[str, Any]] = {}
    for name, rule in _rules(merchant, notes.get("tag_id")).items():
        node = validate_rule(rule, merchant_id=merchant.pk)
        qs = customers_matching(node, merchant_id=merchant.pk, now=now)

        def preview(qs=qs) -> int:
            rows = list(qs.annotate(_t=Window(Count("pk"))).order_by("-id").values("id", "_t")[:10])
            return rows[0]["_t"] if rows else 0

        seconds, matched = _time(preview)
        count_seconds, _ = _time(qs.count)
        # PostgreSQL's JIT compiles these plans (their cost estimate is high) and may cost more than the
        # query: the same preview with JIT off shows how much.
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        no_jit_seconds, _ = _time(preview)
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
        previews[name] = {
            "seconds": seconds,
            "count_seconds": count_seconds,
            "seconds_jit_off": no_jit_seconds,
            "matched": matched,
        }
    figures[f"{prefix}_preview"] = previews
    figures[f"{prefix}_preview_seconds_max"] = max(p["seconds"] for p in previews.values())
    figures[f"{prefix}_preview_seconds_max_jit_off"] = max(p["seconds_jit_off"] for p in previews.values())
    figures[f"{prefix}_preview_seconds_median"] = round(
        statistics.median(p["seconds"] for p in previews.values()), 3
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.segments_suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="20,000 customers instead of 100,000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(json.loads(args.child)), default=str))
        return
    print(json.dumps(run(args.quick), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
