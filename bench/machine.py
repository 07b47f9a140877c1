"""Facts about the machine and software a result was measured on.

Benchmark numbers mean little without them: the architecture's figures are for a 2-core machine,
and a reader comparing runs needs to see core count, load and versions next to the numbers.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import load

PACKAGES = ("Django", "django-ninja", "granian", "gunicorn", "uvicorn", "uvloop", "httptools", "psycopg")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies over all cores from /proc/stat, or None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; user..steal


def _group_jiffies(pgid: int) -> int:
    """CPU time (user + system, all threads) used so far by the live processes of one process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
            if int(rest[2]) == pgid:
                total += int(rest[11]) + int(rest[12])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total


def wait_idle(pgid: int, timeout: float = 2.0, step: float = 0.2, threshold: float = 0.05) -> None:
    """Wait (at most ``timeout``) until a process group uses under ``threshold`` of a core.

    A server keeps working through requests the warm-up queued after wrk has hung up; starting
    the measured run before it has finished would charge that work to the run.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = _group_jiffies(pgid)
        time.sleep(step)
        if (_group_jiffies(pgid) - before) / ticks / step < threshold:
            return


def cpu_busy(seconds: float, exclude_pgid: int | None = None) -> float | None:
    """Share of all cores (0..1) busy during the next ``seconds``, not counting ``exclude_pgid``.

    Sampled between runs, with the harness's own server excluded (it may still be finishing the
    warm-up's queued requests), this is the share taken by other work on the machine, which a
    load average (that counts our own runs too) cannot tell.
    """
    before = _cpu_times()
    ours_before = _group_jiffies(exclude_pgid) if exclude_pgid else 0
    time.sleep(seconds)
    after = _cpu_times()
    ours_after = _group_jiffies(exclude_pgid) if exclude_pgid else 0
    if before is None or after is None or after[1] == before[1]:
        return None
    busy = (after[1] - before[1]) - (after[0] - before[0]) - max(0, ours_after - ours_before)
    return round(max(0.0, busy / (after[1] - before[1])), 3)


def describe() -> dict[str, object]:
    """CPU, OS, Python and package versions, the load generator, and how busy the machine was at start."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    busy = cpu_busy(1.0)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": None if loadavg is None else round(loadavg, 2),
        # Other work on the box takes cores from the servers and the load generator alike.
        "cpu_busy_at_start": busy,
        "busy_at_start": busy is not None and busy > 0.25,
        "packages": {p: _version(p) for p in PACKAGES},
        "wrk": load.wrk_version(),
    }
