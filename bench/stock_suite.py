"""The stock benchmark on each database: SQLite always, PostgreSQL when it answers.

The measuring itself happens in ``bench.stock`` in a subprocess per database, because Django reads
its database settings once at start-up. This module prepares each throwaway database, runs that
subprocess with a time limit, and always removes the database afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import databases, machine
from bench.stock import StockRun


@dataclass
class StockSettings:
    threads: tuple[int, ...] = (1, 8)
    stock: int = 500
    overflow: int = 50
    deadline_s: float = 20.0
    postgres: bool = True


@dataclass
class StockSuiteResult:
    runs: dict[str, list[StockRun]] = field(default_factory=dict)  # backend -> runs
    skipped: dict[str, str] = field(default_factory=dict)  # backend -> why
    errors: dict[str, str] = field(default_factory=dict)  # backend -> what failed
    other_cpu_busy: dict[str, float | None] = field(default_factory=dict)  # backend -> share busy before


def _run_worker(env: dict[str, str], cfg: StockSettings) -> list[StockRun]:
    argv = [
        sys.executable, "-m", "bench.stock", "--threads", *map(str, cfg.threads), "--stock", str(cfg.stock),
        "--overflow", str(cfg.overflow), "--deadline", str(cfg.deadline_s),
    ]  # fmt: skip
    # Set-up plus one deadline per thread count, plus slack: the worker cannot hang the harness.
    timeout = 120 + cfg.deadline_s * len(cfg.threads)
    out = subprocess.run(
        argv, env=env, cwd=databases.REPO_ROOT, capture_output=True, text=True, check=True, timeout=timeout
    )
    return [StockRun(**run) for run in json.loads(out.stdout.strip().splitlines()[-1])["runs"]]


def run_stock_suite(cfg: StockSettings, log: Callable[[str], None] = print) -> StockSuiteResult:
    """Run the reservation race on SQLite, then on a scratch PostgreSQL database if reachable."""
    suite = StockSuiteResult()
    work = Path(tempfile.mkdtemp(prefix="siyu-bench-stock-"))
    try:
        log(f"stock: sqlite in {work}")
        env = databases.django_env(work)
        try:
            databases.migrate(env)
            suite.other_cpu_busy["sqlite"] = machine.cpu_busy(1.0)
            suite.runs["sqlite"] = _run_worker(env, cfg)
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            suite.errors["sqlite"] = databases.failure_text(exc)

        admin_url = databases.postgres_admin_url()
        why_not = (
            "disabled with --no-postgres" if not cfg.postgres else databases.postgres_reachable(admin_url)
        )
        if why_not:
            suite.skipped["postgresql"] = why_not
            log(f"stock: postgresql skipped ({why_not})")
            return suite
        log(f"stock: postgresql in scratch database {databases.SCRATCH_DB_NAME}")
        try:
            url = databases.create_scratch_postgres(admin_url)
            env = databases.django_env(work, database_url=url)
            databases.migrate(env)
            suite.other_cpu_busy["postgresql"] = machine.cpu_busy(1.0)
            suite.runs["postgresql"] = _run_worker(env, cfg)
        except (subprocess.SubprocessError, OSError, ValueError, psycopg.Error) as exc:
            suite.errors["postgresql"] = databases.failure_text(exc)
        finally:
            try:
                databases.drop_scratch_postgres(admin_url)
            except psycopg.Error as exc:
                suite.errors["postgresql_cleanup"] = databases.failure_text(exc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite
