"""The demo's supervisor, with real child processes: a dying worker is restarted, the server stays up."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from siyu.simulate.supervise import Child, Supervisor, restart_delay

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
QUITTER = [sys.executable, "-c", "import sys; print('worker going down'); sys.exit(3)"]


def _until(condition, *, supervisor: Supervisor, seconds: float = 20.0) -> None:
    """Run the supervisor's checks until ``condition()`` holds (a vital exit fails the test)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        assert supervisor.check() is None, "the server exited"
        time.sleep(0.02)


@pytest.fixture
def said() -> list[str]:
    return []


def test_restart_delay_doubles_after_each_quick_failure_up_to_a_limit():
    assert [restart_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert restart_delay(1, first=0.05, most=0.1) == 0.05
    assert restart_delay(3, first=0.05, most=0.1) == 0.1


def test_a_killed_worker_is_restarted_and_the_server_keeps_running(tmp_path, said):
    server = Child("serve", SLEEPER, vital=True, log=tmp_path / "server.log")
    worker = Child("worker", SLEEPER, vital=False, log=tmp_path / "worker.log")
    supervisor = Supervisor([server, worker], first_delay=0.05, poll_seconds=0.02, say=said.append)
    supervisor.start()
    try:
        server_pid, worker_pid = server.pid, worker.pid

        os.kill(worker_pid, signal.SIGKILL)
        _until(lambda: worker.restarts == 1 and worker.pid is not None, supervisor=supervisor)

        assert worker.pid != worker_pid and worker.process.poll() is None
        assert server.pid == server_pid and server.process.poll() is None
        assert said == [
            f"siyu worker exited with code -9; restarting it in 0.05 s; its log: {tmp_path / 'worker.log'}"
        ]
        log = (tmp_path / "worker.log").read_text()
        assert f"started siyu worker (pid {worker_pid})" in log
        assert "siyu worker exited with code -9; restarting it in 0.05 s" in log
        assert f"started siyu worker (pid {worker.pid})" in log
    finally:
        supervisor.stop()
    assert server.process.poll() is not None and worker.process.poll() is not None


def test_a_worker_that_keeps_dying_is_restarted_with_growing_delays_and_logs_its_output(tmp_path, said):
    server = Child("serve", SLEEPER, vital=True)
    worker = Child("worker", QUITTER, vital=False, log=tmp_path / "worker.log")
    supervisor = Supervisor(
        [server, worker],
        first_delay=0.05,
        max_delay=0.2,
        steady_seconds=30,
        poll_seconds=0.02,
        say=said.append,
    )
    supervisor.start()
    try:
        _until(lambda: worker.restarts == 4, supervisor=supervisor)
    finally:
        supervisor.stop()

    delays = [line.split("restarting it in ")[1].split(" s")[0] for line in said]
    assert delays[:4] == ["0.05", "0.1", "0.2", "0.2"]
    assert (tmp_path / "worker.log").read_text().count("worker going down") >= 4
    assert server.process.returncode == -signal.SIGTERM  # stopped by the supervisor, never by the worker


def test_the_vital_child_exiting_ends_the_watch(tmp_path, said):
    server = Child("serve", QUITTER, vital=True, log=tmp_path / "server.log")
    worker = Child("worker", SLEEPER, vital=False)
    supervisor = Supervisor([server, worker], poll_seconds=0.02, say=said.append)
    supervisor.start()
    try:
        assert supervisor.watch() is server
    finally:
        supervisor.stop()
    assert server.process.returncode == 3 and said == []
    assert "siyu serve exited with code 3" in (tmp_path / "server.log").read_text()


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stopping_takes_the_processes_a_child_started_with_it(tmp_path, said):
    # granian's main process starts the HTTP workers: stopping the server must not orphan them.
    spawner = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print('grandchild', p.pid, flush=True); time.sleep(60)"
    )
    server = Child("serve", [sys.executable, "-c", spawner], vital=True, log=tmp_path / "server.log")
    supervisor = Supervisor([server], poll_seconds=0.02, say=said.append)
    supervisor.start()
    deadline = time.monotonic() + 20
    while "grandchild" not in (tmp_path / "server.log").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    grandchild = int((tmp_path / "server.log").read_text().split("grandchild ")[1].split()[0])
    assert _running(grandchild)

    supervisor.stop()

    assert server.process.returncode == -signal.SIGTERM
    deadline = time.monotonic() + 10
    while _running(grandchild):
        assert time.monotonic() < deadline, "the server's own process outlived it"
        time.sleep(0.05)
