"""Keep the demo's processes up: the web server is vital, the task worker is restarted when it dies.

``siyu demo`` runs ``siyu serve`` and ``siyu worker`` as children. A demo without its server is
useless, so the server's exit ends the demo. The worker's exit does not: the shop keeps answering
while the supervisor starts the worker again, waiting longer after each quick failure (1 s, 2 s,
4 s, ... at most a minute) so a worker that cannot start does not spin, and from the first delay
again once it ran steadily. Each child's output goes to its own log file, so the terminal keeps
the banner and the supervisor's own notices.

Each child runs in a session (process group) of its own, and stopping signals the whole group: the
server's own worker processes go with it, and Ctrl-C reaches the children once, from the supervisor
(a second signal would make the task worker abandon its current task).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
STEADY_SECONDS = 30.0  # a run this long counts as healthy: the next restart waits FIRST_DELAY again
STOP_SECONDS = 20.0  # a graceful stop may wait for a task to finish


def restart_delay(quick_failures: int, *, first: float = FIRST_DELAY, most: float = MAX_DELAY) -> float:
    """Seconds to wait before a restart after ``quick_failures`` exits in a row that came too soon."""
    return min(most, first * 2 ** max(0, quick_failures - 1))


@dataclass
class Child:
    """One supervised process: how to start it, whether the demo lives or dies with it, its log."""

    name: str
    argv: list[str]
    vital: bool
    log: Path | None = None  # None: the terminal
    process: subprocess.Popen | None = None
    started: float = 0.0
    quick_failures: int = 0
    restarts: int = 0
    restart_at: float | None = None
    _log_file: IO[str] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Supervisor:
    """Start the children, restart the ones that may be restarted, report the vital one that exits."""

    def __init__(
        self,
        children: list[Child],
        *,
        env: dict[str, str] | None = None,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        steady_seconds: float = STEADY_SECONDS,
        poll_seconds: float = 0.5,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = children
        self.env = env
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.steady_seconds = steady_seconds
        self.poll_seconds = poll_seconds
        self.say = say
        self.clock = clock

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        output: IO[str] | None = None
        if child.log is not None:
            child.log.parent.mkdir(parents=True, exist_ok=True)
            if child._log_file is None:
                child._log_file = child.log.open("a", encoding="utf-8", buffering=1)
            output = child._log_file
        child.process = subprocess.Popen(
            child.argv,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            env=self.env,
            start_new_session=True,
        )
        child.started = self.clock()
        child.restart_at = None
        self._note(child, f"started siyu {child.name} (pid {child.process.pid})")

    def _note(self, child: Child, text: str) -> None:
        if child._log_file is not None:
            child._log_file.write(f"[{datetime.now():%Y-%m-%d %H:%M:%S}] supervisor: {text}\n")

    def check(self) -> Child | None:
        """Look at every child once: restart those due, schedule a restart for those that exited.
        Returns the vital child that exited, if one did."""
        now = self.clock()
        for child in self.children:
            if child.process is None:
                if child.restart_at is not None and now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            if child.vital:
                self._note(child, f"siyu {child.name} exited with code {code}")
                return child
            if now - child.started >= self.steady_seconds:
                child.quick_failures = 0
            child.quick_failures += 1
            delay = restart_delay(child.quick_failures, first=self.first_delay, most=self.max_delay)
            child.process, child.restart_at = None, now + delay
            where = f"; its log: {child.log}" if child.log else ""
            message = f"siyu {child.name} exited with code {code}; restarting it in {delay:g} s{where}"
            self._note(child, message)
            self.say(message)
        return None

    def watch(self) -> Child:
        """Supervise until a vital child exits; return it."""
        while True:
            stopped = self.check()
            if stopped is not None:
                return stopped
            time.sleep(self.poll_seconds)

    def stop(self) -> None:
        """Stop every child's process group gracefully (SIGTERM), forcefully (SIGKILL) if it hangs."""
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while any(_alive(p) for p in running) and time.monotonic() < deadline:
            time.sleep(0.1)
        for process in running:
            if _alive(process):
                _signal_group(process, signal.SIGKILL)
            process.wait()
        for child in self.children:
            if child._log_file is not None:
                self._note(child, f"stopped siyu {child.name}")
                child._log_file.close()
                child._log_file = None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # the child leads its own session: its group id is its pid


def _alive(process: subprocess.Popen) -> bool:
    """Whether the child, or anything it started in its group, still runs."""
    if process.poll() is None:
        return True
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def tail(path: Path | None, lines: int = 20) -> list[str]:
    """The last lines of a log (to show why a child died)."""
    if path is None or not path.exists():
        return []
    with path.open(encoding="utf-8", errors="replace") as handle:
        return handle.read().splitlines()[-lines:]


def child_env(**extra: str) -> dict[str, str]:
    """The demo's environment for its children, plus ``extra``."""
    return {**os.environ, **extra}
