"""The flush that ends every test which commits, made cheap; the test backends share it.

A test that commits (``transactional_db``, the live server, the concurrency tests) ends with a flush
of every table, and a flush ends with the ``post_migrate`` signal, which makes the content types
and permissions again. Measured with the suite's ~100 tables, two cores and five other suites
running (siyu/testing/tests/test_backends.py checks the behaviour, not the speed):

- PostgreSQL: Django's one ``TRUNCATE`` of every table, which gives each table and index a new
  file, took 3.0-4.4 s; ``DELETE`` from every table in one round trip took 0.4-1.8 s. The foreign
  keys Django makes are ``DEFERRABLE INITIALLY DEFERRED`` and the flush runs in one transaction, so
  the order of the deletes does not matter; sequences go on, as after Django's plain ``TRUNCATE``.
- Both: ``django_content_type`` and ``auth_permission`` keep their rows. ``post_migrate`` would
  make the same rows again (no code of Siyu's adds any), so it finds them and writes nothing: an
  SQLite flush went from 0.4-1.8 s to 0.45-0.7 s.

A flush asked to reset sequences or to cascade is Django's own.
"""

from __future__ import annotations

from collections.abc import Iterable

# Made identically again by post_migrate after every flush: keeping the rows saves the work.
KEPT = frozenset({"django_content_type", "auth_permission"})


def flushed(tables: Iterable[str]) -> list[str]:
    """The tables a flush empties: all but ``KEPT``."""
    return [t for t in tables if t not in KEPT]
