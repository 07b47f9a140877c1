"""``siyu demo``: from an empty directory to a running shop with history, in one command.

It migrates, collects static files, loads the demo merchant, then runs the HTTP server and a task
worker (with the periodic clock) as two child processes, so the demo behaves like a deployment:
unpaid orders really are cancelled when their payment window ends. Ctrl-C stops both.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from siyu.simulate.demo_data import DemoSummary, load_demo, summarize
from siyu.simulate.runner import simulate
from siyu.tenancy.models import Merchant

STARTUP_SECONDS = 30
STOP_SECONDS = 10
GRACE_SECONDS = 5


class _Stop(Exception):
    """SIGTERM, turned into an exception so the same clean-up runs as for Ctrl-C."""


def _raise_stop(signum, frame):
    raise _Stop()


class Command(BaseCommand):
    help = "Migrate, collect static files, load the demo merchant, then run the server and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Load the demo data and exit (tests, CI)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--history",
            type=int,
            default=20_000,
            help="Simulated customers with a year of history added to a new demo (0: none)",
        )

    def handle(self, *args, host: str, port: int, no_serve: bool, seed: int, history: int, **options):
        # The default SQLite file lives in VAR_DIR; SQLite will not create its directory.
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        self.stdout.write("Migrating the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Collecting static files ...")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Loading the demo merchant ...")
        summary = load_demo(seed=seed)
        if summary.created and history:
            # A year of simulated history behind the curated demo, for reports and segments to chew on.
            self.stdout.write(f"Simulating a year of history for {history:,} more customers ...")
            report = simulate(merchant_slug=summary.merchant_slug, customers=history, days=365, seed=seed)
            for line in report.describe():
                self.stdout.write(line)
            merchant = Merchant.objects.get(slug=summary.merchant_slug)
            summary = replace(summarize(merchant), created=True)  # counts now include the history
        for line in summary.describe():
            self.stdout.write(line)
        if no_serve:
            return
        connections.close_all()  # the children open their own; hold no SQLite handle meanwhile
        self._run(host, port, summary)

    def _run(self, host: str, port: int, summary: DemoSummary) -> None:
        base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "siyu.cli", "serve", "--host", host, "--port", str(port)]
            ),
            subprocess.Popen([sys.executable, "-m", "siyu.cli", "worker", "--with-scheduler"]),
        ]
        previous = signal.signal(signal.SIGTERM, _raise_stop)
        interrupted = False
        try:
            if not self._wait_until_up(base, children[0]):
                raise CommandError(f"The server did not answer {base}/healthz; see its output above.")
            self._welcome(base, summary)
            self._watch(children)
        except KeyboardInterrupt:
            interrupted = True
            self.stdout.write("\nStopping the server and the worker ...")
        except _Stop:
            self.stdout.write("Stopping the server and the worker ...")
        finally:
            _stop(children, interrupted=interrupted)
            signal.signal(signal.SIGTERM, previous)

    def _wait_until_up(self, base: str, server: subprocess.Popen) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return False  # e.g. the port is taken
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    return response.status == 200
            except urllib.error.HTTPError as exc:
                # It answers but refuses: most likely the host is not in SIYU_ALLOWED_HOSTS.
                self.stderr.write(f"{base}/healthz answered {exc.code}; check SIYU_ALLOWED_HOSTS.")
                return True
            except OSError:
                time.sleep(0.2)
        return False

    def _welcome(self, base: str, summary: DemoSummary) -> None:
        shop = f"{base}/api/v1/shop/{summary.merchant_slug}"
        json = "-H 'Content-Type: application/json'"
        pending = summary.orders_by_status.get("pending_payment", 0)
        lines = [
            "",
            "Siyu demo is running.",
            f"  Operator console {base}/console/   (demo_owner / {summary.password})",
            f"  H5 storefront    {base}/shop/{summary.merchant_slug}/   (log in with the nickname "
            f"{summary.sample_login_code} to be the sample customer)",
            f"  API docs         {base}/api/v1/docs",
            f"  OpenAPI schema   {base}/api/v1/openapi.json",
            f"  Shop API base    {shop}/",
            "",
            f"Log in to the shop as customer {summary.sample_login_code} (sandbox login: any code works, "
            "the same code is the same customer):",
            f'  curl -s -X POST {shop}/auth/login {json} -d \'{{"code": "{summary.sample_login_code}"}}\'',
            f"  curl -s {shop}/orders -H 'Authorization: Bearer <token from the login>'",
            f"  curl -s '{shop}/products?page=1'",
            "",
            "Staff get an admin API token with their username and password:",
            f"  curl -s -X POST {base}/api/v1/admin/auth/token {json} "
            f'-d \'{{"username": "demo_operator", "password": "{summary.password}"}}\'',
            *(f"  {s.username:<20} {s.role:<15} {s.display_name}" for s in summary.logins),
            "",
            f"{pending} orders await payment; the worker cancels each when its payment window ends.",
            "Press Ctrl-C to stop the server and the worker.",
        ]
        for line in lines:
            self.stdout.write(line)

    def _watch(self, children: list[subprocess.Popen]) -> None:
        """Return when either child exits: a demo with half its processes would mislead."""
        while True:
            for child in children:
                code = child.poll()
                if code is not None:
                    name = " ".join(str(a) for a in list(child.args)[3:4])  # type: ignore[arg-type]
                    self.stderr.write(f"siyu {name} exited with code {code}; stopping.")
                    return
            time.sleep(0.5)


def _stop(children: list[subprocess.Popen], *, interrupted: bool) -> None:
    """Stop the children gracefully, forcefully only if they hang.

    Ctrl-C in a terminal reaches the whole process group, so after it the children are already
    shutting down: a second signal would make the worker abandon its current task.
    """
    if interrupted:
        _wait_all(children, GRACE_SECONDS)
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in _wait_all(children, STOP_SECONDS):
        child.kill()
        child.wait()


def _wait_all(children: list[subprocess.Popen], seconds: float) -> list[subprocess.Popen]:
    """Wait up to ``seconds`` in all for the children to exit; return those still running."""
    deadline = time.monotonic() + seconds
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    return [child for child in children if child.poll() is None]
