"""Throwaway databases for the benchmarks: a temp-dir SQLite file and a scratch PostgreSQL database.

Benchmarks must never read or write a developer's data, so every run gets its own database: SQLite
in a fresh temp dir (the settings put it at ``$SIYU_VAR_DIR/siyu.sqlite3`` when DATABASE_URL is
unset), or a PostgreSQL database that this module creates and drops by its own name only.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

# Where the machine's PostgreSQL answers; only used to create and drop SCRATCH_DB_NAME.
DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"
SCRATCH_DB_NAME = "siyu_bench"
REPO_ROOT = Path(__file__).resolve().parent.parent


def django_env(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """Environment for a Django subprocess: our settings, our database, quiet logs, no Redis.

    DATABASE_URL and REDIS_URL are removed from the inherited environment so a developer's own
    settings cannot leak into (or be written by) a benchmark run.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="siyu.settings",
        SIYU_VAR_DIR=str(var_dir),
        SIYU_DEBUG="0",
        # Benchmarks measure a production configuration, which refuses the published key.
        SIYU_SECRET_KEY=secrets.token_urlsafe(50),
        SIYU_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    # Run the bench modules from the repo whatever the caller's working directory.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def migrate(env: dict[str, str], timeout: float = 300) -> None:
    """Create the schema with the project's own command (``siyu migrate``), bounded in time."""
    subprocess.run(
        [sys.executable, "-m", "siyu.cli", "migrate", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=REPO_ROOT,
        check=True,
        timeout=timeout,
    )


def failure_text(exc: BaseException) -> str:
    """A one-paragraph reason for a failed Django subprocess, with the tail of its stderr when captured."""
    if isinstance(exc, subprocess.CalledProcessError):
        tail = "\n".join(str(exc.stderr or "").strip().splitlines()[-5:])
        return f"{' '.join(map(str, exc.cmd[1:4]))} exited {exc.returncode}: {tail}".strip()
    return f"{type(exc).__name__}: {exc}"


def postgres_admin_url() -> str:
    """The maintenance connection used to create the scratch database (overridable for other hosts)."""
    return os.environ.get("SIYU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)


def postgres_reachable(admin_url: str) -> str | None:
    """None when PostgreSQL answers, else the reason it does not (so the report can say why it skipped)."""
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        first_line = next(iter(str(exc).strip().splitlines()), "")
        return f"{type(exc).__name__}: {first_line}"


def scratch_url(admin_url: str) -> str:
    """The admin URL with its database name replaced by the scratch database's."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{SCRATCH_DB_NAME}"


def _admin_execute(admin_url: str, statement: sql.Composed) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement)


def create_scratch_postgres(admin_url: str) -> str:
    """(Re)create the scratch database and return its URL; a leftover from a killed run is ours to drop."""
    drop_scratch_postgres(admin_url)
    _admin_execute(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB_NAME)))
    return scratch_url(admin_url)


def drop_scratch_postgres(admin_url: str) -> None:
    """Drop the scratch database (only that one), closing any connection a crashed worker left open."""
    _admin_execute(
        admin_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB_NAME))
    )
