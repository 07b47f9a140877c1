"""Load generators: Debian's ``wrk`` when installed, else a small bounded Python keep-alive client.

wrk is preferred because it is written in C and costs the machine little CPU per request, which
matters on a 2-core box where the load generator and the server share the cores. The Python
fallback exists so ``make bench`` still runs where wrk is missing; its numbers are lower (the
client itself becomes a bottleneck under the GIL) and the results say which generator was used.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass

WRK = "wrk"


@dataclass
class LoadResult:
    """What one timed run measured against one URL."""

    generator: str
    url: str
    duration_s: float
    connections: int
    threads: int
    requests: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    non_2xx: int = 0
    socket_errors: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which(WRK)


def wrk_version() -> str | None:
    """wrk prints its version in the first line of its usage text (it has no --version flag)."""
    path = wrk_path()
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "wrk"


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str, result: LoadResult) -> LoadResult:
    """Fill ``result`` from wrk's ``--latency`` text report (the format of wrk 4.x)."""
    if m := _RPS.search(output):
        result.rps = float(m.group(1))
    if m := _TOTAL.search(output):
        result.requests = int(m.group(1))
    percentiles = {int(p): float(v) * _UNIT_MS[u] for p, v, u in _PERCENTILE.findall(output)}
    result.p50_ms = percentiles.get(50)
    result.p90_ms = percentiles.get(90)
    result.p99_ms = percentiles.get(99)
    if m := _NON_2XX.search(output):
        result.non_2xx = int(m.group(1))
    if m := _SOCKET.search(output):
        result.socket_errors = sum(int(g) for g in m.groups())
    return result


def run_wrk(url: str, duration_s: int, connections: int, threads: int) -> LoadResult:
    """One wrk run; its own timeout flag plus a subprocess timeout keep it bounded."""
    path = wrk_path()
    if path is None:
        raise FileNotFoundError(WRK)
    result = LoadResult("wrk", url, duration_s, connections, threads)
    proc = subprocess.run(
        [
            path,
            "--latency",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration_s}s",
            "--timeout",
            "5s",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration_s + 30,
        check=True,
    )
    return parse_wrk(proc.stdout, result)


def _percentile(sorted_ms: list[float], q: float) -> float | None:
    if not sorted_ms:
        return None
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def run_python(url: str, duration_s: float, connections: int, threads: int) -> LoadResult:
    """Bounded keep-alive load from ``connections`` client threads (``threads`` is only recorded).

    Each thread holds one HTTP/1.1 connection and sends requests back to back until the deadline,
    reconnecting when the server closes (gunicorn's sync workers close after every response).
    """
    parsed = re.match(r"^http://([^/:]+):(\d+)(/.*)$", url)
    if parsed is None:
        raise ValueError(f"unsupported URL {url!r}")
    host, port, path = parsed.group(1), int(parsed.group(2)), parsed.group(3)
    result = LoadResult("python-fallback", url, duration_s, connections, threads)
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "non_2xx": 0, "errors": 0}
    start = threading.Barrier(connections + 1)
    deadline = 0.0

    def client() -> None:
        mine: list[float] = []
        ok = bad = errors = 0
        conn: http.client.HTTPConnection | None = None
        start.wait()
        while (now := time.perf_counter()) < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=5)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                mine.append((time.perf_counter() - now) * 1000)
                if 200 <= resp.status < 400:
                    ok += 1
                else:
                    bad += 1
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["non_2xx"] += bad
            counts["errors"] += errors

    pool = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for t in pool:
        t.start()
    began = time.perf_counter()
    deadline = began + duration_s
    start.wait()
    for t in pool:
        t.join(timeout=duration_s + 10)
    elapsed = time.perf_counter() - began
    latencies.sort()
    result.requests = counts["ok"] + counts["non_2xx"]
    result.rps = result.requests / elapsed if elapsed else 0.0
    result.p50_ms = _percentile(latencies, 0.50)
    result.p90_ms = _percentile(latencies, 0.90)
    result.p99_ms = _percentile(latencies, 0.99)
    result.non_2xx = counts["non_2xx"]
    result.socket_errors = counts["errors"]
    return result


def run_load(
    url: str, duration_s: int, connections: int, threads: int, force_python: bool = False
) -> LoadResult:
    """wrk when available (and not overridden), else the Python fallback."""
    if not force_python and wrk_path() is not None:
        return run_wrk(url, duration_s, connections, threads)
    return run_python(url, duration_s, connections, threads)
