"""Tautoko's one settings module, configured entirely from the environment.

See README.md ("Configuration") for every variable. Production is not a separate module:
it is this module with ``TAUTOKO_DEMO`` off, a real ``SECRET_KEY`` and ``TAUTOKO_HTTPS`` on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tautoko.lib.electorates import electorates_read
from tautoko.lib.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TAUTOKO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG")
# Demo mode: the local, single-machine showcase started by `make run`. It enables the
# development outbox at /dev/outbox/ and tolerates the missing SECRET_KEY, nothing else.
DEMO = env_bool("TAUTOKO_DEMO")
HTTPS = env_bool("TAUTOKO_HTTPS")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or DEMO):
        raise ImproperlyConfigured(
            "SECRET_KEY is required unless DEBUG or TAUTOKO_DEMO is on "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "insecure-demo-key-never-use-in-production-" + "x" * 20
elif len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env_str(
    "SITE_URL", f"http://127.0.0.1:{env_int('PORT', default=8000, minimum=1)}"
).rstrip("/")
if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's address, such as https://petitions.example.org; got "
        f"{SITE_URL!r}"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "tautoko.accounts",
    "tautoko.petitions",
    "tautoko.outbox",
    "tautoko.signers",
    "tautoko.responses",
    "tautoko.search",
    "tautoko.core",
    "tautoko.organise",
    "tautoko.moderation",
    "tautoko.fraud",
    # The admin site is django-otp's: staff pass two-factor before any admin page.
    "tautoko.core.admin_apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    # First: requests for the signing hot path's views go through HOT_PATH_MIDDLEWARE below
    # instead of the rest of this list (tautoko/lib/hot_path.py).
    "tautoko.lib.hot_path.HotPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its 400 carries every header above, yet runs before any view reads a body.
    "tautoko.lib.request_limits.BodySizeLimitMiddleware",
]

# The petition page, signing and the count: what they need of the list above, in its order.
HOT_PATH_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tautoko.lib.hot_path.PrebuiltCSPMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tautoko.lib.request_limits.BodySizeLimitMiddleware",
]

ROOT_URLCONF = "tautoko.urls"
WSGI_APPLICATION = "tautoko.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organise:dashboard"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

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
                "django.template.context_processors.i18n",
                "tautoko.petitions.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tautoko.sqlite3'}")
try:
    _database = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", default=600)
    )
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None

if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; synchronous=FULL makes every commit
    # durable (fsync of the WAL) before the request that made it is acknowledged. IMMEDIATE
    # transactions take the write lock at BEGIN, so two writers never deadlock on an upgrade
    # from a read lock, and busy waits are bounded by `timeout`. Reads go through the memory
    # map; the page cache is per connection (each web thread, each writer has one), so it
    # is kept small: 8 MB each.
    _database["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-8000;"
            "PRAGMA mmap_size=134217728;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _database["CONN_MAX_AGE"] = None
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("OPTIONS", {})
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL must begin with redis://, rediss:// or unix://; got {REDIS_URL!r}"
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tautoko"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The fraud checks' counters and spent proof-of-work challenges: Redis when there is one;
# else a local-memory cache big enough to remember an hour of challenges at a modest rate
# (the rate limits then hold across processes through the database: see tautoko/fraud).
_fraud_cache: dict[str, Any] = (
    {**CACHES["default"], "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tautoko") + "-fraud"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tautoko-fraud",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
)
CACHES["fraud"] = _fraud_cache

# --- Passwords and sessions -----------------------------------------------------------------
# Argon2 for new and changed passwords; the others only verify (and upgrade) older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- HTTPS (production) ---------------------------------------------------------------------
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_NAME = "__Host-django_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Messages ride in the session, not in a cookie of their own that has no __Host- prefix.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("mi", "Te reo Māori")]
# The project's catalogue first; then the names of countries, from the CLDR (written by
# `manage.py countries_catalog`, never by makemessages).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-cldr"]
# Django has no number formats for te reo Māori: ours group thousands as New Zealand English.
FORMAT_MODULE_PATH = ["tautoko.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Pacific/Auckland")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tautoko <petitions@tautoko.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 20

# --- Accounts (django-allauth; see tautoko/accounts/README.md) ----------------------------
ACCOUNT_ADAPTER = "tautoko.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # mail scanners follow links: confirming takes a POST
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# A new address replaces the old one only once it is confirmed.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tautoko] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Brute-force throttling in the cache: windows that expire, so the real person is slowed
# down for minutes at worst, never locked out; a password reset lifts the address's limit at
# once. Keyed by IP and by the address tried.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "reset_password": "20/m/ip,5/m/key"}
# Staff two-factor: TOTP devices from django-otp (see tautoko/accounts/README.md).
OTP_TOTP_ISSUER = "Tautoko"
# After n wrong codes in a row django-otp makes the device wait this * 2**(n-1) seconds, with
# no ceiling of its own: the verify page caps the wait at TAUTOKO["TWO_FACTOR_WAIT_MAX_SECONDS"].
OTP_TOTP_THROTTLE_FACTOR = 1

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Tokens of emailed links sit in URL paths, which failing requests log: see the filter.
    "filters": {"redact_secrets": {"()": "tautoko.lib.log_redaction.SecretRedactingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {
        "handlers": ["console"],
        # Python's own names; "warn" is its alias of "warning".
        "level": env_choice(
            "LOG_LEVEL",
            default="info",
            choices=("debug", "info", "warning", "warn", "error", "critical"),
        ).upper(),
    },
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Tautoko --------------------------------------------------------------------------------
TAUTOKO: dict[str, Any] = {
    # Country preselected on the sign form (ISO 3166-1 alpha-2).
    # (Checked against the list of countries by tautoko/core/checks.py.)
    "DEFAULT_COUNTRY": env_str("TAUTOKO_DEFAULT_COUNTRY", "NZ").upper(),
    # The electorates (or regions) offered on the sign form: one name a line.
    "ELECTORATES_FILE": env_str(
        "TAUTOKO_ELECTORATES_FILE",
        str(BASE_DIR / "tautoko" / "petitions" / "data" / "nz-electorates.txt"),
    ),
    # Default goal ladder; past the last step the goal grows by these factors in turn.
    "GOAL_STEPS": [100, 200, 500, 1_000, 2_000, 5_000, 10_000],
    "GOAL_GROWTH_FACTORS": [2.0, 2.5, 2.0],
    # Confirmation links expire after this many hours; signers can ask for a new one.
    "CONFIRMATION_TTL_HOURS": env_int("TAUTOKO_CONFIRMATION_TTL_HOURS", default=72, minimum=1),
    # Emails sent about one signature, ever (confirmation, re-sends, "already signed").
    "MAX_EMAILS_PER_SIGNATURE": 5,
    # How stale a count shown to the public may be, in seconds.
    "COUNT_CACHE_SECONDS": 1,
    # How often a petition's page is rendered afresh, at most, in seconds; the count in it
    # is filled in for each request. A new text, goal or state shows within two seconds;
    # other changes (timeline events) within this time.
    "PAGE_CACHE_SECONDS": 10,
    # How long one process keeps a petition and its rendered page once read from the shared
    # cache (tautoko/lib/local_memo.py); 0 turns it off.
    "LOCAL_MEMO_SECONDS": 0.5,
    # Providers that ignore dots and/or +tags in the local part, for de-duplication.
    "EMAIL_DOTLESS_DOMAINS": ["gmail.com", "googlemail.com"],
    "EMAIL_PLUS_TAG_DOMAINS": [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "fastmail.com",
        "protonmail.com",
        "proton.me",
    ],
    "EMAIL_DOMAIN_ALIASES": {"googlemail.com": "gmail.com"},
    # Version of the privacy notice (/privacy) linked beside the consent line, and of the
    # consent line itself: both are recorded with each signature. Change them when the
    # notice's or the consent line's wording changes.
    "PRIVACY_NOTICE_VERSION": "2026-12",
    "CONSENT_TEXT_VERSION": "2026-11",
    # The longest wait wrong two-factor codes in a row impose before the next code is tried
    # (django-otp's doubling wait, capped: tautoko/accounts/staff.py, totp_wait_cap).
    "TWO_FACTOR_WAIT_MAX_SECONDS": 15 * 60,
    # Signers' names and emails are anonymised this many days after their petition closes.
    "ANONYMISE_AFTER_DAYS": env_int("TAUTOKO_ANONYMISE_AFTER_DAYS", default=183, minimum=1),
    # "Manage my signatures" links: how long one works, and how many an address may be sent
    # an hour (counted in the cache, which is shared by all processes when it is Redis).
    "MANAGE_LINK_TTL_MINUTES": 60,
    "MANAGE_LINKS_PER_HOUR": 3,
    # Fraud checks (tautoko/fraud/README.md). Proxies in front of the web server that each
    # append to X-Forwarded-For; 0 reads only the socket's address.
    "TRUSTED_PROXIES": env_int("TAUTOKO_TRUSTED_PROXIES", default=0, minimum=0),
    # Where per-IP rate limits are counted across processes: "cache" (Redis) or "database"
    # (checked inside the signature's own write; the default without Redis).
    "RATE_LIMIT_STORE": env_choice(
        "TAUTOKO_RATE_LIMIT_STORE",
        default="cache" if REDIS_URL else "database",
        choices=("cache", "database"),
    ),
    # Keyed IP hashes are emptied this many days after signing.
    "IP_HASH_KEEP_DAYS": env_int("TAUTOKO_IP_HASH_KEEP_DAYS", default=30, minimum=1),
    # How long a proof-of-work challenge can be solved and sent; how long staff edits to the
    # fraud settings and rules take to reach every process.
    "POW_TTL_SECONDS": 3600,
    "FRAUD_CONFIG_SECONDS": 5,
    # Group commit of signing writes: "auto" or "1" (on), "0" (off). See lib/group_commit.
    "GROUP_COMMIT": env_choice("TAUTOKO_GROUP_COMMIT", default="auto", choices=("auto", "1", "0")),
    # Sites that may frame the pages of views marked @embeddable (the widget; see
    # tautoko/lib/embedding.py). Every other page refuses to be framed.
    "EMBED_FRAME_ANCESTORS": env_list("TAUTOKO_EMBED_FRAME_ANCESTORS", default=["https:"]),
    # Sent emails keep their bodies (they hold single-use links) only in demo mode.
    "OUTBOX_KEEP_BODIES": DEMO or DEBUG,
    # Petitions wait at most this many days in the moderation queue before they show as
    # overdue.
    "MODERATION_TARGET_DAYS": env_int("TAUTOKO_MODERATION_TARGET_DAYS", default=7, minimum=1),
    # With this many petitions waiting for moderation, the public and organisers are told
    # that moderation is taking longer than usual (as when one is overdue); 0: never by length.
    "MODERATION_QUEUE_LONG": env_int("TAUTOKO_MODERATION_QUEUE_LONG", default=50, minimum=0),
    # Organisers' edits of open petitions are listed in the moderation queue this long.
    "MODERATION_RECENT_EDITS_DAYS": 14,
    # How long a moderator's checkout of a petition lasts without being renewed.
    "MODERATION_CHECKOUT_MINUTES": env_int(
        "TAUTOKO_MODERATION_CHECKOUT_MINUTES", default=15, minimum=1
    ),
    # New petitions close after this many months by default, and at most after the maximum.
    "PETITION_DEFAULT_MONTHS": 6,
    "PETITION_MAX_MONTHS": 12,
    # Signature counts at which a petition is owed an official response, and is considered
    # for a debate (tautoko/responses). Crossing one is recorded once and notifies staff and
    # the decision maker's contact.
    "RESPONSE_THRESHOLD": env_int("TAUTOKO_RESPONSE_THRESHOLD", default=10_000, minimum=1),
    "DEBATE_THRESHOLD": env_int("TAUTOKO_DEBATE_THRESHOLD", default=100_000, minimum=1),
    # Search results per page (/search).
    "SEARCH_PAGE_SIZE": 20,
    # Open petitions shown to an organiser as possibly asking for the same as their draft.
    "SIMILAR_PETITIONS_SHOWN": 5,
    # Confirmed sponsors a submitted petition gathers through its sponsor link before it
    # enters the moderation queue (tautoko/organise); 0 sends it straight to the queue.
    "SPONSORS_REQUIRED": env_int("TAUTOKO_SPONSORS_REQUIRED", default=5, minimum=0),
}


def _electorates_checked(path: Path) -> None:
    """Refuse to start without the sign form's electorates, as for any malformed setting:
    a file that is missing, unreadable or names none would otherwise fail every page that
    shows the form, or the search, with a server error."""
    try:
        names = electorates_read(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(
            f"TAUTOKO_ELECTORATES_FILE: cannot read {path} ({error})"
        ) from None
    if not names:
        raise ImproperlyConfigured(
            f"TAUTOKO_ELECTORATES_FILE: {path} names no electorate (one name a line)"
        )


_electorates_checked(Path(TAUTOKO["ELECTORATES_FILE"]))
