"""The cache-counted rate limits survive a key expiring at the wrong moment, and count per
client address behind the configured number of proxies."""

from django.core.cache import cache
from django.test import RequestFactory

from lms import ratelimit


def test_hits_are_counted_in_the_window():
    assert [ratelimit.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("k") == 3


def test_a_key_that_expired_between_add_and_incr_starts_again(monkeypatch):
    original_add = cache.add

    def add_then_expire(key, value, timeout):
        result = original_add(key, value, timeout)
        cache.delete(key)  # expires right after being created
        return result

    monkeypatch.setattr(cache, "add", add_then_expire)
    assert ratelimit.hit("gone", 60) == 1
    assert ratelimit.count("gone") == 1


def test_client_address_behind_trusted_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert ratelimit.client_address(request) == "198.51.100.7"


def test_hourly_success_limit_counts_only_recorded_successes_per_address():
    limit = ratelimit.HourlySuccessLimit("test-apply")
    here = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2")
    elsewhere = RequestFactory().post("/", REMOTE_ADDR="10.0.0.3")

    assert not limit.reached(here, per_hour=2)
    limit.record(here)
    assert not limit.reached(here, per_hour=2)
    limit.record(here)

    assert limit.reached(here, per_hour=2)
    assert not limit.reached(elsewhere, per_hour=2)
    assert limit.key(here) == "test-apply:10.0.0.2"
