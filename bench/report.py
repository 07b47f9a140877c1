"""Turn suite results into the flat, clearly named keys of ``latest.json`` and a readable table.

``python -m bench.report [latest.json]`` prints a run as Markdown tables for docs/benchmarks.md.
The flat keys (``granian_wsgi_hello_rps``, ``ratio_granian_wsgi_vs_asgi_hello`` ...) are what
people and scripts compare across runs; the per-run details sit beside them for anyone who needs
latency percentiles or error counts. Family keys (``gunicorn_hello_rps``, ``asgi_hello_rps``) are
the best server of that family, so the comparison is against the family at its best.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.http_suite import HttpRun, HttpSuiteResult
from bench.stock import StockRun
from bench.stock_suite import StockSuiteResult


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def http_summary(suite: HttpSuiteResult) -> dict[str, object]:
    """Flat keys from each run's best round: <server>_<endpoint>_rps|p50_ms|p99_ms, families, ratios."""
    out: dict[str, object] = {}
    best: dict[str, float] = {}
    for run in suite.runs:
        if run.result is None or run.error:
            continue
        key = f"{run.server}_{run.endpoint}"
        out[f"{key}_rps"] = _r(run.result.rps)
        out[f"{key}_p50_ms"] = _r(run.result.p50_ms, 3)
        out[f"{key}_p99_ms"] = _r(run.result.p99_ms, 3)
        if run.family != run.server:
            family_key = f"{run.family}_{run.endpoint}_rps"
            best[family_key] = max(best.get(family_key, 0.0), run.result.rps)
    out.update({k: _r(v) for k, v in sorted(best.items())})

    def ratio(name: str, num: str, den: str) -> None:
        a, b = out.get(num), out.get(den)
        if isinstance(a, float) and isinstance(b, float) and b:
            out[name] = round(a / b, 2)

    for endpoint in ("hello", "healthz"):
        ratio(
            f"ratio_granian_wsgi_vs_asgi_{endpoint}", f"granian_wsgi_{endpoint}_rps", f"asgi_{endpoint}_rps"
        )
        ratio(
            f"ratio_granian_wsgi_vs_gunicorn_{endpoint}",
            f"granian_wsgi_{endpoint}_rps",
            f"gunicorn_{endpoint}_rps",
        )
    ratio(
        "ratio_granian_wsgi_shop_products_vs_hello",
        "granian_wsgi_shop_products_rps",
        "granian_wsgi_hello_rps",
    )
    out["failed_runs"] = [f"{r.server}/{r.endpoint}: {r.error}" for r in suite.runs if r.error]
    if suite.setup_error:
        out["setup_error"] = suite.setup_error
    return out


def stock_summary(suite: StockSuiteResult) -> dict[str, object]:
    """Flat keys: <backend>_threads_<n>_reserves_per_s, ..._calls_per_s, ..._exact, ..._sold_out; verdicts."""
    out: dict[str, object] = {}
    exact, oversold = True, False
    for backend, runs in suite.runs.items():
        for run in runs:
            key = f"{backend}_threads_{run.threads}"
            out[f"{key}_reserves_per_s"] = _r(run.reserves_per_s)
            out[f"{key}_calls_per_s"] = _r(run.calls_per_s)
            # exact: row, ledger and successful calls agree and nothing oversold; sold_out: every unit went.
            out[f"{key}_exact"] = run.consistent
            out[f"{key}_sold_out"] = run.sold_equals_stock
            exact = exact and run.consistent and run.errors == 0
            oversold = oversold or run.oversold
    out["never_oversold"] = bool(suite.runs) and not oversold
    out["all_runs_exact"] = bool(suite.runs) and exact and not suite.errors
    for backend, busy in suite.other_cpu_busy.items():
        out[f"{backend}_other_cpu_busy"] = busy
    for backend, why in suite.skipped.items():
        out[f"{backend}_skipped"] = why
    for backend, what in suite.errors.items():
        out[f"{backend}_error"] = what
    return out


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    rows = list(rows)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    sep = "  ".join("-" * w for w in widths)

    def cell(text: str, width: int) -> str:  # numbers right, names and verdicts left
        return text.rjust(width) if text[:1].isdigit() or text == "-" else text.ljust(width)

    body = ["  ".join(cell(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line.rstrip(), sep, *body])


def _fmt(value: object, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def http_run_dict(run: HttpRun) -> dict[str, object]:
    """A run for the JSON: every round, plus the best one that the flat keys report."""
    data = asdict(run)
    data["best"] = asdict(run.best) if run.best else None
    return data


def _busy(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def http_table(suite: HttpSuiteResult) -> str:
    rows = []
    for run in suite.runs:
        res = run.result
        rows.append(
            [
                run.server,
                run.endpoint,
                _fmt(res.rps if res else None),
                _fmt(res.p50_ms if res else None, 2),
                _fmt(res.p99_ms if res else None, 2),
                _busy(run.best.other_cpu_busy if run.best else None),
                " / ".join(f"{r.result.rps:,.0f}" for r in run.rounds) or "-",
                run.error[:60] or "ok",
            ]
        )
    return _table(
        ["server", "endpoint", "req/s", "p50 ms", "p99 ms", "other cpu", "rounds req/s", "status"], rows
    )


def _verdict(run: StockRun) -> str:
    if run.oversold:
        return "OVERSOLD"
    if not run.consistent:
        return "NOT EXACT"
    return "exact, sold out" if run.sold_equals_stock else "exact, not sold out"


def stock_table(suite: StockSuiteResult) -> str:
    rows = [
        [
            backend,
            str(run.threads),
            f"{run.reserved_ok}/{run.stock}",
            str(run.refused_out_of_stock),
            str(run.errors),
            _fmt(run.reserves_per_s),
            _fmt(run.calls_per_s),
            _verdict(run),
        ]
        for backend, runs in suite.runs.items()
        for run in runs
    ]
    rows += [
        [backend, "-", "-", "-", "-", "-", "-", f"skipped: {why}"[:70]]
        for backend, why in suite.skipped.items()
    ]
    rows += [
        [backend, "-", "-", "-", "-", "-", "-", f"error: {what}"[:70]]
        for backend, what in suite.errors.items()
    ]
    return _table(
        ["database", "threads", "reserved", "refused", "errors", "reserves/s", "calls/s", "stock"], rows
    )


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def markdown(results: dict[str, Any]) -> str:
    """Markdown tables of a ``latest.json``, for pasting into docs/benchmarks.md after a run."""
    facts = results.get("machine", {})
    wrk = str(facts.get("wrk") or "Python load generator").split(" Copyright")[0]
    when, mode, took = facts.get("measured_at", "?"), results.get("mode", "?"), results.get("elapsed_s", "?")
    cores, cpu, python = facts.get("cpu_usable", "?"), facts.get("cpu_model", "?"), facts.get("python", "?")
    out = [f"Measured {when} ({mode} run, {took} s) on {cores} cores ({cpu}), Python {python}, {wrk}."]
    if "http_runs" in results:
        cfg = results.get("http_settings", {})
        out += [
            "",
            f"HTTP: {results.get('http_load_generator')}, {cfg.get('connections')} connections, "
            f"best of {cfg.get('rounds')} x {cfg.get('duration_s')} s rounds.",
            "",
        ]
        rows = []
        for run in results["http_runs"]:
            best = (run.get("best") or {}).get("result") or {}
            busy = (run.get("best") or {}).get("other_cpu_busy")
            rounds = " / ".join(f"{r['result']['rps']:,.0f}" for r in run.get("rounds", [])) or "-"
            rows.append(
                [
                    f"`{run['server']}`",
                    f"`{run['endpoint']}`",
                    _fmt(best.get("rps")),
                    _fmt(best.get("p50_ms"), 1),
                    _fmt(best.get("p99_ms"), 1),
                    _busy(busy),
                    rounds,
                    run.get("error") or "ok",
                ]
            )
        out.append(
            _md_table(
                ["server", "endpoint", "req/s", "p50 ms", "p99 ms", "other cpu", "rounds req/s", "status"],
                rows,
            )
        )
        ratios = {k: v for k, v in results.get("http", {}).items() if k.startswith("ratio_")}
        out += ["", "Ratios: " + ", ".join(f"`{k}` = {v}" for k, v in ratios.items())]
    if "stock_runs" in results:
        cfg = results.get("stock_settings", {})
        calls = cfg.get("stock", 0) + cfg.get("overflow", 0)
        out += ["", f"Stock: {cfg.get('stock')} units, {calls} one-unit `reserve()` calls per run.", ""]
        busy = results.get("stock", {})
        rows = [
            [
                backend,
                str(run["threads"]),
                f"{run['reserved_ok']}/{run['stock']}",
                str(run["refused_out_of_stock"]),
                _fmt(run["reserves_per_s"]),
                _fmt(run["calls_per_s"]),
                _busy(busy.get(f"{backend}_other_cpu_busy")),
                _verdict(StockRun(**run)),
            ]
            for backend, runs in results["stock_runs"].items()
            for run in runs
        ]
        out.append(
            _md_table(
                ["database", "threads", "reserved", "refused", "reserves/s", "calls/s", "other cpu", "stock"],
                rows,
            )
        )
    if "pricing" in results:
        out += ["", "Pricing engine:", ""]
        out.append(_md_table(["key", "value"], [[f"`{k}`", str(v)] for k, v in results["pricing"].items()]))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=markdown.__doc__)
    parser.add_argument(
        "path", nargs="?", type=Path, default=Path(__file__).resolve().parent / "results/latest.json"
    )
    args = parser.parse_args(argv)
    print(markdown(json.loads(args.path.read_text())), end="")


if __name__ == "__main__":
    main()
