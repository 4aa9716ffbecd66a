"""Settings of the bare app: Jisheng's database, secret and session settings, Django's stock middleware
for a session and CSRF, one app and one template; nothing else."""

from jisheng.settings import (  # noqa: F401  (the same database and session settings as Jisheng)
    ALLOWED_HOSTS,
    DATA_DIR,
    DATABASES,
    DEFAULT_AUTO_FIELD,
    SECRET_KEY,
    SESSION_COOKIE_AGE,
    SESSION_COOKIE_HTTPONLY,
    SESSION_COOKIE_SAMESITE,
    TIME_ZONE,
)

DEBUG = False
INSTALLED_APPS = ["django.contrib.sessions", "jisheng.core.loadbench.bare"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "jisheng.core.loadbench.bare.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
USE_TZ = True
USE_I18N = False
LOGGING_CONFIG = None
