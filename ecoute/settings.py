"""The one settings module of Écoute: every value that differs between machines comes from the environment."""

from importlib.util import find_spec
from ipaddress import ip_network
from pathlib import Path

import dj_database_url

from ecoute.lib.anonymity import logging_config
from ecoute.lib.env import ConfigurationError, env_bool, env_int, env_list, env_share, env_str
from ecoute.lib.note_keys import note_keys
from ecoute.lib.redis_config import cache_options, channel_layer_host, parse_sentinels
from ecoute.lib.sealing import public_key_setting

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigurationError("DJANGO_SECRET_KEY must be set (or DJANGO_DEBUG=1 for a local run)")
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ecoute.accounts",
    "ecoute.presence",
    "ecoute.calls",
    "ecoute.directory",
    "ecoute.contacts",
    "ecoute.stats",
    "ecoute.selfhelp",
    "ecoute.studies",
    "ecoute.security",
    # Only for its templates and static files: the API's docs page uses the local Swagger UI, no CDN.
    "ninja",
    "ecoute.abuse",
    "ecoute.about",
    "ecoute.programme",
    "ecoute.telephony",
    "ecoute.feedback",
    "ecoute.followup",
    "ecoute.rota",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "ecoute.security.headers.SecurityHeaders",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it is synchronous only, and under ASGI Django runs every middleware above the lowest
    # synchronous one in a single thread; any below it would hop to a thread and back for each of
    # their hooks (docs/performance.md, "Registrations to a popular event", run 16).
    "ecoute.accounts.sessions.StaffSessionExpiry",
]

ROOT_URLCONF = "ecoute.urls"
ASGI_APPLICATION = "ecoute.asgi.application"

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
                "ecoute.lib.context.line_facts",
                "ecoute.accounts.access.template_access",
            ],
        },
    },
]


def _pool_connections(config: dict, size: int) -> None:
    """Lend each request a connection from a pool of SIZE per process (0: no pool, one per thread).

    Django's ASGI handler runs each HTTP request in a thread of its own, so a thread's persistent
    connection is never reused: without a pool, every request opened one (ecoute/lib/postgresql/pool.py).
    A pooled connection goes back to the pool at the end of each request (CONN_MAX_AGE 0)."""
    if not size:
        return
    from ecoute.lib.postgresql.pool import pool_options

    config["CONN_MAX_AGE"] = 0
    config.setdefault("OPTIONS", {})["pool"] = pool_options(size)


def _database(url: str) -> dict:
    """PostgreSQL (or any URL) from DATABASE_URL; otherwise an embedded SQLite file."""
    if url:
        # Each server process does its database work on one thread (Channels' database_sync_to_async,
        # Django's sync views under ASGI): keeping that connection open saves a new PostgreSQL
        # connection on every websocket action (measured: tap → ring 44 ms → see docs/performance.md).
        config = dj_database_url.parse(
            url, conn_max_age=env_int("ECOUTE_DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
        )
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "ecoute.lib.postgresql"  # its health check at most once a second
        _pool_connections(config, env_int("ECOUTE_DB_POOL_SIZE", 10, minimum=0))
    if config["ENGINE"].endswith("sqlite3"):
        # WAL lets readers work during a write; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent claims queue up instead of failing with "database is locked".
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A file (not memory) so that a real server process started by the tests shares it.
        # ECOUTE_TEST_DB lets two test runs on one machine keep apart.
        config["TEST"] = {"NAME": str(BASE_DIR / env_str("ECOUTE_TEST_DB", ".pytest-db.sqlite3"))}
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env_str("REDIS_URL")
# Redis Sentinels ("host:port,..."): the master is asked of them, so a Redis failover needs no restart.
REDIS_SENTINELS = parse_sentinels(env_list("ECOUTE_REDIS_SENTINELS"))
REDIS_SENTINEL_MASTER = env_str("ECOUTE_REDIS_SENTINEL_MASTER", "ecoute")
if REDIS_SENTINELS and not REDIS_URL:
    raise ConfigurationError(
        "ECOUTE_REDIS_SENTINELS is set but REDIS_URL is empty (it gives the database number and password)"
    )
if REDIS_URL:
    # The pub/sub layer: one Redis subscription per process, no connection-pool exhaustion under
    # bursts of connects (see docs/architecture.md).
    # It rides out a Redis outage: calls in progress go on, sends are dropped and subscriptions
    # made again once Redis is back (ecoute/lib/channel_layer.py, docs/operations.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "ecoute.lib.channel_layer.ResilientPubSubChannelLayer",
            # Pub/sub channels ignore Redis's database number: a prefix keeps two deployments (or
            # two test runs) sharing one Redis apart.
            "CONFIG": {
                "hosts": [channel_layer_host(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER)],
                "prefix": env_str("ECOUTE_CHANNEL_PREFIX", "ecoute"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Login throttling counts attempts in the cache: shared by every process when Redis is there. While
# Redis is unreachable the cache answers as an empty one instead of failing (ecoute/lib/cache.py).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ecoute.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Another prefix keeps a benchmark's counters apart from an earlier run's (bench/router_load.py).
            "KEY_PREFIX": env_str("ECOUTE_CACHE_PREFIX", "ecoute"),
            "OPTIONS": cache_options(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "calls:workspace"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "fr"
# French is the source and the default; English pages and scripts are translated in full
# (locale/en/LC_MESSAGES/django.po and djangojs.po). LANGUAGES_WHEN_TRANSLATED lists what is complete.
LANGUAGES_WHEN_TRANSLATED = [("fr", "Français"), ("en", "English")]
LANGUAGES = LANGUAGES_WHEN_TRANSLATED
# The interface language a visitor picks (/i18n/setlang/) stays on their device for a year: the
# cookie holds the language code and nothing else.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("ECOUTE_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only outside local development (docs/security-headers.md). Behind a TLS proxy, name the
# header it sets (e.g. DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto): the redirect and secure
# cookies then see the visitor's https. DJANGO_SECURE_SSL_REDIRECT=0 when the proxy redirects itself.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The header only allows a submission to browsers' preload list (hstspreload.org); submitting stays a deliberate act.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
_PROXY_SSL_HEADER = env_str("DJANGO_SECURE_PROXY_SSL_HEADER")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
# same-origin: nothing leaks to other sites, and form posts keep their Origin (Chrome sends
# "Origin: null" under no-referrer, which CSRF protection rightly refuses).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


# Logging never carries a caller's address: the servers' own access logs are off and
# ecoute.lib.anonymity writes the only access log, without client addresses or query strings.
# One logging configuration for every process, the one Uvicorn is started with (ecoute/logging.json):
# whatever a library logs passes through ecoute.lib.anonymity.ScrubAddresses, which blanks addresses.
LOGGING = logging_config(env_str("ECOUTE_LOG_LEVEL", "INFO"))
LOGGING_CONFIG = "ecoute.lib.anonymity.configure_logging"
ADMINS: list = []

# --- The line ---------------------------------------------------------------------------------
ECOUTE_PHONE_NUMBER = env_str("ECOUTE_PHONE_NUMBER", "0 805 23 23 36")
ECOUTE_QUICK_EXIT_URL = env_str("ECOUTE_QUICK_EXIT_URL", "https://www.google.fr/search?q=m%C3%A9t%C3%A9o")
# Who publishes and hosts the line, for the legal notice and the privacy notice (ecoute/about): the
# deploying organisation sets its own. Health data must be hosted by a certified (HDS) host.
ECOUTE_LEGAL = {
    "publisher": env_str("ECOUTE_PUBLISHER", "Association Soins aux Professionnels de Santé (SPS)"),
    "publisher_address": env_str("ECOUTE_PUBLISHER_ADDRESS", ""),
    "director": env_str("ECOUTE_PUBLICATION_DIRECTOR", ""),
    "host": env_str("ECOUTE_HOST", ""),
    "host_address": env_str("ECOUTE_HOST_ADDRESS", ""),
    "privacy_contact": env_str("ECOUTE_PRIVACY_CONTACT", ""),
}
# Seconds a psychologist's phone rings before the caller is offered someone else.
ECOUTE_RING_TIMEOUT = env_int("ECOUTE_RING_TIMEOUT", 20, minimum=5)
# Seconds without a heartbeat after which a psychologist is shown as away.
ECOUTE_PRESENCE_TIMEOUT = env_int("ECOUTE_PRESENCE_TIMEOUT", 15, minimum=5)
# Seconds of wrap-up after a call before the psychologist is available again.
ECOUTE_WRAP_UP_SECONDS = env_int("ECOUTE_WRAP_UP_SECONDS", 60, minimum=0)
# Milliseconds during which board changes are gathered into one frame per watcher.
ECOUTE_BOARD_COALESCE_MS = env_int("ECOUTE_BOARD_COALESCE_MS", 10, minimum=0)

# The queue and its router (ecoute/calls/queue.py, ecoute/calls/router.py).
# Seconds a call waits for a psychologist speaking its language before anyone may take it.
ECOUTE_LANGUAGE_FALLBACK_SECONDS = env_int("ECOUTE_LANGUAGE_FALLBACK_SECONDS", 60, minimum=0)
# Seconds a returning caller waits for their own psychologist before "someone else now" is offered again.
ECOUTE_PREFERRED_SWITCH_SECONDS = env_int("ECOUTE_PREFERRED_SWITCH_SECONDS", 120, minimum=10)
# Seconds without a sign of life from a waiting caller's app before the call is abandoned.
ECOUTE_CALLER_TIMEOUT = env_int("ECOUTE_CALLER_TIMEOUT", 30, minimum=10)
# Seconds between two updates of a waiting caller's place and estimate when the queue does not move
# (each change of the queue updates it at once); each update also counts as the caller's sign of life.
ECOUTE_QUEUE_REFRESH_SECONDS = env_int("ECOUTE_QUEUE_REFRESH_SECONDS", 5, minimum=1)
if ECOUTE_QUEUE_REFRESH_SECONDS * 2 > ECOUTE_CALLER_TIMEOUT:
    raise ConfigurationError(
        "ECOUTE_QUEUE_REFRESH_SECONDS must be at most half of ECOUTE_CALLER_TIMEOUT: "
        "waiting callers with an open connection would be taken for gone"
    )
# Handle time assumed for the wait estimate before the line has a history (15 minutes).
ECOUTE_DEFAULT_HANDLE_SECONDS = env_int("ECOUTE_DEFAULT_HANDLE_SECONDS", 900, minimum=60)
# Supervisors: alert when a call waits longer than this, or when fewer listeners are available.
ECOUTE_LONG_WAIT_ALERT_SECONDS = env_int("ECOUTE_LONG_WAIT_ALERT_SECONDS", 30, minimum=5)
ECOUTE_MIN_AVAILABLE = env_int("ECOUTE_MIN_AVAILABLE", 2, minimum=0)
# Service level: the share of calls answered within this many seconds.
ECOUTE_SERVICE_LEVEL_SECONDS = env_int("ECOUTE_SERVICE_LEVEL_SECONDS", 20, minimum=1)
# Listener protection: a wrap-up that cannot be cut shorter than this, and after
# ECOUTE_CONSECUTIVE_CALLS_CAP calls in a row (0: no cap) a break of ECOUTE_CAP_BREAK_SECONDS.
ECOUTE_MIN_WRAP_UP_SECONDS = env_int("ECOUTE_MIN_WRAP_UP_SECONDS", 15, minimum=0)
ECOUTE_CONSECUTIVE_CALLS_CAP = env_int("ECOUTE_CONSECUTIVE_CALLS_CAP", 0, minimum=0)
ECOUTE_CAP_BREAK_SECONDS = env_int("ECOUTE_CAP_BREAK_SECONDS", 300, minimum=0)

# The rota (docs/rota.md): the service promised in each half-hour, from which the listeners needed
# are computed (Erlang A): this share of callers answered within this many seconds, at most this
# share giving up; never fewer than ECOUTE_ROTA_MINIMUM listeners on duty, plus the supervisors'
# own minimum (counted apart); an English speaker on duty in the daily windows of
# ECOUTE_ROTA_ENGLISH ("08:00-20:00", several separated by commas; "00:00-24:00" for always).
ECOUTE_ROTA_TARGET_ANSWERED = env_share("ECOUTE_ROTA_TARGET_ANSWERED", 0.90)
ECOUTE_ROTA_TARGET_SECONDS = env_int("ECOUTE_ROTA_TARGET_SECONDS", 20, minimum=1)
ECOUTE_ROTA_MAX_ABANDONED = env_share("ECOUTE_ROTA_MAX_ABANDONED", 0.01)
ECOUTE_ROTA_MINIMUM = env_int("ECOUTE_ROTA_MINIMUM", 2, minimum=0)
ECOUTE_ROTA_SUPERVISORS_MINIMUM = env_int("ECOUTE_ROTA_SUPERVISORS_MINIMUM", 1, minimum=0)
ECOUTE_ROTA_ENGLISH = env_list("ECOUTE_ROTA_ENGLISH", ["08:00-20:00"])
# The planner's rules: rest between two shifts, night shifts in a row, and how long it may search.
ECOUTE_ROTA_REST_HOURS = env_int("ECOUTE_ROTA_REST_HOURS", 11, minimum=0)
ECOUTE_ROTA_NIGHTS_IN_A_ROW = env_int("ECOUTE_ROTA_NIGHTS_IN_A_ROW", 3, minimum=1)
ECOUTE_ROTA_SOLVER_SECONDS = env_int("ECOUTE_ROTA_SOLVER_SECONDS", 20, minimum=1)
# Listener protection across shifts (ecoute/rota/intensity.py): a shift is high-intensity when its
# listener handled an emergency or a call of ECOUTE_ROTA_LONG_CALL_MINUTES or more; after
# ECOUTE_ROTA_INTENSE_IN_A_ROW such shifts in a row, the next one waits ECOUTE_ROTA_RECOVERY_HOURS after
# the last; after a shift with an emergency, a debrief with a supervisor on duty is offered within
# ECOUTE_ROTA_DEBRIEF_WITHIN_HOURS.
ECOUTE_ROTA_LONG_CALL_MINUTES = env_int("ECOUTE_ROTA_LONG_CALL_MINUTES", 60, minimum=1)
ECOUTE_ROTA_INTENSE_IN_A_ROW = env_int("ECOUTE_ROTA_INTENSE_IN_A_ROW", 2, minimum=1)
ECOUTE_ROTA_RECOVERY_HOURS = env_int("ECOUTE_ROTA_RECOVERY_HOURS", 48, minimum=0)
ECOUTE_ROTA_DEBRIEF_WITHIN_HOURS = env_int("ECOUTE_ROTA_DEBRIEF_WITHIN_HOURS", 72, minimum=1)
# The supervisors are alerted when more than this share of the coming hour's callers would wait
# longer than ECOUTE_ROTA_TARGET_SECONDS (ecoute/rota/risk.py), or when it is planned short.
ECOUTE_ROTA_RISK_ALERT = env_share("ECOUTE_ROTA_RISK_ALERT", 0.20)

# TURN relay (coturn, use-auth-secret). When set, both peers relay their media through it,
# so neither browser ever learns the other's address.
ECOUTE_TURN_URLS = env_list("ECOUTE_TURN_URLS")
ECOUTE_TURN_SECRET = env_str("ECOUTE_TURN_SECRET")
ECOUTE_TURN_TTL = env_int("ECOUTE_TURN_TTL", 3600, minimum=60)
ECOUTE_STUN_URLS = env_list("ECOUTE_STUN_URLS")
if ECOUTE_TURN_URLS and not ECOUTE_TURN_SECRET:
    raise ConfigurationError("ECOUTE_TURN_URLS is set but ECOUTE_TURN_SECRET is empty")

# The phone line (docs/telephony.md): the secret the media agent shows to open its callers' sockets
# (empty: the phone line is off and that socket refuses everyone).
ECOUTE_TELEPHONY_SECRET = env_str("ECOUTE_TELEPHONY_SECRET")
# Days a code de suivi given to a phone caller stays valid (then the purge deletes it).
ECOUTE_FOLLOW_UP_DAYS = env_int("ECOUTE_FOLLOW_UP_DAYS", 90, minimum=1)
# Guessing codes de suivi (ecoute/abuse/limits.py): wrong codes one calling number (its keyed hash)
# may key in a day before its codes are no longer checked; wrong codes line-wide in 10 minutes that
# make a burst (supervisors alerted, every code checked only after a pause of the seconds below).
ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER = env_int("ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER", 3, minimum=1)
ECOUTE_FOLLOW_UP_WRONG_BURST = env_int("ECOUTE_FOLLOW_UP_WRONG_BURST", 20, minimum=1)
ECOUTE_FOLLOW_UP_BURST_PAUSE = env_int("ECOUTE_FOLLOW_UP_BURST_PAUSE", 10, minimum=0)
# Follow-up for app callers (ecoute/followup): hours the link back keeps working after the agreed time.
ECOUTE_FOLLOW_UP_LINK_HOURS = env_int("ECOUTE_FOLLOW_UP_LINK_HOURS", 72, minimum=1)
# Web Push reminders: the VAPID key pair (the private key as base64url of its 32 bytes, or
# ECOUTE_VAPID_PRIVATE_KEY_FILE; `manage.py vapid_keys` makes one). Empty: no push, the calendar only.
ECOUTE_VAPID_PRIVATE_KEY = env_str("ECOUTE_VAPID_PRIVATE_KEY")
ECOUTE_VAPID_SUBJECT = env_str("ECOUTE_VAPID_SUBJECT", "mailto:contact@example.org")
# The push services a subscription may name (the browsers' own); the server posts to nothing else.
ECOUTE_PUSH_SERVICES = env_list(
    "ECOUTE_PUSH_SERVICES",
    [
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://web.push.apple.com",
        "https://*.notify.windows.com",
    ],
)

# --- Staff login: second factor, throttling ---------------------------------------------------
OTP_TOTP_ISSUER = env_str("ECOUTE_TOTP_ISSUER", "Écoute")
# Failed logins allowed per account, and per (hashed, cache-only) address, in the window below.
ECOUTE_LOGIN_FAILURES_PER_ACCOUNT = env_int("ECOUTE_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
ECOUTE_LOGIN_FAILURES_PER_ADDRESS = env_int("ECOUTE_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
ECOUTE_LOGIN_WINDOW_SECONDS = env_int("ECOUTE_LOGIN_WINDOW_SECONDS", 900, minimum=60)
# Past those free failures, each further attempt waits 1 s, 2 s, 4 s… up to this (docs/staff-login.md).
ECOUTE_LOGIN_DELAY_CAP_SECONDS = env_int("ECOUTE_LOGIN_DELAY_CAP_SECONDS", 300, minimum=1)
# Staff sessions end after this long without activity, and this long after the login in any case.
ECOUTE_STAFF_IDLE_MINUTES = env_int("ECOUTE_STAFF_IDLE_MINUTES", 30, minimum=1)
ECOUTE_STAFF_SESSION_HOURS = env_int("ECOUTE_STAFF_SESSION_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = ECOUTE_STAFF_SESSION_HOURS * 3600
# Reading a colleague's note asks for the second factor again when the last check is older than this.
ECOUTE_REAUTH_MINUTES = env_int("ECOUTE_REAUTH_MINUTES", 5, minimum=1)
# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed when the abuse limits
# key a request by its source (ecoute/lib/source.py); anyone else's header is ignored.
ECOUTE_TRUSTED_PROXIES = env_list("ECOUTE_TRUSTED_PROXIES")
for _proxy in ECOUTE_TRUSTED_PROXIES:
    try:
        ip_network(_proxy, strict=False)
    except ValueError:
        raise ConfigurationError(
            f"ECOUTE_TRUSTED_PROXIES: {_proxy!r} is not an address or a network"
        ) from None

# --- Abuse limits on the public line (ecoute/abuse, docs/abuse.md) ----------------------------------
# Per connection: messages per second, with a burst; a socket far beyond it is closed.
ECOUTE_ABUSE_MESSAGES_PER_SECOND = env_int("ECOUTE_ABUSE_MESSAGES_PER_SECOND", 5, minimum=1)
ECOUTE_ABUSE_MESSAGE_BURST = env_int("ECOUTE_ABUSE_MESSAGE_BURST", 20, minimum=1)
# Per device key: calls (taps and joins) per 10 minutes.
ECOUTE_ABUSE_CALLS_PER_DEVICE = env_int("ECOUTE_ABUSE_CALLS_PER_DEVICE", 10, minimum=1)
# Per source (hashed address, cache only): calls tried per minute before the source is held back,
# and sockets open at once.
ECOUTE_ABUSE_CALLS_PER_SOURCE = env_int("ECOUTE_ABUSE_CALLS_PER_SOURCE", 20, minimum=1)
ECOUTE_ABUSE_SOCKETS_PER_SOURCE = env_int("ECOUTE_ABUSE_SOCKETS_PER_SOURCE", 100, minimum=1)
# Proof of work for the calls of a source beyond its free ones waiting at the same time: the largest
# number tried for the first of them, doubled for each further call (20000: well under a second on a phone).
ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE = env_int("ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE", 1, minimum=1)
ECOUTE_ABUSE_POW_BASE = env_int("ECOUTE_ABUSE_POW_BASE", 20000, minimum=1)
# "Danger" marks from one source in 10 minutes beyond which its calls wait behind everyone else's.
ECOUTE_ABUSE_DANGER_PER_SOURCE = env_int("ECOUTE_ABUSE_DANGER_PER_SOURCE", 3, minimum=1)
# Danger marks from one source within this many seconds of each other make one alert.
ECOUTE_ABUSE_ALERT_GROUP_SECONDS = env_int("ECOUTE_ABUSE_ALERT_GROUP_SECONDS", 10, minimum=1)

# --- Contact records and statistics -----------------------------------------------------------
# Fernet keys of the notes, newest first (ECOUTE_NOTE_KEYS or ECOUTE_NOTE_KEYS_FILE), never SECRET_KEY.
ECOUTE_NOTE_KEYS = note_keys(DEBUG)
# Days after which notes and caller-key links are purged (manage.py purge); coded fields stay.
ECOUTE_CONTACT_RETENTION_DAYS = env_int("ECOUTE_CONTACT_RETENTION_DAYS", 730, minimum=1)
# The retention table, docs/retention.md. Days after which the reasons typed in supervisors' alerts
# are emptied (the alerts stay): long enough for the debrief and the review of an incident.
ECOUTE_ALERT_REASON_RETENTION_DAYS = env_int("ECOUTE_ALERT_REASON_RETENTION_DAYS", 90, minimum=1)
# Days the note-read audit and the security journal are kept (CNIL: traces kept 6 months to 1 year).
ECOUTE_AUDIT_RETENTION_DAYS = env_int("ECOUTE_AUDIT_RETENTION_DAYS", 365, minimum=30)
# Each server process runs the purge once a day (one at a time); 0 to run `manage.py purge` from cron instead.
ECOUTE_AUTO_PURGE = env_bool("ECOUTE_AUTO_PURGE", True)
# Small-cell suppression: a published cell counting fewer contacts than this is hidden or merged.
ECOUTE_STATS_MIN_CELL = env_int("ECOUTE_STATS_MIN_CELL", 10, minimum=1)
# Breakdowns (by profession, département, reason...) are counted over whole, ended periods of this
# many months from 1 January, never over the days asked (docs/contacts.md). Choose it once.
ECOUTE_STATS_GRID_MONTHS = env_int("ECOUTE_STATS_GRID_MONTHS", 3, minimum=1)
if 12 % ECOUTE_STATS_GRID_MONTHS:
    raise ConfigurationError("ECOUTE_STATS_GRID_MONTHS must divide a year: 1, 2, 3, 4, 6 or 12")

# --- Orientation directory ------------------------------------------------------------------------
# Days after which an entry nobody has re-checked is listed as stale in the admin.
ECOUTE_DIRECTORY_STALE_DAYS = env_int("ECOUTE_DIRECTORY_STALE_DAYS", 365, minimum=1)
# Map tiles (Leaflet URL template). Empty, the default: no tiles, the map draws France's outlines only.
# Each tile request gives the tile server the visitor's address and where they look: a deployment
# that wants a background runs its own tile server rather than sending callers to a third party.
ECOUTE_MAP_TILE_URL = env_str("ECOUTE_MAP_TILE_URL", "")
ECOUTE_MAP_TILE_ATTRIBUTION = env_str("ECOUTE_MAP_TILE_ATTRIBUTION", "© contributeurs OpenStreetMap")

# Self-help (ecoute/selfhelp): the partner's free sleep questionnaire is linked, not re-implemented
# (the sleep scales we could host are licensed); testimonies' author data kept for the legal period.
ECOUTE_SLEEP_QUESTIONNAIRE_URL = env_str("ECOUTE_SLEEP_QUESTIONNAIRE_URL", "https://reseau-morphee.fr/")
# The hosts' legal retention of what identifies a content's author (décret 2021-1362: one year).
ECOUTE_TESTIMONY_SEAL_DAYS = env_int("ECOUTE_TESTIMONY_SEAL_DAYS", 365, minimum=1)
# The public key the author records are sealed to (X25519, base64); its private half is kept offline
# and brought only to open a record on a legal request (docs/threat-model.md, ecoute/lib/sealing.py).
ECOUTE_AUTHOR_SEAL_PUBLIC_KEY = public_key_setting(DEBUG)
# A testimony whose author never answered a request for changes is deleted after this many days.
ECOUTE_TESTIMONY_ABANDONED_DAYS = env_int("ECOUTE_TESTIMONY_ABANDONED_DAYS", 90, minimum=1)
ECOUTE_TESTIMONIES_PER_SOURCE_HOUR = env_int("ECOUTE_TESTIMONIES_PER_SOURCE_HOUR", 3, minimum=1)
# Distressing testimonies one moderator decides in a shift before a debrief is asked for.
ECOUTE_MODERATION_DISTRESSING_CAP = env_int("ECOUTE_MODERATION_DISTRESSING_CAP", 5, minimum=1)
ECOUTE_MODERATION_SHIFT_HOURS = env_int("ECOUTE_MODERATION_SHIFT_HOURS", 8, minimum=1)
# Mail (testimony decisions to authors who left an address). Nothing is sent unless configured: the
# console backend would write the author's address in the logs.
EMAIL_BACKEND = env_str("ECOUTE_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
EMAIL_HOST = env_str("ECOUTE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ECOUTE_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("ECOUTE_EMAIL_FROM", "ne-pas-repondre@ecoute.invalid")
# Leaflet's own files, installed from PyPI by django-leaflet; only the files are used (that package's
# Django app needs GDAL), served under static/leaflet/.
STATICFILES_DIRS += [("leaflet", Path(find_spec("leaflet").origin).parent / "static" / "leaflet")]

# --- The prevention programme (ecoute/programme, docs/programme.md) -----------------------------
# The address links in e-mails point to (no trailing slash).
ECOUTE_PUBLIC_URL = env_str("ECOUTE_PUBLIC_URL", "http://localhost:8000").rstrip("/")
# E-mail: a real SMTP server when EMAIL_HOST is set; otherwise, for a local run, the worker prints
# each message on its console (`make demo`).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
if EMAIL_HOST or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
ECOUTE_MAIL_FROM_ADDRESS = env_str("ECOUTE_MAIL_FROM_ADDRESS", "programme@ecoute.localhost")
DEFAULT_FROM_EMAIL = f"Écoute <{ECOUTE_MAIL_FROM_ADDRESS}>"
ECOUTE_MAIL_DOMAIN = ECOUTE_MAIL_FROM_ADDRESS.rpartition("@")[2]
# Days a manage link works after it was sent (and never after the event's end).
ECOUTE_PROGRAMME_LINK_DAYS = env_int("ECOUTE_PROGRAMME_LINK_DAYS", 180, minimum=1)
# Days after an event's end when registrations of people who did not attend are deleted, and when
# attendance (the proof DPC and Qualiopi ask for, the certificates' verification) is.
ECOUTE_PROGRAMME_RETENTION_DAYS = env_int("ECOUTE_PROGRAMME_RETENTION_DAYS", 90, minimum=1)
ECOUTE_PROGRAMME_ATTENDANCE_DAYS = env_int("ECOUTE_PROGRAMME_ATTENDANCE_DAYS", 3 * 365, minimum=1)
# A trained sentinel is offered a refresher this long after their last training (ecoute/programme/sentinels.py).
ECOUTE_SENTINEL_REFRESHER_DAYS = env_int("ECOUTE_SENTINEL_REFRESHER_DAYS", 2 * 365, minimum=30)
# Registrations one source (hashed, cache only) may send in 10 minutes.
ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE = env_int(
    "ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE", 10, minimum=1
)
# Online sessions on a Jitsi Meet server with token authentication (Prosody's app_id and app_secret):
# each registrant receives a link with a JWT of their own (ecoute/programme/video.py). Unset: the
# link staff typed on the event is sent.
ECOUTE_JITSI_URL = env_str("ECOUTE_JITSI_URL", "")
ECOUTE_JITSI_APP_ID = env_str("ECOUTE_JITSI_APP_ID", "")
ECOUTE_JITSI_SECRET = env_str("ECOUTE_JITSI_SECRET", "")
# Threads (each with its database connection) on which one server process runs the event page; other requests wait.
ECOUTE_PROGRAMME_CONCURRENT_REGISTRATIONS = env_int("ECOUTE_PROGRAMME_CONCURRENT_REGISTRATIONS", 8, minimum=1)

# --- Security headers ---------------------------------------------------------------------------


def _tile_origin(template: str) -> list[str]:
    """The scheme and host of the map's tile URL template, for the images the page may load."""
    from urllib.parse import urlsplit

    parts = urlsplit(template.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


# No inline script or style anywhere: scripts, styles, sockets and images from Écoute itself, map
# tiles from their configured host (docs/security-headers.md). 'self' covers ws:/wss: to the same
# host in CSP Level 3 browsers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origin(ECOUTE_MAP_TILE_URL)],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# WhiteNoise hands ASGI a synchronous file iterator; Django warns for each static file served.
# The files are small and cached by the service worker, so the warning is only noise here.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
