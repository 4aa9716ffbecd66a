"""All of Jisheng's settings, in one file, read from the environment with safe defaults.

JISHENG_DATA_DIR  where the SQLite database, keys and uploads live (default ./data)
DATABASE_URL      a postgres:// URL selects PostgreSQL; otherwise SQLite in WAL mode
DATABASE_REPLICA_URL  a streaming replica of that PostgreSQL for the read-heavy pages (core/replica.py)
JISHENG_DEBUG     "1" turns DEBUG on (never in production)
JISHENG_SECRET_KEY  overrides the key generated into the data directory on first run
JISHENG_ALLOWED_HOSTS  comma-separated; default localhost names
JISHENG_SECURE    "1" when served over HTTPS: secure cookies and HSTS
"""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JISHENG_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
# The data directory holds the database, keys and uploads: no other user of the machine may even list
# it, whatever the modes of files created before this rule. A directory owned by someone else (a
# read-only check run) is left as it is.
with contextlib.suppress(PermissionError):
    DATA_DIR.chmod(0o700)
MEDIA_ROOT = DATA_DIR / "uploads"
KEYS_DIR = DATA_DIR / "keys"


def _secret_key() -> str:
    if key := os.environ.get("JISHENG_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("JISHENG_DEBUG")
# Demo deployments show a banner and, on the second-factor page, the current code of the demo account.
DEMO_MODE = env_bool("JISHENG_DEMO")
ALLOWED_HOSTS = env_list("JISHENG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# The address residents reach Jisheng at: certificate QR codes link there.
PUBLIC_BASE_URL = os.environ.get("JISHENG_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("JISHENG_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

DOMAIN_APPS = [
    "jisheng.areas",
    "jisheng.accounts",
    "jisheng.audit",
    "jisheng.workdays",
    "jisheng.registry",
    "jisheng.messaging",
    "jisheng.hall",
    "jisheng.certificates",
    "jisheng.benefits",
    "jisheng.exchange",
    "jisheng.migrants",
    "jisheng.outreach",
    "jisheng.petitions",
    "jisheng.offline",
    "jisheng.reporting",
    "jisheng.demo",
    "jisheng.core",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    *DOMAIN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jisheng.core.middleware.ContentSecurityPolicyMiddleware",
    "jisheng.core.middleware.ApiErrorsAsJsonMiddleware",
    "jisheng.core.replica.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jisheng.core.language.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, carrying sessions of Django's own backend over to the staff backend that replaced it.
    "jisheng.accounts.middleware.StaffAuthenticationMiddleware",
    # Marks a used session for saving when last written a minute ago or more (the 30-minute idle timeout).
    "jisheng.core.middleware.SessionTouchMiddleware",
    # django-otp's, checking the session's authenticator against the devices read with the user.
    "jisheng.accounts.middleware.StaffOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "jisheng.audit.middleware.AuditContextMiddleware",
    "jisheng.accounts.middleware.AccountPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so it knows the user and runs only the write itself once (a retry gets the first answer).
    "jisheng.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "jisheng.urls"
WSGI_APPLICATION = "jisheng.wsgi.application"

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
                "jisheng.core.navigation.navigation",
            ],
        },
    },
]

# PostgreSQL's JIT compiler is off for Jisheng's connections: it compiles each partition's expressions
# separately, and the province's month report (thirty counties) spent 15-40 s compiling statements that
# run in 1-6 s without it (docs/benchmarks.md, the province). The statements here are short reads and
# aggregates the executor runs well without compiling.
#
# A statement Jisheng prepares (below) is one whose plan does not depend on its values, or one whose
# values are written into it (``core.planner``): it is planned once, generically. Left to choose, the
# server went on planning some of them for their values at every run (a case's notices, a subject's
# messages: their estimated costs with and without the values differ a little), which is the planning
# preparing them was meant to save. Statements nobody prepares are planned for their values, as always.
POSTGRESQL_SESSION_OPTIONS = "-c jit=off -c plan_cache_mode=force_generic_plan"


# Statements are prepared on the server only when the code asks for it (``core.planner``'s
# ``preparing_cursor``: reads whose plan does not depend on their values, such as a row read by its key,
# which then cost PostgreSQL about a fifth of what parsing and planning them each time did). Django
# passes psycopg ``prepare_threshold=None`` unless told otherwise, and None turns preparation off for
# the connection, asked or not. Django's own cursors bind on the client and are never prepared, so
# a threshold no statement reaches leaves every other statement planned with its values, as before.
POSTGRESQL_PREPARE_THRESHOLD = 2**31 - 1


def _with_session_options(options: dict[str, Any]) -> dict[str, Any]:
    """The connection's OPTIONS with Jisheng's session settings after any the URL gave."""
    options["options"] = f"{options.get('options', '')} {POSTGRESQL_SESSION_OPTIONS}".strip()
    options.setdefault("prepare_threshold", POSTGRESQL_PREPARE_THRESHOLD)
    return options


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    _with_session_options(DATABASES["default"].setdefault("OPTIONS", {}))
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend whose writers wait their turn in a queue instead of SQLite's
            # sleeping retries (jisheng/core/sqlite/turn.py).
            "ENGINE": "jisheng.core.sqlite",
            "NAME": str(DATA_DIR / "jisheng.sqlite3"),
            # Each gunicorn thread keeps its connection for ten minutes: opening one and running its
            # PRAGMAs on every request was 7% of the server's time under load.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing half-way with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

# A streaming replica (PostgreSQL's own physical replication) for the read-heavy pages: see
# jisheng/core/replica.py. Writes, and the pages of anyone who wrote in the last REPLICA_STICKY_SECONDS,
# stay on the primary; a replica lagging past REPLICA_MAX_LAG_SECONDS or down is skipped.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    _with_session_options(DATABASES["replica"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["jisheng.core.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("JISHENG_REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_STICKY_SECONDS = int(os.environ.get("JISHENG_REPLICA_STICKY_SECONDS", "30"))
REPLICA_READ_VIEWS = [
    "reporting:dashboard",
    "reporting:download",
    "reporting:summary_pdf",
    "reporting:records",
    "registry:search",
    "registry:export",
    "benefits:report",
    "benefits:enrolments",
    "api:persons",
    "api:report_list",
    "api:indicator",
    "api:submissions",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading each request's user with area, roles and devices in one statement.
    "jisheng.accounts.backends.StaffBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jisheng.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "jisheng.accounts.passwords.CharacterClassValidator"},
    {"NAME": "jisheng.accounts.passwords.NoReuseValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's list of 20,000 common passwords, compared case-insensitively: refuses Password1,
    # Qwerty123 and the like that pass the character-class rule.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_MAX_AGE_DAYS = 90
PASSWORD_HISTORY_SIZE = 5

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle sessions end after 30 minutes. The stored session and its cookie are renewed when a request finds
# them last written a minute or more ago (core.middleware.SessionTouchMiddleware), not on every request:
# an idle session ends 29 to 30 minutes after the last request, never later.
SESSION_COOKIE_AGE = 30 * 60
# Django's database store, its read by key compiled once per process (core.sessions).
SESSION_ENGINE = "jisheng.core.sessions"
SESSION_SAVE_EVERY_REQUEST = False
JISHENG_SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form gets the shell's 403 page in the user's language, not Django's technical page.
CSRF_FAILURE_VIEW = "jisheng.core.views.csrf_failure"
SECURE = env_bool("JISHENG_SECURE")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Lockout: 5 failures for one username within 15 minutes lock it for 15 minutes.
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; see core.clientaddress.
TRUSTED_PROXIES = [
    item.strip() for item in os.environ.get("JISHENG_TRUSTED_PROXIES", "").split(",") if item.strip()
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Keyed on the username AND the address together: five wrong passwords from an attacker's address
# lock that address out of that account, not the real user at their desk. Spraying many usernames
# from one address is slowed by jisheng.accounts.throttle.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "jisheng.core.clientaddress.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "计生服务系统"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "jisheng.core.sealed_files.SealedFileSystemStorage"},  # sealed at rest
    "staticfiles": {"BACKEND": "jisheng.core.storage.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
# Only the public rate limit uses the cache. Files in the data directory are shared by every gunicorn
# worker, so the limit counts a client's requests across workers (a per-process cache would let each
# worker allow the full limit); no cache server is needed.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        # When full, the file cache deletes a random third of its entries at the next write. At
        # Django's default of 300, a county's kept figures and dashboards (221 villages, their
        # townships, months and languages) would be culled at random all day and recomputed; each
        # entry is a small file, and the cache lists its folder only when it writes.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}
# Uploaded files above 1 MB go to a temporary file while received, not into the worker's memory;
# views that take files set their own limits (core.uploads.limit_uploads), and no request may carry
# more than 20 files at all.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JISHENG_LOG_LEVEL", "WARNING")},
}

# Messages to residents: the SMS sender (a dotted path; the default writes DATA_DIR/sms-outbox.jsonl) and
# the gateway's address, token and signature for jisheng.messaging.senders.HttpGatewaySender.
JISHENG_SMS_SENDER = os.environ.get("JISHENG_SMS_SENDER", "jisheng.messaging.senders.FileSender")
JISHENG_SMS_URL = os.environ.get("JISHENG_SMS_URL", "")
JISHENG_SMS_TOKEN = os.environ.get("JISHENG_SMS_TOKEN", "")
JISHENG_SMS_SIGN = os.environ.get("JISHENG_SMS_SIGN", "")

# Lockout is per account (an office shares one NAT address, so locking by IP would lock the office).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# The audit trail is kept at least six months (GB/T 22239-2019 level 3 asks as much); `jisheng audit-purge`
# removes only older events. A shorter retention is a configuration error, refused before anything starts.
JISHENG_AUDIT_RETENTION_DAYS = int(os.environ.get("JISHENG_AUDIT_RETENTION_DAYS", "180"))
if JISHENG_AUDIT_RETENTION_DAYS < 180:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"JISHENG_AUDIT_RETENTION_DAYS={JISHENG_AUDIT_RETENTION_DAYS}: 审计记录至少保存 180 天 "
        "(the audit trail must be kept at least 180 days, as level 3 asks)."
    )

# Background jobs (imports): django-tasks with the queue in the database, run by `jisheng worker`, which
# `jisheng serve` starts. A job whose worker died is run again up to JISHENG_JOB_ATTEMPTS times in all, then
# failed with the reason (jisheng/core/jobs.py). The parser of an upload runs in a child process allowed
# REGISTRY_IMPORT_MEMORY_MB more memory.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JISHENG_JOB_ATTEMPTS = int(os.environ.get("JISHENG_JOB_ATTEMPTS", "2"))
JISHENG_JOB_MAX_SECONDS = int(os.environ.get("JISHENG_JOB_MAX_SECONDS", str(6 * 3600)))
REGISTRY_IMPORT_MEMORY_MB = int(os.environ.get("REGISTRY_IMPORT_MEMORY_MB", "1024"))
# The audit chain's hash: "sm3" (GB/T 32905, the default) or "sha256". A chain begun with SHA-256 stays
# verifiable after the switch to SM3; the switch is one way (jisheng/audit/services.py).
JISHENG_AUDIT_HASH = os.environ.get("JISHENG_AUDIT_HASH", "sm3")
# The certificates' QR signatures: Ed25519 (default) or SM2 (GB/T 32918); switching makes a key of the
# new algorithm current, and certificates signed with the other still verify (certificates/keys.py).
CERTIFICATE_ALGORITHM = os.environ.get("JISHENG_CERTIFICATE_ALGORITHM", "ed25519")
# The exchange's signatures: Ed25519 (default) or SM2 (GB/T 32918, public key text "sm2:…"); a peer's key
# names its algorithm, so peers of either kind verify each other (exchange/signing.py).
EXCHANGE_ALGORITHM = os.environ.get("JISHENG_EXCHANGE_ALGORITHM", "ed25519")
# The dashboards' live figures are recomputed after a change once they are this many seconds old
# (reporting/live.py): the hall's steps change counted tables all day long.
LIVE_FIGURES_REFRESH_SECONDS = float(os.environ.get("JISHENG_LIVE_REFRESH_SECONDS", "15"))
# Where the keys of jisheng.core.crypto come from (a class with secret(name, size)); the default keeps them
# in KEYS_DIR/sm. A certified cryptographic module plugs in here.
JISHENG_KEY_STORE = os.environ.get("JISHENG_KEY_STORE", "jisheng.core.crypto.keys.FileKeyStore")
