"""Settings for the rule-of-law ledger, read from the environment.

Development mode: ``DJANGO_DEBUG=1`` (``make run`` and the tests set it). Without it the
app runs in production mode, which needs ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``
and passes ``manage.py check --deploy`` silently. Every variable is listed in the README.
"""

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name, "").strip()
    try:
        number = int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
# Kept apart from DEBUG, which the test runner forces off: guards like load_demo's ask this.
PRODUCTION = not DEBUG

# Production mode without DJANGO_SECRET_KEY: left empty here, refused by the application
# servers and by check --deploy (config/checks.py); commands that sign nothing still run.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Development only: a fixed key so that sessions survive restarts of `make run`.
    SECRET_KEY = "dev-insecure-key-only-for-DJANGO_DEBUG-1-never-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "django_bootstrap5",
    "config.apps.AxesConfig",  # django-axes, named in Chinese in the admin
    "tracker",
    "reports",
    # The RQ queue (`manage.py rqworker default`); used only with REDIS_URL (jobs/runner.py).
    # Before jobs, whose admin.py takes its queue page out of the admin.
    "django_rq",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Everything below answers with ledger data: no-store (static files were answered above).
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the body (CSRF's check, the forms): refuses by Content-Length.
    "config.middleware.RequestSizeLimitMiddleware",
    # A memo per request: the ledger's version (tracker.ledger_cache) is read once per page.
    "utilities.cache.RequestMemoMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A race a view did not answer (a unique constraint's IntegrityError): 409, not 500.
    "config.middleware.ConflictMiddleware",
    # A POST-only address opened as a link: the site's 405 page instead of an empty answer.
    "config.middleware.MethodNotAllowedPageMiddleware",
    "config.middleware.IdleTimeoutMiddleware",
    "config.middleware.RefusalLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login protection (django-axes): five failed logins for one user name from one address lock
# that pair out for 15 minutes. Username and address together, never the address alone: a
# whole county office reaches the server through one NAT address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Keep every failed login (who, when, from where) for the admin, not only the lockout counter.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Which address is the client's (django-ipware, as django-axes asks it; the access logs ask
# the same, through axes.helpers.get_client_ip_address). DJANGO_AXES_PROXY_COUNT is the number
# of proxies in front of the app (nginx = 1; the county gateway and nginx = 2). Each proxy
# APPENDS the address it was reached from to X-Forwarded-For, so the client's real address is
# the Nth entry from the right, whatever a client wrote on the left of it; anything else in
# the header is the client's own say-so. ipware counts the proxies listed in the header (the
# nearest one is REMOTE_ADDR, not listed), hence N - 1, taken from the right end and not
# required to be the whole header (IPWARE_STRICT off: with it on, a client who prepends one
# fake address makes the whole header "invalid" and its real address is lost). A request
# without a usable header is counted as unknown (None), never as the proxy's address that
# every client shares. With no proxy, only REMOTE_ADDR counts: an X-Forwarded-For sent
# straight to the app is ignored, or an attacker would write a new one on every guess and
# never be locked.
PROXY_COUNT = env_int("DJANGO_AXES_PROXY_COUNT", 0, minimum=0)
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
AXES_IPWARE_PROXY_ORDER = "left-most"
IPWARE_STRICT = False

ROOT_URLCONF = "config.urls"
# A form refused by the CSRF check gets the site's page (Django's own draws no menu).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

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
                "tracker.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
# Form fields drawn by django-bootstrap5 ({% bootstrap_field %}): labels above the fields, as
# written, with no placeholder repeating them; only fields in error are marked. Bootstrap
# itself comes from XStatic (base.html).
BOOTSTRAP5 = {
    "set_placeholder": False,
    "field_renderers": {"default": "utilities.forms.ErrorsOnlyFieldRenderer"},
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; the timeout makes writers wait, not fail.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_PG_SERVER_SIDE_BINDING", True
):
    # Parameters bound by the server, so that one page's queries have the same text whatever
    # the ids, and prepared statements: psycopg prepares a query from its fifth run on a
    # connection, and PostgreSQL then skips planning it (planning was most of the item page's
    # database time: 1.4 ms to plan its main query, 0.15 ms to run it). Django turns
    # preparing off unless prepare_threshold is given. Both stay off behind a pooler in
    # transaction mode (pgbouncer), with DJANGO_PG_SERVER_SIDE_BINDING=0.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

# A read replica (DATABASE_REPLICA_URL, e.g. a PostgreSQL streaming standby): the dashboard,
# the scoreboard, the year page and the year's exports read from it (config/routers.py);
# every write and every other page stays on default. Unset: one database, nothing changes.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
LEDGER_READ_REPLICA = bool(DATABASE_REPLICA_URL)
if LEDGER_READ_REPLICA:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    same_engine = DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {})) if same_engine else {}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer is given up on quickly; its pages then read from
        # default (utilities/replica.py).
        DATABASES["replica"]["OPTIONS"]["connect_timeout"] = 3
    # Tests run against the primary's test database: the replica alias mirrors it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache of the figures counted over many rows (tracker/ledger_cache.py) and of the choice
# lists. By default each worker process keeps its own in memory, and counts a figure again
# once per change; with REDIS_URL (redis://host:6379/0) every worker shares one, and a figure
# is counted once. Redis out of reach is no outage: pages count their figures afresh, and the
# error is logged.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ledger",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Sessions read from the shared cache, written through to the database (cached_db, not
    # cache alone): every app server reads a login from Redis without a query, and Redis
    # restarted, evicting keys or out of reach (errors are ignored above) logs nobody out;
    # the session is read from the database instead. Without REDIS_URL sessions stay in the
    # database (Django's default), which every app server shares too.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ledger"}}

# Long work (jobs/runner.py: a large year's export, send_notifications --queue). With
# REDIS_URL it goes to the RQ queue "default", run by `python manage.py rqworker default` on
# any host; without it, it runs at once in the process that asked (make run needs nothing).
LEDGER_JOBS_QUEUED = bool(REDIS_URL)
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}}
RQ = {"COMMIT_MODE": "auto"}  # jobs/runner.py enqueues after the commit itself
# A job running longer than this (seconds) is stopped by the worker and fails.
LEDGER_JOB_TIMEOUT = env_int("LEDGER_JOB_TIMEOUT", 3600, minimum=60)
# The year page offers its exports as jobs (a progress page, then the file) past this many
# items; the plain download stays for every year.
LEDGER_EXPORT_JOB_ROWS = env_int("LEDGER_EXPORT_JOB_ROWS", 5000, minimum=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's, with a message its Chinese catalogue has (config/passwords.py).
    {"NAME": "config.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Ours (config/passwords.py): no user name or name inside, not only spaces, six different
    # characters at least, no long run of the alphabet, the digits or a keyboard row.
    {"NAME": "config.passwords.NotPersonalValidator"},
    {"NAME": "config.passwords.NotOnlyWhitespaceValidator"},
    {"NAME": "config.passwords.DistinctCharactersValidator", "OPTIONS": {"min_distinct": 6}},
    {"NAME": "config.passwords.NoSequenceValidator", "OPTIONS": {"max_run": 4}},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic_bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# S3-compatible object storage (MinIO, Ceph, a cloud's S3) for the files the app writes:
# evidence, the task lists waiting to be confirmed, the jobs' results. With S3_BUCKET set every
# app server reads and writes the same files; without it they live in MEDIA_ROOT. Either way
# they are served only through the views that check permission (utilities/storage_files.py):
# streamed through the app, or with S3_PRESIGNED=1 by a redirect to an address S3 signs for
# S3_PRESIGNED_SECONDS (the browser must then reach S3_ENDPOINT_URL itself).
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "").strip()
S3_PRESIGNED = env_bool("S3_PRESIGNED")
S3_PRESIGNED_SECONDS = env_int("S3_PRESIGNED_SECONDS", 60, minimum=1)
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": os.environ.get("S3_REGION", "").strip() or "us-east-1",
            "signature_version": "s3v4",
            # MinIO and most S3-compatible servers of an intranet: bucket in the path.
            "addressing_style": "path" if S3_ENDPOINT_URL else None,
            # Never overwrite a file (evidence names are random; a clash gets another name).
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": S3_PRESIGNED_SECONDS,
        },
    }
# Evidence files live here (without S3_BUCKET) and are served only through a view that
# checks permission.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# No URL pattern serves this path: files go out only through the evidence view. (Django's
# test live server needs a value here.)
MEDIA_URL = "/_private-media/"

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ledger@localhost")
# SMTP, when DJANGO_EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
# Traffic lights (tracker/lights.py): an open item turns yellow this many days before its
# deadline (today included), red once the deadline is past.
LEDGER_LIGHT_YELLOW_DAYS = env_int("DJANGO_LIGHT_YELLOW_DAYS", 7, minimum=0)
# Escalation (tracker/escalation.py): an open item overdue by more than this many days is
# escalated to its lead unit's head, and by more than the second to its area's leaders
# (never before the first: a second smaller than the first fires with it).
LEDGER_ESCALATE_HEAD_DAYS = env_int("LEDGER_ESCALATE_HEAD_DAYS", 7, minimum=0)
LEDGER_ESCALATE_LEADER_DAYS = env_int("LEDGER_ESCALATE_LEADER_DAYS", 30, minimum=0)
# The message centre's due-soon and overdue messages (tracker/reminders.py): a person hears of
# an item's deadline once, then again every this many days while it stays due or overdue.
LEDGER_MESSAGE_REPEAT_DAYS = env_int("LEDGER_MESSAGE_REPEAT_DAYS", 7, minimum=1)
# The address people open the ledger at, for links in reminder mails.
LEDGER_BASE_URL = os.environ.get("DJANGO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# One more chat group to push the ledger's events to, besides those set in the admin
# (tracker.pushes): a robot's address, its format (wecom, dingtalk or json) and its secret.
LEDGER_WEBHOOK_URL = os.environ.get("LEDGER_WEBHOOK_URL", "").strip()
LEDGER_WEBHOOK_KIND = os.environ.get("LEDGER_WEBHOOK_KIND", "wecom").strip().lower()
LEDGER_WEBHOOK_SECRET = os.environ.get("LEDGER_WEBHOOK_SECRET", "")
# The name of the government an installation of one government serves (新乡县人民政府): the
# government the upgrade to governments as a tree puts every existing unit and report in, and
# the one a fresh installation starts with. Unset: the newest report's issuer, else 本级政府.
LEDGER_GOVERNMENT_NAME = os.environ.get("LEDGER_GOVERNMENT_NAME", "").strip()

# Security. Production defaults are strict; an intranet behind a TLS proxy sets
# DJANGO_SECURE_PROXY_SSL_HEADER=1 so that Django knows the request came in over HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute: a login lasts at most 12 hours
SESSION_IDLE_SECONDS = 2 * 60 * 60  # idle: two hours without a request log the user out
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Development serves static files straight from the finders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Evidence uploads: each file at most this size (bytes).
EVIDENCE_MAX_BYTES = int(os.environ.get("DJANGO_EVIDENCE_MAX_MB", "20")) * 1024 * 1024
# Form fields (not files) of one request: a pasted report of up to 2 MB must fit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Fields of one request: the 任务分解表 preview sends two to four per row (lead unit, deadline,
# and the "ongoing" and "do not import" boxes when ticked) for up to 5,000 rows.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 25_000
# A whole request body, refused by its Content-Length before it is read (413): a logged-in
# person's (several evidence files at once: five of 20 MB by default), and anyone else's
# (the login form needs a few hundred bytes). nginx's client_max_body_size says the same.
MAX_REQUEST_BYTES = env_int("DJANGO_MAX_REQUEST_MB", 100, minimum=1) * 1024 * 1024
ANONYMOUS_MAX_REQUEST_BYTES = 64 * 1024
# Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) are spooled here while a request lasts,
# and removed when it ends, whatever the outcome; a worker killed mid-request leaves its file
# behind, which `manage.py sweep_orphans` removes.
FILE_UPLOAD_TEMP_DIR = VAR_DIR / "tmp" / "uploads"
# A spool folder that cannot be written (a full disk) is told to the view, which keeps the
# form, instead of failing the request before the view runs (utilities/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "utilities.uploads.SpoolingUploadHandler",
]
with contextlib.suppress(OSError):  # a read-only installation running `manage.py check`
    FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)

# item_figures_idx covers its columns with INCLUDE, which PostgreSQL uses (index-only counts
# for the dashboard and scoreboard); SQLite builds the same index without them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
