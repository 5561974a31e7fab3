"""Django settings, computed from the operator configuration and the modules this process activates."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from workos.kernel.addons import make_importable, scan_addons
from workos.kernel.bootstrap import active_module_names
from workos.running import code_revision
from workos.settings import runtime
from workos.settings.database import default_database
from workos.settings.email import email_settings

CONFIG = runtime.config()
LOAD_MODE = runtime.load_mode()
ADDONS = scan_addons(CONFIG.addons_path)
make_importable(CONFIG.addons_path)
ACTIVE_MODULES = active_module_names(ADDONS, CONFIG.database_url, LOAD_MODE)


def _secret_key() -> str:
    configured = CONFIG.get("server", "secret_key")
    if configured:
        return configured
    # A self-hosted install gets its own key on first start, kept in the data folder, never in the repo.
    key_file = CONFIG.data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = _secret_key()
DEBUG = CONFIG.get("server", "debug")
ALLOWED_HOSTS = CONFIG.get("server", "allowed_hosts")
WORKOS_REQUESTS_IN_FLIGHT = CONFIG.requests_in_flight

KERNEL_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # serves Swagger UI's files itself (/api/v1/docs); without it they would come from a CDN
    "workos.kernel",
    "workos.web",
    "workos.api",
]
INSTALLED_APPS = KERNEL_APPS + ACTIVE_MODULES

MIDDLEWARE = [
    "workos.web.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "workos.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login (of /web/login or /api/v1/auth/token) into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workos.urls"
ASGI_APPLICATION = "workos.asgi.application"

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
                "workos.web.context.shell",
            ],
        },
    },
]

DATABASES = {"default": default_database(CONFIG)}  # conn_max_age and the pool: workos/settings/database.py
if CONFIG.sqlite_path:
    CONFIG.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): every authenticate() call goes through its backend first, so the login page
# and the API's token endpoint share one count. Failures count per account and, separately, per client address
# (behind nginx uvicorn takes the address from X-Forwarded-For of the local proxy). A lockout ends on its own
# `lockout_seconds` after the last counted failure; attempts refused during a lockout are not counted, so an
# attacker cannot keep the only admin locked out by hammering. `workos user unlock` ends one early.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = CONFIG.get("login", "failure_limit")
AXES_COOLOFF_TIME = timedelta(seconds=CONFIG.get("login", "lockout_seconds"))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login would otherwise wipe the failures of its address too: an attacker with an account of
# their own could reset the per-address count at will.
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins are already in the audit trail
AXES_LOCKOUT_CALLABLE = "workos.web.throttle.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"

# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_TIMEOUT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
# EMAIL_USE_SSL, EMAIL_FILE_PATH, DEFAULT_FROM_EMAIL and WORKOS_EMAIL_BASE_URL from [email] (workos/settings/email.py,
# shared with `workos watch`'s alerts, which send mail without starting the site).
globals().update(email_settings(CONFIG))

# Live rooms (Django Channels): one process keeps its rooms in memory; several processes or hosts share them
# through Redis ([realtime] channel_layer).
# A channel over its capacity drops what is sent to it, silently (both layers): a live editor behind a burst (20
# people typing in one page) would miss updates and stall until it reconnects. Channels' default of 100 messages
# per channel was reached by 20 typists on a loaded machine (benchmarks/realtime); 5,000 rides out seconds of
# backlog, and the editors also ask for what they miss every 10 s (y-websocket's resync).
_CHANNEL_CAPACITY = 5000
_CHANNEL_LAYER = CONFIG.get("realtime", "channel_layer")
if _CHANNEL_LAYER == "memory":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": _CHANNEL_CAPACITY}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [_CHANNEL_LAYER], "capacity": _CHANNEL_CAPACITY}}}

LOGIN_URL = "/web/login"
LOGIN_REDIRECT_URL = "/web"
SESSION_COOKIE_NAME = "workos_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "SAMEORIGIN"  # as frame-ancestors below, for browsers that predate it
# Every page: scripts only from this site (the islands are module scripts under /web/static/), or an inline
# script carrying the request's nonce (`<script nonce="{{ request.csp_nonce }}">`); no inline event handlers,
# no eval, no plugins. Inline styles stay allowed: the editor injects its stylesheet and the theme preview
# sets style attributes, and styles cannot run code. WebSockets to this same host are covered by 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
CSRF_TRUSTED_ORIGINS = CONFIG.get("server", "csrf_trusted_origins")
if CONFIG.get("server", "behind_https_proxy"):
    # nginx terminates TLS and says so in X-Forwarded-Proto; cookies then travel over HTTPS only.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/web/static/"
STATIC_ROOT = CONFIG.data_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# WhiteNoise serves the apps' static folders straight from the code: no collectstatic step in a deploy.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = CONFIG.data_dir / "filestore"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CONFIG.log_file.parent.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"},
    },
    "filters": {"redact_secrets": {"()": "workos.web.log_filters.RedactSecrets"}},
    "handlers": {
        "file": {"class": "logging.FileHandler", "filename": str(CONFIG.log_file), "formatter": "line", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["file"], "level": CONFIG.get("server", "log_level")},
    "loggers": {
        "django.request": {"level": "ERROR", "propagate": True},
        "django.server": {"level": "WARNING", "propagate": True},
        "uvicorn.access": {"level": "WARNING", "propagate": True},
    },
}

WORKOS_CONFIG = CONFIG
WORKOS_ADDONS = ADDONS
WORKOS_ACTIVE_MODULES = ACTIVE_MODULES
# What this process was started with (reported by /web/health): later checkouts do not change it.
WORKOS_CODE_REVISION = code_revision()
WORKOS_CODE_MODULES = {name: ADDONS.modules[name].version for name in ACTIVE_MODULES if name in ADDONS.modules}
