"""`make test`: PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, embedded otherwise."""

import os
import tempfile
from pathlib import Path

# Worker processes that tests start inherit these, so they share media and broker folders
# with the test process (and nothing lands in the `make run` data under var/).
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="coach-test-media-"))
os.environ.setdefault("CELERY_FS_DIR", tempfile.mkdtemp(prefix="coach-test-celery-"))

from .base import *  # noqa: E402, F403
from .base import DATABASES, REST_FRAMEWORK  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file rather than memory, so worker processes started by tests can open it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.setdefault(
            "COACH_TEST_SQLITE", str(Path(tempfile.mkdtemp(prefix="coach-test-db-")) / "db.sqlite3")
        )
    }
# Worker processes started by tests are told the test database's name (tests/workers.py).
if os.environ.get("COACH_WORKER_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["COACH_WORKER_DB_NAME"]

# Fast hashing keeps the suite quick; password *validation* is unchanged.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Throttling is tested on purpose in one place; elsewhere it must not interfere.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "10000/min"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Per-process memory: the servers and workers tests start would keep their own copies.
AUTH_USER_CACHE_S = 0

STATIC_ROOT = tempfile.mkdtemp(prefix="coach-test-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Test receivers listen on 127.0.0.1; the refusal of private addresses is tested with
# this turned off. Short waits keep the event and retry tests quick.
NOTIFICATIONS_ALLOW_PRIVATE_URLS = True
NOTIFICATIONS_POLL_S = 0.1
NOTIFICATIONS_WEBHOOK_BACKOFF_S = 0.2
