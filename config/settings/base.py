"""Settings shared by every environment. Everything configurable comes from
the environment (django-environ); see README "Configuration"."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# django-environ treats an empty DATABASE_URL as set and broken (STACK.md).
for _name in ("DATABASE_URL", "EMAIL_URL", "REDIS_URL", "CACHE_URL"):
    if env.ENVIRON.get(_name, None) == "":
        del env.ENVIRON[_name]

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # unfold first; its contrib apps before the apps they style (STACK.md).
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    # The admin, with GymOS's site (role check, allauth login) as its default.
    "admin_site.admin_config.GymAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "django_q",
    "allauth",
    "allauth.account",
    # The domain.
    "core.common",
    "core.accounts",
    "core.notifications",
    "core.members",
    "core.memberships",
    "core.billing",
    "core.classes",
    "core.attendance",
    "core.inventory",
    "core.leads",
    "core.support",
    "core.staff",
    "core.programs",
    "core.reports",
    # Interfaces.
    "admin_site",
    "portal",
    "jobs",
    "devices",
    "fixtures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (config/security.py).
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.ForcePasswordChangeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.gym",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# Embedded default: a SQLite file under var/ (zero setup). PostgreSQL in
# production and tests: DATABASE_URL=postgres://user:pass@host:5432/name
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gymos.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: WAL + IMMEDIATE avoid
    # "database is locked" between the two processes (STACK.md).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT spent 11 s compiling the report aggregates (bench/, issue 11)
    # for queries that run in milliseconds without it: off for this OLTP workload.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login -----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
# Hours a provisioned temporary password stays valid.
TEMP_PASSWORD_TTL_HOURS = env.int("TEMP_PASSWORD_TTL_HOURS", default=72)

ACCOUNT_ADAPTER = "portal.allauth_adapter.GymAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # staff create accounts with known emails
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# Staff own the login email (accounts service); members cannot add or switch addresses themselves.
ACCOUNT_FORMS = {"add_email": "portal.account_forms.StaffManagedEmailForm"}
# Failed logins are limited per IP and per account (allauth rate limits).
# How many proxies of the gym's own stand in front of GymOS (usually 1: the TLS proxy). The
# client's address is then read that many entries from the right of X-Forwarded-For, for the
# login limits (allauth) and /apply/ alike; 0 (the default) uses the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# --- Locale, time and money ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Dhaka")
USE_I18N = True
USE_TZ = True
CURRENCY = env.str("CURRENCY", default="BDT")
GYM_NAME = env.str("GYM_NAME", default="GymOS Fitness")
GYM_ADDRESS = env.str("GYM_ADDRESS", default="House 1, Road 1, Dhaka")
GYM_PHONE = env.str("GYM_PHONE", default="+8801700000000")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Private files (photos, PDFs, certificates) are never served from a
    # public path; views stream them after an access check.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email --------------------------------------------------------------------
# Default: one .eml file per message under var/mail/ (open it with any mail
# client). EMAIL_URL=smtp+tls://user:pass@host:587 selects SMTP.
if env.str("EMAIL_URL", default=None):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "core.notifications.mail.EmlFileBackend"
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="GymOS <no-reply@gymos.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- Cache -------------------------------------------------------------------------
# Login and /apply/ rate limits and the dashboard's cached charts live in the cache. The
# default (memory) is per process: with several web processes each counts on its own, so
# production with more than one should set CACHE_URL or REDIS_URL (redis://host:6379/1).
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if _CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "gymos",
        }
    }
elif _CACHE_URL:
    raise environ.ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// address, not {_CACHE_URL!r}.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gymos"}}

# --- Background jobs (django-q2) ------------------------------------------------
# The database is the broker by default; REDIS_URL switches to Redis.
Q_CLUSTER = {
    "name": "gymos",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 120,
    "retry": 180,  # must exceed timeout
    "max_attempts": 1,  # our tasks retry themselves with backoff
    "queue_limit": 50,
    "bulk": 10,
    "save_limit": 1000,
    "catch_up": False,
    "label": "Background tasks",
}
if env.str("REDIS_URL", default=None):
    Q_CLUSTER["redis"] = env.str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"
# Outbox: attempts before a message is FAILED for good.
OUTBOX_MAX_ATTEMPTS = 5
# Seconds a worker holds a message while sending; after that (a worker that died
# mid-send) the retry sweep may hand it to another. Longer than EMAIL_TIMEOUT/WHATSAPP_TIMEOUT.
OUTBOX_SEND_LEASE_SECONDS = env.int("OUTBOX_SEND_LEASE_SECONDS", default=300)
# Members inactive longer than this lose their personal data (nightly purge).
RETENTION_INACTIVE_DAYS = env.int("RETENTION_INACTIVE_DAYS", default=183)
# Classes: how many weeks ahead schedules are turned into bookable sessions (nightly job).
CLASS_MATERIALISE_WEEKS = env.int("CLASS_MATERIALISE_WEEKS", default=4)

# --- bKash tokenized checkout (PROTOCOLS.md) -------------------------------------
# Defaults point at the loopback simulator (`manage.py bkash_simulator`), so the
# whole renewal flow works offline; set the sandbox or live values in production.
BKASH_BASE_URL = env.str("BKASH_BASE_URL", default="http://127.0.0.1:8765/v1.2.0-beta")
BKASH_USERNAME = env.str("BKASH_USERNAME", default="gymos-sim")
BKASH_PASSWORD = env.str("BKASH_PASSWORD", default="gymos-sim-password")
BKASH_APP_KEY = env.str("BKASH_APP_KEY", default="gymos-sim-app-key")
BKASH_APP_SECRET = env.str("BKASH_APP_SECRET", default="gymos-sim-app-secret")
BKASH_TIMEOUT = env.float("BKASH_TIMEOUT", default=30.0)
# The SNS topic ARN(s) bKash publishes IPNs from; empty accepts any validly signed topic (development only).
BKASH_IPN_TOPIC_ARNS = env.list("BKASH_IPN_TOPIC_ARNS", default=[])

# --- WhatsApp Cloud API (PROTOCOLS.md) ---------------------------------------------
# An empty WHATSAPP_TOKEN means WhatsApp is off: reminders go by email. `make run`
# points these at the loopback simulator (`manage.py whatsapp_simulator`, port 8789).
WHATSAPP_TOKEN = env.str("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")  # signs the status webhooks
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")  # Meta's webhook subscription check
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v21.0")
WHATSAPP_BASE_URL = env.str("WHATSAPP_BASE_URL", default="https://graph.facebook.com")
WHATSAPP_TIMEOUT = env.float("WHATSAPP_TIMEOUT", default=15.0)
WHATSAPP_LANGUAGE = env.str("WHATSAPP_LANGUAGE", default="en")  # language code of the approved templates
WHATSAPP_WEBHOOK_MAX_BYTES = env.int("WHATSAPP_WEBHOOK_MAX_BYTES", default=256 * 1024)

# --- Door device and check-ins (ZKTeco; PROTOCOLS.md) ----------------------------
# Punches by one person within this many minutes count as one visit.
CHECKIN_DEDUPE_MINUTES = env.int("CHECKIN_DEDUPE_MINUTES", default=5)
# "Who is in now": members let in within this many minutes (devices record entries only).
CHECKIN_PRESENCE_MINUTES = env.int("CHECKIN_PRESENCE_MINUTES", default=120)
# The admin's "Who is in now" panel refreshes itself this often (0: only on reload).
CHECKIN_LIVE_REFRESH_SECONDS = env.int("CHECKIN_LIVE_REFRESH_SECONDS", default=10)
# poll_devices: seconds between rounds, socket timeout per device, and the longest back-off after errors.
DEVICE_POLL_INTERVAL = env.int("DEVICE_POLL_INTERVAL", default=30)
DEVICE_TIMEOUT = env.float("DEVICE_TIMEOUT", default=10.0)
DEVICE_BACKOFF_MAX_SECONDS = env.int("DEVICE_BACKOFF_MAX_SECONDS", default=900)
# A device clock further off than this is set from the server (when the device allows it).
DEVICE_CLOCK_MAX_DRIFT_SECONDS = env.int("DEVICE_CLOCK_MAX_DRIFT_SECONDS", default=120)
# Largest ADMS push body accepted from a device.
ADMS_MAX_BODY_BYTES = env.int("ADMS_MAX_BODY_BYTES", default=2 * 1024 * 1024)

# --- Security defaults (production tightens them) ---------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Set by config.security.SecurityHeadersMiddleware. Checked in Chromium against the
# admin and the portal (tests/security/test_headers.py); each relaxation says why.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # data: for the small icons unfold's and select2's stylesheets embed.
    "img-src": ["'self'", "data:"],
    # 'unsafe-inline': unfold's templates put style="" attributes on elements and
    # htmx injects its indicator <style>; styles cannot run script.
    "style-src": ["'self'", "'unsafe-inline'"],
    # 'unsafe-eval': Alpine.js (unfold's admin) evaluates its x-data/x-on attribute
    # expressions with new Function(); without it the admin's menus, filters and
    # tabs are dead. Inline <script> stays forbidden.
    "script-src": ["'self'", "'unsafe-eval'"],
    "frame-ancestors": ["'none'"],
    # The bKash payer page origins are appended (config.security.bkash_pay_origins).
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# Browser features no GymOS page uses.
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()",
)
# Where "Pay with bKash" may send the browser (CSP form-action); empty: derived from
# BKASH_BASE_URL plus https://*.bkash.com (see config/security.py).
BKASH_PAY_ORIGINS = env.list("BKASH_PAY_ORIGINS", default=[])

# --- Admin (django-unfold) ---------------------------------------------------------
from admin_site.navigation import UNFOLD  # noqa: E402,F401

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every render step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Import and export (django-import-export) ----------------------------------------
# The admin always shows a dry run first; the confirmed import writes all rows or none.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Imports write history rows and one AuditEvent; a LogEntry per imported row adds nothing.
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# Importing needs the model's "add" permission, exporting its "view" permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Most rows one member import takes; bigger files are refused before being read in full.
MEMBER_IMPORT_MAX_ROWS = env.int("MEMBER_IMPORT_MAX_ROWS", default=20000)

# --- Public membership applications (/apply/) ------------------------------------------
# At most LEAD_RATE_LIMIT accepted applications per LEAD_RATE_LIMIT_WINDOW seconds from one
# address (core/common/client_ip.py: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT the address the gym's
# proxy saw). Counted in the default cache.
LEAD_RATE_LIMIT = env.int("LEAD_RATE_LIMIT", default=5)
LEAD_RATE_LIMIT_WINDOW = env.int("LEAD_RATE_LIMIT_WINDOW", default=3600)

# --- Dashboard and reports (core/reports, admin_site/dashboard.py) -------------------------
# Seconds the days before today in the dashboard's charts (a year of payments, a month of
# check-ins) stay cached; today's part and the KPI cards are always live. 0: never cached.
# A write about an earlier day refreshes them at once (core/common/past_figures.py): a safety net.
REPORTS_CHART_CACHE_SECONDS = env.int("REPORTS_CHART_CACHE_SECONDS", default=3600)
