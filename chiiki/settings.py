"""Django settings, read from environment variables in this one place.

SQLite under ``var/`` is the default so a fresh checkout just runs; PostgreSQL is selected with
``DATABASE_URL=postgres://…``. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chiiki.core.plausibility import Thresholds
from chiiki.core.rates import parse_rate
from chiiki.core.schemes import SchemeError
from chiiki.core.schemes import schemes as _grading_schemes

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, not {raw!r}")
    return value


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("CHIIKI_DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-change-me"  # noqa: S105  # nosec B105  # refused when DEBUG is off
SECRET_KEY = os.environ.get("CHIIKI_SECRET_KEY", _DEV_SECRET)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("CHIIKI_SECRET_KEY must be set when CHIIKI_DEBUG is off")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "CHIIKI_SECRET_KEY must be at least 50 random characters, e.g. "
        '`python -c "import secrets; print(secrets.token_urlsafe(50))"`'
    )

ALLOWED_HOSTS = _env_list("CHIIKI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

# The prefecture shown to visitors without an account when several share a deployment
# (slug, e.g. "hokkaido"); staff always see their own. Empty: the first by code.
CHIIKI_ORGANIZATION = os.environ.get("CHIIKI_ORGANIZATION", "").strip()
# Who answers for this installation's API (shown in its OpenAPI document's contact).
CHIIKI_API_CONTACT = os.environ.get("CHIIKI_API_CONTACT", "").strip() or "chiiki"

# Grading schemes an installation adds (CHIIKI_GRADING_SCHEMES: YAML files or folders,
# separated by the path separator), read and checked now: a broken file stops the start-up
# (and `chiiki check`) with the file, scheme, band and field named.
try:
    _grading_schemes()
except SchemeError as _exc:
    raise ImproperlyConfigured(f"CHIIKI_GRADING_SCHEMES: {_exc}") from None

DATA_DIR = Path(os.environ.get("CHIIKI_DATA_DIR", PROJECT_DIR / "var"))
# Files made once and served again until the data changes (the open-data files).
CACHE_DIR = DATA_DIR / "cache"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    # Login throttling for every sign-in (chiiki.accounts.throttle, decision 0009).
    "axes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The API docs page serves Swagger UI from django-ninja's package, not from a CDN.
    "ninja",
    "csp",
    # Background work (decision 0012): Django's tasks API, jobs stored in the database.
    "django_tasks",
    "django_tasks_db",
    "chiiki.plans",
    "chiiki.indicators",
    "chiiki.support",
    "chiiki.evaluations",
    "chiiki.collection",
    "chiiki.proposals",
    "chiiki.councils",
    "chiiki.reports",
    "chiiki.imports",
    "chiiki.datasets",
    "chiiki.accounts",
    "chiiki.audit",
    "chiiki.jobs",
    "chiiki.api",
    "chiiki.web",
]

MIDDLEWARE = [
    # First: the request id and the one log line cover everything below.
    "chiiki.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chiiki.web.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chiiki.web.tenancy.OrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chiiki.web.era.EraMiddleware",
    # Last: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chiiki.urls"
WSGI_APPLICATION = "chiiki.wsgi.application"

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
                "chiiki.observability.request_context",
            ],
            "builtins": ["chiiki.web.templatetags.chiiki_format"],
        },
    },
]


def _database(variable: str = "DATABASE_URL") -> dict[str, object]:
    url = os.environ.get(variable, "").strip()
    if not url:
        config: dict[str, object] = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "chiiki.sqlite3",
        }
    else:
        try:
            config = dict(dj_database_url.parse(url, conn_max_age=60))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{variable} is not a database URL: {exc}") from exc
    if config["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ImproperlyConfigured(f"{variable} must be postgres://… or sqlite://…")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Several server processes share the file: a transaction takes the write lock when it
        # begins (so two writers queue instead of failing on upgrade), waits up to 20 s for it,
        # and readers never wait for a writer (write-ahead log).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    return config


DATABASES = {"default": _database()}
_postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# Behind pgbouncer in transaction pooling mode (docs/operations.md, "Growing") nothing is to be
# set: Django binds parameters on the client with psycopg 3 (no server-side prepared
# statements), and every long read keeps its server-side cursor inside its transaction
# (chiiki.storage.snapshot), where pooling keeps one server connection.

# A streaming read replica for public reads, exports and reports (chiiki.dbrouter): writes,
# signed-in staff and API clients with a token stay on the primary.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    if not _postgres:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    DATABASES["replica"] = _database("DATABASE_REPLICA_URL")
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be postgres://…")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["chiiki.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(1, "chiiki.dbrouter.ReplicaRouteMiddleware")

# Background work (decision 0012): jobs are stored in the database and run by
# `chiiki db_worker` (started beside the web server by ./scripts/run; its own service in
# production). CHIIKI_TASKS=immediate runs each job inside the request that starts it
# instead (no worker; for a one-person trial or tests).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks = os.environ.get("CHIIKI_TASKS", "database").strip() or "database"
if _tasks not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"CHIIKI_TASKS must be one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks], "QUEUES": ["default"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Every sign-in, wherever it comes from, passes the throttle first (chiiki.accounts.throttle).
AUTHENTICATION_BACKENDS = [
    "chiiki.accounts.throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env_int("CHIIKI_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_env_int("CHIIKI_LOGIN_LOCK_MINUTES", 15))
# Locked per account. Not per address: a prefecture's offices reach the site through a few
# shared addresses, and five typos among all their staff would lock everyone out. Guessing
# across many accounts from one address is limited by the per-address rate limit of the login
# pages instead (CHIIKI_LOGIN_RATE_ADDRESS), hence axes' hint to add 'ip_address' is silenced (decision 0009).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "chiiki.accounts.throttle.login_identity"
AXES_CLIENT_IP_CALLABLE = "chiiki.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "chiiki.accounts.throttle.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # each failure with its address, for the operator
AXES_VERBOSE = False
# Proxies in front of the server that append to X-Forwarded-For (0: clients connect directly).
CHIIKI_PROXY_COUNT = _env_int("CHIIKI_PROXY_COUNT", 0)

# Rate limits (chiiki.accounts.ratelimit), counted in a table of the product's own database so
# that every server process shares them. "600/min", "50/15min"; empty = off.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "chiiki_ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
CHIIKI_API_RATE_TOKEN = os.environ.get("CHIIKI_API_RATE_TOKEN", "600/min")
CHIIKI_API_RATE_ADDRESS = os.environ.get("CHIIKI_API_RATE_ADDRESS", "300/min")
CHIIKI_LOGIN_RATE_ADDRESS = os.environ.get("CHIIKI_LOGIN_RATE_ADDRESS", "50/15min")
for _name in ("CHIIKI_API_RATE_TOKEN", "CHIIKI_API_RATE_ADDRESS", "CHIIKI_LOGIN_RATE_ADDRESS"):
    _rate = globals()[_name]
    try:
        if _rate:
            parse_rate(_rate)
    except ValueError:
        raise ImproperlyConfigured(
            f"{_name} must be a rate like 600/min or 50/15min (or empty for no limit), "
            f"not {_rate!r}"
        ) from None

# Email (collection rounds' reminders and notices): Django's SMTP backend, configured here.
# Without CHIIKI_EMAIL_HOST nothing is sent: messages go to the console (development).
EMAIL_HOST = os.environ.get("CHIIKI_EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = _env_int("CHIIKI_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("CHIIKI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CHIIKI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("CHIIKI_EMAIL_STARTTLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("CHIIKI_EMAIL_FROM", "chiiki@localhost")
# The address the messages link to (the site as its users reach it).
CHIIKI_SITE_URL = os.environ.get("CHIIKI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reminders: this many days before a share's deadline, on the day, and every day after it.
CHIIKI_REMIND_DAYS_BEFORE = _env_int("CHIIKI_REMIND_DAYS_BEFORE", 3)
# Plausibility thresholds (chiiki.core.plausibility.Thresholds), e.g. {"jump": 10}.
CHIIKI_PLAUSIBILITY: dict[str, str] = {
    k.removeprefix("CHIIKI_PLAUSIBILITY_").lower(): v
    for k, v in os.environ.items()
    if k.startswith("CHIIKI_PLAUSIBILITY_")
}
try:
    Thresholds.from_mapping(CHIIKI_PLAUSIBILITY)
except ValueError as _exc:
    raise ImproperlyConfigured(f"CHIIKI_PLAUSIBILITY_*: {_exc}") from None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production file names carry a hash of their content, so WhiteNoise can let browsers
    # and proxies keep them for a year; every file also has gzip and Brotli copies.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development static files come straight from the apps; `collectstatic` fills STATIC_ROOT
# for production, so only then does WhiteNoise need that folder.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT = None  # type: ignore[assignment]  # Django reads None as "not collected"

# The JSON API (chiiki/api): lists are paged with limit/offset, 50 rows by default.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# ----------------------------------------------------------------------------- security
# docs/reliability.md explains each setting; `chiiki check --deploy` is clean with the
# production environment shown there.

# Sessions last a working day and end with the browser; the cookies are never read by scripts.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = _env_int("CHIIKI_SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = _env_list("CHIIKI_CSRF_TRUSTED_ORIGINS")

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# CHIIKI_TLS: the site is reached over HTTPS (directly or through a proxy that terminates TLS).
# Then plain HTTP is redirected, cookies are HTTPS-only and browsers are told to remember it
# (HSTS). Behind a proxy, CHIIKI_PROXY_SSL_HEADER trusts its X-Forwarded-Proto header; only
# set it when the proxy overwrites that header on every request.
TLS = _env_bool("CHIIKI_TLS", False)
SECURE_SSL_REDIRECT = TLS and _env_bool("CHIIKI_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = TLS
CSRF_COOKIE_SECURE = TLS
SECURE_HSTS_SECONDS = _env_int("CHIIKI_HSTS_SECONDS", 31_536_000) if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS
SECURE_HSTS_PRELOAD = TLS and _env_bool("CHIIKI_HSTS_PRELOAD", True)
if _env_bool("CHIIKI_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz answers the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy: scripts, styles, fonts and images only from this site; no inline
# script anywhere. Inline style *attributes* stay allowed (bar widths in the grade tables and
# Swagger UI's layout); they cannot run code. No page may be framed, no form may post elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Request size limits: a form or JSON body over 3 MB is refused before it is read (the bulk API
# write of a whole prefecture's FY is about 200 kB); uploads have their own 20 MB limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
FILE_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# Logs go to standard error, where gunicorn and systemd collect them (chiiki/observability.py):
# one line per request on chiiki.request, every line with its request id, as logfmt or JSON.
CHIIKI_LOG_FORMAT = os.environ.get("CHIIKI_LOG_FORMAT", "logfmt").strip().lower() or "logfmt"
if CHIIKI_LOG_FORMAT not in ("logfmt", "json"):
    raise ImproperlyConfigured(
        f"CHIIKI_LOG_FORMAT must be logfmt or json, not {CHIIKI_LOG_FORMAT!r}"
    )
CHIIKI_REQUEST_LOG = _env_bool("CHIIKI_REQUEST_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "chiiki.observability.RequestIdFilter"}},
    "formatters": {
        "logfmt": {"()": "chiiki.observability.LogfmtFormatter"},
        "json": {"()": "chiiki.observability.JsonFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": CHIIKI_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "chiiki.request": {"level": "INFO" if CHIIKI_REQUEST_LOG else "WARNING"},
        # the development server's own line per request would repeat chiiki's (./scripts/run)
        "django.server": {
            "level": "WARNING" if CHIIKI_REQUEST_LOG else "INFO",
            "propagate": True,
        },
    },
}
