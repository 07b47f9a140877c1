"""Real threads against PostgreSQL for the concurrency tests of every app.

Import ``postgres_only`` into a test module (``from siyu.testing.concurrency import postgres_only``)
to skip it on SQLite, and call ``run_together`` to start work on threads at the same instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from siyu.core.errors import SiyuError


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def run_together(n: int, work: Callable[[int], object], *, timeout: float = 120) -> list[object]:
    """Start ``n`` threads that begin ``work`` at the same instant; each result is what ``work``
    returned, a refusal's error code, or the repr of any other exception (for the assertions)."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except SiyuError as exc:
            results[i] = exc.code
        except Exception as exc:  # surfaced by the caller's assertions
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
