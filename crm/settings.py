"""Settings of the CRM, read from the environment (twelve-factor, one file).

Everything a deployment changes is an environment variable; see README.md.
`CRM_DATA_DIR` (default `./var`) holds the SQLite database, uploaded files, the job
queue and the generated secret key, so one directory is the whole state of a
workstation install.
"""

import os
import secrets
import tempfile
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

# pytest (8.2+) sets PYTEST_VERSION: tests run jobs at once and keep their files apart.
TESTING = env.bool("CRM_TESTING", default=bool(os.environ.get("PYTEST_VERSION")))
_default_data_dir = (
    tempfile.mkdtemp(prefix="crm-test-") if TESTING else Path.cwd() / "var"
)
DATA_DIR = Path(env.str("CRM_DATA_DIR", default=str(_default_data_dir))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY from the environment or a key generated once per data dir."""
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "axes",
    "crm.core",
    "crm.accounts",
    "crm.customers",
    "crm.activities",
    "crm.sales",
    "crm.imports",
    "crm.duplicates",
    "crm.webhooks",
    "crm.exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.core.context_processors.crm",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# --- database -------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "crm.sqlite3",
            # IMMEDIATE: a writing transaction takes the lock at BEGIN, so two writers
            # wait for each other instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-65536;"
                    "PRAGMA mmap_size=268435456;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background jobs ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers share one Redis: each keeps to its own keys.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", "") if TESTING else "",
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env.str("CRM_QUEUE_NAME", default="crm"),
        "url": REDIS_URL,
        "immediate": TESTING,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "crm",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- sign-in ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AXES_FAILURE_LIMIT = env.int("CRM_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out sign-in may try again in 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("CRM_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- e-mail -----------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587; without it letters are
# written as files under CRM_DATA_DIR/mail so nothing is lost on a workstation.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CRM_BASE_URL = env.str("CRM_BASE_URL", default="http://127.0.0.1:8000")

# --- language and time --------------------------------------------------------------
LANGUAGE_CODE = env.str("CRM_DEFAULT_LANGUAGE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
# Off: with it, every integer in a template is grouped, ids included ("task-row-1,121"
# breaks ids, links and hidden form values). Money and counts group explicitly.
USE_THOUSAND_SEPARATOR = False

# --- files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "files/"
MEDIA_ROOT = DATA_DIR / "files"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
CRM_MAX_ATTACHMENT_SIZE = env.int("CRM_MAX_ATTACHMENT_MB", default=25) * 1024 * 1024

# --- data in and out ---------------------------------------------------------------
# Lists up to this many rows are exported during the request; longer ones by a job.
CRM_EXPORT_SYNC_LIMIT = env.int("CRM_EXPORT_SYNC_LIMIT", default=5000)
CRM_EXPORT_KEEP_DAYS = env.int("CRM_EXPORT_KEEP_DAYS", default=7)
# Failed deliveries in a row after which a webhook is switched off; seconds to answer.
CRM_WEBHOOK_MAX_FAILURES = env.int("CRM_WEBHOOK_MAX_FAILURES", default=10)
CRM_WEBHOOK_TIMEOUT = env.float("CRM_WEBHOOK_TIMEOUT", default=10.0)
# The exchange with 1C: whether 1C may send zip archives, the largest part of a file
# it sends, and what one archive may unpack to (against zip bombs).
CRM_EXCHANGE_ZIP = env.bool("CRM_EXCHANGE_ZIP", default=True)
CRM_EXCHANGE_FILE_LIMIT = env.int("CRM_EXCHANGE_FILE_LIMIT_MB", default=100) * 1024**2
CRM_EXCHANGE_UNZIP_MAX_SIZE = (
    env.int("CRM_EXCHANGE_UNZIP_MAX_MB", default=2048) * 1024**2
)
CRM_EXCHANGE_UNZIP_MAX_FILES = env.int("CRM_EXCHANGE_UNZIP_MAX_FILES", default=50_000)
CRM_PRODUCT_IMAGE_MAX_SIZE = env.int("CRM_PRODUCT_IMAGE_MAX_MB", default=5) * 1024**2

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # With a handler of its own, the worker does not add a second one.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
