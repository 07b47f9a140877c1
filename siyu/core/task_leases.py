"""Worker leases: a task whose worker died is run again, not left RUNNING for ever.

django-tasks-db marks a task RUNNING when a worker claims it and appends the worker's id to
``worker_ids``, and nothing else looks at it again: a worker killed mid-task (kill -9, out of memory,
a lost machine) leaves the task RUNNING for good. Version 0.13 has no heartbeat or stuck-task
sweep (``prune_db_task_results`` only deletes finished results), so each ``siyu worker`` holds a
``WorkerLease``:

1. At start the worker writes its lease (its id, host, pid) before it claims anything, then
   sweeps once (``recover_abandoned_tasks``); a thread renews the lease every ``HEARTBEAT`` and
   sweeps again each time; a clean exit deletes the lease.
2. A RUNNING task is abandoned when the worker that claimed it last (``worker_ids[-1]``) is dead:
   its process no longer exists on this host (seen at once, which is what restarts after a crash
   need), its lease was not renewed for ``LEASE``, or it has no lease and the task started over
   ``LEASE`` ago (a worker that exited mid-task, or one started without a lease).
3. An abandoned task goes back to READY, to be claimed like a new one; after ``MAX_ATTEMPTS``
   claims it is marked FAILED (``WorkerLost``) instead, so a task that kills its worker each time
   does not loop. Each change is a compare-and-set on (status, started_at), so two workers sweeping
   at once, cannot both act on one task.

Running a task again is safe because every task in siyu/*/tasks.py is a sweep over rows that
changes each row in its own transaction, guarded by its status (compare-and-set) or an
idempotency key (claim keys, ledger keys): what the killed run committed is not done twice, and
what it had not committed was rolled back with its connection. A task added later must keep that
property. A worker that is only paused past its lease (not dead) may find its task run again by
another: that is the price of any lease, and idempotence covers it too.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.db import close_old_connections, connections
from django.db.models import Q
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from siyu.core.models import WorkerLease

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # more than SQLite's 30 s lock wait plus a missed heartbeat or two
HEARTBEAT = timedelta(seconds=15)
MAX_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded on a task given up after ``MAX_ATTEMPTS`` workers died running it."""


def this_host() -> str:
    """The host name plus the kernel's boot id: a pid is only meaningful on the same boot."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}:{boot}"[:255]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_dead(lease: WorkerLease | None, started_at: datetime | None, *, host: str, now: datetime) -> bool:
    if lease is None:
        return started_at is None or started_at < now - LEASE
    if lease.host == host and not _process_exists(lease.pid):
        return True
    return lease.heartbeat_at < now - LEASE


def recover_abandoned_tasks(*, now: datetime | None = None) -> dict[str, int]:
    """Put RUNNING tasks whose worker is dead back in the queue, or give them up after MAX_ATTEMPTS.

    Returns how many were ``requeued`` and ``failed``; forgets the leases of dead workers.
    """
    now = now or timezone.now()
    host = this_host()
    running = list(DBTaskResult.objects.running().order_by("pk").values("pk", "worker_ids", "started_at"))
    last = {row["pk"]: (row["worker_ids"] or [""])[-1] for row in running}
    leases = WorkerLease.objects.in_bulk(set(last.values()))
    counts = {"requeued": 0, "failed": 0}
    for row in running:
        worker = last[row["pk"]]
        if not _is_dead(leases.get(worker), row["started_at"], host=host, now=now):
            continue
        attempts = len(row["worker_ids"] or [])
        fields: dict[str, object]
        if attempts < MAX_ATTEMPTS:
            outcome, fields = "requeued", {"status": TaskResultStatus.READY, "started_at": None}
        else:
            outcome, fields = (
                "failed",
                {
                    "status": TaskResultStatus.FAILED,
                    "finished_at": now,
                    "exception_class_path": f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    "traceback": f"WorkerLost: the worker running this task died, {attempts} times in a row",
                },
            )
        # Compare-and-set on the claim we saw: of two workers sweeping at once, one wins.
        same_claim = DBTaskResult.objects.filter(
            pk=row["pk"], status=TaskResultStatus.RUNNING, started_at=row["started_at"]
        )
        if same_claim.update(**fields):
            counts[outcome] += 1
            log.warning("task %s abandoned by dead worker %s: %s", row["pk"], worker, outcome)
    gone = [lease.pk for lease in WorkerLease.objects.filter(host=host) if not _process_exists(lease.pid)]
    WorkerLease.objects.filter(Q(heartbeat_at__lt=now - LEASE) | Q(pk__in=gone)).delete()
    return counts


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass
class Lease:
    """This worker process's lease: ``start()`` before the worker claims tasks, ``release()`` after."""

    worker_id: str = field(default_factory=new_worker_id)
    heartbeat: timedelta = HEARTBEAT
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Write the lease, recover what dead workers left, and renew the lease from a thread."""
        self._renew()
        recover_abandoned_tasks()
        self._thread = threading.Thread(target=self._beat, name="siyu-worker-heartbeat", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop the heartbeat and delete the lease (a clean exit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.heartbeat.total_seconds())
        WorkerLease.objects.filter(worker_id=self.worker_id).delete()

    def _renew(self) -> None:
        now = timezone.now()
        WorkerLease.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"heartbeat_at": now},
            create_defaults={"host": this_host(), "pid": os.getpid(), "started_at": now, "heartbeat_at": now},
        )

    def _beat(self) -> None:
        # Its own thread (and so its own connection): a long task must not let the lease lapse.
        while not self._stop.wait(self.heartbeat.total_seconds()):
            try:
                close_old_connections()
                self._renew()
                recover_abandoned_tasks()
            except DatabaseError:  # locked or unreachable for now: the next beat tries again
                log.exception("worker %s could not renew its lease", self.worker_id)
        connections.close_all()
