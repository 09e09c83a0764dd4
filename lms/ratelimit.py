"""Small rate limits counted in Django's cache (shared between processes when REDIS_URL is set):
sign-in codes, certificate verification.  One helper so every limit survives a key expiring
between "create" and "increment"."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


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


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the address the nearest trusted proxy saw."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
