"""The one settings module. Everything a deployment changes comes from SMMDESK_* variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from smmdesk.lib.env import (
    SECURITY_VARIABLES,
    data_dir,
    env,
    envbool,
    envfloat,
    envint,
    kept_secret,
    private_dir,
    user_data_dir,
    web_security,
)

BASE_DIR = Path(__file__).resolve().parent
# Never inside the source tree: keys and databases there get committed and packaged.
DATA_DIR = private_dir(data_dir(env("SMMDESK_DATA_DIR"), package_dir=BASE_DIR,
                                cwd=Path.cwd(), user_dir=user_data_dir()))
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
# SITE_URL, ALLOWED_HOSTS (its host + loopback), CSRF_TRUSTED_ORIGINS, Secure cookies and
# HSTS on https, proxy headers only with SMMDESK_TRUSTED_PROXY: see lib/env.web_security.
# Absolute links are built from SITE_URL, never from the request's Host header.
_web = web_security({name: env(name) for name in SECURITY_VARIABLES})
SITE_URL = _web["SITE_URL"]
ALLOWED_HOSTS = _web["ALLOWED_HOSTS"]
CSRF_TRUSTED_ORIGINS = _web["CSRF_TRUSTED_ORIGINS"]
SESSION_COOKIE_SECURE = _web["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _web["CSRF_COOKIE_SECURE"]
SECURE_HSTS_SECONDS = _web["SECURE_HSTS_SECONDS"]
SECURE_PROXY_SSL_HEADER = _web["SECURE_PROXY_SSL_HEADER"]
SECURE_CONTENT_TYPE_NOSNIFF = _web["SECURE_CONTENT_TYPE_NOSNIFF"]
SECURE_REFERRER_POLICY = _web["SECURE_REFERRER_POLICY"]
SMMDESK_TRUSTED_PROXIES = _web["SMMDESK_TRUSTED_PROXIES"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "csp",
    "ninja",  # serves the API docs' Swagger UI from static files, not from a CDN
    "smmdesk.core",
    "smmdesk.accounts",
    "smmdesk.channels",
    "smmdesk.content",
    "smmdesk.publishing",
    "smmdesk.sandbox",
    "smmdesk.team",
    "smmdesk.nlp",
    "smmdesk.inbox",
    "smmdesk.analytics",
    "smmdesk.listening",
    "smmdesk.competitors",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # NUL and lone surrogates refused for every view; web 4xx errors shown, not 500.
    "smmdesk.lib.badinput.BadInputMiddleware",
    # Last, so that it sees the lockout that the authentication backend flags.
    "axes.middleware.AxesMiddleware",
]

# Axes refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
FORMAT_MODULE_PATH = "smmdesk.formats"  # be has none in Django; 24-hour times everywhere
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

# No inline script or style anywhere: scripts and data attributes live in static files,
# so an injected <script> or on*= handler does not run. Views that need more (the API
# docs, the OAuth form) widen only their own response with csp_update.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    },
}

# Login throttling (django-axes) for the login form, API tokens and client approval links:
# AXES_FAILURE_LIMIT failures for one account from one address, or
# SMMDESK_LOGIN_ADDRESS_LIMIT failures from one address over all accounts, within the
# cool-off refuse even the right password until the cool-off has passed.
AXES_HANDLER = "smmdesk.core.throttle.ThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = envint("SMMDESK_LOGIN_ACCOUNT_LIMIT", 5)
SMMDESK_LOGIN_ADDRESS_LIMIT = envint("SMMDESK_LOGIN_ADDRESS_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SMMDESK_LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout do not extend it, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "smmdesk.core.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "smmdesk.core.throttle.client_ip"
AXES_USERNAME_CALLABLE = "smmdesk.core.throttle.client_username"
AXES_DISABLE_ACCESS_LOG = True  # nothing reads it, and it would grow with every login
AXES_ENABLE_ADMIN = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads are readable by the service user only, like the database and the keys.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SMMDESK_MAX_IMAGE_MB = envint("SMMDESK_MAX_IMAGE_MB", 20)
SMMDESK_MAX_VIDEO_MB = envint("SMMDESK_MAX_VIDEO_MB", 1024)
# PDF documents (LinkedIn document posts take up to 100 MB).
SMMDESK_MAX_DOCUMENT_MB = envint("SMMDESK_MAX_DOCUMENT_MB", 100)
# Larger images are refused before they are decoded (a small PNG can claim 80 megapixels).
SMMDESK_MAX_IMAGE_PIXELS = envint("SMMDESK_MAX_IMAGE_PIXELS", 40_000_000)

# Publishing engine.
SMMDESK_EXECUTOR = env("SMMDESK_EXECUTOR") or "local"
SMMDESK_WORKER_THREADS = envint("SMMDESK_WORKER_THREADS", 8)
SMMDESK_POLL_INTERVAL = envfloat("SMMDESK_POLL_INTERVAL", 0.2)
SMMDESK_LEASE_SECONDS = envint("SMMDESK_LEASE_SECONDS", 300)
SMMDESK_HEARTBEAT_SECONDS = envfloat("SMMDESK_HEARTBEAT_SECONDS", 5.0)
SMMDESK_WORKER_DEAD_AFTER = envfloat("SMMDESK_WORKER_DEAD_AFTER", 30.0)
SMMDESK_HTTP_TIMEOUT = envfloat("SMMDESK_HTTP_TIMEOUT", 60.0)
# Development only: write every exchange with a network to this folder as a contract
# fixture, secrets masked (lib/recorder.py).
SMMDESK_RECORD_FIXTURES = env("SMMDESK_RECORD_FIXTURES") or ""
# Development and tests only: let outgoing calls reach plain http and private addresses
# (loopback, the LAN), e.g. a local test server. Off, every address a person or a network
# gives must be public https (lib/netguard.py).
SMMDESK_ALLOW_PRIVATE_NETWORK = envbool("SMMDESK_ALLOW_PRIVATE_NETWORK", False)
SMMDESK_OVERDUE_GRACE = envint("SMMDESK_OVERDUE_GRACE", 60)
SMMDESK_INBOX_POLL_SECONDS = envfloat("SMMDESK_INBOX_POLL_SECONDS", 60.0)

# The Celery executor (SMMDESK_EXECUTOR=celery): `smmdesk worker` claims due work from the
# database and sends each job to the broker, one queue per network; `celery -A
# smmdesk.publishing.celery_app worker` processes run them. See docs/SCALING.md.
SMMDESK_BROKER_URL = env("SMMDESK_BROKER_URL") or ""  # redis://... or amqp://...
SMMDESK_CELERY_QUEUE_PREFIX = env("SMMDESK_CELERY_QUEUE_PREFIX") or "publish"
# At most this many claimed, unfinished jobs per network: a slow network's backlog
# waits in the database (where it can be rescheduled), not in its queue.
SMMDESK_CELERY_QUEUE_DEPTH = envint("SMMDESK_CELERY_QUEUE_DEPTH", 100)
# Jobs of one claim and one network per task (run side by side on the worker's
# SMMDESK_WORKER_THREADS threads): one message and one database read for several posts.
SMMDESK_CELERY_BATCH = envint("SMMDESK_CELERY_BATCH", 8)
# Seconds ahead of its time that a post is claimed and sent to its queue; the Celery
# worker holds it until its minute comes. The broker's hand-over (up to a second or so
# under load) then happens before the due time, not after it. 0 turns it off.
SMMDESK_CELERY_LOOKAHEAD = envfloat("SMMDESK_CELERY_LOOKAHEAD", 1.0)
# How long one worker holds a channel's polling, a batch of webhook deliveries or a rule
# action before another may take it over (a killed worker's work comes back after this).
SMMDESK_INBOX_LEASE_SECONDS = envint("SMMDESK_INBOX_LEASE_SECONDS", 120)
# The shortest wait between two fetches of one listening source (each source has its own,
# longer, polite interval; this floor keeps a misconfigured one from hammering a site).
SMMDESK_LISTENING_MIN_SECONDS = envint("SMMDESK_LISTENING_MIN_SECONDS", 60)
# Analytics: how often each worker looks for due metric readings (analytics/collector.py),
# and how long one worker holds the readings it claimed before another may take them.
SMMDESK_ANALYTICS_INTERVAL_SECONDS = envfloat("SMMDESK_ANALYTICS_INTERVAL_SECONDS", 60.0)
SMMDESK_ANALYTICS_LEASE_SECONDS = envint("SMMDESK_ANALYTICS_LEASE_SECONDS", 300)
# Refused webhook deliveries (bad signatures, probes) are kept this many days, then pruned.
SMMDESK_WEBHOOK_REFUSED_DAYS = envint("SMMDESK_WEBHOOK_REFUSED_DAYS", 14)

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
# Every SMTP call gives up after this many seconds (mail goes from the outbox, retried).
EMAIL_TIMEOUT = envint("SMMDESK_EMAIL_TIMEOUT", 15)

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
        "axes": {"level": "WARNING"},  # failures and lockouts only, not every start
        "weasyprint": {"level": "WARNING"},  # not each step of each PDF
        "fontTools": {"level": "WARNING"},
    },
}


# The language `smmdesk run` and `smmdesk demo` write the demo workspace in (en, ru, uk,
# be); empty: the system locale (LANG), else English. See core/demo.py demo_language.
SMMDESK_LANGUAGE = env("SMMDESK_LANGUAGE") or ""

# Text understanding: "fast" (character/word n-grams) or "accurate" (+ e5 embeddings).
SMMDESK_NLP_MODEL = env("SMMDESK_NLP_MODEL") or "fast"
# How sure the model must be of a label (its calibrated probability, Prediction.confidence)
# before smmdesk acts on it by itself (nlp/actions.py): pin a negative complaint on top,
# alert the team, make a lead, and let a moderation rule act ("hide": rules that hide,
# delete or reply on the network; "rule": the other rules). Below the lowest of these a
# label is shown as "uncertain" and waits for a person. A person's correction is sure.
SMMDESK_NLP_THRESHOLDS = {
    "pin": envfloat("SMMDESK_NLP_THRESHOLD_PIN", 0.85),
    "alert": envfloat("SMMDESK_NLP_THRESHOLD_ALERT", 0.7),
    "lead": envfloat("SMMDESK_NLP_THRESHOLD_LEAD", 0.65),
    "hide": envfloat("SMMDESK_NLP_THRESHOLD_HIDE", 0.85),
    "rule": envfloat("SMMDESK_NLP_THRESHOLD_RULE", 0.7),
}
