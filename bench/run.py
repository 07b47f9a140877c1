"""``python -m bench.run``: measure, write ``bench/results/latest.json``, print the tables.

This is what ``make bench`` calls. It re-measures on the current machine the numbers the
architecture's choices rest on (granian WSGI vs gunicorn vs ASGI servers for Django; the cost of a
real shop endpoint; reservation throughput with its never-oversell check; the pricing engine's
cost per cart), so the choices can be
re-checked whenever the code or the machine changes. Every server and load is bounded in time and
everything it starts is stopped before it exits. See ``docs/benchmarks.md``.

Exit status: 0 when every measurement was made and stock stayed exact; 1 when a server or a
measurement failed, or stock was oversold or inconsistent; 130/143 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType

from bench import load, machine, report
from bench.http_suite import HttpSettings, HttpSuiteResult, run_http_suite
from bench.servers import ALL_SERVERS
from bench.stock_suite import StockSettings, StockSuiteResult, run_stock_suite

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick", action="store_true", help="short runs (about 75 s in all), for a smoke check"
    )
    parser.add_argument(
        "--only",
        choices=[
            "http",
            "stock",
            "pricing",
            "simulate",
            "flashsale",
            "values",
            "segments",
            "events",
            "imports",
            "reach_sms",
            "reach_plan",
        ],
        help="run one suite only",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"where to write the JSON (default {RESULTS})"
    )
    parser.add_argument("--duration", type=int, help="seconds per HTTP load run (default 3, quick 2)")
    parser.add_argument("--rounds", type=int, help="interleaved HTTP rounds, best kept (default 2, quick 1)")
    parser.add_argument("--connections", type=int, default=64, help="HTTP connections held open by the load")
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=[s.name for s in ALL_SERVERS],
        help="measure only these servers (default: all)",
    )
    parser.add_argument(
        "--python-load", action="store_true", help="use the Python load generator even if wrk exists"
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL stock runs")
    return parser.parse_args(argv)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so every ``finally`` runs and every server is stopped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    began = time.monotonic()
    http_cfg = HttpSettings(
        duration_s=args.duration or (2 if args.quick else 3),
        rounds=args.rounds or (1 if args.quick else 2),
        warmup_s=1,
        connections=args.connections,
        threads=2,
        force_python_load=args.python_load,
    )
    stock_cfg = StockSettings(
        stock=200 if args.quick else 500,
        overflow=20 if args.quick else 50,
        deadline_s=5.0 if args.quick else 20.0,
        postgres=not args.no_postgres,
    )
    servers = [s for s in ALL_SERVERS if not args.servers or s.name in args.servers]
    facts = machine.describe()
    if facts["busy_at_start"]:
        busy = facts["cpu_busy_at_start"]
        print(f"note: other work kept the CPUs {busy:.0%} busy at start: it will lower the numbers")
    results: dict[str, object] = {"schema": 1, "mode": "quick" if args.quick else "default", "machine": facts}
    http_suite: HttpSuiteResult | None = None
    stock_suite: StockSuiteResult | None = None
    if args.only in (None, "http"):
        if load.wrk_path() is None and not args.python_load:
            print("wrk not found (apt-get install wrk): using the slower Python load generator", flush=True)
        http_suite = run_http_suite(http_cfg, servers, log=lambda m: print(m, flush=True))
        results["http_settings"] = asdict(http_cfg)
        results["http_load_generator"] = http_suite.generator
        results["http_servers"] = http_suite.servers
        results["http_seed"] = http_suite.seed
        results["http"] = report.http_summary(http_suite)
        results["http_runs"] = [report.http_run_dict(r) for r in http_suite.runs]
    if args.only in (None, "stock"):
        stock_suite = run_stock_suite(stock_cfg, log=lambda m: print(m, flush=True))
        results["stock_settings"] = asdict(stock_cfg)
        results["stock"] = report.stock_summary(stock_suite)
        results["stock_runs"] = {k: [asdict(r) for r in v] for k, v in stock_suite.runs.items()}
    pricing_ok = simulate_ok = flashsale_ok = values_ok = segments_ok = events_ok = imports_ok = True
    if args.only in (None, "pricing"):
        results["pricing"], pricing_ok = _run_suite("pricing", args.quick)
    if args.only in (None, "simulate"):
        results["simulate"], simulate_ok = _run_suite("simulate", args.quick)
    if args.only in (None, "flashsale"):
        results["flashsale"], flashsale_ok = _run_suite("flashsale", args.quick)
        # Sold must equal the quota exactly on every path measured (never oversold, nothing lost).
        flashsale_ok = flashsale_ok and results["flashsale"].get("flashsale_exact", True) is True
    if args.only in (None, "values"):
        results["values"], values_ok = _run_suite("values", args.quick)
    if args.only in (None, "segments"):
        results["segments"], segments_ok = _run_suite("segments", args.quick)
    if args.only in (None, "events"):
        results["events"], events_ok = _run_suite("events", args.quick)
    if args.only in (None, "imports"):
        results["imports"], imports_ok = _run_suite("imports", args.quick)
    reach_sms_ok = True
    if args.only in (None, "reach_sms"):
        results["reach_sms"], reach_sms_ok = _run_suite("reach_sms", args.quick)
        reach_sms_ok = reach_sms_ok and "reach_sms_error" not in results["reach_sms"]
    reach_plan_ok = True
    if args.only in (None, "reach_plan"):
        plan_suite, reach_plan_ok = _run_suite("reach_plan", args.quick)
        results["reach_plan"] = plan_suite
        # The planned rows must add up to the audience (and the holdout be 10%), or the run fails.
        reach_plan_ok = reach_plan_ok and "reach_plan_error" not in plan_suite
        reach_plan_ok = reach_plan_ok and plan_suite.get("reach_plan_counts_add_up", True) is True
    results["elapsed_s"] = round(time.monotonic() - began, 1)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    print()
    if http_suite is not None:
        cfg = http_cfg
        print(
            f"HTTP ({http_suite.generator}, {cfg.connections} connections, best of {cfg.rounds}"
            f" x {cfg.duration_s}s runs)"
        )
        print(report.http_table(http_suite))
        summary = results["http"]
        assert isinstance(summary, dict)
        ratios = {k: v for k, v in summary.items() if k.startswith("ratio_")}
        print("  " + ", ".join(f"{k} = {v}" for k, v in ratios.items()))
        print()
    if stock_suite is not None:
        calls = stock_cfg.stock + stock_cfg.overflow
        print(f"Stock reservations ({stock_cfg.stock} units, {calls} one-unit calls per run)")
        print(report.stock_table(stock_suite))
        print()
    for name, title in (
        ("pricing", "Pricing engine (pure Python, per price() call)"),
        ("simulate", "Simulator"),
        ("flashsale", "Flash sale (purchase attempts over HTTP on PostgreSQL; bare-ASGI hello as ceiling)"),
        ("events", "Behaviour events (PostgreSQL: record_events, HTTP, bare COPY ceiling; events/s)"),
        ("values", "Customer value models (PostgreSQL; DuckDB as the reference for the RFM group-by)"),
        ("segments", "Segment preview (rule -> one SQL query, PostgreSQL, simulated customers)"),
        ("imports", "CSV import (SQLite, streamed; rows/s and peak RSS growth against a small baseline)"),
        (
            "reach_sms",
            "SMS send rate through the fake Tencent SMS (messages/s; ratio to a bare HTTP POST loop)",
        ),
        (
            "reach_plan",
            "Broadcast planning (PostgreSQL, 1M recipients; seconds, ratio to a bare INSERT ... SELECT)",
        ),
    ):
        if name in results:
            print(title)
            suite = results[name]
            assert isinstance(suite, dict)
            for key, value in suite.items():
                print(f"  {key} = {value}")
            print()
    print(f"wrote {args.output} in {results['elapsed_s']}s")
    suites_ok = (
        (
            pricing_ok
            and simulate_ok
            and flashsale_ok
            and values_ok
            and segments_ok
            and events_ok
            and imports_ok
        )
        and reach_sms_ok
        and reach_plan_ok
    )
    return 0 if suites_ok and _all_good(http_suite, stock_suite) else 1


def _run_suite(name: str, quick: bool) -> tuple[dict[str, object], bool]:
    """Run ``bench.<name>_suite``, imported late so its failure stays its own."""
    print(f"{name}: bench.{name}_suite", flush=True)
    try:
        import importlib

        module = importlib.import_module(f"bench.{name}_suite")
        return dict(module.run(quick)), True
    except Exception as exc:  # a broken suite must not hide the other suites' results
        return {"error": f"{type(exc).__name__}: {exc}"}, False


def _all_good(http_suite: HttpSuiteResult | None, stock_suite: StockSuiteResult | None) -> bool:
    if http_suite is not None and (http_suite.setup_error or any(r.error for r in http_suite.runs)):
        return False
    if stock_suite is not None:
        if stock_suite.errors:
            return False
        runs = [r for rs in stock_suite.runs.values() for r in rs]
        if any(r.oversold or not r.consistent or r.errors for r in runs):
            return False
    return True


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
