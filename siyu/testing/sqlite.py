"""The SQLite test database is a file (in /dev/shm when there is one), never Django's in-memory one.

Django makes an SQLite test database in memory (``file:memorydb_default?mode=memory&cache=shared``)
unless told a file name, and a live server (``live_server``, the browser tests) then cannot open a
connection of its own to it: pytest-django hands the test thread's one connection to the server's
request threads. Every thread then shares one sqlite3 connection, so:

- one transaction: a request's ``atomic()`` sees ``in_atomic_block`` set by whichever thread opened
  a transaction first (the test thread between its writes, or another request) and nests a
  savepoint in that thread's transaction, which the owner may commit or roll back under it;
- one mutex: a request in ``sqlite3_step`` holds the connection's SQLite mutex and, to run one of
  the Python functions Django registers on the connection (date truncation, REGEXP, ...), waits
  for the GIL; the test thread holds the GIL and waits for that mutex in a call that does not
  release the GIL. Neither lets go: the run hangs, more often the busier the machine.

On a file every thread opens its own connection; they take turns through SQLite's file locks
(WAL, ``BEGIN IMMEDIATE`` and a 30 s busy timeout, as in production) and see only committed
rows, which is what the browser tests (``django_db(transaction=True)``) expect. The whole session
uses the file, so the browser tests run in the ordinary ``pytest siyu`` beside the others. Under
pytest-xdist each worker has its own base temporary directory, so its own database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """Name a file for the SQLite test database (pytest-django calls this before creating it)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith(".sqlite3") or database.get("TEST", {}).get("NAME"):
        yield
        return
    # tmpfs when the machine has one: the file behaves like one on disk, at the speed of memory.
    folder = tempfile.mkdtemp(prefix="siyu-test-db-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    database.setdefault("TEST", {})["NAME"] = os.path.join(folder, "test.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)
