"""Settings for the test suite: fast hashing, tasks run inline when their transaction commits."""

from siyu.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SIYU_SANDBOX_PAY = True
SIYU_SANDBOX_PAY_SECRET = "test-sandbox-secret"
