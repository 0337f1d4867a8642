"""Settings for the test suite: the real settings, with a fixed key and fast password hashing."""

import os

os.environ.setdefault("PMM_SECRET_KEY", "insecure-key-for-tests-only")

from pmm.config.settings import *  # noqa: F403
from pmm.config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
