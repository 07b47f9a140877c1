"""A task whose worker died is run again by the next worker, once; not left RUNNING for ever."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from siyu.core import task_leases
from siyu.core.models import WorkerLease
from siyu.testing import tasks

NOW = timezone.make_aware(timezone.datetime(2027, 3, 1, 10))


def running_task(*workers: str, started_at=NOW - timedelta(minutes=5)) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path="siyu.testing.tasks.add_a_fen_when_released",
        args_kwargs={"args": [0, "/nonexistent", "/nonexistent"], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        status="RUNNING",
        started_at=started_at,
        worker_ids=list(workers),
    )


def lease(worker_id: str, *, beat: timedelta, pid: int | None = None, host: str | None = None) -> WorkerLease:
    return WorkerLease.objects.create(
        worker_id=worker_id,
        host=host or task_leases.this_host(),
        pid=pid or os.getpid(),
        started_at=NOW - timedelta(hours=1),
        heartbeat_at=NOW - beat,
    )


@pytest.mark.django_db
def test_only_the_tasks_of_dead_workers_go_back_in_the_queue():
    elsewhere = "other-host:boot"
    live = running_task("live")
    lease("live", beat=timedelta(seconds=10), host=elsewhere, pid=1)
    lapsed = running_task("lapsed")
    lease("lapsed", beat=task_leases.LEASE + timedelta(seconds=1), host=elsewhere, pid=1)
    unleased_young = running_task("gone-young", started_at=NOW - timedelta(seconds=30))
    unleased_old = running_task("gone-old", started_at=NOW - task_leases.LEASE - timedelta(seconds=1))
    here_alive = running_task("here")
    lease("here", beat=timedelta(seconds=10))  # this test's own process: alive

    assert task_leases.recover_abandoned_tasks(now=NOW) == {"requeued": 2, "failed": 0}

    assert DBTaskResult.objects.get(pk=lapsed.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=lapsed.pk).started_at is None
    assert DBTaskResult.objects.get(pk=unleased_old.pk).status == "READY"
    for untouched in (live, unleased_young, here_alive):
        assert DBTaskResult.objects.get(pk=untouched.pk).status == "RUNNING"
    leases = sorted(WorkerLease.objects.values_list("worker_id", flat=True))
    assert leases == ["here", "live"]  # the lapsed one forgotten
    assert task_leases.recover_abandoned_tasks(now=NOW) == {"requeued": 0, "failed": 0}


@pytest.mark.django_db
def test_a_worker_process_gone_from_this_host_is_dead_at_once():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid now names no process
    task = running_task("crashed")
    lease("crashed", beat=timedelta(seconds=1), pid=child.pid)  # its lease is still fresh

    assert task_leases.recover_abandoned_tasks(now=NOW) == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"
    assert not WorkerLease.objects.exists()


@pytest.mark.django_db
def test_a_task_that_outlived_three_workers_is_given_up():
    task = running_task("w1", "w2", "w3")

    assert task_leases.recover_abandoned_tasks(now=NOW) == {"requeued": 0, "failed": 1}
    task.refresh_from_db()
    assert (task.status, task.finished_at) == ("FAILED", NOW)
    assert task.exception_class_path == "siyu.core.task_leases.WorkerLost"
    assert task.traceback == "WorkerLost: the worker running this task died, 3 times in a row"


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has a connection of its own
def test_a_lease_is_renewed_by_its_heartbeat_and_deleted_on_release():
    lease = task_leases.Lease(heartbeat=timedelta(seconds=0.05))
    lease.start()
    try:
        first = WorkerLease.objects.get(pk=lease.worker_id)
        assert (first.host, first.pid) == (task_leases.this_host(), os.getpid())
        assert first.heartbeat_at == first.started_at
        deadline = time.monotonic() + 30
        while WorkerLease.objects.get(pk=lease.worker_id).heartbeat_at == first.heartbeat_at:
            assert time.monotonic() < deadline, "the heartbeat never renewed the lease"
            time.sleep(0.05)
    finally:
        lease.release()
    assert not WorkerLease.objects.exists()


# ---- a real worker killed mid-task --------------------------------------------------------------


def database_url() -> str:
    """The test database as a URL for a worker process (settings.py reads DATABASE_URL)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # a file: siyu/testing/sqlite.py
    user = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(*extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "siyu.settings",
        "SIYU_SECRET_KEY": f"worker-test-{uuid.uuid4().hex}",
        "SIYU_DEBUG": "0",
    }
    env.pop("SIYU_TASK_BACKEND", None)  # the database backend, as deployed
    command = [sys.executable, "-m", "siyu.cli", "worker", "--interval", "0.1", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition: Callable[[], bool], what: str, worker: subprocess.Popen, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before {what}:\n{worker.stdout.read()}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"no {what} after {timeout} s:\n{worker.communicate()[0]}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_is_killed_runs_again_in_the_next_worker_and_completes_once(merchant, tmp_path):
    attempts, hold = tmp_path / "attempts", tmp_path / "hold"
    hold.touch()
    backend = DatabaseBackend("default", {"QUEUES": ["default"]})
    enqueued = backend.enqueue(tasks.add_a_fen_when_released, [merchant.pk, str(attempts), str(hold)], {})

    first = start_worker()
    wait_for(lambda: attempts.exists() and attempts.read_text() != "", "task started", first)
    first.kill()  # SIGKILL mid-task: no handler, no clean-up
    first.wait()
    row = DBTaskResult.objects.get(pk=enqueued.id)
    assert (row.status, len(row.worker_ids)) == ("RUNNING", 1)  # what django-tasks-db alone leaves

    hold.unlink()
    second = start_worker("--batch")  # runs what is queued, then exits
    wait_for(lambda: second.poll() is not None, "exit of the second worker", second)

    output = second.stdout.read()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", output + row.traceback
    assert (row.return_value, len(row.worker_ids), len(set(row.worker_ids))) == (1, 2, 2)
    assert attempts.read_text().split() == [str(first.pid), str(second.pid)]
    merchant.refresh_from_db()
    assert merchant.shipping_fee == 1001  # the fen was added once
    assert not WorkerLease.objects.exists()  # the dead worker's lease forgotten, the other released
    assert second.returncode == 0
