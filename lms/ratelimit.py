"""Small rate limits: sign-in codes, certificate verification, public sign-ups and applications.

Every web process must see the same counts.  With Redis (``REDIS_URL``, which makes it the
default cache in ``lms/settings.py``) they are counted in the cache, by one helper so that every
limit survives a key expiring between "create" and "increment".  Without Redis the cache is a
database table, where that helper costs about eleven statements a hit (each ``set`` also counts
the table for culling); so the counts go to their own table (``RateLimitCounter``) instead, one
upsert a hit and one SELECT a look-up, and the periodic job ``purge-expired-rate-limits``
deletes the rows whose window has passed.  On PostgreSQL the table is unlogged (migration
``lms.0012``): a hit writes nothing to the write-ahead log, so its commit never waits for the
disk, and a crash of the database server empties the table (every count starts again).  Either way a window starts at the first hit and the
count starts again from 1 once it has passed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.utils import timezone

from lms.models import RateLimitCounter

HOUR_SECONDS = 3600
KEY_LENGTH = RateLimitCounter._meta.get_field("key").max_length


def hit(key: str, window_seconds: int) -> int:
    """Count one more attempt under ``key`` in the current window; returns the count."""
    if _counts_in_table():
        return _table_hit(key, window_seconds)
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, window_seconds)
        return 1
    if count == 1:
        cache.touch(key, window_seconds)  # an incr that recreated the key left it without expiry
    return count


def count(key: str) -> int:
    """The attempts under ``key`` in its current window (0 when none or the window passed)."""
    if _counts_in_table():
        live = RateLimitCounter.objects.filter(
            key=_stored_key(key), expires_at__gt=timezone.now()
        ).values_list("count", flat=True)[:1]
        return next(iter(live), 0)
    return cache.get(key, 0)


def rate_limit_counters_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the counters whose window has passed (they already count as absent); returns how
    many.  Run periodically; doing it twice deletes nothing more."""
    deleted, _per_model = RateLimitCounter.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def _counts_in_table() -> bool:
    return not settings.REDIS_URL


def _stored_key(key: str) -> str:
    """``key`` as the table can hold it: a key too long for the column, or with a NUL (which
    PostgreSQL refuses in text), keeps its start and ends with its SHA-256 instead."""
    if len(key) <= KEY_LENGTH and "\x00" not in key:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_LENGTH - len(digest) - 1]}#{digest}".replace("\x00", "?")


def _table_hit(key: str, window_seconds: int) -> int:
    """One statement: insert the counter at 1, or add 1 to it, or, if its window has passed,
    start it again at 1 with a new window.  The row lock of the upsert makes concurrent hits
    on one key count 1, 2, 3… without gaps or repeats."""
    meta = RateLimitCounter._meta
    connection = connections[router.db_for_write(RateLimitCounter)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    key_column, count_column, expires_column = (
        quote(meta.get_field(name).column) for name in ("key", "count", "expires_at")
    )
    expired = f"{table}.{expires_column} <= %s"
    sql = (
        f"INSERT INTO {table} ({key_column}, {count_column}, {expires_column}) "  # noqa: S608
        f"VALUES (%s, 1, %s) ON CONFLICT ({key_column}) DO UPDATE SET "
        f"{count_column} = CASE WHEN {expired} THEN 1 ELSE {table}.{count_column} + 1 END, "
        f"{expires_column} = CASE WHEN {expired} THEN excluded.{expires_column} "
        f"ELSE {table}.{expires_column} END "
        f"RETURNING {count_column}"
    )
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = [_stored_key(key), adapt(now + timedelta(seconds=window_seconds)), adapt(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, params[2]])
        ((counted,),) = cursor.fetchall()  # all: SQLite finishes the statement only then
    return counted


@dataclass(frozen=True)
class HourlySuccessLimit:
    """At most so many successful submissions of a public form per client address in an hour
    (spam protection, together with a honeypot).  The view asks ``reached()`` before doing the
    work and calls ``record()`` only once it succeeded, so a form sent back with mistakes does
    not count against the person.  The hour starts at the first recorded success.

    :param scope: names what is counted in the cache key, e.g. ``"volunteer-signup"``.
    """

    scope: str

    def key(self, request) -> str:
        return f"{self.scope}:{client_address(request)}"

    def reached(self, request, *, per_hour: int) -> bool:
        """Whether this address already succeeded ``per_hour`` times in the current hour."""
        return count(self.key(request)) >= per_hour

    def record(self, request) -> None:
        """Count one more success from this address."""
        hit(self.key(request), HOUR_SECONDS)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the address the nearest trusted proxy saw."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
