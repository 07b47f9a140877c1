"""The HTTP benchmark: the same Django project under several servers, loaded the same way.

Every server is measured in the same run on the same throwaway SQLite database, so the ratios
between them hold even when the machine's absolute speed drifts. Endpoints:
- ``/hello``: a bare JSON view, no database: the ceiling a server allows Django to reach;
- ``/healthz``: ``SELECT 1``: the ceiling once a database connection is involved;
- ``/api/v1/shop/<slug>/products``: a real endpoint (merchant lookup, count, page of products with
  SKUs and stock prefetched, pydantic schema), measured on the chosen server only.
Each endpoint is first checked to answer 200 with the expected body, so a 404 or 500 can never be
reported as a fast result.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import databases, load, machine
from bench.load import LoadResult
from bench.servers import (
    ALL_SERVERS,
    GRANIAN_WSGI,
    HOST,
    RunningServer,
    ServerFailed,
    ServerSpec,
    get,
    running_server,
)

SHOP_PRODUCTS = 40


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    check: Callable[[bytes], str | None]  # None when the body is right, else what is wrong


def _expect_json(expected: dict[str, object]) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        return None if json.loads(body) == expected else f"unexpected body {body[:200]!r}"

    return check


def _expect_products(count: int) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        data = json.loads(body)
        if data.get("count") != count or not data.get("items"):
            return f"expected {count} products, got {body[:200]!r}"
        return None

    return check


HELLO = Endpoint("hello", "/hello", _expect_json({"hello": "siyu"}))
HEALTHZ = Endpoint("healthz", "/healthz", _expect_json({"status": "ok"}))


def shop_products(slug: str) -> Endpoint:
    return Endpoint("shop_products", f"/api/v1/shop/{slug}/products", _expect_products(SHOP_PRODUCTS))


@dataclass
class HttpSettings:
    duration_s: int = 3
    rounds: int = 2
    warmup_s: int = 1
    connections: int = 64
    threads: int = 2
    force_python_load: bool = False


@dataclass
class HttpRound:
    """One timed load run, and how much of the CPUs other work took just before it."""

    result: LoadResult
    other_cpu_busy: float | None


@dataclass
class HttpRun:
    """One server x endpoint: its rounds, the best of them, or why it could not be measured."""

    server: str
    family: str
    endpoint: str
    path: str
    rounds: list[HttpRound] = field(default_factory=list)
    error: str = ""

    @property
    def best(self) -> HttpRound | None:
        """The round with the most requests per second: most likely the one least disturbed by other work."""
        return max(self.rounds, key=lambda r: r.result.rps, default=None)

    @property
    def result(self) -> LoadResult | None:
        best = self.best
        return best.result if best else None


@dataclass
class HttpSuiteResult:
    runs: list[HttpRun] = field(default_factory=list)
    generator: str = ""
    seed: dict[str, object] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)
    setup_error: str = ""


def _precheck(server: RunningServer, endpoint: Endpoint) -> str | None:
    """None when the endpoint answers 200 with the expected body, else what is wrong."""
    try:
        status, body = get(server.port, endpoint.path)
        return f"HTTP {status}: {body[:200]!r}" if status != 200 else endpoint.check(body)
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _load(server: RunningServer, endpoint: Endpoint, cfg: HttpSettings, seconds: int) -> LoadResult:
    url = f"http://{HOST}:{server.port}{endpoint.path}"
    return load.run_load(url, seconds, cfg.connections, cfg.threads, cfg.force_python_load)


def _round(server: RunningServer, endpoint: Endpoint, cfg: HttpSettings) -> HttpRound:
    # Let the server finish what an earlier run queued, then see how busy other work keeps the CPUs.
    machine.wait_idle(server.pgid)
    busy = machine.cpu_busy(0.5, exclude_pgid=server.pgid)
    return HttpRound(_load(server, endpoint, cfg, cfg.duration_s), busy)


def _seed(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.seed", "--products", str(SHOP_PRODUCTS)],
        env=env,
        cwd=databases.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    seeded: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return seeded


def _measure_all(
    plan: list[tuple[ServerSpec, RunningServer, Endpoint, HttpRun]],
    cfg: HttpSettings,
    log: Callable[[str], None],
) -> None:
    """Check and warm every endpoint, then load them in interleaved rounds.

    Interleaving (round 1 of every server, then round 2 of every server ...) spreads a burst of
    other work on the machine over all servers instead of letting it sink one of them; the report
    keeps the best round of each.
    """
    live = []
    for spec, server, endpoint, run in plan:
        problem = _precheck(server, endpoint)
        if problem:
            run.error = f"pre-check failed: {problem}"
            log(f"  {spec.name}/{endpoint.name}: {run.error}")
            continue
        live.append((spec, server, endpoint, run))
    for n in range(1, cfg.rounds + 1):
        log(f"http: round {n} of {cfg.rounds}")
        for spec, server, endpoint, run in live:
            if run.error:
                continue
            try:
                if n == 1 and cfg.warmup_s:
                    _load(server, endpoint, cfg, cfg.warmup_s)
                rnd = _round(server, endpoint, cfg)
            except (subprocess.SubprocessError, OSError) as exc:
                run.error = f"load run failed: {type(exc).__name__}: {exc}"
                continue
            run.rounds.append(rnd)
            res = rnd.result
            if res.non_2xx or res.socket_errors:
                run.error = f"{res.non_2xx} non-2xx responses, {res.socket_errors} socket errors"
            log(f"  {spec.name:<17} {endpoint.name:<14} {res.rps:>8.0f} req/s {run.error}".rstrip())


def run_http_suite(
    cfg: HttpSettings, servers: Sequence[ServerSpec] = ALL_SERVERS, log: Callable[[str], None] = print
) -> HttpSuiteResult:
    """Migrate and seed a throwaway SQLite database, start every server, load their endpoints.

    All servers stay up for the whole suite (an idle server costs nothing) so that rounds can be
    interleaved; the ExitStack stops every one of them whatever happens.
    """
    suite = HttpSuiteResult(
        generator="python-fallback" if cfg.force_python_load or not load.wrk_path() else "wrk"
    )
    work = Path(tempfile.mkdtemp(prefix="siyu-bench-http-"))
    try:
        env = databases.django_env(work)
        log(f"http: migrating and seeding a throwaway SQLite database in {work}")
        try:
            databases.migrate(env)
            suite.seed = _seed(env)
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            suite.setup_error = databases.failure_text(exc)
            log(f"http: set-up failed: {suite.setup_error}")
            return suite
        products = shop_products(str(suite.seed["slug"]))
        with contextlib.ExitStack() as stack:
            plan = []
            for spec in servers:
                suite.servers[spec.name] = spec.description
                endpoints = [HELLO, HEALTHZ] + ([products] if spec is GRANIAN_WSGI else [])
                runs = [HttpRun(spec.name, spec.family, e.name, e.path) for e in endpoints]
                suite.runs.extend(runs)
                log(f"http: starting {spec.name} ({spec.description})")
                try:
                    server = stack.enter_context(running_server(spec, env, work))
                except ServerFailed as exc:
                    for run in runs:
                        run.error = f"server: {exc}"
                    log(f"  server failed: {exc}")
                    continue
                plan += [(spec, server, e, r) for e, r in zip(endpoints, runs, strict=True)]
            _measure_all(plan, cfg, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite
