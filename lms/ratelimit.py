"""Small rate limits counted in Django's cache (shared between processes when REDIS_URL is set):
sign-in codes, certificate verification, public sign-ups and applications.  One helper so every
limit survives a key expiring between "create" and "increment"."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

HOUR_SECONDS = 3600


def hit(key: str, window_seconds: int) -> int:
    """Count one more attempt under ``key`` in the current window; returns the count."""
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
    return cache.get(key, 0)


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
