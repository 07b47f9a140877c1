"""Settings for the test suite: fast hashing, tasks run inline when their transaction commits."""

import atexit
import shutil
import tempfile
from pathlib import Path

from siyu.settings import *  # noqa: F403

# Uploaded images go to a directory of this process, removed at exit (never var/media).
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="siyu-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SIYU_SANDBOX_PAY = True
SIYU_SANDBOX_PAY_SECRET = "test-sandbox-secret"

# The same backends, with a cheaper flush after each test that commits (siyu/testing/backends/flush.py).
TEST_BACKENDS = {
    "django.db.backends.sqlite3": "siyu.testing.backends.sqlite3",
    "django.db.backends.postgresql": "siyu.testing.backends.postgresql",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A commit need not wait for the WAL flush: the test database is thrown away, so a crash may lose
    # its last commits at no cost, and every commit (flushes, transactional tests, the demo) is faster.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
_database = DATABASES["default"]  # noqa: F405
_database["ENGINE"] = TEST_BACKENDS.get(_database["ENGINE"], _database["ENGINE"])
