"""Pishkhan settings: read from environment variables only (see README, "Configuration").

Every reader refuses a malformed value loudly at start-up rather than guessing.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import dj_database_url
from django.contrib.messages import constants as message_levels
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("PISHKHAN_VAR_DIR", PROJECT_DIR / "var"))

INSECURE_DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_at_least(name: str, default: int, minimum: int, unit: str) -> int:
    value = env_int(name, default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum} {unit}, not {value}")
    return value


def env_days(name: str, default: int) -> int:
    return env_at_least(name, default, 1, "day")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str) -> str:
    """A string setting; NAME_FILE, when set, names a file holding the value (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key; set SECRET_KEY (or SECRET_KEY_FILE), "
        "or DEBUG=1 for local development."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "pishkhan.accounts.apps.AdminConfig",  # django.contrib.admin, with its site: decision 64
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's and Redoc's files, served from here (decision 51)
    "pishkhan.accounts.apps.AxesConfig",  # django-axes, named in Persian
    "django_otp",
    "pishkhan.accounts.apps.TOTPConfig",  # django_otp.plugins.otp_totp, named in Persian
    "pishkhan.core",
    "pishkhan.accounts",
    "pishkhan.notify",
    "pishkhan.workflow",
    "pishkhan.catalog",
    "pishkhan.offices",
    "pishkhan.cases",
    "pishkhan.licensing",
    "pishkhan.payments",
    "pishkhan.feedback",
    "pishkhan.education",
    "pishkhan.insights",
    "pishkhan.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pishkhan.core.middleware.ContentSecurityPolicyMiddleware",
    "pishkhan.core.middleware.NulInPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pishkhan.core.middleware.PersianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pishkhan.accounts.middleware.OTPMiddleware",  # django-otp's, the device kept in Redis
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pishkhan.urls"
WSGI_APPLICATION = "pishkhan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["pishkhan.core.templatetags.persian", "pishkhan.core.templatetags.a11y"],
        },
    }
]

# The embedded default is a SQLite file under var/ (WAL mode, see core.apps); production
# sets DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pishkhan.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite holds one connection per thread; keeping it open is cheap and avoids re-applying
    # the pragmas on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", False
):
    # Parameters bound by the server, and statements a connection repeats prepared by psycopg
    # (from the 5th run on): PostgreSQL then plans the hot queries once per connection instead
    # of on every request. Off by default: a pooler that cannot keep prepared statements
    # (PgBouncer in transaction mode before 1.21) breaks with it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
# A streaming replica of the primary (PostgreSQL): the dashboards and their exports read from it
# (core/replica.py, docs/scaling.md). Same options as the primary; never migrated.
if os.environ.get("DATABASE_REPLICA_URL"):
    _replica = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)
    )
    if _replica["ENGINE"] == DATABASES["default"]["ENGINE"]:
        _replica["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            **_replica.get("OPTIONS", {}),
        }
    DATABASES["replica"] = {**_replica, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["pishkhan.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's rules, with the platform's own Persian messages (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "pishkhan.accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "pishkhan.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "pishkhan.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "pishkhan.accounts.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend with the signed-in user kept in Redis (accounts/backends.py).
    "pishkhan.accounts.backends.UserBackend",
]
# Staff sign in with a password and, unless switched off (the demo), a TOTP code.
PISHKHAN_STAFF_OTP = env_bool("PISHKHAN_STAFF_OTP", not DEBUG)
# Lockout after repeated wrong passwords, per user name and client address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Pishkhan"
# Uploaded documents: PDF, JPEG or PNG, recognised by content, at most this many megabytes each.
PISHKHAN_MAX_UPLOAD_MB = env_int("PISHKHAN_MAX_UPLOAD_MB", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PISHKHAN_IDENTITY_BACKEND = env_str(
    "PISHKHAN_IDENTITY_BACKEND", "pishkhan.accounts.identity.LocalRegistry"
)
# Flash messages take Bootstrap's alert names: an error is "danger" (red), not "error" (unstyled).
MESSAGE_TAGS = {message_levels.ERROR: "danger"}

# SMS: the embedded default keeps messages in the outbox (/dev/outbox/ when DEBUG); production
# names a provider adapter, e.g. pishkhan.notify.backends.KavenegarBackend.
PISHKHAN_SMS_BACKEND = env_str("PISHKHAN_SMS_BACKEND", "pishkhan.notify.backends.OutboxBackend")
KAVENEGAR_API_KEY = env_str("KAVENEGAR_API_KEY", "")
KAVENEGAR_SENDER = env_str("KAVENEGAR_SENDER", "")
# The share of office services an office may offer, by rank (1 best); see docs/licensing.md.
PISHKHAN_RANK_SHARES = {
    1: 100,
    2: env_int("PISHKHAN_RANK2_SHARE", 70),
    3: env_int("PISHKHAN_RANK3_SHARE", 30),
}
# Where people reach the site: links sent by SMS (set a password, rate a service) are made
# absolute with it, since a text message cannot carry a relative path.
PISHKHAN_SITE_URL = env_str("PISHKHAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Open311's jurisdiction_id for this server (docs/api.md, "Open311"); one jurisdiction: the country.
PISHKHAN_OPEN311_JURISDICTION = env_str("PISHKHAN_OPEN311_JURISDICTION", "ir")
# Public tracking look-ups allowed per client and minute.
PISHKHAN_TRACK_PER_MINUTE = env_int("PISHKHAN_TRACK_PER_MINUTE", 20)
# Identity registry inquiries per office and minute (the counter and the office API).
PISHKHAN_IDENTIFY_PER_MINUTE = env_int("PISHKHAN_IDENTIFY_PER_MINUTE", 60)
# Online payments (docs/money.md): the built-in sandbox gateway, or "az" for Iran's card
# gateways through the optional az-iranian-bank-gateways package, configured by the JSON in
# AZ_IRANIAN_BANK_GATEWAYS (or AZ_IRANIAN_BANK_GATEWAYS_FILE); PISHKHAN_AZ_BANK_TYPE picks one
# bank (e.g. BMI), empty = the library's default with its fallbacks.
PISHKHAN_PAYMENT_GATEWAY = env_str("PISHKHAN_PAYMENT_GATEWAY", "sandbox")
if PISHKHAN_PAYMENT_GATEWAY not in ("sandbox", "az"):
    raise ImproperlyConfigured("PISHKHAN_PAYMENT_GATEWAY is sandbox or az")
PISHKHAN_AZ_BANK_TYPE = env_str("PISHKHAN_AZ_BANK_TYPE", "")
if PISHKHAN_PAYMENT_GATEWAY == "az":
    import json as _json

    if find_spec("azbankgateways") is None:
        raise ImproperlyConfigured(
            "PISHKHAN_PAYMENT_GATEWAY=az needs the optional package: "
            "pip install 'pishkhan[iran-gateways]'"
        )
    try:
        AZ_IRANIAN_BANK_GATEWAYS = _json.loads(env_str("AZ_IRANIAN_BANK_GATEWAYS", ""))
    except ValueError as _exc:
        raise ImproperlyConfigured(
            "AZ_IRANIAN_BANK_GATEWAYS must be the library's settings as JSON"
        ) from _exc
    AZ_IRANIAN_BANK_GATEWAYS.setdefault("CURRENCY", "IRR")
    INSTALLED_APPS.append("azbankgateways")
# A gateway payment still pending after this many minutes is settled or closed by asking the
# gateway (the periodic task payments.tasks.reconcile_payments).
PISHKHAN_PAYMENT_RECONCILE_MINUTES = env_int("PISHKHAN_PAYMENT_RECONCILE_MINUTES", 20)
# Days a rating link sent by SMS after delivery stays valid (feedback; docs/feedback.md).
PISHKHAN_RATING_LINK_DAYS = env_int("PISHKHAN_RATING_LINK_DAYS", 30)
if PISHKHAN_RATING_LINK_DAYS < 1:
    raise ImproperlyConfigured("PISHKHAN_RATING_LINK_DAYS must be at least 1")
# The public API under /api/v1/ (docs/api.md): read-only and anonymous, JSON only, errors as
# {"error": {"code", "message", "fields"}}; its look-ups share the pages' per-minute limits.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "pishkhan.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNICODE_JSON": True,
}
SPECTACULAR_SETTINGS = {
    # ASCII: drf-spectacular names the schema's download after it (Content-Disposition).
    "TITLE": "Pishkhan API",
    # Persian, then English; the top of /api/docs/ (Markdown).
    "DESCRIPTION": (BASE_DIR / "api/data/schema_description.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"Channel": "pishkhan.catalog.models.Channel"},
    "GET_LIB_DOC_EXCLUDES": "pishkhan.api.views.schema_doc_excludes",
    # The reference pages (/api/docs/, /api/swagger/) load Redoc and Swagger UI from this
    # server (drf-spectacular-sidecar), not a CDN; Swagger UI sends the schema to no validator.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
# Public receipt verifications (/verify/<code>/) allowed per client and minute.
PISHKHAN_VERIFY_PER_MINUTE = env_int("PISHKHAN_VERIFY_PER_MINUTE", 30)
# Webhooks (docs/api.md): seconds a receiver has to answer, and whether a plain-http address may
# be set (development only: deliveries carry a signature, not secrecy, without TLS).
PISHKHAN_WEBHOOK_TIMEOUT = env_int("PISHKHAN_WEBHOOK_TIMEOUT", 5)
PISHKHAN_WEBHOOK_ALLOW_HTTP = env_bool("PISHKHAN_WEBHOOK_ALLOW_HTTP", DEBUG)
# The Ed25519 private key (PEM) that signs receipts' QR codes; in production set
# PISHKHAN_SIGNING_KEY_FILE to a file holding it (`openssl genpkey -algorithm ed25519`). Empty:
# a key generated once under PISHKHAN_VAR_DIR (docs/receipts.md).
PISHKHAN_SIGNING_KEY = env_str("PISHKHAN_SIGNING_KEY", "")
# The public keys (PEM, one or more) of earlier signing keys: still published at /verify/keys/
# and accepted, so paper printed before a rotation keeps verifying (docs/receipts.md, decision 35).
PISHKHAN_RETIRED_SIGNING_KEYS = env_str("PISHKHAN_RETIRED_SIGNING_KEYS", "")

REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that stops answering (a network partition drops packets rather than refusing them)
# fails a call within this many seconds, instead of holding a worker until gunicorn kills it;
# the process then works without Redis for a few seconds before asking again (core.outage,
# decision 61). Every Redis call here takes well under a millisecond.
REDIS_TIMEOUT_SECONDS = env_at_least("REDIS_TIMEOUT_SECONDS", 2, 1, "second")
REDIS_SOCKET_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "pishkhan.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pishkhan",
            "OPTIONS": REDIS_SOCKET_OPTIONS,
        }
    }
    # Sessions read from Redis, written through to the database (which keeps them across a
    # Redis restart): one query less on every signed-in request (docs/performance.md). Django's
    # cached_db engine, read and written through the database alone while Redis does not answer
    # (decision 61).
    SESSION_ENGINE = "pishkhan.core.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs: with REDIS_URL, real Celery workers; without it, tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_SOCKET_OPTIONS if REDIS_URL else {}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Tehran"
# A worker keeps its database connection across tasks and renews it every 1000: by default
# Celery closes it after each task, so every SMS delivered cost PostgreSQL a new backend.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# Language and time: Persian first, right to left; times stored in UTC, shown in Tehran time.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Times are stored in UTC (USE_TZ). The current time zone is Tehran's, so that "today"
# (timezone.localdate(): fees in force, decision-due days, the settlement's day, a date typed
# into a filter) is the day in Iran: with UTC here, from 00:00 to 03:30 in Tehran it was still
# yesterday. Pages show Tehran time (core.jalali.TEHRAN) either way.
TIME_ZONE = "Asia/Tehran"
LANGUAGE_COOKIE_NAME = "pishkhan_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Working days: the weekend (Python weekday numbers, Monday=0) and the calendar's country.
# Iran's public offices close on Friday and, for most, on Thursday too.
PISHKHAN_WEEKEND = [int(d) for d in env_list("PISHKHAN_WEEKEND", ["3", "4"])]
if any(d not in range(7) for d in PISHKHAN_WEEKEND):
    raise ImproperlyConfigured("PISHKHAN_WEEKEND takes weekday numbers 0 (Monday) to 6 (Sunday)")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
S3_ADDRESSING_STYLES = ("path", "virtual", "auto")


def document_storage() -> dict[str, Any]:
    """Where uploaded documents go (decision 57): ``filesystem`` (under MEDIA_ROOT, the embedded
    default) or ``s3``, any S3-compatible object store through the optional django-storages.

    Web nodes may be many, so in production documents cannot stay on one node's disk. Objects
    are private and never given a URL: documents are served only by the app's scoped views."""
    kind = env_str("PISHKHAN_FILE_STORAGE", "filesystem").strip().lower() or "filesystem"
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured("PISHKHAN_FILE_STORAGE is filesystem or s3")
    if find_spec("storages") is None or find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "PISHKHAN_FILE_STORAGE=s3 needs the optional packages: pip install 'pishkhan[s3]'"
        )
    required = {
        "bucket_name": "PISHKHAN_S3_BUCKET",
        "endpoint_url": "PISHKHAN_S3_ENDPOINT_URL",
        "access_key": "PISHKHAN_S3_ACCESS_KEY_ID",
        "secret_key": "PISHKHAN_S3_SECRET_ACCESS_KEY",
    }
    options: dict[str, Any] = {key: env_str(name, "").strip() for key, name in required.items()}
    missing = [name for key, name in required.items() if not options[key]]
    if missing:
        raise ImproperlyConfigured(
            f"PISHKHAN_FILE_STORAGE=s3 needs {', '.join(missing)} (or the same names + _FILE)"
        )
    if not options["endpoint_url"].startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "PISHKHAN_S3_ENDPOINT_URL must be the store's http(s) address, "
            f"not {options['endpoint_url']!r}"
        )
    addressing = env_str("PISHKHAN_S3_ADDRESSING_STYLE", "path").strip().lower()
    if addressing not in S3_ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"PISHKHAN_S3_ADDRESSING_STYLE is one of {', '.join(S3_ADDRESSING_STYLES)}"
        )
    options.update(
        {
            "region_name": env_str("PISHKHAN_S3_REGION", "").strip() or None,
            "addressing_style": addressing,
            "signature_version": "s3v4",
            # A folder of the bucket (e.g. one bucket for staging and production); may be empty.
            "location": env_str("PISHKHAN_S3_LOCATION", "").strip().strip("/"),
            # A citizen's document is never public: private objects; the only URLs the backend
            # could make are short-lived signed ones, and core.storage refuses even those.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "custom_domain": None,
            # django-storages overwrites an object of the same name by default: two people's
            # "scan.pdf" filed in one month would be one object, the first person's document
            # replaced by the second's. Keep Django's rule: a new name for a taken one.
            "file_overwrite": False,
        }
    )
    return {"BACKEND": "pishkhan.core.storage.PrivateS3Storage", "OPTIONS": options}


STORAGES = {
    "default": document_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "pishkhan.core.views.csrf_failure"  # the site's own page, in Persian
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every successful sign-in's reset at INFO; failures still log as warnings.
    # Celery logs every in-process task at INFO; keep the console for what matters.
    "loggers": {"axes": {"level": "WARNING"}, "celery": {"level": "WARNING"}},
}

# How long transient records that hold personal data are kept, in days (docs/retention.md,
# decision 60). At least a day: the citizen sign-in's per-hour limits count the last hour's codes.
PISHKHAN_KEEP_SIGN_IN_CODES_DAYS = env_days("PISHKHAN_KEEP_SIGN_IN_CODES_DAYS", 30)
PISHKHAN_KEEP_STAFF_SIGN_INS_DAYS = env_days("PISHKHAN_KEEP_STAFF_SIGN_INS_DAYS", 365)
PISHKHAN_KEEP_TEXT_MESSAGES_DAYS = env_days("PISHKHAN_KEEP_TEXT_MESSAGES_DAYS", 90)
PISHKHAN_KEEP_WEBHOOK_DELIVERIES_DAYS = env_days("PISHKHAN_KEEP_WEBHOOK_DELIVERIES_DAYS", 30)

# Periodic jobs (celery beat).
CELERY_BEAT_SCHEDULE = {
    # The audit log's new events closed into one checkpoint every hour (design.md, "Audit log").
    "audit-checkpoint": {"task": "pishkhan.core.tasks.audit_checkpoint", "schedule": 3600.0},
    # Cache keys whose delete Redis refused during an outage, deleted once it answers (decision
    # 61: a signed-out session, a changed user or catalogue must not come back from Redis).
    "cache-stale-keys": {"task": "pishkhan.core.tasks.forget_stale_cache_keys", "schedule": 60.0},
    # Messages whose delivery task a crash (or a broker outage, decision 61) lost are sent by
    # this sweeper.
    "outbox-sweep": {"task": "pishkhan.notify.tasks.deliver_pending", "schedule": 60.0},
    "licences-daily": {"task": "pishkhan.licensing.tasks.licences_daily", "schedule": 86400.0},
    # State changes waiting in insights' pending table are folded into the rollups.
    "insights-fold": {"task": "pishkhan.insights.tasks.fold_pending", "schedule": 10.0},
    # Webhook deliveries a backoff made wait, or whose run was lost; sent ones kept 30 days.
    "webhooks-deliver": {"task": "pishkhan.api.tasks.deliver_webhooks", "schedule": 30.0},
    # Documents kept for a filing form that came back with an error and was never sent again.
    "held-uploads-prune": {"task": "pishkhan.cases.tasks.prune_held_uploads", "schedule": 3600.0},
    # Records past their keeping time (core.retention: sessions, sign-in codes, text messages...).
    "records-prune": {"task": "pishkhan.core.tasks.prune_records", "schedule": 86400.0},
    # Online payments whose callback never came: settled or closed by asking the gateway.
    "payments-reconcile": {
        "task": "pishkhan.payments.tasks.reconcile_payments",
        "schedule": 300.0,
    },
}
