"""Settings for the intervention-report application.

One file, driven by environment variables (see README, "Configuration").
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute address printed on the PDF (verify link); the request host is not known when a
# report is signed from a background task or a management command.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "simple_history",
    "clients",
    "interventions",
    "procedures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app servers themselves (README, "Déploiement"): before the session
    # and the rest, a file costs no database query.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # In place of LocaleMiddleware: the user's stored language, else French (never the
    # browser's Accept-Language). README, "Langue".
    "interventions.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who made a change, for django-simple-history's change log (clients, catalogue, rates).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "interventions.context_processors.role",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A connection kept between requests is checked first: one killed while idle
        # (database restart, pg_terminate_backend) is replaced, not a 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query the planner prices high before running it: on the
    # billing export of 87,700 lines, 4.3 s of compilation for a 3.9 s execution (EXPLAIN
    # ANALYZE, bench/README.md). The application's queries are short or streamed: off.
    # random_page_cost 1.1 (default 4, priced for spinning disks): on SSD storage an index
    # lookup is nearly as cheap as a sequential read; measured at 100,000 interventions, the
    # billing month's totals took 127 ms with the default (a parallel scan of all 87,000
    # signed reports) and 90 ms with 1.1 (the month's 5,200 by index) — bench/README.md.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env_str("DB_OPTIONS", "-c jit=off -c random_page_cost=1.1")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Loads the user's language preference with the user (no extra query per request).
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked username + IP before any password is checked.
    "interventions.lockouts.LoginThrottleBackend",
    "interventions.language.PreferenceBackend",
]
# Login throttling (django-axes): README, « Connexion ».
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "interventions.views.site.login_locked_out"
AXES_USERNAME_CALLABLE = "interventions.lockouts.attempted_username"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
CSRF_FAILURE_VIEW = "interventions.views.site.csrf_failure"
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# DEBUG off (`make serve`): `collectstatic` writes each file under a name holding its content
# hash, gzip- and brotli-compressed beside it; WhiteNoise serves them with a one-year cache,
# so a new release never meets an old copy in a tablet's cache. The tests use the plain
# storage (tests/conftest.py) as they run without `collectstatic`.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Imports (README, « Import de données »): the largest file accepted, its rows at most, and
# where an uploaded file waits between the dry run and the confirmation (forgotten after
# IMPORT_KEEP_HOURS).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5_000_000)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_DIR = env_str("IMPORT_DIR")  # empty: MEDIA_ROOT/imports
IMPORT_KEEP_HOURS = env_int("IMPORT_KEEP_HOURS", 24)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The REST API (README, « API REST »): a token per user, or the session for the browsable pages;
# the roles and querysets of the pages (interventions/api/permissions.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "interventions.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "interventions.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interventions API",
    "DESCRIPTION": "REST API of the intervention reports (README, « API REST »).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from static/vendor (no CDN); the page is templates/interventions/api_docs.html.
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "ENUM_NAME_OVERRIDES": {
        "ContractKindEnum": "clients.models.Contract.Kind",
        "EquipmentKindEnum": "clients.models.Equipment.Kind",
    },
}

# Business hours used for response deadlines: opening days (0 = Monday) and hours.
BUSINESS_DAYS = [int(d) for d in env_list("BUSINESS_DAYS", "0,1,2,3,4")]
BUSINESS_HOURS_START = env_str("BUSINESS_HOURS_START", "08:00")
BUSINESS_HOURS_END = env_str("BUSINESS_HOURS_END", "18:00")
# French public holidays are computed (python-holidays); subdivision e.g. "57" for Moselle.
HOLIDAYS_COUNTRY = env_str("HOLIDAYS_COUNTRY", "FR")
HOLIDAYS_SUBDIV = env_str("HOLIDAYS_SUBDIV") or None

# The letterhead printed on every report: configured once, never hard-coded.
COMPANY = {
    "name": env_str("COMPANY_NAME", "InfoDépann Services"),
    "address": env_str("COMPANY_ADDRESS", "12 rue des Artisans, 69003 Lyon"),
    "phone": env_str("COMPANY_PHONE", "04 78 00 00 00"),
    "email": env_str("COMPANY_EMAIL", "contact@infodepann.example"),
    "siret": env_str("COMPANY_SIRET", "123 456 789 00012"),
    "logo": env_str("COMPANY_LOGO", ""),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "config.log.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "fontTools": {"level": "ERROR"},
        "weasyprint": {"level": "ERROR"},
        "django.request": {"filters": ["one_line_refusals"]},
    },
}

# --- Deployment security (issue 15 part C; README, "Configuration") ----------------------------
# Secure by default when DEBUG is off. HTTPS=0 turns every HTTPS-only setting off at once for a
# plain-HTTP intranet; each can also be set on its own.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive alone changes nothing: only a submission to hstspreload.org does.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Behind a reverse proxy that terminates TLS, e.g. HTTP_X_FORWARDED_PROTO: trusted only when set
# (the proxy must overwrite the header a client sends), else SSL redirect loops.
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None
# JavaScript reads neither cookie: the CSRF token comes from the page (hx-headers, form field).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Shared tablets: a login lasts one working day at most and ends when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
# The tablet offline (docs/offline.md): the jobs cached for the next N days, how long an
# idempotency key of a replayed action is kept, how far ahead a tablet's clock may be.
OFFLINE_DAYS = env_int("OFFLINE_DAYS", 7)
OFFLINE_KEY_DAYS = env_int("OFFLINE_KEY_DAYS", 30)
OFFLINE_CLOCK_SKEW_MINUTES = env_int("OFFLINE_CLOCK_SKEW_MINUTES", 5)
# Content-Security-Policy (django-csp 4): only this site's own files, no inline script, handler
# or style (templates carry none: tests/test_csp.py); data: images for Bootstrap's SVG icons and
# the drawn signatures.
# Before django-axes (last): its lockout page gets the header too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "csp.middleware.CSPMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# --- End of deployment security --------------------------------------------------------------

# --- Background jobs and e-mail (issue 17; README, « Tâches en arrière-plan (Celery) » and
# « E-mails ») -----------------------------------------------------------------------------------
# Celery with Redis as the broker. Without CELERY_BROKER_URL the tasks run in-process when the
# transaction commits (task_always_eager): `make run` and `make test` need no Redis.
# Celery touches its broker even for an eager task: an in-memory one then, never the network.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not env_str("CELERY_BROKER_URL"))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
# No result backend: a task's outcome is written by the task itself (OutgoingEmail rows).
CELERY_TASK_IGNORE_RESULT = True
# A message is acknowledged after the task ran: a worker killed mid-send leaves it on the queue
# (the send is idempotent per recipient, so a second run never e-mails twice).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The daily reminder of work done but not signed: 7:30, Paris time (`celery -A config beat`, or
# the `send_unsigned_reminder` command from cron).
CELERY_BEAT_SCHEDULE = {
    "unsigned-reminder": {
        "task": "interventions.tasks.unsigned_reminder_task",
        "schedule": crontab(hour=7, minute=30),
    },
}
# Attempts of an e-mail after the first (SMTP or connection error), waiting EMAIL_RETRY_DELAY
# seconds, then twice as long each time (60 s, 2 min, 4 min, 8 min, 16 min). None by default
# without a broker: an eager retry runs at once, inside the signing request, which would keep
# the tablet waiting EMAIL_TIMEOUT seconds per attempt for a server that does not answer.
EMAIL_RETRY_MAX = env_int("EMAIL_RETRY_MAX", 0 if CELERY_TASK_ALWAYS_EAGER else 5)
EMAIL_RETRY_DELAY = float(env_str("EMAIL_RETRY_DELAY", "60"))
# Work done (awaiting signature) for more than this many days goes into the daily reminder.
UNSIGNED_REMINDER_DAYS = env_int("UNSIGNED_REMINDER_DAYS", 3)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A server that never answers is an error to retry, not a worker stuck forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{COMPANY['name']} <{COMPANY['email']}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Covering indexes (`include=`) are PostgreSQL's (bench/README.md, issue 14); SQLite, the
# `make run` database, builds the same indexes without the included columns, which is all a
# demo needs: its warning models.W040 would only alarm a new user.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
