"""Settings for every environment; anything that differs comes from the environment.

No environment at all is development: DEBUG on, a SQLite file, a local-memory cache and
console email, so `make run` needs no service. `DJANGO_DEBUG=0` is production. Every
variable is listed in the README's environment table.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.app_settings import DEFAULT_THROTTLE_RATES, parse_rate, policy_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number of seconds")
    return seconds


DEBUG = env_flag("DJANGO_DEBUG", True)

DEVELOPMENT_SECRET_KEY = (
    "django-insecure-development-only-never-use-this-key-in-production"
)
# Internal: set once the warning below is shown, so a second import of these settings,
# runserver's autoreload child and the commands `make run` chains stay quiet.
SECRET_KEY_WARNED = "DJANGO_DEVELOPMENT_KEY_WARNED"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
    if not os.environ.get(SECRET_KEY_WARNED):
        os.environ[SECRET_KEY_WARNED] = "1"
        warnings.warn(
            "DJANGO_SECRET_KEY is not set: using the fixed development key.",
            stacklevel=1,
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Cross-origin single-page apps (django-cors-headers): only the listed origins may call
# the API from a browser, with its cookies; none by default. Such an origin also needs
# to be in DJANGO_CSRF_TRUSTED_ORIGINS for the cookie login and every unsafe request.
CORS_ALLOWED_ORIGINS = env_list("DJANGO_CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = bool(CORS_ALLOWED_ORIGINS)
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "drf_yasg",
    "csp",
    "phonenumber_field",
    "config",
    "accounts",
    "sessions_app",
    "activity",
    "messaging",
    "mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that answers early
    "config.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sessions_app.middleware.LiveSessionMiddleware",
    "sessions_app.middleware.DeviceCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mfa.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' own: DRF's login page without inline styles (strict CSP).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file by default; any dj-database-url URL otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so the login lock holds on SQLite too;
    # the test database is a file so that threads in race tests really run apart.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # One file per test run, so two runs in one checkout never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")
    }

# Bounded waits on PostgreSQL (config/db.py): connecting, and each web request's query
# (the server's statement_timeout; the client gives up 1 s later). Not for commands.
DATABASE_CONNECT_TIMEOUT = env_seconds("DATABASE_CONNECT_TIMEOUT", 3.0)
DATABASE_STATEMENT_TIMEOUT = env_seconds("DATABASE_STATEMENT_TIMEOUT", 5.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = max(
        int(DATABASE_CONNECT_TIMEOUT + 0.999),
        2,  # libpq: whole seconds, at least 2
    )
    # Behind PgBouncer in transaction mode, a cursor cannot outlive its transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_flag(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrMobileBackend"]

# Cache: Redis when REDIS_URL is set (shared by every worker), else local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache with short timeouts and a circuit breaker (config/cache.py).
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "sessionauth"),
            "OPTIONS": {"timeout_seconds": env_seconds("REDIS_TIMEOUT", 0.3)},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "sessions_app.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        ),
        "OPTIONS": {"user_attributes": ["username", "real_name", "email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
if not DEBUG:
    # Whitenoise serves what `collectstatic` gathered (Swagger UI, admin) in production.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }

PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONENUMBER_DEFAULT_REGION", "IN")
PHONENUMBER_DB_FORMAT = "E164"

# Bodies over 64 KiB are refused with 413 before anything reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
MAX_JSON_DEPTH = 100

NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sessions_app.authentication.TokenAuthentication",
        "sessions_app.authentication.CookieSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "sessions_app.permissions.HasLiveSession",
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "config.parsers.Utf8FormParser",
        "config.parsers.Utf8MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SESSION_POLICY = policy_from_env(os.environ)

# Rate limits per scope (config/throttling.py), each overridable as THROTTLE_<SCOPE>.
THROTTLE_RATES = {
    scope: os.environ.get(f"THROTTLE_{scope.upper()}") or rate
    for scope, rate in DEFAULT_THROTTLE_RATES.items()
}
for _scope, _rate in THROTTLE_RATES.items():
    try:
        parse_rate(_rate)
    except ValueError as error:
        raise ImproperlyConfigured(f"THROTTLE_{_scope.upper()}: {error}") from None

SWAGGER_USE_COMPAT_RENDERERS = False  # `format` is "json", not ".json"
SWAGGER_SETTINGS = {
    "DEFAULT_AUTO_SCHEMA_CLASS": "config.schema.ApiAutoSchema",
    "DEFAULT_INFO": "config.schema.API_INFO",
    "SECURITY_DEFINITIONS": {
        "Token": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>` (or `Bearer <token>`) from POST /api/v1/auth/login/."
            ),
        }
    },
    "USE_SESSION_AUTH": True,
    "LOGIN_URL": "/api-auth/login/",
    "LOGOUT_URL": "/api-auth/logout/",
    "PERSIST_AUTH": False,
}

LOGIN_URL = "/api-auth/login/"
LOGIN_REDIRECT_URL = "/api/v1/users/"

# Mail and other slow work leave the request as tasks (django-tasks). Development and
# tests run them at once, in-process; production stores them in the database for
# `manage.py db_worker` (a mail survives a restart and an SMTP outage).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_task_backend = os.environ.get(
    "DJANGO_TASK_BACKEND", "immediate" if DEBUG else "database"
)
if _task_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_TASK_BACKEND={_task_backend!r}: "
        f"must be one of {', '.join(TASK_BACKENDS)}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_task_backend]}}

# Email: SMTP when EMAIL_HOST is set, or the backend DJANGO_EMAIL_BACKEND names. Without
# either, development prints mail on the console and production refuses to start: the
# console would write every reset and verification link into the server's log.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", True)
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "").strip()
if not EMAIL_BACKEND:
    if EMAIL_HOST:
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    elif DEBUG:
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    else:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG=0 needs EMAIL_HOST (SMTP) or DJANGO_EMAIL_BACKEND naming a "
            "mail backend; the console backend would log every reset link."
        )
# The canonical address that links in mails start with, never the request's Host.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL and DEBUG:
    SITE_URL = "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "no-reply@localhost")

# Fernet keys that encrypt TOTP secrets at rest, newest first (MultiFernet: add a new
# key in front, keep the old one until no secret needs it). Required by
# `check --deploy`; without it (development only) the key derives from SECRET_KEY.
MFA_ENCRYPTION_KEY = env_list("MFA_ENCRYPTION_KEY")

# Production hardening: on unless DEBUG; TLS may end at a proxy.
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_COOKIES = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    # "__Host-" cookies are Secure, host-only and path "/": no subdomain can plant them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# An SPA on another site sends the cookies only when they are SameSite=None, which
# browsers accept only with Secure. Same-site apps need nothing: Lax stays the default.
CROSS_SITE_COOKIES = env_flag("DJANGO_CROSS_SITE_COOKIES", False)
if CROSS_SITE_COOKIES:
    if not SECURE_COOKIES:
        raise ImproperlyConfigured(
            "DJANGO_CROSS_SITE_COOKIES=1 needs DJANGO_SECURE_COOKIES=1 (Secure)."
        )
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
if SECURE_SSL_REDIRECT:
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
if NUM_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every answer: everything from this origin
# only, no inline script or style, no plugins, no framing, forms post here only. The
# API docs alone add what Swagger UI and ReDoc need (config/urls.py, DOCS_CSP).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# One handler, on the root logger. Naming "django" here drops the console handler
# Django's default config gives it, which with DEBUG on printed every django.request
# line ("Not Found: ...") a second time on its way up to the root.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"redact_secret_paths": {"()": "config.log_filters.RedactSecretPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secret_paths"],
        }
    },
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}
