"""Real ``siyu worker`` processes draining the reach queue against a slow sandbox, for crash tests.

``serve_slow_sandbox`` serves the whole sandbox (siyu/wechat/sandbox/server.py) on a free port like
``siyu.testing.wechat.serve_fake``, but each Tencent ``SendSms`` waits ``delay`` seconds before the
fake takes it, and so does each post to the webhook receiver (a slow provider: a worker killed
meanwhile leaves requests the fake still records).
``start_worker`` runs ``siyu worker`` on the test database (PostgreSQL, ``transaction=True`` tests)
with the sandbox URL and the vault key of the test process; ``enqueue_dispatch`` queues the reach
dispatch task it runs (``siyu.reach.tasks.dispatch_messages``: one ``run_once`` pass).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings as django_settings
from django.db import connection
from django_tasks_db.backend import DatabaseBackend

from siyu.wechat.sandbox import server
from siyu.wechat.sandbox.base import FakeWeChat, serve


class SlowSends:
    """WSGI wrapper: sends (Tencent ``SendSms``, posts to the webhook receiver) wait ``delay`` seconds
    before the fake handles them."""

    def __init__(self, app: FakeWeChat, delay: float) -> None:
        self.app, self.delay = app, delay

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if environ.get("HTTP_X_TC_ACTION") == "SendSms" or path.startswith("/hook/"):
            time.sleep(self.delay)
        return self.app(environ, start_response)


def serve_slow_sandbox(settings: Any, delay: float) -> Iterator[tuple[FakeWeChat, str]]:
    """Serve the sandbox with slow SendSms for one test: (the fake, its base URL)."""
    app = server.build("http://127.0.0.1:9")
    httpd = serve(cast(FakeWeChat, SlowSends(app, delay)), "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.base_url = base  # type: ignore[attr-defined]
    settings.SIYU_WECHAT_BASES = {s: f"{base}/{s}" for s in ("api", "open", "qyapi", "mch")}
    settings.SIYU_WECHAT_SANDBOX_URL = base
    try:
        yield app, base
    finally:
        httpd.shutdown()
        httpd.server_close()


def database_url() -> str:
    """The test database as a URL for a worker process (settings.py reads DATABASE_URL)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(sandbox_url: str, log: Path, *extra: str) -> subprocess.Popen[str]:
    """``siyu worker`` on the test database, calling the sandbox at ``sandbox_url``; output to ``log``."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "siyu.settings",
        "SIYU_SECRET_KEY": django_settings.SECRET_KEY,  # the vault key derives from it: same secrets
        "SIYU_WECHAT_KEYS": ",".join(django_settings.SIYU_WECHAT_KEYS),
        # Not DEBUG: db_worker would then run under Django's autoreloader, a child process that a
        # SIGKILL of the worker leaves running.
        "SIYU_DEBUG": "0",
        "SIYU_WECHAT_SANDBOX_URL": sandbox_url,
    }
    env.pop("SIYU_TASK_BACKEND", None)  # the database backend, as deployed
    env.pop("REDIS_URL", None)  # the throttle counts on the ChannelSetting row
    command = [sys.executable, "-m", "siyu.cli", "worker", "--interval", "0.1", *extra]
    with log.open("a") as out:  # a file, not a pipe: a chatty worker never blocks on a full pipe
        worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    worker.log = log  # type: ignore[attr-defined]
    return worker


def enqueue_dispatch(times: int = 1) -> None:
    """Queue the reach dispatch task ``times`` times in the database task queue the worker polls."""
    from siyu.reach import tasks

    backend = DatabaseBackend("default", {"QUEUES": ["default"]})
    for _ in range(times):
        backend.enqueue(cast(Any, tasks.dispatch_messages), [], {})


def wait_for(
    condition: Callable[[], bool], what: str, worker: subprocess.Popen[str], timeout: float = 120
) -> None:
    """Poll ``condition`` every 10 ms; fail with the worker's output if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}) before {what}:\n{_output(worker)}")
        if time.monotonic() > deadline:
            worker.kill()
            worker.wait()
            raise AssertionError(f"no {what} after {timeout} s:\n{_output(worker)}")
        time.sleep(0.01)


def _output(worker: subprocess.Popen[str]) -> str:
    log = getattr(worker, "log", None)
    return log.read_text()[-5000:] if log is not None and log.exists() else ""
