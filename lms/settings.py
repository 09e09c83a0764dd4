"""Settings for the Hyogo Tsunagari Academy, read from the environment.

One module for every environment: development is the default, ``DJANGO_ENV=production``
switches on the hardening that ``manage.py check --deploy`` asks for and refuses to start
without a real secret key.  Every variable is listed in ``.env.example`` and the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from wagtail.embeds.oembed_providers import vimeo, youtube

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DJANGO_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
IS_PRODUCTION = DJANGO_ENV == "production"

INSECURE_DEV_KEY = "django-insecure-development-only-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "" if IS_PRODUCTION else INSECURE_DEV_KEY)
if IS_PRODUCTION and (
    not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

DEBUG = env_bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if IS_PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Ours first so our templates and translations win.
    "lms",
    "cms",
    "courses",
    "certificates",
    "volunteers",
    "mentoring",
    "lessons",
    "surveys",
    "organisations",
    "opportunities",
    "exchange",
    "audit",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.apps.UsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    # Background work
    "django_q",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Content-Security-Policy (the middleware is lms.csp.SiteCSPMiddleware); its system checks.
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page (static files are answered above it, without one).
    "lms.csp.SiteCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Public pages kept for anonymous visitors (lms.pagecache); innermost, so a kept page still
    # passes every middleware above on its way out.
    "lms.pagecache.AnonymousPageCacheMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.context_processors.site_chrome",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take SQLite's write lock at BEGIN so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and accounts ---------------------------------------------------------------------
AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "lms.backends.ModelBackendOneQuery",  # one query for permissions, not two
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# One login page for everyone, with allauth's rate limits, also for the Wagtail admin.
WAGTAILADMIN_LOGIN_URL = "account_login"
# A signed-in person without admin rights sent to the login page sees it (with Wagtail's
# "no permission" message) instead of bouncing back to /admin/ in a loop.
ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False
LOGIN_REDIRECT_URL = "profile"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.SignupForm"
ACCOUNT_ADAPTER = "lms.adapters.AccountAdapter"
# Sign-up with a registered address looks like any sign-up; the owner is emailed instead (APPI:
# the site never reveals who has an account).
ACCOUNT_PREVENT_ENUMERATION = True
# Abuse limits of the account pages, counted per client address ("ip") and per account ("key",
# the email address typed) in the shared cache.  Five wrong passwords for one account lock it for
# fifteen minutes, even with the right password (the form says so; a password reset by email
# lifts it); ten failures a minute from one address stop guessing across accounts.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/15m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# The version people agree to at sign-up; change it when the policy page changes materially.
PRIVACY_POLICY_VERSION = os.environ.get("PRIVACY_POLICY_VERSION", "2026-04")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_SIMPLE_TRANSLATION_SYNC_PAGE_TREE = False

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", DATA_DIR / "media"))
# Files only the application serves, after a permission check (certificate PDFs, attachments
# in the members' exchange): never under MEDIA_ROOT, which the web server publishes as it is.
PRIVATE_ROOT = Path(os.environ.get("DJANGO_PRIVATE_ROOT", DATA_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            # WhiteNoise's and Django's, each working out a file's URL once (lms.staticfiles).
            "lms.staticfiles.ManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "lms.staticfiles.StaticFilesStorage"
        )
    },
}

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "ひょうごつながりアカデミー"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_URL = WAGTAILADMIN_BASE_URL
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # "simple" keeps Japanese n-gram tokens intact (no English stemming).
        "SEARCH_CONFIG": "simple",
    }
}
WAGTAILADMIN_USER_LOGIN_FORM = "wagtail.admin.forms.auth.LoginForm"
# Uploads (types and sizes; docs/security.md says why).  Documents: office files people
# download, and lesson videos with their WebVTT captions.  No archives (zip, key: their content
# escapes every check and review) and nothing a browser runs when opened (html, svg).
WAGTAILDOCS_EXTENSIONS = [
    "csv", "docx", "mp4", "odt", "pdf", "pptx", "rtf", "txt", "vtt", "webm", "xlsx",
]  # fmt: skip
WAGTAILDOCS_DOCUMENT_FORM_BASE = "lms.uploads.DocumentForm"
DOCUMENT_MAX_UPLOAD_MB = 20
DOCUMENT_VIDEO_MAX_UPLOAD_MB = 500  # mp4, webm: about an hour of 720p
# Images: Wagtail's raster formats only.  Never SVG: it can carry scripts.
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000  # a 48-megapixel phone photo; stops pixel bombs
# A request body without files is held in memory up to this size, then refused (Django's
# default); uploaded files above the second size are spooled to a temporary file, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000  # Wagtail's page editor posts many fields

# Wagtail's own small jobs (search index, reference index) run inline through django-tasks.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Background work (django-q2) ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "hyogo",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,  # must stay below "retry" or long tasks run twice
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "label": _("Background tasks"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    # Explicit: with no broker configured django-q2 would try Redis on localhost.
    Q_CLUSTER["orm"] = "default"

# Rate limits and the sign-in lockout are counted in one store shared by every web process: the
# default cache, Redis when REDIS_URL is set, otherwise a table in the database (created by a
# migration); without Redis our own limits (lms.ratelimit) use their own table instead.  A
# per-process memory cache would let each gunicorn worker count on its own, multiplying every
# limit by the number of workers.
CACHE_TABLE = "lms_cache"
# The private calendar feeds' written bytes (lms.calendar.CachedCalendar), one entry per feed
# that changed within two refresh intervals: tens of thousands at prefecture scale.  Apart from
# the default cache, because Django's database cache counts its whole table on every write, and
# the default cache is written on the hot paths (a shared version drawn after each change).
CALENDAR_CACHE_TABLE = "lms_calendar_cache"
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Expired entries are removed once the table passes this size; the default (300)
            # would let a burst of addresses evict live rate-limit counters.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    ),
    "calendar-feeds": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "calendar",
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CALENDAR_CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    ),
    # Whole public pages for anonymous visitors, and the values pages share (the menu, routes,
    # a course's runs: lms.pagecache, lms.pageserving), in each process's memory; only their
    # version is shared, in the default cache.  A thousand entries (a whole page is about
    # 30 KB, the values less): about 30 MB at most per process; past that the least recently
    # used third is dropped.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # What one signed-in person's page was built from (My learning), in each process's memory
    # beside the public pages, so that people's pages never push the public ones out.  Most
    # are 10-40 KB; a person with 30 places about 180 KB: at most about 30 MB per process.
    "personal-pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "personal-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Lines of long staff lists as HTML (a roster's people, the attendance matrix), each named
    # by a digest of what it shows (lms.pagecache.written_once), in each process's memory:
    # about 1 KB each, so at most about 10 MB per process...
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # ...and the whole rosters and matrices last shown (lms.pagecache.kept_while_unchanged: one
    # per roster or matrix, language and time zone, not per search), up to about 450 KB each
    # for 300 people: at most about 45 MB per process.
    "fragment-lists": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragment-lists",
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
    # Staff lists kept whole, the same for every coordinator (the volunteer list per filters and
    # page, the mentoring alerts per page and day), about 30-110 KB each: apart from the rosters
    # and matrices, so that searches push none of those out; at most about 30 MB per process.
    "staff-lists": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "staff-lists",
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
    # Each signed-in person's permissions (lms.backends), a few hundred bytes each: apart from
    # the pages, so that thousands of learners signing in push none of those out.
    "permissions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "permissions",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
# How long a public page is kept for anonymous visitors at most (0: not at all).  Changes to
# what the pages show make kept pages stale at once; this bounds what changes with time alone.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "120"))

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "ひょうごつながりアカデミー <no-reply@localhost>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Who receives error reports (500s) by email, comma-separated; none when empty.  The reports
# carry no personal data (lms.logging).
ADMINS = [("", address) for address in env_list("DJANGO_ADMINS")]
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "5"))
# Delivered messages are kept this long in the mail log, then deleted (personal data).
EMAIL_RETENTION_DAYS = int(os.environ.get("EMAIL_RETENTION_DAYS", "180"))
# A person offered a freed seat is reminded once, at most this many hours before the offer
# expires (a quarter of the run's time to accept when that is shorter).
OFFER_REMINDER_HOURS = int(os.environ.get("OFFER_REMINDER_HOURS", "12"))

# Reverse proxies in front of the site that append to X-Forwarded-For (0: none; the client's
# address is REMOTE_ADDR). Rate limits count per client address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Volunteers -----------------------------------------------------------------------------
# The version of the purpose-of-use text shown on the volunteer sign-up form (APPI consent).
VOLUNTEER_PURPOSE_VERSION = os.environ.get("VOLUNTEER_PURPOSE_VERSION", "2026-11")
# Applicants not contacted within this many days are listed for coordinators.
VOLUNTEER_CONTACT_WITHIN_DAYS = int(os.environ.get("VOLUNTEER_CONTACT_WITHIN_DAYS", "7"))
# Online sign-ups never confirmed and still "applied" after this many months are purged.
VOLUNTEER_ABANDONED_MONTHS = int(os.environ.get("VOLUNTEER_ABANDONED_MONTHS", "6"))
# Sign-ups allowed per address per hour (spam protection together with a honeypot field).
VOLUNTEER_SIGNUPS_PER_HOUR = int(os.environ.get("VOLUNTEER_SIGNUPS_PER_HOUR", "5"))
# Leader discovery: active volunteers meeting all three are listed as candidates.
VOLUNTEER_LEADER_MONTHS_ACTIVE = int(os.environ.get("VOLUNTEER_LEADER_MONTHS_ACTIVE", "6"))
VOLUNTEER_LEADER_COURSES_COMPLETED = int(os.environ.get("VOLUNTEER_LEADER_COURSES_COMPLETED", "2"))
VOLUNTEER_LEADER_HOURS = int(os.environ.get("VOLUNTEER_LEADER_HOURS", "20"))

# --- Partner organisations ------------------------------------------------------------------
# The version of the platform's terms organisations agree to when they apply to join.
PLATFORM_TERMS_VERSION = os.environ.get("PLATFORM_TERMS_VERSION", "2026-11")
# Invitations to join an organisation's members expire after this many days.
ORGANISATION_INVITATION_DAYS = int(os.environ.get("ORGANISATION_INVITATION_DAYS", "14"))
# Members' information exchange: the largest attachment accepted, in megabytes.  Attachments
# are kept in the private storage (PRIVATE_ROOT) and served only after a permission check.
EXCHANGE_MAX_UPLOAD_MB = int(os.environ.get("EXCHANGE_MAX_UPLOAD_MB", "10"))

# --- Audit log -------------------------------------------------------------------------------
# Staff actions on personal data are kept this many days (five years), then purged daily.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "1826"))

# --- Calendars ------------------------------------------------------------------------------
# The domain in calendar UIDs (session-12@<domain>): keep it stable once calendars exist.
CALENDAR_UID_DOMAIN = os.environ.get(
    "CALENDAR_UID_DOMAIN", SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
)
# Besides the day-before reminder, online sessions get one an hour before.
SESSION_REMINDER_HOUR_BEFORE_ONLINE = env_bool("SESSION_REMINDER_HOUR_BEFORE_ONLINE", True)
# The ORGANIZER of invites: replies (accept/decline) go here, so use a mailbox someone reads.
CALENDAR_ORGANIZER = os.environ.get("CALENDAR_ORGANIZER", DEFAULT_FROM_EMAIL)
# Subscribed calendar clients are asked to refresh this often (Google decides for itself).
CALENDAR_REFRESH_HOURS = int(os.environ.get("CALENDAR_REFRESH_HOURS", "6"))

# --- Certificates ---------------------------------------------------------------------------
# IPAex fonts (IPA Font License, redistributable; installed by scripts/system-deps.sh).
CERTIFICATE_FONTS = {
    "mincho": os.environ.get(
        "CERTIFICATE_FONT_MINCHO", "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
    ),
    "gothic": os.environ.get(
        "CERTIFICATE_FONT_GOTHIC", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
    ),
}
# Verification page lookups allowed per address per minute.
CERTIFICATE_VERIFY_PER_MINUTE = int(os.environ.get("CERTIFICATE_VERIFY_PER_MINUTE", "30"))
CERTIFICATE_PDF_VARIANT = os.environ.get("CERTIFICATE_PDF_VARIANT", "pdf/a-3b") or None

# --- Attendance -----------------------------------------------------------------------------
# Self check-in (QR, typed code, online join) opens this long before a session starts and
# closes this long after it ends.
ATTENDANCE_CHECKIN_OPENS_MINUTES = int(os.environ.get("ATTENDANCE_CHECKIN_OPENS_MINUTES", "30"))
ATTENDANCE_CHECKIN_CLOSES_MINUTES = int(os.environ.get("ATTENDANCE_CHECKIN_CLOSES_MINUTES", "15"))
# The projected QR code and typed code change this often; a code stays valid this many seconds
# after it was replaced (people scanning as it changes, or typing slowly).
ATTENDANCE_CODE_ROTATION_SECONDS = int(os.environ.get("ATTENDANCE_CODE_ROTATION_SECONDS", "30"))
ATTENDANCE_CODE_GRACE_SECONDS = int(os.environ.get("ATTENDANCE_CODE_GRACE_SECONDS", "30"))
# Wrong typed codes allowed per person in ten minutes (guessing a 4-digit code is then futile).
ATTENDANCE_CODE_MAX_TRIES = int(os.environ.get("ATTENDANCE_CODE_MAX_TRIES", "5"))
# Wrong typed codes allowed per person in a day (see courses/attendance_views.py for the odds).
ATTENDANCE_CODE_MAX_TRIES_PER_DAY = int(os.environ.get("ATTENDANCE_CODE_MAX_TRIES_PER_DAY", "15"))
# Wrong typed codes allowed per client address in ten minutes (all accounts together).
ATTENDANCE_CODE_MAX_TRIES_PER_ADDRESS = int(
    os.environ.get("ATTENDANCE_CODE_MAX_TRIES_PER_ADDRESS", "30")
)

if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )

# --- Security -------------------------------------------------------------------------------
# docs/security.md says what each setting here is for and how the tests check it.
# Django's database sessions, read with a statement built once (lms.sessions).
SESSION_ENGINE = "lms.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Wagtail's preview views set SAMEORIGIN on their own responses, so everything else can be DENY.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer's health check may come over plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if EMAIL_BACKEND.endswith("console.EmailBackend"):
        raise ImproperlyConfigured(
            "Set EMAIL_HOST (SMTP) in production: the console backend loses mail."
        )

# Content-Security-Policy (django-csp through lms.csp.SiteCSPMiddleware), in every environment so
# a violation shows up in development and in the browser tests.  No inline scripts or styles
# anywhere on the site (tests/test_security_headers.py scans the templates).
VIDEO_EMBED_ORIGINS = ["https://www.youtube.com", "https://player.vimeo.com"]
# Only the two video services the frame-src allows can be embedded, so an editor who pastes
# another address is told at once instead of publishing a frame the browser then blocks.
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed", "providers": [youtube, vimeo]}]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-src": VIDEO_EMBED_ORIGINS,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # "Join online" on My learning also allows that session's meeting host (lms.csp).
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail's and Django's admin still use inline scripts (date pickers, inline panels) and
# inline styles, and show the page preview in a frame of their own: only staff sign in there.
CSP_ADMIN_PATH_PREFIXES = ["/admin/", "/django-admin/"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'", *VIDEO_EMBED_ORIGINS],
        "frame-ancestors": ["'self'"],
    }
}
# Wagtail's admin would otherwise send a hash of each editor's address to Gravatar, and ask
# releases.wagtail.org for news from the browser: both third parties, both outside the policy.
# Dependency updates are reviewed with pip-audit instead (docs/security.md).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Error reports (emails to ADMINS, and Django's error page when DEBUG is off) show the names of
# the posted fields, cookies and query parameters but none of their values, nor who was signed
# in: lms.logging.
DEFAULT_EXCEPTION_REPORTER = "lms.logging.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "lms.logging.PersonalDataExceptionReporterFilter"

# Every handler masks email addresses and phone numbers in what it writes (lms.logging), so a
# log line or an error email never carries them, whoever wrote the message.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "lms.logging.PersonalDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Named here so Django's own handlers (console, mail_admins without the filter) are
        # replaced by ours; its records still reach the root's console.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}
