"""The rate limits count per key in a window that starts at the first hit: without Redis in a
table, one statement a hit (and exactly 1..N under concurrent hits on PostgreSQL), with Redis in
the cache (here the tests' memory cache stands in for it), surviving a key expiring at the wrong
moment; expired counters are purged by a periodic job; and they count per client address behind
the configured number of proxies."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone
from django.utils.module_loading import import_string

from lms import ratelimit
from lms.models import RateLimitCounter
from lms.schedules import PERIODIC_JOBS
from tests.courses.test_concurrency import race

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["table", "redis"])
def store(request, settings) -> str:
    """Both ways of counting: the table (no REDIS_URL, the embedded default) and the cache (as
    with REDIS_URL set; the cache itself is the tests' memory cache)."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0" if request.param == "redis" else ""
    return request.param


@pytest.fixture
def with_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"


def _expire(key: str) -> None:
    """The key's window has just passed (as if its time had come)."""
    assert RateLimitCounter.objects.filter(key=key).update(expires_at=timezone.now()) == 1


def test_hits_are_counted_in_the_window(store):
    assert [ratelimit.hit("k", 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("other", 60) == 1
    assert ratelimit.count("k") == 3
    assert ratelimit.count("other") == 1
    assert ratelimit.count("never-hit") == 0
    in_table = dict(RateLimitCounter.objects.values_list("key", "count"))
    assert in_table == ({"k": 3, "other": 1} if store == "table" else {})


def test_the_window_starts_at_the_first_hit_and_is_not_extended_by_later_ones():
    before = timezone.now()
    ratelimit.hit("k", 60)
    first_expiry = RateLimitCounter.objects.get(key="k").expires_at
    assert (
        before + dt.timedelta(seconds=60)
        <= first_expiry
        <= timezone.now() + dt.timedelta(seconds=60)
    )
    ratelimit.hit("k", 60)
    assert RateLimitCounter.objects.get(key="k").expires_at == first_expiry


def test_the_count_starts_again_at_one_once_the_window_has_passed():
    for _ in range(4):
        ratelimit.hit("k", 600)
    _expire("k")
    assert ratelimit.count("k") == 0  # the row is still there, but its window has passed

    before = timezone.now()
    assert ratelimit.hit("k", 600) == 1
    restarted = RateLimitCounter.objects.get(key="k")
    assert restarted.count == 1
    assert restarted.expires_at >= before + dt.timedelta(seconds=600)  # a new window
    assert ratelimit.hit("k", 600) == 2


def test_count_ignores_expired_counters():
    now = timezone.now()
    RateLimitCounter.objects.create(key="past", count=7, expires_at=now - dt.timedelta(seconds=1))
    RateLimitCounter.objects.create(key="live", count=5, expires_at=now + dt.timedelta(minutes=1))
    assert ratelimit.count("past") == 0
    assert ratelimit.count("live") == 5


def test_a_hit_and_a_look_up_are_one_statement_each(django_assert_num_queries):
    with django_assert_num_queries(1) as first:
        assert ratelimit.hit("certificate-verify:198.51.100.7", 60) == 1
    with django_assert_num_queries(1):
        assert ratelimit.hit("certificate-verify:198.51.100.7", 60) == 2
    _expire("certificate-verify:198.51.100.7")
    with django_assert_num_queries(1):
        assert ratelimit.hit("certificate-verify:198.51.100.7", 60) == 1
    with django_assert_num_queries(1):
        assert ratelimit.count("certificate-verify:198.51.100.7") == 1
    assert first.captured_queries[0]["sql"].startswith(
        f'INSERT INTO "{RateLimitCounter._meta.db_table}"'
    )


def test_with_redis_nothing_is_counted_in_the_database(with_redis, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert [ratelimit.hit("k", 60) for _ in range(2)] == [1, 2]
        assert ratelimit.count("k") == 2
    assert cache.get("k") == 2


def test_a_key_that_expired_between_add_and_incr_starts_again(with_redis, monkeypatch):
    original_add = cache.add

    def add_then_expire(key, value, timeout):
        result = original_add(key, value, timeout)
        cache.delete(key)  # expires right after being created
        return result

    monkeypatch.setattr(cache, "add", add_then_expire)
    assert ratelimit.hit("gone", 60) == 1
    assert ratelimit.count("gone") == 1


def test_keys_too_long_for_the_column_or_with_nul_are_still_counted_apart():
    long_key = "organisation-apply:" + "9" * 400
    other_long_key = "organisation-apply:" + "9" * 399 + "8"
    assert [ratelimit.hit(long_key, 60) for _ in range(2)] == [1, 2]
    assert ratelimit.hit(other_long_key, 60) == 1
    assert ratelimit.hit("certificate-verify:a\x00b", 60) == 1
    assert ratelimit.hit("certificate-verify:a?b", 60) == 1
    assert ratelimit.count(long_key) == 2
    assert ratelimit.count("certificate-verify:a\x00b") == 1
    assert RateLimitCounter.objects.count() == 4
    assert all(len(key) <= 255 for key in RateLimitCounter.objects.values_list("key", flat=True))


def test_the_periodic_purge_deletes_only_expired_counters():
    now = timezone.now()
    RateLimitCounter.objects.bulk_create(
        [
            RateLimitCounter(key="old", count=3, expires_at=now - dt.timedelta(hours=2)),
            RateLimitCounter(key="just-passed", count=1, expires_at=now),
            RateLimitCounter(key="live", count=2, expires_at=now + dt.timedelta(seconds=5)),
        ]
    )
    job = next(
        func for name, func, _minutes in PERIODIC_JOBS if name == "purge-expired-rate-limits"
    )

    assert ratelimit.rate_limit_counters_purge_expired(now=now) == 2
    assert import_string(job)() == 0  # idempotent: nothing more to delete
    assert dict(RateLimitCounter.objects.values_list("key", "count")) == {"live": 2}
    assert ratelimit.count("live") == 2


def test_the_certificate_verification_page_spends_one_statement_on_its_limit(
    client, site_cache, home_page, django_assert_num_queries
):
    """With the site's own cache (a table, as without Redis) the page ran 18 statements, 12 of
    them for the limit; now 7: the certificate, Wagtail's site, locale, view restrictions and
    home page for the layout, the office's address, and one upsert.  The same on every visit."""
    from certificates import services
    from courses.models import EnrolmentStatus
    from tests.factories import CourseRunFactory, EnrolmentFactory

    enrolment = EnrolmentFactory(run=CourseRunFactory(), status=EnrolmentStatus.COMPLETED)
    certificate = services.certificate_issue(enrolment=enrolment)
    url = f"/certificates/verify/{certificate.verification_code}/"
    client.get(url)  # the first page view anywhere creates the office's (empty) site settings

    for _visit in range(3):
        with django_assert_num_queries(7) as page:
            response = client.get(url)
        assert response.status_code == 200
        assert certificate.serial in response.content.decode()
        statements = [query["sql"] for query in page.captured_queries]
        assert [s for s in statements if RateLimitCounter._meta.db_table in s] == [statements[0]]
        assert not [s for s in statements if "lms_cache" in s]
    assert ratelimit.count("certificate-verify:127.0.0.1") == 4


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


def test_hourly_success_limit_counts_only_recorded_successes_per_address(store):
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


THREADS = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("existing", ["none", "expired", "live"])
def test_concurrent_hits_on_one_key_count_each_exactly_once(existing):
    """Hits racing on a new key, on one whose window has just passed (exactly one of them starts
    it again) and on a live one: every count once, no gaps, no repeats, no errors."""
    start = {"none": 0, "expired": 0, "live": 5}[existing]
    if existing != "none":
        expires = timezone.now() + dt.timedelta(minutes=1 if existing == "live" else -1)
        RateLimitCounter.objects.create(key="rush", count=5, expires_at=expires)

    outcomes = race([lambda: ratelimit.hit("rush", 60)] * THREADS)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sorted(outcomes) == list(range(start + 1, start + THREADS + 1)), outcomes
    assert ratelimit.count("rush") == start + THREADS


@pytest.mark.postgres
def test_counters_are_kept_in_an_unlogged_table_on_postgresql(django_assert_num_queries):
    """A hit writes nothing to the write-ahead log, so its commit never waits for the disk
    (migration lms.0012); it is still one statement, and counts as before."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            [RateLimitCounter._meta.db_table],
        )
        assert cursor.fetchone() == ("u",)
    with django_assert_num_queries(1):
        assert ratelimit.hit("certificate-verify:198.51.100.8", 60) == 1
    assert ratelimit.hit("certificate-verify:198.51.100.8", 60) == 2
