"""Django settings for Siyu.

Configuration comes from the environment so that the demo needs none:
- DATABASE_URL (default: SQLite in ./var/siyu.sqlite3, WAL mode)
- REDIS_URL (optional: cache, hot counters)
- SIYU_SECRET_KEY, SIYU_DEBUG, SIYU_ALLOWED_HOSTS, SIYU_HTTPS, SIYU_PROXIES (docs/deployment.md)
- SIYU_DEMO=1 (set by `siyu demo`): the published key and the sandbox gateway are allowed
- SIYU_TASK_BACKEND (default: django_tasks_db.DatabaseBackend)
- SIYU_MEDIA_STORAGE, SIYU_MEDIA_STORAGE_OPTIONS, SIYU_MEDIA_ROOT, SIYU_MEDIA_URL (uploaded images)
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from siyu.core.deployment import INSECURE_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SIYU_VAR_DIR", BASE_DIR.parent / "var"))

# The default key is published: the server refuses to start with it unless in debug or demo mode
# (siyu/core/deployment.py).
SECRET_KEY = os.environ.get("SIYU_SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = os.environ.get("SIYU_DEBUG", "0") == "1"
SIYU_DEMO = os.environ.get("SIYU_DEMO", "0") == "1"
ALLOWED_HOSTS = os.environ.get("SIYU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [f"http://{h}:8000" for h in ALLOWED_HOSTS if h not in ("testserver", "*")]

# Reverse proxies in front of Siyu (nginx, a load balancer): their X-Forwarded-Proto says whether the
# visitor used HTTPS, and the address they add to X-Forwarded-For is the visitor's (login throttling).
SIYU_PROXIES = int(os.environ.get("SIYU_PROXIES", "0"))
if SIYU_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over HTTPS only: redirect plain HTTP, secure cookies, HSTS (a year unless told otherwise).
if os.environ.get("SIYU_HTTPS", "0") == "1":
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SIYU_HSTS_SECONDS", str(365 * 86400)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SIYU_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("SIYU_HSTS_PRELOAD", "1") == "1"
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h not in ("testserver", "*")]

# No django.contrib.admin: staff work in the console, each within one merchant; an admin site would
# need platform-wide accounts that see every merchant, which Siyu does not have.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "siyu.core",
    "siyu.tenancy",
    "siyu.catalog",
    "siyu.freight",
    "siyu.media",
    "siyu.inventory",
    "siyu.members",
    "siyu.members.loyalty",
    "siyu.orders",
    "siyu.events",
    "siyu.audience",
    "siyu.audience.values",
    "siyu.simulate",
    "siyu.imports",
    "siyu.promotions",
    "siyu.promotions.flashsale",
    "siyu.promotions.groupbuy",
    "siyu.promotions.bargain",
    "siyu.promotions.campaigns",
    "siyu.promotions.presale",
    "siyu.decoration",
    "siyu.wechat",
    "siyu.wechat.oa",
    "siyu.wechat.wecom_groups",
    "siyu.wechat.wecom",
    "siyu.wechat.oa_web",
    "siyu.reach",
    "django_htmx",
    "siyu.console",
    "siyu.storefront",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: adds Retry-After to the 429 of a locked-out login (siyu/tenancy/throttle.py).
    "axes.middleware.AxesMiddleware",
]

# Every Django login passes axes first: a locked-out username or address is refused before its
# password is checked (siyu/tenancy/throttle.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "siyu.urls"
WSGI_APPLICATION = "siyu.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # so `siyu migrate` works on a fresh checkout
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'siyu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Keep connections: reopening the file and re-running the PRAGMAs per request cost ~4x on /healthz.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN,
        # so two writers queue instead of deadlocking on a lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("SIYU_TEST_DB_NAME", "test_siyu")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SIYU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# siyu/static/vendor/ is built by `make assets` from npm (htmx, ECharts); see package.json.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images (siyu/media/): the filesystem under MEDIA_ROOT by default, served by Siyu itself at
# MEDIA_URL; or any Django storage backend, e.g. S3-compatible (MinIO, COS, OSS) through django-storages:
# SIYU_MEDIA_STORAGE=storages.backends.s3.S3Storage and its options as JSON (docs/deployment.md).
MEDIA_URL = os.environ.get("SIYU_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("SIYU_MEDIA_ROOT", VAR_DIR / "media"))
SIYU_MEDIA_STORAGE = os.environ.get("SIYU_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")
STORAGES = {
    "default": {
        "BACKEND": SIYU_MEDIA_STORAGE,
        "OPTIONS": json.loads(os.environ.get("SIYU_MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Siyu answers MEDIA_URL itself when the files are on its own disk (put a proxy in front for speed).
SIYU_SERVE_MEDIA = (
    os.environ.get("SIYU_SERVE_MEDIA", "1" if SIYU_MEDIA_STORAGE.endswith("FileSystemStorage") else "0")
    == "1"
)

LOGIN_URL = "/console/login/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SIYU_LOG_LEVEL", "WARNING")},
    "loggers": {"siyu": {"level": os.environ.get("SIYU_LOG_LEVEL", "INFO")}},
}

# --- Siyu settings ---------------------------------------------------------------------------
# Base URL of WeChat's API; tests point it at a local server speaking the same format.
SIYU_WECHAT_API_BASE = os.environ.get("SIYU_WECHAT_API_BASE", "https://api.weixin.qq.com")
# The sandbox gateway and its cashier page (/sandbox-pay/...) let anyone pay without money: on only
# when asked for, or in debug and demo mode.
SIYU_SANDBOX_PAY = os.environ.get("SIYU_SANDBOX_PAY", "1" if DEBUG or SIYU_DEMO else "0") == "1"
# Secret that signs sandbox payment callbacks (a real gateway has its own key per merchant).
SIYU_SANDBOX_PAY_SECRET = os.environ.get("SIYU_SANDBOX_PAY_SECRET", SECRET_KEY)
# Where WeChat's hosts are (siyu/wechat/http.py): tests point them at a local fake speaking the same
# protocols. Accounts marked sandbox go to the built-in WeChat sandbox at SIYU_WECHAT_SANDBOX_URL
# (`siyu wechat_sandbox`, started by `siyu demo`).
SIYU_WECHAT_BASES = {
    "api": SIYU_WECHAT_API_BASE,
    "open": os.environ.get("SIYU_WECHAT_OPEN_BASE", "https://open.weixin.qq.com"),
    "qyapi": os.environ.get("SIYU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
    "mch": os.environ.get("SIYU_WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com"),
}
SIYU_WECHAT_SANDBOX_URL = os.environ.get("SIYU_WECHAT_SANDBOX_URL", "http://127.0.0.1:8019")
# Keys that encrypt WeChat secrets at rest (siyu/wechat/vault.py): comma-separated Fernet keys, the
# first encrypts, all decrypt (rotation: docs/wechat.md). Unset: one key derived from SECRET_KEY.
SIYU_WECHAT_KEYS = [k.strip() for k in os.environ.get("SIYU_WECHAT_KEYS", "").split(",") if k.strip()]
# A payment callback older than this is refused as a replay.
SIYU_PAYMENT_CALLBACK_TOLERANCE_SECONDS = 300
# Siyu's own address as WeChat reaches it: WeChat Pay's notify_url is built on it.
SIYU_PUBLIC_URL = os.environ.get("SIYU_PUBLIC_URL", "http://127.0.0.1:8000")
# Imports over the staff API (docs/imports.md): data rows one file may have (413 too_many_rows
# above), uploads up to this size imported in the request (larger ones become a background
# ImportJob), and where uploads wait for their job.
SIYU_IMPORT_MAX_ROWS = int(os.environ.get("SIYU_IMPORT_MAX_ROWS", "1000000"))
SIYU_IMPORT_INLINE_MAX_BYTES = int(os.environ.get("SIYU_IMPORT_INLINE_MAX_BYTES", str(2 * 1024 * 1024)))
SIYU_IMPORT_DIR = Path(os.environ.get("SIYU_IMPORT_DIR", VAR_DIR / "imports"))
# Lockouts after repeated failures (siyu/tenancy/throttle.py, on django-axes): failures allowed per
# account and per address within SIYU_LOCKOUT_MINUTES of each other; then 429 until they age out.
SIYU_LOCKOUT_MINUTES = int(os.environ.get("SIYU_LOCKOUT_MINUTES", "15"))
SIYU_LOCKOUTS: dict[str, tuple[int | None, int]] = {
    "staff": (5, 20),  # staff passwords: API token endpoint, console login
    "shop-login": (None, 20),  # customer login codes: per address (a failed code names nobody)
    "coupon-code": (10, 30),  # coupon codes: per customer and per address
}
AXES_HANDLER = "siyu.tenancy.throttle.GateHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 1  # the handler counts reached limits, not failures
AXES_COOLOFF_TIME = timedelta(minutes=SIYU_LOCKOUT_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock lasts the cool-off, not forever
AXES_USERNAME_CALLABLE = "siyu.tenancy.throttle.attempt_username"
AXES_CLIENT_IP_CALLABLE = "siyu.tenancy.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "siyu.tenancy.throttle.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Staff API tokens expire this many days after issue (and with any change of the password).
SIYU_STAFF_TOKEN_DAYS = int(os.environ.get("SIYU_STAFF_TOKEN_DAYS", "30"))
# Points staff may grant by hand, by role: (per adjustment, per day in the merchant's time zone; None:
# no daily cap). Larger grants need a role higher up; taking points away is bounded by the balance.
SIYU_POINTS_GRANT_LIMITS: dict[str, tuple[int, int | None]] = {
    "guide": (500, 2_000),
    "operator": (20_000, 100_000),
    "owner": (1_000_000, 10_000_000),
}
# How long a decorated page's sections stay cached (prices, stock, coupons and activities shown in them
# may be this old; the product page, cart and checkout always read fresh): siyu/storefront/views/pages.py.
SIYU_DECORATION_CACHE_SECONDS = int(os.environ.get("SIYU_DECORATION_CACHE_SECONDS", "30"))
SIYU_ATTRIBUTION_WINDOW_DAYS = int(os.environ.get("SIYU_ATTRIBUTION_WINDOW_DAYS", "7"))  # docs/events.md
# How often the scheduler enqueues the periodic jobs.
SIYU_SCHEDULE_SECONDS = {
    "cancel_unpaid_orders": int(os.environ.get("SIYU_CANCEL_EVERY", "30")),
    "auto_confirm_receipts": 600,
    "auto_complete_orders": 600,
    "expire_group_buy_teams": 60,
    "expire_bargain_records": 60,
    "expire_campaign_entries": 60,
    "issue_pending_rewards": 600,
    "settle_presales": 300,
    "advance_flash_sales": 30,
    "ensure_event_partitions": 6 * 3600,
    "refresh_segments": 900,
    "recompute_tag_rules": 3600,
    "expire_points": 3600,
    "evaluate_member_tiers": 3600,
    "issue_birthday_coupons": 3600,
    "recompute_values": 86_400,  # daily: recency and lifecycle move every day
    # Hourly, but each merchant's day is reconciled once: WeChat publishes yesterday's bill after 10:00.
    "reconcile_wechat_pay": 3600,
    "settle_wechat_refunds": 600,  # refunds whose callback has not come: ask WeChat
    "sync_wecom_tags": 300,  # tag changes reach WeCom within 5 minutes (the console's sync now: at once)
    "sync_wecom_groups": 6 * 3600,  # callbacks keep groups fresh; the full sync repairs what they missed
    "poll_wecom_transfers": 3_600,  # hourly: WeCom moves a transferred customer within 24 hours
    "poll_wecom_send_results": 300,  # WeCom mass-sends: has the guide sent it, who got it
    "dispatch_messages": 5,  # the reach send queue: due messages go out within seconds
}
# The image library (siyu/media/): largest upload, largest pixel count a file may declare (a
# decompression bomb guard, read from the header before decoding), the long side stored images are
# scaled down to, and the thumbnails' long side.
SIYU_MEDIA_MAX_BYTES = int(os.environ.get("SIYU_MEDIA_MAX_BYTES", str(5 * 1024 * 1024)))
SIYU_MEDIA_MAX_PIXELS = int(os.environ.get("SIYU_MEDIA_MAX_PIXELS", str(40_000_000)))
SIYU_MEDIA_MAX_SIDE = 2400
SIYU_MEDIA_THUMB_SIDE = 400
