"""Settings for the test suite: development mode, fast hashing, strict templates."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, STORAGES, TEMPLATES


class InvalidTemplateVariable(str):
    """Fails a test on a misspelled template variable instead of rendering nothing."""

    def __mod__(self, other):
        raise AssertionError(f"Invalid template variable: {other!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test process (one per pytest-xdist worker) writes into folders of its own: a test that
# counts the files spooled in var/tmp/uploads must not see another worker's upload.
VAR_DIR = Path(tempfile.mkdtemp(prefix="ledger-test-var-"))
FILE_UPLOAD_TEMP_DIR = VAR_DIR / "tmp" / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True)
MEDIA_ROOT = tempfile.mkdtemp(prefix="ledger-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test empties the cache: never a Redis that REDIS_URL may name (tests/test_settings.py
# and tests/tracker/test_ledger_cache.py reach Redis on purpose).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# A read replica that mirrors the test database (config/routers.py): tests that switch
# LEDGER_READ_REPLICA on see which alias each query ran on; the rest of the suite never reads it.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
# The scale-out parts are off for the suite whatever the environment names (a cluster's
# REDIS_URL, S3_BUCKET, DATABASE_REPLICA_URL): the tests switch each on where they test it.
REDIS_URL = ""
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LEDGER_JOBS_QUEUED = False
LEDGER_READ_REPLICA = False
S3_BUCKET = ""
S3_PRESIGNED = False
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
