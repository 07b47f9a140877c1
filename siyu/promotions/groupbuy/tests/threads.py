"""The shared thread runner, under the names this app's tests import."""

from siyu.testing.concurrency import postgres_only as _postgres_only
from siyu.testing.concurrency import run_together

__all__ = ["_postgres_only", "run_together"]
