"""Test settings: the real settings with fast hashing, in-memory mail and synchronous tasks."""

from lms.settings import *  # noqa: F403
from lms.settings import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
ACCOUNT_RATE_LIMITS = False
# One memory cache per test process, cleared around every test (tests/conftest.py), so tests that
# never touch the database need none.  The shared database cache the site uses is exercised by
# tests/lms/test_shared_cache.py and the two-worker sign-in lockout test.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "calendar-feeds": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "calendar-feeds",
    },
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    "personal-pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "personal-pages",
    },
    # As in production: a roster of 300 must fit.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    "fragment-lists": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragment-lists",
    },
    "staff-lists": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "staff-lists",
    },
    "permissions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "permissions",
    },
}
# Kept public pages (lms.pagecache) are made stale after each change commits, and a test's
# transaction never commits: off here, on in tests/lms/test_page_cache.py (which commits) and in
# the browser journeys (tests/e2e/conftest.py), where the live server commits as the site does.
PUBLIC_PAGE_CACHE_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "lms.staticfiles.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
