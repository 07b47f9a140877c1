"""Run work on real threads that start together (PostgreSQL concurrency tests of both playbooks)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from siyu.core.errors import SiyuError


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")


def run_together(n: int, work: Callable[[int], object]) -> list[object]:
    """Start ``n`` threads that begin ``work`` at the same instant; collect results or error codes."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except SiyuError as exc:
            results[i] = exc.code
        except Exception as exc:  # surfaced by the assertions
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
