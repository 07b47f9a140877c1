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
