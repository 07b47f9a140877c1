"""The value models' benchmark: full recompute, refresh and a segment-preview COUNT on PostgreSQL over
simulated data, and the same RFM group-by in DuckDB over the same rows as the reference.

``run(quick)`` returns the numbers ``bench.run`` reports. The world is the simulator's ``loyal``
preset over three calendar years (2023-2025), measured as of the morning after it ends:

- by default 100,000 customers (~1M orders), simulated into a scratch PostgreSQL database that this
  module creates and drops by its own name (``siyu_bench_values_small``): about 3 minutes in all;
  ``--quick`` uses 10,000 customers;
- with ``SIYU_BENCH_VALUES_1M=1`` (or ``--million``) also 1,000,000 customers (~9.5M orders, ~60M
  events) in a database that is kept between runs (``SIYU_BENCH_VALUES_DB``, default
  ``siyu_bench_values``): loaded once (10-15 minutes) when it does not hold the world yet, then only
  migrated and measured.

Measured, each in a child process with Django set up on that database: the first full recompute
(reads every event), the next day's recompute (reads the value behaviours since the last run),
refreshing 1 and 500 customers, the distribution selector, and a segment-preview-like COUNT over
the value rows joined to customers. The reference: the RFM group-by (recency, frequency and
monetary per buyer, then NTILE quintiles with the same tie-breaks) timed in PostgreSQL and in
DuckDB (in memory, over the same rows exported from PostgreSQL); both must give the same quintile
counts. ``SIYU_BENCH_POSTGRES_URL`` names the server (default ``postgres://postgres@127.0.0.1:5432/test``).
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases
from bench.simulate_suite import MILLION
from bench.simulate_suite import _child as simulate_child

MILLION_ENV = "SIYU_BENCH_VALUES_1M"
KEPT_DB = os.environ.get("SIYU_BENCH_VALUES_DB", "siyu_bench_values")
SCRATCH_DB = "siyu_bench_values_small"
WORLD = {"days": MILLION["days"], "seed": 1, "preset": "loyal", "start": MILLION["start"]}
SMALL, QUICK = 100_000, 10_000
AS_OF = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, the day after the world ends
MEASURE_TIMEOUT_S = 60 * 60
LOAD_TIMEOUT_S = 45 * 60


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _url(admin_url: str, name: str) -> str:
    return f"{admin_url.rpartition('/')[0]}/{name}"


def _measure(env: dict[str, str], merchant: str, duckdb: bool = True) -> dict[str, Any]:
    spec = json.dumps({"merchant": merchant, "duckdb": duckdb})
    done = subprocess.run(
        [sys.executable, "-m", "bench.values_suite", "--child", spec],
        env=env,
        cwd=databases.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=MEASURE_TIMEOUT_S,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _prefixed(prefix: str, figures: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{k}": v for k, v in figures.items()}


def _small(admin_url: str, customers: int) -> dict[str, Any]:
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-values-") as tmp:
            env = databases.django_env(Path(tmp), _url(admin_url, SCRATCH_DB))
            databases.migrate(env)
            spec = {**WORLD, "customers": customers, "merchant": "values"}
            loaded = simulate_child(env, spec, timeout=LOAD_TIMEOUT_S)
            figures = _measure(env, "values")
            figures["load_seconds"] = round(loaded["seconds"], 1)
            return figures
    finally:
        _admin(admin_url, drop)


def _holds_world(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM members_customer c JOIN tenancy_merchant m ON m.id = c.merchant_id "
                "WHERE m.slug = 'million'"
            ).fetchone()
            return bool(row and row[0] == MILLION["customers"])
    except psycopg.Error:
        return False


def _million(admin_url: str) -> dict[str, Any]:
    url = _url(admin_url, KEPT_DB)
    with tempfile.TemporaryDirectory(prefix="siyu-values-") as tmp:
        env = databases.django_env(Path(tmp), url)
        loaded_now = not _holds_world(url)
        if loaded_now:  # a half-loaded world is dropped and loaded again
            _admin(
                admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(KEPT_DB))
            )
            _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(KEPT_DB)))
        databases.migrate(env, timeout=LOAD_TIMEOUT_S)
        if loaded_now:
            spec = {**MILLION, "merchant": "million", "bulk": True}
            simulate_child(env, spec, timeout=LOAD_TIMEOUT_S)
        figures = _measure(env, "million")
        figures["database"] = KEPT_DB
        figures["loaded_this_run"] = loaded_now
        return figures


def run(quick: bool, million: bool | None = None) -> dict[str, Any]:
    """100k customers (10k quick) in a scratch database; 1M in the kept one when asked."""
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        return {"values_skipped": reason}
    result: dict[str, Any] = {}
    customers = QUICK if quick else SMALL
    label = f"values_{customers // 1000}k"
    try:
        result.update(_prefixed(label, _small(admin_url, customers)))
    except (subprocess.SubprocessError, OSError) as exc:
        result[f"{label}_error"] = databases.failure_text(exc)
    if million is None:
        million = os.environ.get(MILLION_ENV, "") not in ("", "0")
    if quick or not million:
        result["values_1m_skipped"] = "quick run" if quick else f"set {MILLION_ENV}=1 to run it"
        return result
    try:
        result.update(_prefixed("values_1m", _million(admin_url)))
    except (subprocess.SubprocessError, OSError) as exc:
        result["values_1m_error"] = databases.failure_text(exc)
    return result


# --- the child: measurements on one loaded database -------------------------------------------------


def _timed(work: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    value = work()
    return time.perf_counter() - began, value


def _best(work: Any, rounds: int = 3) -> float:
    return min(_timed(work)[0] for _ in range(rounds))


# The RFM group-by both databases run: per buyer, then quintiles with the value models' tie-breaks.
RFM_SELECT = """
WITH buy AS (
    SELECT customer_id, COUNT(*) AS n, SUM(amount) AS total, MAX(paid_at) AS last_at
    FROM {rows} GROUP BY customer_id
), score AS (
    SELECT NTILE(5) OVER (ORDER BY last_at, customer_id) AS r,
        NTILE(5) OVER (ORDER BY n, last_at, customer_id) AS f,
        NTILE(5) OVER (ORDER BY total, customer_id) AS m
    FROM buy
)
SELECT r, f, m, COUNT(*) FROM score GROUP BY r, f, m ORDER BY r, f, m
"""


def _rfm_reference(merchant_id: int, as_of: datetime) -> dict[str, Any]:
    import duckdb
    from django.db import connection

    rows_sql = (
        "SELECT customer_id, paid_at, paid_amount - refunded_amount AS amount FROM orders_order "
        f"WHERE merchant_id = {int(merchant_id)} AND paid_at IS NOT NULL "
        f"AND paid_at <= '{as_of.isoformat()}' AND status <> 'closed'"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
        pg_seconds, pg_cells = _timed(lambda: _fetch(cursor, RFM_SELECT.format(rows=f"({rows_sql}) o")))
        cursor.execute("RESET work_mem")
    with tempfile.TemporaryDirectory(prefix="siyu-values-duck-") as tmp:
        path = Path(tmp) / "orders.csv"
        began = time.perf_counter()
        raw = connection.connection  # psycopg 3: COPY out straight to the file
        with raw.cursor() as cur, path.open("wb") as out:
            copy_sql = (
                "COPY (SELECT customer_id, CAST(EXTRACT(EPOCH FROM paid_at) * 1000000 AS BIGINT), amount "
                f"FROM ({rows_sql}) o) TO STDOUT WITH (FORMAT csv)"
            )
            with cur.copy(copy_sql) as copy:
                for block in copy:
                    out.write(block)
        export_seconds = time.perf_counter() - began
        duck = duckdb.connect()
        load_seconds, _ = _timed(
            lambda: duck.execute(
                f"CREATE TABLE o AS SELECT * FROM read_csv('{path}', header = false, "
                "columns = {'customer_id': 'BIGINT', 'paid_at': 'BIGINT', 'amount': 'BIGINT'})"
            )
        )
        duck_seconds = _best(lambda: duck.execute(RFM_SELECT.format(rows="o")).fetchall())
        duck_cells = duck.execute(RFM_SELECT.format(rows="o")).fetchall()
        counted = duck.execute("SELECT COUNT(*) FROM o").fetchone()
        rows = int(counted[0]) if counted else 0
        duck.close()
    return {
        "rfm_rows": rows,
        "rfm_groupby_postgres_seconds": round(pg_seconds, 2),
        "rfm_groupby_duckdb_seconds": round(duck_seconds, 3),
        "rfm_groupby_postgres_over_duckdb": round(pg_seconds / duck_seconds, 1),
        "rfm_duckdb_export_seconds": round(export_seconds, 1),
        "rfm_duckdb_load_seconds": round(load_seconds, 1),
        "rfm_duckdb_matches_postgres": [tuple(map(int, c)) for c in pg_cells]
        == [tuple(map(int, c)) for c in duck_cells],
    }


def _fetch(cursor: Any, statement: str) -> list[tuple[Any, ...]]:
    cursor.execute(statement)
    return cursor.fetchall()


PREVIEW = """
SELECT COUNT(*) FROM values_customervalue v JOIN members_customer c ON c.id = v.customer_id
WHERE v.merchant_id = %s AND c.is_blocked = FALSE AND v.rfm_class IN ('important_value', 'important_keep')
    AND v.lifecycle_stage IN ('growth', 'maturity', 'dormancy') AND v.discount_order_share_bp < 5000
"""


def measure(merchant_slug: str, duckdb: bool = True) -> dict[str, Any]:
    from django.db import connection

    from siyu.audience.values import selectors, services
    from siyu.audience.values.models import CustomerValue
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.get(slug=merchant_slug)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cold_seconds, cold = _timed(
        lambda: services.recompute_merchant(merchant.pk, now=AS_OF, reread_events=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE values_customervalue")
    next_day = AS_OF + timedelta(days=1)
    daily_seconds, daily = _timed(lambda: services.recompute_merchant(merchant.pk, now=next_day))
    rows = CustomerValue.objects.for_merchant(merchant)
    ids = list(
        rows.filter(order_count__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)[:: max(cold.buyers // 500, 1)]
    )
    one = [ids[len(ids) // 2]]
    refresh_1 = statistics.median(
        _timed(lambda: services.refresh_customers(merchant.pk, one, now=next_day))[0] for _ in range(5)
    )
    refresh_500 = _best(lambda: services.refresh_customers(merchant.pk, ids[:500], now=next_day))
    distribution_seconds = _best(lambda: selectors.distribution(merchant.pk))

    def preview() -> int:
        with connection.cursor() as cursor:
            cursor.execute(PREVIEW, [merchant.pk])
            return int(cursor.fetchone()[0])

    preview_seconds = _best(preview)
    figures: dict[str, Any] = {
        "customers": cold.customers,
        "buyers": cold.buyers,
        "orders": int(_scalar("SELECT COUNT(*) FROM orders_order WHERE merchant_id = %s", merchant.pk)),
        "events": int(_scalar("SELECT COUNT(*) FROM events_event WHERE merchant_id = %s", merchant.pk)),
        "cycle_days": cold.cycle_days,
        "cycle_median_days": cold.cycle_median_days,
        "full_recompute_seconds": round(cold_seconds, 1),
        "daily_recompute_seconds": round(daily_seconds, 1),
        "refresh_1_customer_ms": round(refresh_1 * 1000, 1),
        "refresh_500_customers_ms": round(refresh_500 * 1000, 1),
        "distribution_seconds": round(distribution_seconds, 3),
        "segment_preview_count_seconds": round(preview_seconds, 3),
        "segment_preview_count": preview(),
        "daily_read_all_events": daily.full_scan_at == daily.computed_at,
    }
    if duckdb:
        figures.update(_rfm_reference(merchant.pk, next_day))
    return figures


def _scalar(statement: str, *params: Any) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.values_suite", description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="10k customers, no 1M run")
    parser.add_argument("--million", action="store_true", help=f"also the 1M world (as {MILLION_ENV}=1)")
    args = parser.parse_args(argv)
    if args.child:
        import django

        django.setup()
        spec = json.loads(args.child)
        print(json.dumps(measure(spec["merchant"], duckdb=spec.get("duckdb", True))))
        return 0
    print(json.dumps(run(args.quick, million=True if args.million else None), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
