"""Django settings, read from the environment only (docs/configuration.md).

Embedded default: SQLite in WAL mode, Huey on SQLite, local-memory cache. Production parts are chosen by
``DATABASE_URL``, ``REDIS_URL`` and ``CLICKHOUSE_URL``; nothing else changes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("MALLOPS_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "mallops.core",
    "mallops.accounts",
    "mallops.tenancy",
    "mallops.audit",
    "mallops.privacy",
    "mallops.workdays",
    "mallops.compliance",
    "mallops.catalogue",
    "mallops.review",
    "mallops.pricing",
    "mallops.orders",
    "mallops.payments",
    "mallops.service",
    "mallops.aftersales",
    "mallops.analytics",
    "mallops.marketing",
    "mallops.dsr",
    "mallops.ops",
    "mallops.risk",
    "mallops.tasks",
    "mallops.scorecards",
    "mallops.membership",
    "mallops.product_reviews",
    "mallops.stores",
    "mallops.content",
    "mallops.storefront",
    "mallops.console",
]
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["mallops.accounts.backends.RoleBackend"]

MIDDLEWARE = [
    "mallops.core.middleware.RequestIdMiddleware",
    "mallops.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "mallops.core.middleware.InputPolicyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mallops.core.lazy_messages.LazyMessageMiddleware",  # Django's, its storage made on first use
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mallops.core.idempotency.IdempotencyMiddleware",
    "mallops.core.middleware.ApiProblemMiddleware",
]

ROOT_URLCONF = "mallops.urls"
WSGI_APPLICATION = "mallops.wsgi.application"
ASGI_APPLICATION = "mallops.asgi.application"

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
                "mallops.console.context.console",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'mallops.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # one connection per server thread, kept between requests like PostgreSQL's: opening a SQLite
    # connection (PRAGMAs, Django's SQL functions) costs about 2.5 ms of CPU, more than a small read
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock up front so
        # two writers queue instead of failing with "database is locked" half-way through a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MALLOPS_SQLITE_TEST_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
CLICKHOUSE_URL = os.environ.get("CLICKHOUSE_URL", "")
# flash-sale counters and token cache on a Redis Cluster (a node's URL); cache and queue stay on REDIS_URL
REDIS_CLUSTER_URL = os.environ.get("REDIS_CLUSTER_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "mallops",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "mallops",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# compliance checks take up to 10,000 listings in one request
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mallops.core.logging.JsonFormatter"}},
    "filters": {"request_id": {"()": "mallops.core.logging.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "huey": {"level": "WARNING"},
    },
}

# API pagination (docs/api.md): limit 50 by default, at most 500; offsets bounded so no database overflows
NINJA_PAGINATION_CLASS = "mallops.core.pagination.Pagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

MALLOPS: dict[str, Any] = {
    "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("MALLOPS_IDEMPOTENCY_TTL_HOURS", "24")),
    "SWEEP_BATCH_SIZE": int(os.environ.get("MALLOPS_SWEEP_BATCH_SIZE", "200")),
    "TOKEN_TTL_HOURS": int(os.environ.get("MALLOPS_TOKEN_TTL_HOURS", "24")),
    # brute force (issue 4): 5 failures per username or 30 per address within 15 minutes lock for 15 minutes
    "LOGIN_POLICY": {
        "USER_LIMIT": int(os.environ.get("MALLOPS_LOGIN_USER_LIMIT", "5")),
        "IP_LIMIT": int(os.environ.get("MALLOPS_LOGIN_IP_LIMIT", "30")),
        "WINDOW_MINUTES": int(os.environ.get("MALLOPS_LOGIN_WINDOW_MINUTES", "15")),
        "LOCK_MINUTES": int(os.environ.get("MALLOPS_LOGIN_LOCK_MINUTES", "15")),
    },
    # POST /api/v1/events token bucket per client address, or per API key listed in KEYS (issue 9)
    "EVENTS_RATE_LIMIT": {
        "RATE": float(os.environ.get("MALLOPS_EVENTS_RATE", "50")),  # batches per second; 0 = off
        "BURST": int(os.environ.get("MALLOPS_EVENTS_BURST", "200")),
        "KEYS": {},  # {"api-key": {"RATE": 500, "BURST": 2000}}
    },
}
