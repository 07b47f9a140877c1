"""The HTTP servers under comparison, and starting and stopping them so that none outlives the run.

Each server runs in its own session (process group), so stopping it reaches its workers too:
SIGTERM to the group, then SIGKILL to whatever is left after a grace period. ``running_server`` does
this in a ``finally``, so a failed readiness check, a failed load run or Ctrl-C still stops it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.databases import REPO_ROOT

HOST = "127.0.0.1"
FIRST_PORT = 18300  # non-standard, to stay clear of the dev server (8000) and the machine's services


@dataclass(frozen=True)
class ServerSpec:
    """One way of serving Django: a name for the report, the family it belongs to, and its command."""

    name: str
    family: str  # "granian_wsgi", "gunicorn" or "asgi": the comparisons the architecture makes
    description: str
    command: str  # after ``python -m``; {host} and {port} are filled in

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", *self.command.format(host=HOST, port=port).split()]


GRANIAN_WSGI = ServerSpec(
    name="granian_wsgi",
    family="granian_wsgi",
    description="granian WSGI, 2 workers x 4 blocking threads",
    command="granian --interface wsgi --workers 2 --blocking-threads 4 --no-ws --host {host} --port {port}"
    " --log-level warning siyu.wsgi:application",
)
GUNICORN_SYNC = ServerSpec(
    name="gunicorn_sync",
    family="gunicorn",
    description="gunicorn, 2 sync workers (no keep-alive)",
    command="gunicorn --workers 2 --worker-class sync --bind {host}:{port} --log-level warning"
    " siyu.wsgi:application",
)
GUNICORN_GTHREAD = ServerSpec(
    name="gunicorn_gthread",
    family="gunicorn",
    description="gunicorn, 2 gthread workers x 4 threads",
    command="gunicorn --workers 2 --worker-class gthread --threads 4 --bind {host}:{port} --log-level warning"
    " siyu.wsgi:application",
)
GRANIAN_ASGI = ServerSpec(
    name="granian_asgi",
    family="asgi",
    description="granian ASGI, 2 workers",
    command="granian --interface asgi --workers 2 --no-ws --host {host} --port {port} --log-level warning"
    " siyu.asgi:application",
)
UVICORN = ServerSpec(
    name="uvicorn",
    family="asgi",
    description="uvicorn ASGI, 2 workers, uvloop + httptools",
    command="uvicorn --workers 2 --loop uvloop --http httptools --no-access-log --log-level warning"
    " --host {host} --port {port} siyu.asgi:application",
)

ALL_SERVERS: tuple[ServerSpec, ...] = (GRANIAN_WSGI, GUNICORN_SYNC, GUNICORN_GTHREAD, GRANIAN_ASGI, UVICORN)


class ServerFailed(RuntimeError):
    """The server exited or never answered; the message carries the tail of its log."""


def free_port(start: int = FIRST_PORT, tries: int = 200) -> int:
    """The first port from ``start`` that nothing listens on, so a stale server cannot answer for ours."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise ServerFailed(f"no free port in {start}..{start + tries - 1}")


def get(port: int, path: str, timeout: float = 5) -> tuple[int, bytes]:
    """One plain GET, for readiness and for checking an endpoint answers right before loading it."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"exited with code {proc.returncode}:\n{_log_tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = get(port, "/hello", timeout=2)
            if status == 200:
                return
        time.sleep(0.2)
    raise ServerFailed(f"did not answer /hello within {timeout:g}s:\n{_log_tail(log_path)}")


def stop(proc: subprocess.Popen[bytes], grace: float = 8) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # Workers may outlive a master that already exited: kill what is left of the group regardless.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@dataclass(frozen=True)
class RunningServer:
    port: int
    pgid: int  # the server's process group: its master and all its workers


@contextlib.contextmanager
def running_server(
    spec: ServerSpec, env: dict[str, str], log_dir: Path, ready_timeout: float = 30
) -> Iterator[RunningServer]:
    """Start ``spec`` on a free port, yield it once /hello answers, and always stop it after."""
    port = free_port()
    log_path = log_dir / f"{spec.name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            spec.argv(port),
            env=env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, port, log_path, ready_timeout)
        yield RunningServer(port=port, pgid=proc.pid)  # start_new_session: its pid is its group id
    finally:
        stop(proc)
