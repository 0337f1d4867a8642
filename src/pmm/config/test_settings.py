"""Settings for the test suite: the real settings, with a fixed key and fast password hashing."""

import os

os.environ.setdefault("PMM_SECRET_KEY", "insecure-key-for-tests-only")

from pmm.config.settings import *  # noqa: F403
from pmm.config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
# Jobs run at once (after the commit) in tests; tests of the queue itself switch to the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# One process, one memory cache; statistics are computed when asked (a test switches warming on).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PMM_WARM_STATISTICS = False

# On SQLite, test on a file (WAL, as in production) rather than in memory, so that tests with
# concurrent writers behave as they would for real: writers wait for each other instead of failing.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-pmm-{os.getpid()}.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["timeout"] = 30  # noqa: F405

# The test client and the live server speak plain HTTP: no redirect to HTTPS (production keeps it).
SECURE_SSL_REDIRECT = False
