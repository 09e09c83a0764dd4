"""Fixtures for the bad-input tests: a small site with a course, a run and a session, and two
people (one signed in, the other whose ids are the tampered ones).

Hypothesis runs many examples inside one test function, so these function-scoped fixtures are
shared by the examples of a test (HealthCheck.function_scoped_fixture is suppressed on
purpose): every example that must change nothing is compared with a snapshot taken just before
it."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
)

# On a developer's machine every run tries new examples (and replays the failures it found,
# from .hypothesis/); in CI the examples are fixed, so a run passes or fails for the code alone.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Hundreds of requests from one address: the rate limits have their own tests."""
    settings.CERTIFICATE_VERIFY_PER_MINUTE = 10**6
    settings.VOLUNTEER_SIGNUPS_PER_HOUR = 10**6
    settings.ATTENDANCE_CODE_MAX_TRIES = 10**6
    settings.ATTENDANCE_CODE_MAX_TRIES_PER_DAY = 10**6
    settings.ATTENDANCE_CODE_MAX_TRIES_PER_ADDRESS = 10**6


def fresh_cache() -> None:
    """Per example, for the counters the settings above do not cover (in the cache, or in their
    table when there is no Redis)."""
    from lms.models import RateLimitCounter

    cache.clear()
    RateLimitCounter.objects.all().delete()


@pytest.fixture
def person(db):
    return UserFactory(full_name="兵庫 花子", full_name_kana="ひょうご はなこ")


@pytest.fixture
def other_person(db):
    return UserFactory(full_name="他人 太郎", full_name_kana="たにん たろう")


@pytest.fixture
def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def run(home_page):
    return CourseRunFactory()


@pytest.fixture
def session(run):
    return SessionFactory(run=run)


@pytest.fixture
def my_enrolment(run, person):
    return EnrolmentFactory(run=run, user=person)


@pytest.fixture
def their_enrolment(run, other_person):
    return EnrolmentFactory(run=run, user=other_person)
