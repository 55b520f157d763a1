"""Tests: PostgreSQL (DATABASE_URL, set by `make test`), tasks run inline."""

from .base import *  # noqa: F403
from .base import DATABASES, Q_CLUSTER, env

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105 - tests only, never deployed
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" and not env.bool(
    "ALLOW_SQLITE_TESTS", default=False
):
    raise RuntimeError("Tests run on PostgreSQL: set DATABASE_URL=postgres://... (make test does).")
DATABASES["default"]["CONN_MAX_AGE"] = 0
# django-q2 reads Q_CLUSTER once at import (STACK.md): tasks run inline in
# tests, except where a test starts a real qcluster with Q_SYNC=0.
Q_CLUSTER["sync"] = env.bool("Q_SYNC", default=True)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if env.bool("FAST_HASHER", default=True) else PASSWORD_HASHERS
)  # noqa: F405
EMAIL_BACKEND = env.str("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
# A real worker started by a test (tests/jobs/test_real_worker.py) sends to the test's SMTP server.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login_failed": "5/5m/key"}  # noqa: F405
# Each test empties the cache (tests/conftest.py); never a developer's Redis, whatever REDIS_URL says.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gymos-tests"}}
MEDIA_ROOT = env.str("TEST_MEDIA_ROOT", default=str(VAR_DIR / "test-media"))  # noqa: F405
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
}
