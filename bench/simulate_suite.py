"""The brand simulator's benchmark: demo size into SQLite; 1M customers into PostgreSQL.

``run(quick)`` returns the numbers ``bench.run`` reports. Each measurement runs ``siyu simulate``'s
function in a child process (Django reads its database settings once) against a database made for
it: SQLite in a fresh temp dir, PostgreSQL in a scratch database this module creates and drops by
its own name. Peak memory is the child's peak RSS (``getrusage``), time the child's wall clock.

``python -m bench.simulate_suite --report`` simulates the demo size and prints the plausibility
tables of ``docs/simulator.md`` (orders per week, repeat purchases, revenue by source, ...).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import databases

DEMO = {"customers": 20_000, "days": 365, "seed": 1}
MILLION = {"customers": 1_000_000, "days": 1095, "seed": 1}
SCRATCH_DB = "siyu_bench_sim"
MILLION_TIMEOUT_S = 45 * 60


def _child(env: dict[str, str], spec: dict[str, Any], timeout: float, report: bool = False) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.simulate_suite", "--child", json.dumps(spec)]
    if report:
        args.append("--report")
    done = subprocess.run(
        args, env=env, cwd=databases.REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=True
    )
    if report:
        print(done.stdout)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _admin(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def _figures(prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    rows = out["rows"]
    return {
        f"{prefix}_seconds": round(out["seconds"], 1),
        f"{prefix}_index_rebuild_seconds": round(out["index_rebuild_seconds"], 1),
        f"{prefix}_peak_rss_mb": round(out["peak_rss_mb"]),
        f"{prefix}_customers": rows["members.Customer"],
        f"{prefix}_orders": rows["orders.Order"],
        f"{prefix}_order_lines": rows["orders.OrderLine"],
        f"{prefix}_events": rows["events.Event"],
        f"{prefix}_rows": sum(rows.values()),
    }


def run(quick: bool) -> dict[str, Any]:
    """Demo size into SQLite always; 1M customers into PostgreSQL unless ``quick`` or unreachable."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="siyu-sim-") as tmp:
        env = databases.django_env(Path(tmp))
        databases.migrate(env)
        result.update(
            _figures("simulate_demo_sqlite", _child(env, {**DEMO, "merchant": "demo"}, timeout=600))
        )
    if quick:
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
            spec = {**MILLION, "merchant": "million", "bulk": True}
            result.update(_figures("simulate_1m_postgres", _child(env, spec, timeout=MILLION_TIMEOUT_S)))
    except (subprocess.SubprocessError, OSError) as exc:
        result["simulate_1m_postgres_error"] = databases.failure_text(exc)
    finally:
        _admin(admin_url, drop)
    return result


# --- the child: one simulation, then (optionally) the plausibility tables ---------------------------


def _simulate(spec: dict[str, Any]) -> dict[str, Any]:
    from datetime import date

    from siyu.simulate.runner import simulate

    report = simulate(
        start=date.fromisoformat(spec["start"]) if spec.get("start") else None,
        merchant_slug=spec["merchant"],
        customers=spec["customers"],
        days=spec["days"],
        seed=spec["seed"],
        bulk=spec.get("bulk"),
        progress=False,
    )
    return {
        "seconds": report.seconds,
        "index_rebuild_seconds": report.index_rebuild_seconds,
        "peak_rss_mb": report.peak_rss_mb,
        "rows": report.rows,
        "buyers": report.buyers,
    }


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
    args = parser.parse_args(argv)
    if args.child:
        import django

        django.setup()
        spec = json.loads(args.child)
        figures = _simulate(spec)
        if args.report:
            print(plausibility(spec["merchant"]))
        print(json.dumps(figures))
        return 0
    if args.report:
        with tempfile.TemporaryDirectory(prefix="siyu-sim-") as tmp:
            env = databases.django_env(Path(tmp))
            databases.migrate(env)
            # A calendar year, so that every festival is in it and the tables do not move with the date.
            _child(env, {**DEMO, "merchant": "demo", "start": "2025-01-01"}, timeout=600, report=True)
        return 0
    print(json.dumps(run(args.quick), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
