"""victimcare settings. Every environment read happens here.

Two modes:
- embedded (default): a SQLite file, a generated SECRET_KEY and field keys kept
  in the git-ignored var/ folder. For a laptop, a demo or the tests.
- production (VICTIMCARE_ENV=production): every secret must come from the
  environment and startup fails fast without one. See docs/operations.md.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VICTIMCARE_ENV = env.str("VICTIMCARE_ENV", default="embedded")
PRODUCTION = VICTIMCARE_ENV == "production"
VAR_DIR = Path(env.str("VICTIMCARE_VAR_DIR", default=str(BASE_DIR / "var")))


def _kept_secret(name: str, make: callable) -> str:  # type: ignore[valid-type]
    """A secret from the environment, or (embedded mode only) one generated once into var/."""
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise environ.ImproperlyConfigured(f"{name} must be set in production.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name.lower()
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = _kept_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Field encryption keys are separate from SECRET_KEY. The first key encrypts;
# all of them decrypt (MultiFernet), so rotation is: add a new key in front,
# run `victimcare manage reencrypt_fields`, then drop the old key.
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in _kept_secret("FIELD_ENCRYPTION_KEYS", _fernet_key).split(",") if k.strip()
]
BLIND_INDEX_KEY = _kept_secret("BLIND_INDEX_KEY", lambda: secrets.token_hex(32))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks_db",
    "victimcare.core",
    "victimcare.accounts",
    "victimcare.frontend",
    "rest_framework",
    "drf_spectacular",
    "drf_standardized_errors",
    "victimcare.cases",
    "victimcare.duties",
    "victimcare.messaging",
    "victimcare.desk",
    "victimcare.feedback",
    "victimcare.portal",
    "victimcare.forum",
    "victimcare.referrals",
    "victimcare.insights",
    "victimcare.integrations",
    "victimcare.api",
    "victimcare.demo",
]

MIDDLEWARE = [
    "victimcare.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Above everything that may touch the database: an outage answers 503.
    "victimcare.core.middleware_db.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "victimcare.accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "victimcare.core.middleware.RequestLogMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "victimcare.frontend.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.messages.context_processors.messages",
                "victimcare.frontend.context_processors.service",
                "victimcare.portal.context_processors.portal_links",
            ],
        },
    },
    {
        # Django's own templates, for the admin only.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database. Default: the embedded SQLite file in var/ (WAL mode, immediate
# transactions so writers queue instead of failing with "database is locked").
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'victimcare.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Timeouts, so a database that is down, frozen or cut off cannot hang a process
    # for ever (docs/operations.md "Database timeouts and pooling"). Web processes
    # (`victimcare serve` marks gunicorn with VICTIMCARE_PROCESS=web) also get a
    # statement timeout; workers, the scheduler and commands (migrate, demo) get
    # DATABASE_WORKER_STATEMENT_TIMEOUT_MS (0 = none).
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    _db_options.setdefault("keepalives", 1)
    _db_options.setdefault("keepalives_idle", env.int("DATABASE_KEEPALIVES_IDLE", default=30))
    _db_options.setdefault(
        "keepalives_interval", env.int("DATABASE_KEEPALIVES_INTERVAL", default=10)
    )
    _db_options.setdefault("keepalives_count", env.int("DATABASE_KEEPALIVES_COUNT", default=3))
    _statement_ms = (
        env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
        if env.str("VICTIMCARE_PROCESS", default="") == "web"
        else env.int("DATABASE_WORKER_STATEMENT_TIMEOUT_MS", default=0)
    )
    # pgbouncer in transaction mode: no server-side prepared statements or
    # cursors, and no startup `options` (set statement_timeout on the role instead).
    DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="session")
    if DATABASE_POOL_MODE == "transaction":
        _db_options["prepare_threshold"] = None
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif _statement_ms > 0:
        _db_options.setdefault("options", f"-c statement_timeout={_statement_ms}")
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so locked-out attempts never reach the password check.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
CSRF_FAILURE_VIEW = "victimcare.frontend.views.csrf_failure"
LOGIN_REDIRECT_URL = "accounts:home"

# Second factor (django-otp TOTP). The issuer is the name people see in their
# authenticator app; read lazily because SERVICE_NAME is set further down.
OTP_TOTP_ISSUER = lambda _device: SERVICE_NAME  # noqa: E731

# Sessions: idle timeout (default 30 minutes) enforced by StaffSessionMiddleware,
# absolute lifetime by the cookie age. Cookies are host-only, HttpOnly, SameSite.
IDLE_TIMEOUT_SECONDS = env.int("IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
STEP_UP_SECONDS = env.int("STEP_UP_SECONDS", default=5 * 60)  # accounts/stepup.py
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Login throttling: lock a user name at one address, not the whole address
# (police stations share one address behind NAT).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_CALLABLE = "victimcare.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Axes stores and logs a keyed hash of the email, never the address itself, and
# masks the typed email and code in the form data it keeps (accounts/lockout.py).
# Our audit log records sign-ins, so axes' own access log is off.
AXES_USERNAME_CALLABLE = "victimcare.accounts.lockout.axes_username"
AXES_CLIENT_STR_CALLABLE = "victimcare.accounts.lockout.axes_client_str"
AXES_SENSITIVE_PARAMETERS = ["email", "code", "csrfmiddlewaretoken", "next"]
AXES_DISABLE_ACCESS_LOG = True
# The same client-address rule as the audit log: X-Forwarded-For counts only
# behind TRUSTED_PROXY_COUNT proxies, so a client cannot dodge a lockout by forging it.
AXES_CLIENT_IP_CALLABLE = "victimcare.core.http.client_ip"
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
TRUSTED_PROXY_COUNT = AXES_IPWARE_PROXY_COUNT

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Compiled by scripts/build-assets.sh (make assets); never committed.
STATICFILES_DIRS = [
    Path(env.str("STATIC_BUILD_DIR", default=str(BASE_DIR / "var" / "static-build")))
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background work: django.tasks with the database backend. The queue is only a
# doorbell; durable state lives in our own tables (see docs/architecture.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)

# Messaging (issue 5): the outbox is the ledger, the channel delivers. "local"
# keeps messages in the admin outbox (the embedded default, no provider);
# "notify" sends through GOV.UK Notify (or `victimcare notify-stub`). Keep the
# lease well above the client timeout so an expired lease means the previous
# attempt has finished or died (messaging.checks enforces it).
# The service's own address, for links in emails to staff.
VICTIMCARE_BASE_URL = env.str("VICTIMCARE_BASE_URL", default="http://127.0.0.1:8000")
MESSAGING_CHANNEL = env.str("MESSAGING_CHANNEL", default="local")
# The local outbox is where a message ends up, so it counts as delivered at once.
MESSAGING_LOCAL_DELIVERS_AT_ONCE = env.bool("MESSAGING_LOCAL_DELIVERS_AT_ONCE", default=True)
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=30.0)
# Pass-through Notify templates ("((subject))", "((body))"): wording is ours and versioned here.
NOTIFY_TEMPLATE_IDS = {
    "sms": env.str("NOTIFY_SMS_TEMPLATE_ID", default=""),
    "email": env.str("NOTIFY_EMAIL_TEMPLATE_ID", default=""),
    "letter": env.str("NOTIFY_LETTER_TEMPLATE_ID", default=""),
}
# Notify sender ids (SMS sender / email reply-to), blank for Notify's default; the
# neutral ones (a sender name that does not say "Police") for restricted cases.
NOTIFY_SENDER_IDS = {
    "sms": env.str("NOTIFY_SMS_SENDER_ID", default=""),
    "email": env.str("NOTIFY_EMAIL_REPLY_TO_ID", default=""),
}
NOTIFY_NEUTRAL_SENDER_IDS = {
    "sms": env.str("NOTIFY_NEUTRAL_SMS_SENDER_ID", default=""),
    "email": env.str("NOTIFY_NEUTRAL_EMAIL_REPLY_TO_ID", default=""),
}
MESSAGING_LEASE_SECONDS = env.int("MESSAGING_LEASE_SECONDS", default=120)
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=10)
MESSAGING_MAX_AGE_HOURS = env.int("MESSAGING_MAX_AGE_HOURS", default=72)
MESSAGING_RETRY_BASE_SECONDS = env.int("MESSAGING_RETRY_BASE_SECONDS", default=30)
MESSAGING_RETRY_MAX_SECONDS = env.int("MESSAGING_RETRY_MAX_SECONDS", default=3600)
MESSAGING_DOORBELL_GRACE_SECONDS = env.int("MESSAGING_DOORBELL_GRACE_SECONDS", default=120)
# One shared token bucket per Notify service (Notify allows 3,000 a minute per
# key type). 0 = no limit. The bucket pays out HEADROOM below the limit, with no
# burst, so arrival jitter never puts more than limit/60 requests into a second.
MESSAGING_RATE_PER_MINUTE = env.int("MESSAGING_RATE_PER_MINUTE", default=3000)
MESSAGING_RATE_HEADROOM = env.float("MESSAGING_RATE_HEADROOM", default=0.1)
# How long a worker sleeps for a token before it postpones the message instead.
MESSAGING_RATE_MAX_WAIT_SECONDS = env.float("MESSAGING_RATE_MAX_WAIT_SECONDS", default=2.0)
# Every worker pauses this long after Notify answers 429.
MESSAGING_RATE_429_BACKOFF_SECONDS = env.float("MESSAGING_RATE_429_BACKOFF_SECONDS", default=10.0)
# Delivery receipts: Notify's callback bearer token (>= 10 characters; empty =
# every callback refused). Messages still `sent` this long after sending are
# asked about (get_notification_by_id) by the messages_receipts_poll job.
NOTIFY_CALLBACK_BEARER_TOKEN = env.str("NOTIFY_CALLBACK_BEARER_TOKEN", default="")
MESSAGING_RECEIPT_POLL_AFTER_HOURS = env.float("MESSAGING_RECEIPT_POLL_AFTER_HOURS", default=6.0)
MESSAGING_RECEIPT_POLL_BATCH = env.int("MESSAGING_RECEIPT_POLL_BATCH", default=200)
# Callbacks accepted per client IP per minute, per web process (the bearer token
# is the control; this only makes a flood cheap to refuse).
MESSAGING_CALLBACK_RATE_PER_MINUTE = env.int("MESSAGING_CALLBACK_RATE_PER_MINUTE", default=6000)
# Email through an SMTP relay instead of MESSAGING_CHANNEL ("smtp"; empty = same channel).
MESSAGING_EMAIL_CHANNEL = env.str("MESSAGING_EMAIL_CHANNEL", default="")
MESSAGING_SMTP_HOST = env.str("MESSAGING_SMTP_HOST", default="localhost")
MESSAGING_SMTP_PORT = env.int("MESSAGING_SMTP_PORT", default=25)
MESSAGING_SMTP_USERNAME = env.str("MESSAGING_SMTP_USERNAME", default="")
MESSAGING_SMTP_PASSWORD = env.str("MESSAGING_SMTP_PASSWORD", default="")
MESSAGING_SMTP_STARTTLS = env.bool("MESSAGING_SMTP_STARTTLS", default=False)
MESSAGING_SMTP_TIMEOUT_SECONDS = env.float("MESSAGING_SMTP_TIMEOUT_SECONDS", default=30.0)
MESSAGING_SMTP_FROM = env.str("MESSAGING_SMTP_FROM", default="victimcare@example.org")
MESSAGING_SMTP_MESSAGE_ID_DOMAIN = env.str(
    "MESSAGING_SMTP_MESSAGE_ID_DOMAIN", default="victimcare.example.org"
)

# Victim Focus Desk (issue 5): the number and opening hours every message gives.
# Hours are "days HH:MM-HH:MM" groups separated by ";" (days: mon..sun, ranges
# like mon-fri), Europe/London. The default number is in Ofcom's range for
# drama (0808 157 0000-0999), never a real line. Bank holidays: England's.
VICTIM_FOCUS_DESK_PHONE = env.str("VICTIM_FOCUS_DESK_PHONE", default="0808 157 0000")
VICTIM_FOCUS_DESK_HOURS = env.str(
    "VICTIM_FOCUS_DESK_HOURS", default="mon-fri 08:00-20:00; sat-sun 08:00-16:00"
)
VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = env.bool(
    "VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS", default=False
)
# The desk's shared mailbox, told about urgent feedback (issue 6); empty: not emailed
# (the desk still sees the urgent queue and its contact tasks).
VICTIM_FOCUS_DESK_EMAIL = env.str("VICTIM_FOCUS_DESK_EMAIL", default="")

# Feedback review (issue 6): urgent (safeguarding) items are due in clock hours,
# since the desk works seven days; low ratings and negative comments in days.
FEEDBACK_URGENT_REVIEW_HOURS = env.int("FEEDBACK_URGENT_REVIEW_HOURS", default=4)
FEEDBACK_REVIEW_DAYS = env.int("FEEDBACK_REVIEW_DAYS", default=14)
# Automated feedback invitations by text or email (victimcare/feedback/dispatch.py):
# at most one per person in this many days (survey fatigue).
FEEDBACK_INVITE_MIN_DAYS = env.int("FEEDBACK_INVITE_MIN_DAYS", default=28)

# Feedback scores (issue 6, item 6; victimcare/feedback/scores.py). Below the
# minimum number of responses an officer or team is shown as "Not enough
# responses" and never ranked or coloured (scores.py never goes below 5, whatever
# is set). The recognition list holds officers whose Wilson 95% lower bound of
# the share satisfied is above the threshold.
FEEDBACK_MIN_RESPONSES = env.int("FEEDBACK_MIN_RESPONSES", default=10)
FEEDBACK_RECOGNITION_LOWER_BOUND = env.float("FEEDBACK_RECOGNITION_LOWER_BOUND", default=0.85)

# The force this deployment serves: names are data, never hard-wired.
FORCE_NAME = env.str("FORCE_NAME", default="Metropolitan Police Service")
SERVICE_NAME = env.str("SERVICE_NAME", default="Victim care")
REFERENCE_DATA = env.str("REFERENCE_DATA", default="london")
OFFENCE_LIST = env.str("OFFENCE_LIST", default="england-wales")
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="victimcare-support@example.org")

# Partner API (issue 10 extends it). Authentication and throttling classes are
# set by victimcare.api; errors use drf-standardized-errors' structured bodies.
# Throttle counters are shared by every web process (core.ratelimit: the
# database, or Redis with RATELIMIT_BACKEND=redis); every endpoint names the
# token scopes it needs (api.permissions.HasScope, deny by default).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["victimcare.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "victimcare.api.permissions.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["victimcare.api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env.str("API_RATE_LIMIT", default="600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
_ERROR_ENUMS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "victimcare partner API",
    "DESCRIPTION": (
        "Partner systems (police, Witness Care Units, CPS, courts, probation, support "
        "organisations) read and record a crime's journey. Each token acts as a member "
        "of its organisation and sees exactly what such a person may see; a crime the "
        "token may not see answers 404, like one that does not exist."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.0.3",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        name: f"{_ERROR_ENUMS}.{name}.choices"
        for name in (
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            "ErrorCode401Enum",
            "ErrorCode403Enum",
            "ErrorCode404Enum",
            "ErrorCode405Enum",
            "ErrorCode406Enum",
            "ErrorCode415Enum",
            "ErrorCode429Enum",
            "ErrorCode500Enum",
            "ParseErrorCodeEnum",
        )
    }
    | {
        "EventCodeEnum": "victimcare.cases.constants.EventCode",
        "IdempotencyConflictCodeEnum": "victimcare.api.serializers.CONFLICT_CODES",
        "DutyStateEnum": "victimcare.duties.constants.DutyState",
        "DutyOwnerEnum": "victimcare.duties.constants.Owner",
        # Choice sets whose field names ("status", "kind", "state", "offence_group")
        # other sets share: named here, or drf-spectacular names them after a
        # component (or a hash, with a warning).
        "CrimeStatusEnum": "victimcare.cases.constants.CrimeStatus",
        "OffenceGroupEnum": "victimcare.cases.constants.OffenceGroup",
        "MessageStatusEnum": "victimcare.messaging.constants.Status",
        "MessageChannelEnum": "victimcare.messaging.constants.Channel",
        "ServiceKindEnum": "victimcare.referrals.constants.ServiceKind",
        "ReferralStateEnum": "victimcare.referrals.constants.ReferralState",
        "ReferralProblemKindEnum": "victimcare.referrals.constants.ProblemKind",
        "ReferralProblemStateEnum": "victimcare.referrals.constants.ProblemState",
        # Feedback's categories: the victim's answer or "not_known".
        "AgeBandOrNotKnownEnum": "victimcare.api.serializers_reads.AGE_BAND_OR_NOT_KNOWN",
        "EthnicityOrNotKnownEnum": "victimcare.api.serializers_reads.ETHNICITY_OR_NOT_KNOWN",
        "DisabilityOrNotKnownEnum": "victimcare.api.serializers_reads.DISABILITY_OR_NOT_KNOWN",
        "NeedsRecognisedOrNotKnownEnum": (
            "victimcare.api.serializers_reads.NEEDS_RECOGNISED_OR_NOT_KNOWN"
        ),
        "OffenceGroupOrNotKnownEnum": (
            "victimcare.api.serializers_reads.OFFENCE_GROUP_OR_NOT_KNOWN"
        ),
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "victimcare.api.schema.index_attrs_as_patterns",
        "victimcare.api.schema.header_error_attrs",
    ],
}

# Rate limits (victimcare.core.ratelimit): counted in the database (a counter
# table, works on SQLite and PostgreSQL) or in Redis, shared by every process.
# If Redis is unreachable the database counts instead (never fail open).
RATELIMIT_BACKEND = env.str("RATELIMIT_BACKEND", default="database")
RATELIMIT_REDIS_URL = env.str("RATELIMIT_REDIS_URL", default="redis://127.0.0.1:6379/0")
# The public feedback page /f/<token>/ (security.md row 22). A victim opens it
# once or twice and posts once; 30 requests in 10 minutes from one address
# leaves room for a household or a shared mobile-network address, and stops
# anyone trying tokens. A token may be posted 10 times an hour (corrections
# after a validation message; the first good post uses it up).
FEEDBACK_RATE_ADDRESS = env.int("FEEDBACK_RATE_ADDRESS", default=30)
FEEDBACK_RATE_ADDRESS_SECONDS = env.int("FEEDBACK_RATE_ADDRESS_SECONDS", default=10 * 60)
FEEDBACK_RATE_TOKEN_POSTS = env.int("FEEDBACK_RATE_TOKEN_POSTS", default=10)
FEEDBACK_RATE_TOKEN_SECONDS = env.int("FEEDBACK_RATE_TOKEN_SECONDS", default=60 * 60)
# Officers' personal QR cards (/f/c/<code>/): each scan opens a fresh invitation,
# so scans are limited per device (a signed cookie), per card and per address, per day.
FEEDBACK_CARD_SCANS_PER_DEVICE = env.int("FEEDBACK_CARD_SCANS_PER_DEVICE", default=3)
FEEDBACK_CARD_SCANS_PER_CARD = env.int("FEEDBACK_CARD_SCANS_PER_CARD", default=60)
FEEDBACK_CARD_SCANS_PER_ADDRESS = env.int("FEEDBACK_CARD_SCANS_PER_ADDRESS", default=20)
# The victim portal's case tracker (/track/, issue 7 item 7): a link lives 28
# days (a new one revokes it), a one-time code 10 minutes, a signed-in look at
# the case 15 minutes. Requests per client address are limited (codes cost a
# text or an email; a person needs a few tries, a household a few more).
PORTAL_TRACK_LINK_DAYS = env.int("PORTAL_TRACK_LINK_DAYS", default=28)
PORTAL_TRACK_CODE_SECONDS = env.int("PORTAL_TRACK_CODE_SECONDS", default=10 * 60)
PORTAL_TRACK_SESSION_SECONDS = env.int("PORTAL_TRACK_SESSION_SECONDS", default=15 * 60)
PORTAL_TRACK_RATE_ADDRESS = env.int("PORTAL_TRACK_RATE_ADDRESS", default=30)
PORTAL_TRACK_RATE_ADDRESS_SECONDS = env.int("PORTAL_TRACK_RATE_ADDRESS_SECONDS", default=10 * 60)
PORTAL_TRACK_CODES_PER_LINK = env.int("PORTAL_TRACK_CODES_PER_LINK", default=5)
# The Victim Voice Forum's public pages: sign-ups and withdrawal-link requests
# per client address (forum/views.py reads these).
FORUM_JOIN_RATE = env.int("FORUM_JOIN_RATE", default=10)
FORUM_JOIN_RATE_SECONDS = env.int("FORUM_JOIN_RATE_SECONDS", default=60 * 60)
FORUM_WITHDRAW_RATE = env.int("FORUM_WITHDRAW_RATE", default=30)
FORUM_WITHDRAW_RATE_SECONDS = env.int("FORUM_WITHDRAW_RATE_SECONDS", default=60 * 60)
# Referrals (issue 8): a data problem reported by a support service is due
# fixed within this many working days.
REFERRAL_RECTIFY_WORKING_DAYS = env.int("REFERRAL_RECTIFY_WORKING_DAYS", default=1)
# The /track/ start page (crime reference + date of birth, then a code): each
# try that is checked costs a look-up and may cost a text, and the pair is a
# guessing surface, so a client address gets a few tries an hour; and a crime
# gets a few codes a day from it whoever asks (each new code is three more
# guesses at a 6-digit code, and a text or email to the victim).
PORTAL_TRACK_START_RATE_ADDRESS = env.int("PORTAL_TRACK_START_RATE_ADDRESS", default=5)
PORTAL_TRACK_START_RATE_ADDRESS_SECONDS = env.int(
    "PORTAL_TRACK_START_RATE_ADDRESS_SECONDS", default=60 * 60
)
PORTAL_TRACK_START_CODES_PER_CRIME = env.int("PORTAL_TRACK_START_CODES_PER_CRIME", default=3)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = None  # victimcare.core.logging configures logging at startup.
from victimcare.core.logging import configure_logging  # noqa: E402

configure_logging(level=LOG_LEVEL, json=env.bool("LOG_JSON", default=True))

ADMINS: list[tuple[str, str]] = []

# Partner integration (issue 10): webhooks and feeds.
# A subscription is disabled after this many deliveries failed in a row.
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=10)
# Plain http to a loopback address (a partner's test receiver); never in production.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)

# Data retention (docs/retention.md). A rule's period in days can be changed with
# RETENTION_<RULE>_DAYS (e.g. RETENTION_MESSAGE_CONTENT_DAYS=14); an unknown rule
# or a period below the rule's minimum stops the sweep before it changes anything.
# Each nightly run works in batches (one short transaction each), at most
# RETENTION_MAX_BATCHES per rule; a backlog is finished by the following runs.
import os  # noqa: E402

RETENTION_DAYS = {
    name[len("RETENTION_") : -len("_DAYS")]: env.int(name)
    for name in os.environ
    if name.startswith("RETENTION_") and name.endswith("_DAYS") and len(name) > 15
}
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
RETENTION_MAX_BATCHES = env.int("RETENTION_MAX_BATCHES", default=200)
# The hour of the night (Europe/London, 0-23) the sweep runs in.
RETENTION_HOUR = env.int("RETENTION_HOUR", default=2)
