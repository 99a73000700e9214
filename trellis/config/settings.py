"""Django settings for Trellis, read from the environment (see the README's Configuration)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from trellis.config.env import env_bool, env_int, env_list, env_networks, env_str, secret, trellis_home

BASE_DIR = Path(__file__).resolve().parent.parent
TRELLIS_HOME = trellis_home()
TRELLIS_DATA_DIR = TRELLIS_HOME / "data"
TRELLIS_DATA_DIR.mkdir(parents=True, exist_ok=True)
TRELLIS_MIN_N = env_int("TRELLIS_MIN_N", 10, minimum=1)
TRELLIS_PSEUDONYM_KEY = secret("pseudonym_key", "TRELLIS_PSEUDONYM_KEY", TRELLIS_HOME)
#: Signs the Open Badges credentials Trellis issues (trellis.recognition); kept like the pseudonym key.
TRELLIS_BADGE_KEY = secret("badge_key", "TRELLIS_BADGE_KEY", TRELLIS_HOME)
#: Where the public reaches this Trellis: credentials name their issuer and themselves by it.
TRELLIS_PUBLIC_URL = env_str("TRELLIS_PUBLIC_URL", "http://localhost:8000").rstrip("/")

SECRET_KEY = secret("secret_key", "TRELLIS_SECRET_KEY", TRELLIS_HOME)
DEBUG = env_bool("TRELLIS_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env_str("TRELLIS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "trellis.core",
    "trellis.orgs",
    "trellis.accounts",
    "trellis.learning",
    "trellis.tools",
    "trellis.audits",
    "trellis.roadmap",
    "trellis.commons",
    "trellis.vision",
    "trellis.insights",
    "trellis.api",
    "trellis.recognition",
]

MIDDLEWARE = [
    "trellis.core.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "trellis.config.urls"
WSGI_APPLICATION = "trellis.config.wsgi.application"

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
                "trellis.core.context_processors.trellis",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{TRELLIS_HOME / 'trellis.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,  # a kept connection the database dropped is replaced, not failed on
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the background import write while people keep reading pages.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too, as a real Trellis does: an in-memory database shared between the live
    # server's threads and the job worker's locks whole tables without waiting for the timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(TRELLIS_HOME / "test-trellis.sqlite3")}

# Shared by every gunicorn worker and the job worker: a folder in TRELLIS_HOME. It holds the staff
# and role counts of organizations' pages until a write changes them (trellis.orgs.figures).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(TRELLIS_HOME / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
TRELLIS_FIGURES_CACHE_SECONDS = env_int("TRELLIS_FIGURES_CACHE_SECONDS", 3600, minimum=0)
# Pages rendered for one viewer scope are kept this long at most (and only until the next write to
# the database: trellis.core.pages); 0 renders every request.
TRELLIS_PAGE_CACHE_SECONDS = env_int("TRELLIS_PAGE_CACHE_SECONDS", 300, minimum=0)
# A signed-in request reads its session from the shared cache, and the database only on a miss.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTHENTICATION_BACKENDS = ["trellis.core.backends.AccountBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 4 * 3600

# Sign-in through the district's OpenID Connect provider; off unless an issuer and client are set.
TRELLIS_OIDC_ISSUER = env_str("TRELLIS_OIDC_ISSUER", "")
TRELLIS_OIDC_CLIENT_ID = env_str("TRELLIS_OIDC_CLIENT_ID", "")
TRELLIS_OIDC_CLIENT_SECRET = env_str("TRELLIS_OIDC_CLIENT_SECRET", "")
TRELLIS_OIDC_NAME = env_str("TRELLIS_OIDC_NAME", "your district")
TRELLIS_OIDC_SCOPES = env_str("TRELLIS_OIDC_SCOPES", "openid email profile")

# Email (password reset links): printed to the console unless an SMTP server is given.
EMAIL_HOST = env_str("TRELLIS_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("TRELLIS_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("TRELLIS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("TRELLIS_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("TRELLIS_EMAIL_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("TRELLIS_EMAIL_FROM", "trellis@localhost")
EMAIL_TIMEOUT = 20

TRELLIS_LOGIN_ATTEMPTS = env_int("TRELLIS_LOGIN_ATTEMPTS", 5, minimum=1)
TRELLIS_LOGIN_WINDOW_SECONDS = env_int("TRELLIS_LOGIN_WINDOW_SECONDS", 900, minimum=1)
TRELLIS_LOGIN_ADDRESS_ACCOUNTS = env_int("TRELLIS_LOGIN_ADDRESS_ACCOUNTS", 20, minimum=1)
TRELLIS_LOGIN_MAX_DELAY_SECONDS = env_int("TRELLIS_LOGIN_MAX_DELAY_SECONDS", 300, minimum=1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("TRELLIS_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Forwarded headers are believed only from these addresses (see trellis.core.proxy).
TRELLIS_TRUSTED_PROXIES = env_networks("TRELLIS_TRUSTED_PROXY")
if TRELLIS_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("TRELLIS_CSRF_TRUSTED_ORIGINS", "")
if env_bool("TRELLIS_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    # HSTS covers the host Trellis runs on and the hosts below it, never the agency's parent
    # domain. "preload" only allows the host to be submitted to the browsers' preload list.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Only Trellis' own (vendored) files may run or style a page: no inline script or style, no
# other site, no framing. USWDS draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# "worker": jobs are stored in the database and `trellis worker` runs them (django-tasks' database
# backend). "inline": a job runs in the caller when its transaction commits (the test suite).
TRELLIS_JOB_RUNNER = env_str("TRELLIS_JOB_RUNNER", "worker")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "en"  # the default language has no URL prefix, so it must match LANGUAGES exactly
TIME_ZONE = env_str("TRELLIS_TIME_ZONE", "America/Chicago")
USE_I18N = True
# Public pages are in English at /public/ and in Spanish at /es/public/; staff pages are English.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TRELLIS_AGREEMENT_MAX_BYTES = env_int("TRELLIS_AGREEMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
TRELLIS_AUDIT_UPLOAD_MAX_BYTES = env_int("TRELLIS_AUDIT_UPLOAD_MAX_BYTES", 2 * 1024**3, minimum=1024)
# An upload waiting for a person's confirmation (a roster import that takes people away) is
# dropped, with its file, when nobody answers within this many hours.
TRELLIS_CONFIRM_WAIT_HOURS = env_int("TRELLIS_CONFIRM_WAIT_HOURS", 72, minimum=1)
TRELLIS_PUBLIC_POSTS_PER_HOUR = env_int("TRELLIS_PUBLIC_POSTS_PER_HOUR", 5, minimum=1)
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = TRELLIS_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from the app folders until collectstatic fills it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
#: The largest roster upload the browser import takes, in MB; larger ones are refused while they
#: arrive (a whole state's roster is imported on the command line).
TRELLIS_ROSTER_UPLOAD_MB = env_int("TRELLIS_ROSTER_UPLOAD_MB", 512, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TRELLIS_LOG_LEVEL", "WARNING")},
}
