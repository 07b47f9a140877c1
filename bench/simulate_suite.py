"""The brand simulator's benchmark: demo size into SQLite; on request, 1M customers into PostgreSQL.

``run(quick)`` returns the numbers ``bench.run`` reports. Each measurement runs ``siyu simulate``'s
function in a child process (Django reads its database settings once) against a database made for
it: SQLite in a fresh temp dir, PostgreSQL in a scratch database this module creates and drops by
its own name. Peak memory is the child's peak RSS (``getrusage``), time the child's wall clock.

The demo size (20,000 customers, a year, the default model) always runs: about 10 s. The 1M case
(1,000,000 customers, three years, the ``loyal`` preset, ~10M orders, ~100M rows) takes 10-15
minutes, so it runs only with ``SIYU_BENCH_SIM_1M=1`` (or ``--million``); it needs PostgreSQL
(``SIYU_BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/test``, only used to
create and drop the scratch database ``SIYU_BENCH_SIM_DB``, default ``siyu_bench_sim``). Both runs
also report a plausibility summary (orders per day, repeat purchases, revenue by source), computed
in SQL after the timed run.

``python -m bench.simulate_suite --report`` simulates the demo size and prints the plausibility
tables of ``docs/simulator.md`` (orders per week, repeat purchases, revenue by source, ...).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases

DEMO = {"customers": 20_000, "days": 365, "seed": 1}
# Three calendar years, so the festivals of each year are in and the numbers do not move with the date.
MILLION = {"customers": 1_000_000, "days": 1095, "seed": 1, "preset": "loyal", "start": "2023-01-01"}
MILLION_ENV = "SIYU_BENCH_SIM_1M"
SCRATCH_DB = os.environ.get("SIYU_BENCH_SIM_DB", "siyu_bench_sim")
MILLION_TIMEOUT_S = 45 * 60


def _child(env: dict[str, str], spec: dict[str, Any], timeout: float, report: bool = False) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.simulate_suite", "--child", json.dumps(spec)]
    if report:
        args.append("--report")
    done = subprocess.run(
        args, env=env, cwd=databases.REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=True
    )
    if report:
        print(done.stdout.rpartition("\n{")[0])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _figures(prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    rows = out["rows"]
    figures = {
        f"{prefix}_seconds": round(out["seconds"], 1),
        f"{prefix}_generate_seconds": round(out["generate_seconds"], 1),
        f"{prefix}_write_seconds": round(out["write_seconds"], 1),
        f"{prefix}_wait_seconds": round(out["wait_seconds"], 1),
        f"{prefix}_index_rebuild_seconds": round(out["index_rebuild_seconds"], 1),
        f"{prefix}_copy_seconds": {k: round(v, 1) for k, v in out["copy_seconds"].items()},
        f"{prefix}_rebuild_seconds_by_table": {k: round(v, 1) for k, v in out["rebuild_by_table"].items()},
        f"{prefix}_peak_rss_mb": round(out["peak_rss_mb"]),
        f"{prefix}_customers": rows["members.Customer"],
        f"{prefix}_orders": rows["orders.Order"],
        f"{prefix}_order_lines": rows["orders.OrderLine"],
        f"{prefix}_events": rows["events.Event"],
        f"{prefix}_rows": sum(rows.values()),
        f"{prefix}_rows_per_table": rows,
    }
    if "plausibility" in out:
        figures[f"{prefix}_plausibility"] = out["plausibility"]
    return figures


def run(quick: bool, million: bool | None = None) -> dict[str, Any]:
    """Demo size into SQLite always; 1M customers into PostgreSQL when asked (``SIYU_BENCH_SIM_1M=1``)."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="siyu-sim-") as tmp:
        env = databases.django_env(Path(tmp))
        databases.migrate(env)
        spec = {**DEMO, "merchant": "demo", "summary": True}
        result.update(_figures("simulate_demo_sqlite", _child(env, spec, timeout=600)))
    if million is None:
        million = os.environ.get(MILLION_ENV, "") not in ("", "0")
    if quick or not million:
        result["simulate_1m_postgres_skipped"] = "quick run" if quick else f"set {MILLION_ENV}=1 to run it"
        return result
    admin_url = databases.postgres_admin_url()
    reason = databases.postgres_reachable(admin_url)
    if reason:
        result["simulate_1m_postgres_skipped"] = reason
        return result
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
    _admin(admin_url, drop)
    _admin(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    try:
        with tempfile.TemporaryDirectory(prefix="siyu-sim-") as tmp:
            env = databases.django_env(Path(tmp), f"{admin_url.rpartition('/')[0]}/{SCRATCH_DB}")
            databases.migrate(env)
            spec = {**MILLION, "merchant": "million", "bulk": True, "summary": True}
            result.update(_figures("simulate_1m_postgres", _child(env, spec, timeout=MILLION_TIMEOUT_S)))
    except (subprocess.SubprocessError, OSError) as exc:
        result["simulate_1m_postgres_error"] = databases.failure_text(exc)
    finally:
        _admin(admin_url, drop)
    return result


# --- the child: one simulation, then (optionally) the plausibility summary and tables ---------------


def _simulate(spec: dict[str, Any]) -> dict[str, Any]:
    from datetime import date

    from siyu.simulate.runner import simulate

    report = simulate(
        start=date.fromisoformat(spec["start"]) if spec.get("start") else None,
        merchant_slug=spec["merchant"],
        customers=spec["customers"],
        days=spec["days"],
        seed=spec["seed"],
        preset=spec.get("preset", "default"),
        bulk=spec.get("bulk"),
        progress=bool(spec.get("progress")),
    )
    figures = {
        "seconds": report.seconds,
        "generate_seconds": report.generate_seconds,
        "write_seconds": report.write_seconds,
        "wait_seconds": report.wait_seconds,
        "index_rebuild_seconds": report.index_rebuild_seconds,
        "copy_seconds": report.copy_seconds,
        "rebuild_by_table": report.rebuild_by_table,
        "peak_rss_mb": report.peak_rss_mb,
        "rows": report.rows,
        "buyers": report.buyers,
    }
    if spec.get("summary"):
        figures["plausibility"] = summary(spec["merchant"], events=report.rows["events.Event"])
    return figures


def summary(merchant_slug: str, events: int | None = None) -> dict[str, Any]:
    """The headline plausibility numbers, computed in SQL (fine at 10M orders): orders per day,
    repeat purchases (share of buyers with 1, 2, 3, 4+ and 10+ paid orders), revenue by source."""
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from siyu.events.models import Event
    from siyu.members.models import Customer
    from siyu.orders.models import Order
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.get(slug=merchant_slug)
    zone = ZoneInfo(merchant.timezone)
    orders = Order.objects.for_merchant(merchant)
    paid = orders.filter(paid_at__isnull=False)
    per_day = dict(
        paid.annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by("day")
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = sorted(per_day)
    counts = sorted(per_day.values())
    busiest = max(days, key=lambda d: per_day[d])
    last_double11 = max((d for d in days if (d.month, d.day) == (11, 11)), default=None)
    customers = dict(
        Customer.objects.for_merchant(merchant)
        .order_by()
        .values("first_touch_source")
        .annotate(n=Count("id"))
        .values_list("first_touch_source", "n")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN n >= 10 THEN 10 WHEN n >= 4 THEN 4 ELSE n END, COUNT(*) FROM ("
            "SELECT customer_id, COUNT(*) AS n FROM orders_order WHERE merchant_id = %s "
            "AND paid_at IS NOT NULL GROUP BY customer_id) t GROUP BY 1",
            [merchant.pk],
        )
        buckets = dict(cursor.fetchall())
        cursor.execute(
            "SELECT c.first_touch_source, COUNT(DISTINCT o.customer_id), COUNT(*), "
            "SUM(o.paid_amount - o.refunded_amount) FROM orders_order o "
            "JOIN members_customer c ON c.id = o.customer_id "
            "WHERE o.merchant_id = %s AND o.paid_at IS NOT NULL GROUP BY 1",
            [merchant.pk],
        )
        by_source = {source: (b, k, int(money)) for source, b, k, money in cursor.fetchall()}
    buyers = sum(buckets.values())
    revenue = sum(money for _, _, money in by_source.values())
    n_customers = sum(customers.values())
    n_orders = orders.count()
    n_events = Event.objects.for_merchant(merchant).count() if events is None else events
    months: dict[str, list[int]] = {}
    for d in days:
        months.setdefault(f"{d:%Y-%m}", []).append(per_day[d])
    first_month = [per_day.get(d, 0) for d in days[:30]]
    last_month = [per_day.get(d, 0) for d in days[-30:]]
    return {
        "customers": n_customers,
        "buyers": buyers,
        "orders": n_orders,
        "paid_orders": sum(counts),
        "orders_per_customer": round(n_orders / n_customers, 2),
        "paid_orders_per_buyer": round(sum(counts) / max(buyers, 1), 2),
        "events": n_events,
        "events_per_order": round(n_events / max(n_orders, 1), 2),
        "orders_per_day": {
            "median": float(counts[len(counts) // 2]),
            "first_30_days_mean": round(sum(first_month) / max(len(first_month), 1), 1),
            "last_30_days_mean": round(sum(last_month) / max(len(last_month), 1), 1),
            "busiest_day": f"{busiest} ({per_day[busiest]:,})",
            "last_double_11": per_day.get(last_double11, 0) if last_double11 else None,
            "mean_by_month": {m: round(sum(v) / len(v), 1) for m, v in months.items()},
        },
        "buyers_by_paid_orders": {
            "1": round(buckets.get(1, 0) / max(buyers, 1), 3),
            "2": round(buckets.get(2, 0) / max(buyers, 1), 3),
            "3": round(buckets.get(3, 0) / max(buyers, 1), 3),
            "4+": round((buckets.get(4, 0) + buckets.get(10, 0)) / max(buyers, 1), 3),
            "10+": round(buckets.get(10, 0) / max(buyers, 1), 3),
        },
        "never_bought_share": round(1 - buyers / max(n_customers, 1), 3),
        "by_source": {
            source: {
                "customers_share": round(n / max(n_customers, 1), 3),
                "bought": round(by_source.get(source, (0, 0, 0))[0] / n, 3),
                "paid_orders_per_customer": round(by_source.get(source, (0, 0, 0))[1] / n, 2),
                "revenue_share": round(by_source.get(source, (0, 0, 0))[2] / max(revenue, 1), 3),
            }
            for source, n in sorted(customers.items(), key=lambda x: -by_source.get(x[0], (0, 0, 0))[2])
        },
    }


def summary_markdown(columns: dict[str, dict[str, Any]]) -> str:
    """The summaries of several runs side by side, as the Markdown tables of docs/simulator.md."""
    names = list(columns)
    s = [columns[n] for n in names]
    rows = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]

    def row(label: str, values: list[Any]) -> None:
        rows.append(f"| {label} | " + " | ".join(str(v) for v in values) + " |")

    row("customers", [f"{x['customers']:,}" for x in s])
    row("orders (all states)", [f"{x['orders']:,}" for x in s])
    row("orders per customer", [x["orders_per_customer"] for x in s])
    row("paid orders per buyer", [x["paid_orders_per_buyer"] for x in s])
    row("events", [f"{x['events']:,}" for x in s])
    row("events per order", [x["events_per_order"] for x in s])
    for key, label in (
        ("median", "paid orders on the median day"),
        ("first_30_days_mean", "paid orders a day, first 30 days"),
        ("last_30_days_mean", "paid orders a day, last 30 days"),
        ("last_double_11", "paid orders on the last Double 11"),
        ("busiest_day", "busiest day"),
    ):
        row(label, [_number(x["orders_per_day"][key]) for x in s])
    row("registered, never bought", [f"{x['never_bought_share']:.0%}" for x in s])
    for key in ("1", "2", "3", "4+", "10+"):
        row(
            f"buyers with {key} paid order{'' if key == '1' else 's'}",
            [f"{x['buyers_by_paid_orders'][key]:.1%}" for x in s],
        )

    def revenue(source: str) -> float:
        return -s[-1]["by_source"].get(source, {}).get("revenue_share", 0)

    sources = sorted({k for x in s for k in x["by_source"]}, key=revenue)
    out = [
        *rows,
        "",
        "| source | " + " | ".join(f"{n}: customers / bought / revenue" for n in names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for source in sources:
        cells = []
        for x in s:
            v = x["by_source"].get(source)
            cells.append(
                f"{v['customers_share']:.0%} / {v['bought']:.0%} / {v['revenue_share']:.1%}" if v else "-"
            )
        out.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def month_chart(summary: dict[str, Any]) -> str:
    """Paid orders a day, month by month (mean), as a text bar chart."""
    by_month = summary["orders_per_day"]["mean_by_month"]
    top = max(by_month.values())
    return "\n".join(f"{m}  {v:8,.0f}  {_bar(v, top)}" for m, v in by_month.items())


def _number(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def _bar(value: float, top: float, width: int = 40) -> str:
    return "#" * round(width * value / top) if top else ""


def plausibility(merchant_slug: str) -> str:
    """Markdown tables that show whether the simulated business looks like a real one."""
    from collections import Counter
    from zoneinfo import ZoneInfo

    import numpy as np

    from siyu.events.models import VALUE_KINDS, Event
    from siyu.members.models import Customer
    from siyu.orders.models import Order, OrderLine
    from siyu.tenancy.models import Merchant

    merchant = Merchant.objects.get(slug=merchant_slug)
    zone = ZoneInfo(merchant.timezone)
    orders = list(
        Order.objects.for_merchant(merchant).values_list(
            "customer_id",
            "created_at",
            "status",
            "paid_at",
            "paid_amount",
            "refunded_amount",
            "fulfilment",
            "source",
        )
    )
    paid = [o for o in orders if o[3] is not None]
    out: list[str] = []

    # Orders per week, with the festivals visible.
    weeks: Counter[str] = Counter()
    for o in paid:
        local = o[1].astimezone(zone)
        weeks[local.strftime("%G-W%V")] += 1
    top = max(weeks.values())
    out += ["### Paid orders per week", "", "```"]
    out += [f"{week}  {n:6,}  {_bar(n, top)}" for week, n in sorted(weeks.items())]
    out += ["```", ""]

    days: Counter[str] = Counter(o[1].astimezone(zone).strftime("%m-%d") for o in paid)
    ordinary = float(np.median(list(days.values())))
    out += [
        "### Festival days against an ordinary day",
        "",
        "| day | paid orders | x median day |",
        "|---|---|---|",
    ]
    for label, day in (
        ("Double 11", "11-11"),
        ("618", "06-18"),
        ("Member day (Oct 18)", "10-18"),
        ("Jul 9", "07-09"),
    ):
        if day in days:
            out.append(f"| {label} | {days[day]:,} | {days[day] / ordinary:.1f} |")
    out += ["", f"Median day: {ordinary:.0f} paid orders.", ""]

    weekdays = Counter(o[1].astimezone(zone).weekday() for o in paid)
    mean = sum(weekdays.values()) / 7
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    out += [
        "### Orders by weekday (x the mean weekday)",
        "",
        "| " + " | ".join(names) + " |",
        "|---" * 7 + "|",
    ]
    out += ["| " + " | ".join(f"{weekdays[d] / mean:.2f}" for d in range(7)) + " |", ""]

    hours = Counter(o[1].astimezone(zone).hour for o in paid)
    top = max(hours.values())
    out += ["### Orders by local hour", "", "```"]
    out += [f"{h:02d}:00  {hours[h]:6,}  {_bar(hours[h], top)}" for h in range(24)]
    out += ["```", ""]

    # Repeat purchases.
    per_customer = Counter(o[0] for o in paid)
    counts = np.array(list(per_customer.values()))
    out += ["### Repeat purchases", "", "| paid orders | buyers | share of buyers |", "|---|---|---|"]
    for k in (1, 2, 3, 5, 10, 20):
        n = int((counts >= k).sum())
        out.append(f"| {k} or more | {n:,} | {n / len(counts):.1%} |")
    firsts: dict[int, Any] = {}
    seconds: dict[int, Any] = {}
    for c, created, *_ in sorted(paid, key=lambda o: o[1]):
        if c not in firsts:
            firsts[c] = created
        elif c not in seconds:
            seconds[c] = created
    end = max(o[1] for o in orders)
    out += ["", "| days after the first order | bought again (of buyers observed that long) |", "|---|---|"]
    for window in (30, 60, 90, 180):
        seen = [c for c, t in firsts.items() if (end - t).days >= window]
        again = sum(1 for c in seen if c in seconds and (seconds[c] - firsts[c]).days < window)
        out.append(f"| {window} | {again / max(len(seen), 1):.1%} |")
    out += [
        "",
        f"One-time buyers: {(counts == 1).mean():.1%}; most orders by one customer: {counts.max()}.",
        "",
    ]

    # Source matters.
    customers = dict(Customer.objects.for_merchant(merchant).values_list("id", "first_touch_source"))
    by_source: dict[str, list[float]] = {}
    for source in customers.values():
        by_source.setdefault(source, [0, 0, 0, 0.0])[0] += 1
    for c, n in per_customer.items():
        row = by_source[customers[c]]
        row[1] += 1
        row[2] += n
    for o in paid:
        by_source[customers[o[0]]][3] += o[4] - o[5]
    revenue = sum(r[3] for r in by_source.values())
    out += [
        "### Customers and revenue by acquisition source",
        "",
        "| source | customers | bought | paid orders per customer | net revenue share | avg order (yuan) |",
        "|---|---|---|---|---|---|",
    ]
    for source, (n, b, k, money) in sorted(by_source.items(), key=lambda x: -x[1][3]):
        aov = money / max(k, 1) / 100
        out.append(f"| {source} | {n:,} | {b / n:.0%} | {k / n:.2f} | {money / revenue:.1%} | {aov:.0f} |")
    out.append("")

    # Repurchase cycles: days between a customer's paid orders of the same category.
    from siyu.catalog.models import Product

    category = dict(Product.objects.for_merchant(merchant).values_list("id", "category__name"))
    bought: dict[tuple[int, str], list[Any]] = {}
    for c, product, when in (
        OrderLine.objects.for_merchant(merchant)
        .filter(order__paid_at__isnull=False)
        .values_list("order__customer_id", "product_id_snapshot", "order__created_at")
    ):
        bought.setdefault((c, category.get(product) or "-"), []).append(when)
    gaps: dict[str, list[float]] = {}
    for (_, name), times in bought.items():
        times.sort()
        gaps.setdefault(name, []).extend(
            (b - a).total_seconds() / 86_400 for a, b in itertools.pairwise(times) if b - a
        )
    out += [
        "### Repurchase interval by category",
        "",
        "| category | repeat purchases | median days |",
        "|---|---|---|",
    ]
    for name, values in sorted(gaps.items(), key=lambda x: float(np.median(x[1])) if x[1] else 0):
        if len(values) >= 20:
            out.append(f"| {name} | {len(values):,} | {np.median(values):.0f} |")
    out.append("")

    # Outcomes and behaviour.
    status = Counter(o[2] for o in orders)
    refunded = sum(1 for o in paid if o[5] > 0)
    pickup = sum(1 for o in orders if o[6] == "pickup")
    kinds = Counter(Event.objects.for_merchant(merchant).values_list("kind", flat=True))
    lines = OrderLine.objects.for_merchant(merchant).count()
    value_customers = set(
        Event.objects.for_merchant(merchant)
        .filter(kind__in=VALUE_KINDS, customer__isnull=False)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    semi = len(value_customers - set(o[0] for o in orders))
    # A cart is abandoned when its customer did not order that product within a day.
    ordered: dict[tuple[int, int], list[Any]] = {}
    for c, product, when in OrderLine.objects.for_merchant(merchant).values_list(
        "order__customer_id", "product_id_snapshot", "order__created_at"
    ):
        ordered.setdefault((c, product), []).append(when)
    carts = list(
        Event.objects.for_merchant(merchant)
        .filter(kind="add_to_cart")
        .values_list("customer_id", "properties", "occurred_at")
    )
    converted = sum(
        1
        for c, props, when in carts
        if any(0 <= (t - when).total_seconds() < 86_400 for t in ordered.get((c, props["product_id"]), ()))
    )
    out += [
        "### Orders and behaviour",
        "",
        "| measure | value |",
        "|---|---|",
        f"| orders (all states) | {len(orders):,} |",
        "| " + ", ".join(f"{k} {v:,}" for k, v in status.most_common()) + " | |",
        f"| never paid (cancelled or pending) | {1 - len(paid) / len(orders):.1%} |",
        f"| paid orders with a refund | {refunded / len(paid):.1%} |",
        f"| self-pickup | {pickup / len(orders):.1%} |",
        f"| events | {sum(kinds.values()):,} ({sum(kinds.values()) / len(orders):.1f} per order) |",
        "| " + ", ".join(f"{k} {v:,}" for k, v in kinds.most_common()) + " | |",
        f"| add-to-carts per order line | {kinds['add_to_cart'] / lines:.2f} |",
        f"| carts abandoned (no order of that product within a day) | {1 - converted / len(carts):.0%} |",
        f"| semi-private members (value events, no order) | {semi:,} of {len(customers):,} customers |",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulate_suite", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--report", action="store_true", help="simulate the demo size, print the tables")
    parser.add_argument("--quick", action="store_true", help="no 1M PostgreSQL run")
    parser.add_argument("--million", action="store_true", help=f"run the 1M case (as {MILLION_ENV}=1)")
    parser.add_argument("--preset", default="default", help="the model preset --report simulates")
    args = parser.parse_args(argv)
    if args.child:
        import django

        django.setup()
        spec = json.loads(args.child)
        figures = _simulate(spec)
        if args.report:
            print(plausibility(spec["merchant"]))
            print(summary_markdown({spec["merchant"]: figures["plausibility"]}))
        print(json.dumps(figures))
        return 0
    if args.report:
        with tempfile.TemporaryDirectory(prefix="siyu-sim-") as tmp:
            env = databases.django_env(Path(tmp))
            databases.migrate(env)
            # A calendar year, so that every festival is in it and the tables do not move with the date.
            spec = {**DEMO, "merchant": "demo", "start": "2025-01-01", "summary": True, "preset": args.preset}
            _child(env, spec, timeout=600, report=True)
        return 0
    result = run(args.quick, million=True if args.million else None)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
