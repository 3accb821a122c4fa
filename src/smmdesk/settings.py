"""The one settings module. Everything a deployment changes comes from SMMDESK_* variables."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from smmdesk.lib.env import env, envbool, envfloat, envint, kept_secret

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("SMMDESK_DATA_DIR") or Path.cwd() / "data").resolve()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

SECRET_KEY = kept_secret("SMMDESK_SECRET_KEY", DATA_DIR / "secret_key")
# Fernet keys, newest first, comma-separated; older keys still decrypt (rotation).
ENCRYPTION_KEYS = [
    k.strip()
    for k in kept_secret(
        "SMMDESK_ENCRYPTION_KEY",
        DATA_DIR / "encryption_key",
        make=lambda: Fernet.generate_key().decode(),
    ).split(",")
    if k.strip()
]

DEBUG = envbool("SMMDESK_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in (env("SMMDESK_ALLOWED_HOSTS") or "*").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("SMMDESK_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]
SITE_URL = (env("SMMDESK_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "smmdesk.core",
    "smmdesk.accounts",
    "smmdesk.channels",
    "smmdesk.content",
    "smmdesk.publishing",
    "smmdesk.sandbox",
    "smmdesk.team",
    "smmdesk.nlp",
    "smmdesk.inbox",
    "smmdesk.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smmdesk.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "smmdesk.urls"
WSGI_APPLICATION = "smmdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smmdesk.web.context.desk",
            ],
        },
    }
]

def _database(url: str | None) -> dict:
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'smmdesk.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=envint("SMMDESK_DB_CONN_MAX_AGE", 60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0 if "memory" in str(db["NAME"]) else None
        db["OPTIONS"] = {
            # WAL lets the web server read while the worker writes; IMMEDIATE takes the
            # write lock at BEGIN so two writers queue on busy_timeout instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": envfloat("SMMDESK_SQLITE_BUSY_TIMEOUT", 30.0),
        }
        db["TEST"] = {"NAME": env("SMMDESK_TEST_SQLITE_NAME")}
    else:
        db["CONN_HEALTH_CHECKS"] = True
    return db

DATABASES = {"default": _database(env("SMMDESK_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("be", _("Belarusian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here too
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SMMDESK_MAX_IMAGE_MB = envint("SMMDESK_MAX_IMAGE_MB", 20)
SMMDESK_MAX_VIDEO_MB = envint("SMMDESK_MAX_VIDEO_MB", 1024)

# Publishing engine.
SMMDESK_EXECUTOR = env("SMMDESK_EXECUTOR") or "local"
SMMDESK_WORKER_THREADS = envint("SMMDESK_WORKER_THREADS", 8)
SMMDESK_POLL_INTERVAL = envfloat("SMMDESK_POLL_INTERVAL", 0.2)
SMMDESK_LEASE_SECONDS = envint("SMMDESK_LEASE_SECONDS", 300)
SMMDESK_HEARTBEAT_SECONDS = envfloat("SMMDESK_HEARTBEAT_SECONDS", 5.0)
SMMDESK_WORKER_DEAD_AFTER = envfloat("SMMDESK_WORKER_DEAD_AFTER", 30.0)
SMMDESK_HTTP_TIMEOUT = envfloat("SMMDESK_HTTP_TIMEOUT", 60.0)
SMMDESK_OVERDUE_GRACE = envint("SMMDESK_OVERDUE_GRACE", 60)
SMMDESK_INBOX_POLL_SECONDS = envfloat("SMMDESK_INBOX_POLL_SECONDS", 60.0)

# Notifications go by e-mail only when a mail server is configured.
SMMDESK_EMAIL_ENABLED = bool(env("SMMDESK_EMAIL_HOST"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env("SMMDESK_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("SMMDESK_EMAIL_HOST") or "localhost"
EMAIL_PORT = envint("SMMDESK_EMAIL_PORT", 587)
EMAIL_HOST_USER = env("SMMDESK_EMAIL_USER") or ""
EMAIL_HOST_PASSWORD = env("SMMDESK_EMAIL_PASSWORD") or ""
EMAIL_USE_TLS = envbool("SMMDESK_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env("SMMDESK_EMAIL_FROM") or "smmdesk@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("SMMDESK_LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}


# Text understanding: "fast" (character/word n-grams) or "accurate" (+ e5 embeddings).
SMMDESK_NLP_MODEL = env("SMMDESK_NLP_MODEL") or "fast"
