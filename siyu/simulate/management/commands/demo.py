"""``siyu demo``: from an empty directory to a running shop with history, in one command.

It migrates, collects static files, loads the demo merchant (with every marketing playbook running,
see ``siyu.simulate.demo_marketing``), then runs the HTTP server and a task worker (with the periodic
clock) as two child processes, so the demo behaves like a deployment: unpaid orders really are
cancelled when their payment window ends. The server is vital; the worker is restarted when it dies
(``siyu.simulate.supervise``). Their output goes to ``var/log/``, so the banner printed last stays
on screen. Ctrl-C stops both.

The children run with ``SIYU_DEMO=1`` in their environment (``siyu.cli`` sets it for this command
before the settings are read), so settings can tell a demo from a deployment.
"""

from __future__ import annotations

import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from siyu.simulate.demo_banner import banner
from siyu.simulate.demo_data import DemoSummary, load_demo, summarize
from siyu.simulate.demo_marketing import refresh_audience
from siyu.simulate.demo_reach import DEMO_SMTP_PORT, ensure_demo_reach
from siyu.simulate.demo_tables import DEMO_SLUG
from siyu.simulate.demo_wechat import ensure_demo_oa_menu, ensure_demo_wechat
from siyu.simulate.runner import simulate
from siyu.simulate.supervise import Child, Supervisor, child_env, tail
from siyu.tenancy.models import Merchant

STARTUP_SECONDS = 120  # granian workers import Django and every app first: slow on a busy machine


class _Stop(Exception):
    """SIGTERM or SIGHUP, turned into an exception so the same clean-up runs as for Ctrl-C."""


def _raise_stop(signum, frame):
    raise _Stop()


class Command(BaseCommand):
    help = "Migrate, collect static files, load the demo merchant, then run the server and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--sandbox-port", type=int, default=8019, help="Port of the built-in WeChat sandbox"
        )
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=DEMO_SMTP_PORT,
            help="Port of the sandbox's SMTP server (the email channel's mail lands in its inbox)",
        )
        parser.add_argument("--no-serve", action="store_true", help="Load the demo data and exit (tests, CI)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--history",
            type=int,
            default=20_000,
            help="Simulated customers with a year of history added to a new demo (0: none)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the database and build the demo again (activities run from now); refused when "
            "the database holds another merchant",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        sandbox_port: int,
        smtp_port: int,
        no_serve: bool,
        seed: int,
        history: int,
        reset: bool,
        **options,
    ):
        # The default SQLite file lives in VAR_DIR; SQLite will not create its directory.
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        sqlite_file = _sqlite_file()
        if reset:
            self._refuse_a_shared_database()
            if sqlite_file is not None:
                # Faster than emptying every table of a big demo (SQLite checks each foreign key).
                self.stdout.write(f"Deleting {sqlite_file} (--reset) ...")
                connections.close_all()
                for path in (
                    sqlite_file,
                    *(sqlite_file.with_name(sqlite_file.name + s) for s in ("-wal", "-shm")),
                ):
                    path.unlink(missing_ok=True)
        self.stdout.write("Migrating the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        if reset and sqlite_file is None:
            self.stdout.write("Emptying the database (--reset) ...")
            call_command("flush", interactive=False, verbosity=0)
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
            self.stdout.write("Computing value models, automatic tags and segment counts ...")
            refresh_audience(merchant)  # what the worker's nightly jobs would do: the history counts now
            summary = replace(summarize(merchant), created=True)  # counts now include the history
        link_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        base = f"http://{link_host}:{port}"
        merchant = Merchant.objects.get(slug=summary.merchant_slug)
        ensure_demo_wechat(merchant)
        # 触达: channels (email into the sandbox's SMTP server), templates, the coupon, consents.
        ensure_demo_reach(merchant, site_url=base, smtp_host=link_host, smtp_port=smtp_port)
        for line in summary.describe(logins=False):
            self.stdout.write(line)
        sandbox = f"http://{link_host}:{sandbox_port}"
        # This process calls the sandbox too (the QR codes and the menu, once it is up).
        settings.SIYU_WECHAT_SANDBOX_URL = sandbox
        if no_serve:
            self._print_banner(banner(summary, base=base, running=False))
            return
        connections.close_all()  # the children open their own; hold no SQLite handle meanwhile
        self._run(host, port, base, summary, sandbox_port, sandbox, smtp_port)

    def _refuse_a_shared_database(self) -> None:
        """--reset empties the whole database: only a database of the demo's own may be emptied."""
        try:
            others = list(Merchant.objects.exclude(slug=DEMO_SLUG).values_list("slug", flat=True)[:5])
        except DatabaseError:  # not migrated yet: nothing to lose
            others = []
        if others:
            raise CommandError(
                f"--reset empties the whole database, and it holds other merchants ({', '.join(others)}): "
                "refused. Point DATABASE_URL at a database of its own for the demo."
            )

    def _print_banner(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()

    def _run(
        self,
        host: str,
        port: int,
        base: str,
        summary: DemoSummary,
        sandbox_port: int,
        sandbox: str,
        smtp_port: int,
    ) -> None:
        logs = Path(settings.VAR_DIR) / "log"
        siyu = [sys.executable, "-m", "siyu.cli"]
        supervisor = Supervisor(
            [
                Child(
                    "serve",
                    [*siyu, "serve", "--host", host, "--port", str(port)],
                    vital=True,
                    log=logs / "server.log",
                ),
                Child("worker", [*siyu, "worker", "--with-scheduler"], vital=False, log=logs / "worker.log"),
                # WeChat's side of pay, the official account and WeCom for the demo's sandbox accounts.
                Child(
                    "wechat-sandbox",
                    [
                        *siyu,
                        "wechat_sandbox",
                        "--host",
                        host,
                        "--port",
                        str(sandbox_port),
                        "--siyu-url",
                        base,
                        "--smtp-port",
                        str(smtp_port),
                    ],
                    vital=False,
                    log=logs / "wechat-sandbox.log",
                ),
            ],
            # WeChat Pay's notify_url is built on SIYU_PUBLIC_URL: the sandbox calls back the demo server.
            env=child_env(SIYU_DEMO="1", SIYU_WECHAT_SANDBOX_URL=sandbox, SIYU_PUBLIC_URL=base),
            say=self.stderr.write,
        )
        server = supervisor.children[0]
        # The children lead sessions of their own: a closed terminal (SIGHUP) reaches only this
        # process, which stops them as on SIGTERM.
        previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
        try:
            supervisor.start()
            if not self._wait_until_up(base, server):
                for line in tail(server.log):
                    self.stderr.write(line)
                raise CommandError(f"The server did not answer {base}/healthz; its log is above.")
            # Once the WeChat sandbox answers, make what needs it: the official account's QR codes, and
            # the menu (the sandbox keeps menus in memory, so it is published on every start).
            if self._wait_for(f"{sandbox}/"):
                merchant = Merchant.objects.get(slug=summary.merchant_slug)
                ensure_demo_wechat(merchant)
                ensure_demo_oa_menu(merchant, site_url=base)
                link_host = base.split("//", 1)[1].rsplit(":", 1)[0]
                ensure_demo_reach(merchant, site_url=base, smtp_host=link_host, smtp_port=smtp_port)
            else:
                self.stderr.write(f"The WeChat sandbox did not answer {sandbox}/; see its log.")
            connections.close_all()
            self._print_banner(
                banner(
                    summary,
                    base=base,
                    running=True,
                    logs=tuple(c.log for c in supervisor.children if c.log),
                    sandbox=sandbox,
                )
            )
            stopped = supervisor.watch()
            for line in tail(stopped.log):
                self.stderr.write(line)
            self.stderr.write(f"siyu {stopped.name} exited; stopping the demo.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the server and the worker ...")
        except _Stop:
            self.stdout.write("Stopping the server and the worker ...")
        finally:
            supervisor.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _wait_for(self, url: str, seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return response.status == 200
            except OSError:
                time.sleep(0.3)
        return False

    def _wait_until_up(self, base: str, server: Child) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.process is None or server.process.poll() is not None:
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


def _sqlite_file() -> Path | None:
    """The default database's file when it is an SQLite file (not in memory), else None."""
    db = connections["default"]
    name = str(db.settings_dict.get("NAME") or "")
    if db.vendor != "sqlite" or not name or name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name)
