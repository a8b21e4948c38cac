"""Settings shared by every environment, read from environment variables.

The defaults are the embedded ones a fresh machine can run with: SQLite, a
filesystem Celery broker, media on local disk. Production overrides them with
DATABASE_URL, REDIS_URL and friends (see README's configuration table).
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"  # everything the embedded defaults write lives here

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # first: its runserver serves ASGI, so WebSockets work under `make run` too
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "channels",
    "corsheaders",
    "coach",
    "users",
    "workouts",
    "notifications",
    "exercises",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that may answer early
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for JSON (with Django's random padding against BREACH), then an ETag from the body:
    # a client polling with If-None-Match gets 304 and no body when nothing changed.
    "coach.compression.ApiGZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "coach.db_retry.RetryReadOnDroppedConnection",  # outside the request's transaction
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "coach.urls"
WSGI_APPLICATION = "coach.wsgi.application"
ASGI_APPLICATION = "coach.asgi.application"

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
            ],
        },
    },
]

# An empty variable means "not set", as it does for REDIS_URL.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'coach.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default has a web server and a worker writing to one file: WAL lets
    # readers go on during a write, and waiting on a lock beats failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# The web dashboard's build output (frontend/, `make frontend`), served under
# /static/dashboard/. Only listed once built: a missing folder would fail `check --deploy`.
DASHBOARD_DIST_DIR = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("dashboard", DASHBOARD_DIST_DIR)] if DASHBOARD_DIST_DIR.is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- CORS: web clients on other origins (none by default; the dashboard is same-origin).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False  # other origins use JWTs, never the session cookie
CORS_ALLOW_HEADERS = [
    *("accept", "authorization", "content-type", "if-none-match", "idempotency-key"),
    *("tus-resumable", "upload-length", "upload-metadata", "upload-offset"),
    "x-http-method-override",
]
CORS_EXPOSE_HEADERS = [
    *("etag", "location", "retry-after", "content-range", "accept-ranges"),
    *("tus-resumable", "tus-version", "tus-max-size", "tus-extension"),
    *("upload-offset", "upload-length", "upload-expires"),
]
CORS_ALLOW_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]

# --- E-mail (password reset): written to files under var/mail unless configured (production
# sends through SMTP: coach.settings.production).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="coach <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_S", default=60 * 60)
# The link e-mailed for a reset, with {uid} and {token}; empty: the e-mail gives the code only.
PASSWORD_RESET_URL = env("PASSWORD_RESET_URL", default="")

# --- Cache (throttling counters, statistics, JWT users). Redis when configured, process
# memory otherwise.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Keys of user ids and stamps mean one database: another deployment (or a benchmark's
# throwaway database) sharing the Redis needs a prefix of its own.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")
# Seconds a JWT request's user is taken from the cache instead of the database (dropped
# whenever the user changes: users.authentication). Only with a cache all web processes
# share: per-process memory could keep a copy another process has changed.
AUTH_USER_CACHE_S = env.int("AUTH_USER_CACHE_S", default=60 if REDIS_URL else 0)

# --- REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.CachedUserJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only; upload endpoints add the multipart parser themselves. (HTML-form
    # parsing would read an empty field as "not sent", which hides client bugs.)
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "coach.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["coach.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("AUTH_THROTTLE_RATE", default="20/min"),
    },
    # Throttles key on REMOTE_ADDR; behind N trusted proxies, on the address the outermost one
    # saw (the Nth X-Forwarded-For entry from the right). Unset, DRF would trust the header.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "coach.api.errors.CoachExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "ERROR_SCHEMAS": {"401": "coach.api.openapi.ErrorResponse401Serializer"},
}

# Failed log-ins per account (from any address) before it is locked for the window.
AUTH_ACCOUNT_FAILURE_LIMIT = env.int("AUTH_ACCOUNT_FAILURE_LIMIT", default=10)
AUTH_ACCOUNT_LOCKOUT_S = env.int("AUTH_ACCOUNT_LOCKOUT_S", default=15 * 60)

# A refresh token sent again this soon after its rotation gets the same new pair (users.tokens).
JWT_REFRESH_GRACE_S = env.int("JWT_REFRESH_GRACE_S", default=30)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a hash of the password hash: a password change ends every access token.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_OBTAIN_SERIALIZER": "users.tokens.FamilyTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "users.tokens.FamilyTokenRefreshSerializer",
    # SIGNING_KEY defaults to settings.SECRET_KEY, read after the environment settings load.
}

SPECTACULAR_SETTINGS = {
    "TITLE": "coach API",
    "DESCRIPTION": (
        "REST API of coach, a self-hosted fitness-coaching backend. Browser clients use "
        "session auth (CSRF-protected); mobile clients use JWT access/refresh tokens. "
        "All quantities are SI units (kg, cm, seconds). Errors share one shape: "
        "`{type, errors: [{code, detail, attr}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in [
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                "ErrorCode403Enum",
                "ErrorCode404Enum",
                "ErrorCode405Enum",
                "ErrorCode406Enum",
                "ErrorCode415Enum",
                "ErrorCode429Enum",
                "ErrorCode500Enum",
            ]
        },
        "ErrorCode401Enum": "coach.api.openapi.AuthenticationErrorCode.choices",
        "SexEnum": "users.models.Sex.choices",
        "UnitsEnum": "users.models.Units.choices",
        # Several `status` and `source` fields: sessions keep the names they had first.
        "StatusEnum": "workouts.models.SessionStatus.choices",
        "SourceEnum": "workouts.models.SessionSource.choices",
        "DeliveryStatusEnum": "notifications.models.DeliveryStatus.choices",
        "ExampleStatusEnum": "exercises.models.ExampleStatus.choices",
        "ExampleSourceEnum": "exercises.models.ExampleSource.choices",
        "TrainingStatusEnum": "exercises.models.TrainingStatus.choices",
        # The `conflict` code of every 409 (resumable uploads, reanalysis): its first name.
        "UploadConflictResponseItemCodeEnum": ["conflict"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "coach.api.openapi.add_retry_after_to_429",
        "coach.api.openapi.nullable_refs_as_one_of",
        "coach.api.openapi.head_answers_have_no_body",
        "coach.api.openapi.add_conditional_get",
    ],
    # Keeps the HEAD operations that views define themselves (drf-spectacular drops HEAD).
    "DEFAULT_GENERATOR_CLASS": "coach.api.openapi.SchemaGenerator",
}

# --- Channels (WebSockets): no channel layer. The live consumer gets its results as Celery
# results (workouts/live/consumer.py), so no socket needs a group or a channel of its own.

# --- Celery. Redis in production; a filesystem broker needing no server otherwise.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_FS_DIR = Path(env("CELERY_FS_DIR", default=str(VAR_DIR / "celery")))
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{CELERY_FS_DIR / 'results'}"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Producer and worker exchange messages as files in one folder (written atomically).
    CELERY_BROKER_TRANSPORT = "coach.kombu_filesystem:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "broker"),
        "data_folder_out": str(CELERY_FS_DIR / "broker"),
        "control_folder": str(CELERY_FS_DIR / "control"),
        "store_processed": False,
        # The default (1 s) would add up to a second to every live chunk's round trip.
        "polling_interval": 0.05,
    }
    for folder in ("broker", "control", "results"):
        (CELERY_FS_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=55 * 60)
CELERY_RESULT_EXPIRES = timedelta(days=1)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands an unacknowledged task to another worker after this long; it must exceed
    # the hard time limit, or a long analysis would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_IMPORTS = ["coach.tasks"]

# Sections other apps add to GET /api/v1/me/export/.
USER_EXPORT_SECTIONS = {
    "sessions": "workouts.exports.sessions_export_data",
    "webhooks": "notifications.exports.webhooks_export_data",
    "exercises": "exercises.exports.exercises_export_data",
}

# --- Workouts
WORKOUTS_MAX_UPLOAD_BYTES = env.int("WORKOUTS_MAX_UPLOAD_BYTES", default=2 * 1024**3)
WORKOUTS_MAX_DURATION_S = env.int("WORKOUTS_MAX_DURATION_S", default=3 * 60 * 60)
WORKOUTS_MAX_IN_FLIGHT = env.int("WORKOUTS_MAX_IN_FLIGHT", default=3)
WORKOUTS_MAX_OPEN_UPLOADS = env.int("WORKOUTS_MAX_OPEN_UPLOADS", default=3)
# A session whose analysis killed its worker this many times is marked failed.
WORKOUTS_MAX_ANALYSIS_ATTEMPTS = env.int("WORKOUTS_MAX_ANALYSIS_ATTEMPTS", default=3)
# A waiting analysis whose message may have been lost (a broker restart) is queued again
# after this long; a running one whose worker stopped reporting progress, after this long.
WORKOUTS_REQUEUE_PENDING_AFTER_S = env.int("WORKOUTS_REQUEUE_PENDING_AFTER_S", default=10 * 60)
WORKOUTS_REQUEUE_PROCESSING_AFTER_S = env.int(
    "WORKOUTS_REQUEUE_PROCESSING_AFTER_S", default=15 * 60
)
CELERY_TASK_ROUTES = {
    "workouts.analyse_session": {"queue": "analysis"},
    "exercises.train_custom_model": {"queue": "analysis"},
    # Live chunks have their own queue: an hour-long upload must not hold them up.
    "workouts.live_chunk": {"queue": "live"},
}
# --- Custom exercises
# The user's custom-exercise model the analysis passes to the engine (workouts.analysis).
WORKOUTS_CUSTOM_MODEL = "exercises.selectors.custom_model_for_analysis"
# A change to a user's examples trains their model this long after it, so a burst of
# changes (examples added one after another) trains once.
EXERCISES_TRAINING_DELAY_S = env.float("EXERCISES_TRAINING_DELAY_S", default=5.0)
# An uploaded example video is a short clip of one exercise.
EXERCISES_MAX_EXAMPLE_VIDEO_S = env.int("EXERCISES_MAX_EXAMPLE_VIDEO_S", default=120)
EXERCISES_MAX_EXAMPLE_VIDEO_BYTES = env.int(
    "EXERCISES_MAX_EXAMPLE_VIDEO_BYTES", default=200 * 1024**2
)
EXERCISES_MAX_PER_USER = env.int("EXERCISES_MAX_PER_USER", default=50)
# Stored files of other apps that the hourly orphan sweep checks (workouts.services).
MEDIA_FOLDERS_NAMED_BY = {"examples": "exercises.selectors.example_rows_naming"}
EXERCISES_MAX_EXAMPLES = env.int("EXERCISES_MAX_EXAMPLES", default=50)

# A live session nobody streams to for this long is stopped and analysed.
LIVE_IDLE_TIMEOUT_S = env.int("LIVE_IDLE_TIMEOUT_S", default=15 * 60)
CELERY_BEAT_SCHEDULE = {
    "purge-expired-videos": {"task": "workouts.purge_expired_videos", "schedule": 60 * 60},
    "purge-expired-uploads": {"task": "workouts.purge_expired_uploads", "schedule": 60 * 60},
    "purge-orphan-files": {"task": "workouts.purge_orphan_files", "schedule": 60 * 60},
    "stop-idle-live-sessions": {"task": "workouts.stop_idle_live_sessions", "schedule": 60},
    "requeue-stuck-analyses": {"task": "workouts.requeue_stuck_analyses", "schedule": 60},
    "resend-stalled-webhook-deliveries": {
        "task": "notifications.resend_stalled_deliveries",
        "schedule": 60,
    },
    "purge-old-events": {"task": "notifications.purge_old_events", "schedule": 60 * 60},
}

# --- Notifications
# How often each web process reads new events for its event-stream sockets.
NOTIFICATIONS_POLL_S = env.float("NOTIFICATIONS_POLL_S", default=1.0)
# Webhook URLs on private, loopback or reserved addresses (a receiver on the server's own
# network) are refused unless this is set: a user must not make the server call inside it.
NOTIFICATIONS_ALLOW_PRIVATE_URLS = env.bool("NOTIFICATIONS_ALLOW_PRIVATE_URLS", default=False)
NOTIFICATIONS_WEBHOOK_TIMEOUT_S = env.float("NOTIFICATIONS_WEBHOOK_TIMEOUT_S", default=10.0)
NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS = env.int("NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS", default=8)
# The wait before the second attempt; it doubles after each failure, to at most an hour.
NOTIFICATIONS_WEBHOOK_BACKOFF_S = env.float("NOTIFICATIONS_WEBHOOK_BACKOFF_S", default=30.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
