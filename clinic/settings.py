"""Settings for the clinic site. Every value comes from the environment (see README)."""

from __future__ import annotations

from pathlib import Path

from clinic.env import (
    EnvError,
    database_from_env,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url_from_env,
    require_local_hosts,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", None)
if SECRET_KEY is None:
    if not DEBUG:
        raise EnvError("DJANGO_SECRET_KEY", "required when DJANGO_DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",  # two-factor sign-in's devices, verification and throttling (accounts/mfa)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    "clinic",
    "accounts",
    "scheduling",
    "intake",
    "treatment_plans",
    "sessions_log",
    "billing",
    "documents",
    "portals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.csp.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware_db.DatabaseUnavailableMiddleware",  # 503 page when the database is down
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "clinic.middleware_uploads.RequestSizeLimitMiddleware",  # before anything reads the body
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.mfa.middleware.MfaRequiredMiddleware",
    "accounts.session_limits.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "portals.context_processors.navigation",
                "clinic.context_processors.clinic_contact",
            ],
        },
    },
]

DATABASES = {"default": database_from_env("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's minimum length, by role: 12 for staff and physicians, 8 for clients.
    {"NAME": "accounts.validators.RoleMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Refuses a locked username/IP pair on every sign-in path (accounts/throttle.py).
AUTHENTICATION_BACKENDS = ["accounts.throttle.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("CLINIC_PASSWORD_RESET_SECONDS", 3600, minimum=60)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True
# One date format per context, named once (clinic/formats/en/formats.py, clinic/date_formats.py).
FORMAT_MODULE_PATH = ["clinic.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Form fields (not files) may take 2.5 MB of a request; files above 2.5 MB are spooled to a
# temporary file. The whole body is capped by Content-Length in RequestSizeLimitMiddleware.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Private files (referral letters, plan PDFs) live outside any URL and are served only by
# views that re-check access. There is deliberately no MEDIA_URL for them.
PRIVATE_STORAGE_ROOT = Path(env_str("CLINIC_PRIVATE_ROOT", str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "clinic.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console by default, SMTP in production (EMAIL_URL, see clinic/env.py).
_email = email_from_env("EMAIL_URL")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clinic <clinic@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CLINIC_NAME = env_str("CLINIC_NAME", "Riverside Medical Massage")
# The public address, for links in mails sent by workers (no request to read it from).
CLINIC_SITE_URL = env_str("CLINIC_SITE_URL", "")
CLINIC_PHONE = env_str("CLINIC_PHONE", "555-0100")
# Printed on documents a physician keeps (the plan PDF's letterhead).
CLINIC_ADDRESS = env_str("CLINIC_ADDRESS", "12 River Road, Springfield")
CLINIC_EMAIL = env_str("CLINIC_EMAIL", "care@riverside-massage.example")
# Billing's currency (ISO 4217); every amount is a Decimal in it.
CLINIC_CURRENCY = env_str("CLINIC_CURRENCY", "USD")
CLINIC_INVITATION_DAYS = env_int("CLINIC_INVITATION_DAYS", 7, minimum=1)
# Appointment reminders go out this many hours before the start.
CLINIC_REMINDER_HOURS = env_int("CLINIC_REMINDER_HOURS", 24, minimum=1)

# Security. Production values (DJANGO_DEBUG=false) pass `manage.py check --deploy`.
# DJANGO_LOCAL_PLAIN_HTTP=true tries the production shape over http://127.0.0.1 (`make web`):
# cookies without Secure, no redirect to https, no HSTS. Refused at start-up unless every
# allowed host names this machine, so a real deployment can never run with it.
LOCAL_PLAIN_HTTP = env_bool("DJANGO_LOCAL_PLAIN_HTTP", False)
if LOCAL_PLAIN_HTTP:
    require_local_hosts("DJANGO_LOCAL_PLAIN_HTTP", "DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS)
https_only = not DEBUG and not LOCAL_PLAIN_HTTP
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = https_only
CSRF_COOKIE_SECURE = https_only
# Absolute session lifetime from sign-in, and the idle limit (accounts/session_limits.py).
SESSION_COOKIE_AGE = env_int("CLINIC_SESSION_SECONDS", 12 * 3600, minimum=60)
CLINIC_SESSION_IDLE_SECONDS = env_int("CLINIC_SESSION_IDLE_SECONDS", 1800, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sign-in throttling: failures per username+IP, failures per IP, lockout = counting window.
CLINIC_LOGIN_MAX_FAILURES = env_int("CLINIC_LOGIN_MAX_FAILURES", 5, minimum=1)
CLINIC_LOGIN_IP_MAX_FAILURES = env_int("CLINIC_LOGIN_IP_MAX_FAILURES", 50, minimum=1)
CLINIC_LOGIN_LOCKOUT_SECONDS = env_int("CLINIC_LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Our pages (and Django's admin) have no inline script or style: only our own files.
CLINIC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
CLINIC_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", https_only)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if https_only else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = https_only
SECURE_HSTS_PRELOAD = https_only
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
# How many reverse proxies append to X-Forwarded-For; 0 trusts only REMOTE_ADDR (audit IPs).
CLINIC_TRUSTED_PROXY_COUNT = env_int("CLINIC_TRUSTED_PROXY_COUNT", 0)
# Two-factor sign-in for staff and physicians (accounts/mfa). Off by default only in debug, so
# `make run` demo accounts sign in with a password alone.
CLINIC_REQUIRE_MFA = env_bool("CLINIC_REQUIRE_MFA", not DEBUG)
# django-otp: codes one step either side of the server's clock, always (no drift learnt from
# a phone); recovery codes count towards the authenticator's lock (accounts/mfa/models.py), not
# a throttle of their own.
OTP_TOTP_SYNC = False
OTP_STATIC_THROTTLE_FACTOR = 0

# Celery (clinic/celery.py reads the CELERY_ namespace). Without REDIS_URL tasks run in-process.
REDIS_URL = redis_url_from_env("REDIS_URL")
# Nothing the clinic must keep lives in a cache: sessions, sign-in throttling counts and
# everything owed are rows in the database, so a Redis outage costs no request an error.
# Per-process memory serves whatever Django itself caches.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 100
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Above the hard time limit, so a slow task is not redelivered while it still runs. Short
# socket timeouts: a web request that wakes a worker while Redis is unreachable gives up in
# about a second (the row it wrote is what counts, clinic/wakeups.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "clinic.tasks.deliver_mail": {"queue": "email"},
    "clinic.tasks.sweep_outbox": {"queue": "email"},
    "scheduling.tasks.send_due_reminders": {"queue": "email"},
    "scheduling.tasks.send_due_intake_reminders": {"queue": "email"},
    "documents.tasks.*": {"queue": "pdf"},
}
# The sweeps are how owed work survives a lost message, a broker outage or a killed worker:
# the tables (the outbox, the plan PDFs), not the queues, record what is owed.
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-outbox": {"task": "clinic.tasks.sweep_outbox", "schedule": 30.0},
    "send-due-reminders": {"task": "scheduling.tasks.send_due_reminders", "schedule": 300.0},
    "expire-waitlist-offers": {"task": "scheduling.tasks.expire_offers", "schedule": 300.0},
    "send-due-intake-reminders": {
        "task": "scheduling.tasks.send_due_intake_reminders",
        "schedule": 300.0,
    },
    "sweep-plan-pdfs": {"task": "documents.tasks.sweep_plan_pdfs", "schedule": 15.0},
    "sweep-billing-documents": {
        "task": "documents.tasks.sweep_billing_documents",
        "schedule": 15.0,
    },
    "sweep-record-exports": {
        "task": "documents.tasks.sweep_record_exports",
        "schedule": 15.0,
    },
    "purge-login-throttle": {"task": "accounts.tasks.purge_login_throttle", "schedule": 3600.0},
    "purge-form-submissions": {"task": "clinic.tasks.purge_form_submissions", "schedule": 86400.0},
}
CELERY_TIMEZONE = TIME_ZONE
# A worker waits for the broker as long as an outage lasts (the default gives up after 100
# tries and the worker exits), and beat resumes the sweeps when it is back.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint's warnings must be emitted: a render with any is failed, not "ready".
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}},
}
