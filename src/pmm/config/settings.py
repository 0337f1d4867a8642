"""All settings. This is the only module that reads the environment (PMM_* variables)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pmm.config.env import env_bool, env_choice, env_float, env_int, env_list, env_text
from pmm.core.logs import logging_config

SRC_DIR = Path(__file__).resolve().parent.parent  # src/pmm
PROJECT_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_text("PMM_VAR_DIR", str(PROJECT_DIR / "var")))


def _secret_key(debug: bool) -> str:
    key = env_text("PMM_SECRET_KEY", "")
    if key:
        return key
    if not debug:
        raise ImproperlyConfigured(
            "PMM_SECRET_KEY is required when PMM_DEBUG is off (production mode). "
            "Set it to a long random string."
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("PMM_DEBUG", False)
# Set by `pmm demo` (never in production): production mode with its real error pages, but a key kept in
# PMM_VAR_DIR and plain HTTP, for a demo served on this machine (docs/operations.md).
PMM_DEMO = env_bool("PMM_DEMO", False)
SECRET_KEY = _secret_key(DEBUG or PMM_DEMO)
ALLOWED_HOSTS = env_list("PMM_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("PMM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pmm.core",
    "pmm.accounts",
    "pmm.audit",
    "pmm.members",
    "pmm.framework",
    "pmm.cycles",
    "pmm.assessments",
    "pmm.evidence",
    "pmm.results",
    "pmm.charts",
    "pmm.reviews",
    "pmm.targets",
    "pmm.notifications",
    "pmm.dashboards",
    "pmm.analytics",
    "pmm.public",
    "pmm.reports",
    "pmm.web",
    "pmm.jobs",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "pmm.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pmm.web.middleware.SecurityHeadersMiddleware",
    "pmm.core.input_hygiene.InputHygieneMiddleware",
    "pmm.web.middleware.DatabaseOutageMiddleware",
    "pmm.accounts.middleware.SessionExpiryMiddleware",
    "pmm.accounts.middleware.TwoFactorEnrolmentMiddleware",
    "pmm.web.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "pmm.config.urls"
WSGI_APPLICATION = "pmm.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pmm.web.context_processors.navigation",
            ],
        },
    }
]


def _database() -> dict:
    url = env_text("PMM_DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'pmm.sqlite3'}"
    # Each server thread keeps its connection for a minute (checked before reuse) instead of opening
    # one per request: on SQLite too, where opening and closing was about 1 ms of every request.
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# --- Account security (docs/security.md) ------------------------------------------------------
# Sign-in lockout: after PMM_LOGIN_MAX_FAILURES wrong passwords or codes for one username within
# PMM_LOGIN_FAILURE_WINDOW_MINUTES, that username cannot sign in for PMM_LOGIN_LOCKOUT_MINUTES.
PMM_LOGIN_MAX_FAILURES = env_int("PMM_LOGIN_MAX_FAILURES", 5, minimum=1)
PMM_LOGIN_FAILURE_WINDOW_MINUTES = env_int("PMM_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
PMM_LOGIN_LOCKOUT_MINUTES = env_int("PMM_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Sessions end after this much inactivity, and in any case PMM_SESSION_MAX_HOURS after sign-in.
PMM_SESSION_IDLE_MINUTES = env_int("PMM_SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = int(env_float("PMM_SESSION_MAX_HOURS", 8, minimum=0.1) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# How long the code step of a two-step sign-in stays open after the password step.
PMM_TWO_FACTOR_STEP_SECONDS = 300
OTP_TOTP_ISSUER = "WCO PMM"

# --- Transport security -----------------------------------------------------------------------
# PMM_HTTPS: users reach the platform over HTTPS (on by default in production mode). It makes the
# cookies secure, redirects plain HTTP to HTTPS and sends HSTS. Behind a proxy that terminates TLS,
# set PMM_PROXY_SSL_HEADER to the header it sets, e.g. "X-Forwarded-Proto" (value "https").
PMM_HTTPS = env_bool("PMM_HTTPS", not DEBUG and not PMM_DEMO)


def _proxy_ssl_header() -> tuple[str, str] | None:
    raw = env_text("PMM_PROXY_SSL_HEADER", "")
    if not raw:
        return None
    name, _sep, value = raw.partition("=")
    if not name.strip():
        raise ImproperlyConfigured(f"PMM_PROXY_SSL_HEADER must be a header name, not {raw!r}")
    return "HTTP_" + name.strip().upper().replace("-", "_"), value.strip() or "https"


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
SESSION_COOKIE_SECURE = PMM_HTTPS
CSRF_COOKIE_SECURE = PMM_HTTPS
SECURE_SSL_REDIRECT = PMM_HTTPS and env_bool("PMM_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # load balancers and probes ask over plain HTTP
SECURE_HSTS_SECONDS = env_int("PMM_HSTS_SECONDS", 31536000, minimum=0) if PMM_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PMM_HSTS_INCLUDE_SUBDOMAINS", True)
# Asking browsers to preload HSTS is a commitment for the whole domain: only on request. Without it
# `check --deploy` would warn (security.W021), so that one check is silenced unless preload is on.
SECURE_HSTS_PRELOAD = env_bool("PMM_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by pmm.web.middleware.SecurityHeadersMiddleware. No inline script or style
# anywhere; QR codes are data: images.
PMM_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
PMM_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "pmm_language"
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env_text("PMM_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_text("PMM_DEFAULT_FROM_EMAIL", "pmm@localhost")
# The mail server, with PMM_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (docs/notifications.md).
EMAIL_HOST = env_text("PMM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("PMM_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_text("PMM_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_text("PMM_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PMM_EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("PMM_EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set PMM_EMAIL_USE_TLS or PMM_EMAIL_USE_SSL, not both.")
EMAIL_TIMEOUT = env_int("PMM_EMAIL_TIMEOUT", 10, minimum=1)  # seconds before giving up on the server
# The address users reach the platform at, for links in e-mails.
PMM_BASE_URL = env_text("PMM_BASE_URL", "http://127.0.0.1:8000")

# Logs go to stderr, one JSON object per line in production (PMM_LOG_FORMAT=json, the default when
# PMM_DEBUG is off) or plain text (PMM_LOG_FORMAT=text); each carries its request's id (docs/jobs.md).
PMM_LOG_FORMAT = env_choice("PMM_LOG_FORMAT", "text" if DEBUG or PMM_DEMO else "json", ("json", "text"))
LOGGING = logging_config(
    json_lines=PMM_LOG_FORMAT == "json",
    level=env_choice("PMM_LOG_LEVEL", "warning", ("debug", "info", "warning", "error", "critical")).upper(),
)

# A value that changes by more than this share between T-1 and T needs an explanation.
PMM_JUMP_THRESHOLD_PERCENT = env_float("PMM_JUMP_THRESHOLD_PERCENT", 50, minimum=0)

# Uploads: evidence files live outside the web root and are served only after an access check.
PMM_EVIDENCE_DIR = Path(env_text("PMM_EVIDENCE_DIR", str(VAR_DIR / "evidence")))
PMM_EVIDENCE_MAX_BYTES = env_int("PMM_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
PMM_WORKBOOK_MAX_BYTES = env_int("PMM_WORKBOOK_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Background jobs (results recomputation) run from a queue kept in the database: no extra server.
# `pmm serve` starts one worker beside the web server; `pmm worker` runs one on its own.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Each worker refreshes its heartbeat this often; a RUNNING job whose worker was not seen for the lease
# goes back to the queue, and fails after PMM_JOB_MAX_ATTEMPTS attempts (docs/jobs.md).
PMM_JOB_HEARTBEAT_SECONDS = env_float("PMM_JOB_HEARTBEAT_SECONDS", 5, minimum=0.1)
PMM_JOB_LEASE_SECONDS = env_float("PMM_JOB_LEASE_SECONDS", 30, minimum=1)
PMM_JOB_MAX_ATTEMPTS = env_int("PMM_JOB_MAX_ATTEMPTS", 3, minimum=1)
# /health/ready fails when the evidence files' disk has less free space than this.
PMM_HEALTH_MIN_FREE_MB = env_int("PMM_HEALTH_MIN_FREE_MB", 500, minimum=0)

# The cache (group statistics, answers, rendered charts and reports) is shared by the web processes and
# the worker of one machine, under PMM_VAR_DIR/cache by default, so that what the worker computes after
# a publication serves the readers: diskcache (files indexed in SQLite, safe across processes), not
# Django's file-based cache, which lists its whole folder on every write and slowed down as the cache
# grew (decision 0017). PMM_CACHE_SIZE_MB bounds its size on disk (the least recently stored go first).
CACHES = {
    "default": {
        "BACKEND": "pmm.core.cache.SharedCache",
        "LOCATION": env_text("PMM_CACHE_DIR", str(VAR_DIR / "cache")),
        "SHARDS": 4,
        "DATABASE_TIMEOUT": 1.0,  # seconds a write waits for another process's before retrying
        "OPTIONS": {"size_limit": env_int("PMM_CACHE_SIZE_MB", 2048, minimum=64) * 1024 * 1024},
    }
}
# After each publication the worker computes the group statistics that its readers will ask for (the
# public, the Secretariat, and each published member's own people), so the first reader does not wait.
PMM_WARM_STATISTICS = env_bool("PMM_WARM_STATISTICS", True)

# Group statistics are shown to an audience only when at least this many members contribute.
PMM_AGGREGATE_MIN_MEMBERS = env_int("PMM_AGGREGATE_MIN_MEMBERS", 5, minimum=3)

# Assigning a peer reviewer who already has this many open reviews needs a confirmation.
PMM_REVIEWER_MAX_OPEN_REVIEWS = env_int("PMM_REVIEWER_MAX_OPEN_REVIEWS", 3, minimum=1)

# The review certificate's evidence criterion: the share of reported KPIs with an evidence file.
PMM_REVIEW_EVIDENCE_COVERAGE = env_float("PMM_REVIEW_EVIDENCE_COVERAGE", 0.75, minimum=0, maximum=1)

# Reminders go out this many days before a round's due date (and once when it is missed).
PMM_REVIEW_REMINDER_DAYS = env_int("PMM_REVIEW_REMINDER_DAYS", 3, minimum=0)

# A peer reviewer reads the reviewed self-assessment (and that cycle's country-level figures of the
# member) while the review runs and for this many days after its sign-off; then the access ends.
PMM_REVIEW_ACCESS_DAYS = env_int("PMM_REVIEW_ACCESS_DAYS", 90, minimum=0)

# The default framework shipped with the platform.
PMM_DEFAULT_FRAMEWORK_FILE = SRC_DIR / "framework" / "data" / "pmm-v1.yaml"
PMM_DEFAULT_MEMBERS_FILE = SRC_DIR / "members" / "data" / "wco-members.csv"
