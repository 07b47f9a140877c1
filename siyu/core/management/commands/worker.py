"""``siyu worker``: run background tasks (and, with --with-scheduler, the periodic clock)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from siyu.core import scheduler
from siyu.core.task_leases import Lease


class Command(BaseCommand):
    help = "Run a task worker (django-tasks database backend)."

    def add_arguments(self, parser):
        parser.add_argument("--with-scheduler", action="store_true", help="Also enqueue periodic jobs")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit")

    def handle(self, *args, with_scheduler: bool, interval: float, batch: bool, **options):
        # The lease first: tasks a dead worker left RUNNING go back in the queue before this one polls.
        lease = Lease()
        lease.start()
        clock = None
        if with_scheduler:
            clock = scheduler.build(blocking=False)
            clock.start()
        try:
            extra = ["--batch"] if batch else []
            # --no-reload even under DEBUG: the reloader would run tasks in a child process that
            # outlives a SIGKILL of this one (and its pid is not the one the lease names).
            worker = ["--worker-id", lease.worker_id, "--no-startup-delay", "--no-reload"]
            call_command("db_worker", "--interval", str(interval), *worker, *extra)
        finally:
            if clock is not None:
                clock.shutdown(wait=False)
            lease.release()
