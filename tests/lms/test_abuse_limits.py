"""Abuse limits (issue 10, item 4): the sign-in lockout, password reset, sign-up, check-in codes and
certificate verification, each per client address and per account, with a clear message, counted
in a store every web process shares (the database cache, or Redis when configured)."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings

from lms import settings as site_settings
from lms.models import OutboundEmail
from tests.courses.helpers import typed_code_wrong_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
LOCKED = "ログイン失敗が連続しています"
DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": site_settings.CACHE_TABLE,
    }
}


@pytest.fixture
def site_limits(settings):
    """The production limits (the test settings turn allauth's off for every other test)."""
    settings.ACCOUNT_RATE_LIMITS = site_settings.ACCOUNT_RATE_LIMITS


def _sign_in(client, email, password, address="198.51.100.10"):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=address
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(site_limits, home_page):
    UserFactory(email="hanako@example.jp")
    attacker = Client()
    for _ in range(5):
        response = _sign_in(attacker, "hanako@example.jp", "wrong-guess-123")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    refused = _sign_in(attacker, "hanako@example.jp", "wrong-guess-123")
    assert LOCKED in refused.content.decode()

    # The owner, from another address, is refused too while the lock lasts: the message says so.
    owner_client = Client()
    response = _sign_in(owner_client, "hanako@example.jp", PASSWORD, address="203.0.113.5")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not _signed_in(owner_client)

    # Someone else's account is not affected.
    UserFactory(email="jiro@example.jp")
    other = Client()
    assert _sign_in(other, "jiro@example.jp", PASSWORD, address="203.0.113.5").status_code == 302
    assert _signed_in(other)


def test_the_lock_counts_the_account_however_the_address_is_typed(site_limits, home_page):
    UserFactory(email="hanako@example.jp")
    client = Client()
    for typed in ["hanako@example.jp", "Hanako@Example.JP", "HANAKO@EXAMPLE.JP"] * 2:
        _sign_in(client, typed, "wrong-guess-123")
    response = _sign_in(Client(), "hanako@example.jp", PASSWORD, address="203.0.113.5")
    assert LOCKED in response.content.decode()


def test_a_locked_owner_gets_back_in_by_resetting_the_password(
    site_limits, home_page, django_capture_on_commit_callbacks
):
    """A right password in between does not reset the count (an attacker knowing one account
    cannot keep guessing another's that way); a password reset, proven by email, does."""
    from django.core import mail

    UserFactory(email="hanako@example.jp")
    for _ in range(6):
        _sign_in(Client(), "hanako@example.jp", "wrong-guess-123")
    owner = Client()
    assert LOCKED in _sign_in(owner, "hanako@example.jp", PASSWORD, "203.0.113.5").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        owner.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    form_page = owner.get(link.group(1), follow=True)
    new_password = "himeji-castle-2026!"
    owner.post(
        form_page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password}
    )

    assert _sign_in(owner, "hanako@example.jp", new_password, "203.0.113.5").status_code == 302
    assert _signed_in(owner)


def test_one_address_guessing_across_accounts_is_stopped(site_limits, home_page):
    for number in range(12):
        UserFactory(email=f"person{number}@example.jp")
    client = Client()
    outcomes = [
        _sign_in(client, f"person{number}@example.jp", "wrong-guess-123") for number in range(12)
    ]
    # Ten failures a minute per address; every account got only one wrong try.
    assert all(LOCKED not in r.content.decode() for r in outcomes[:10])
    assert all(LOCKED in r.content.decode() for r in outcomes[10:])
    # Another address signs in normally.
    assert _sign_in(Client(), "person11@example.jp", PASSWORD, "203.0.113.5").status_code == 302


def test_password_reset_mails_an_account_at_most_three_times_in_fifteen_minutes(
    site_limits, home_page, django_capture_on_commit_callbacks
):
    UserFactory(email="hanako@example.jp")
    client = Client()
    responses = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(
                client.post(
                    "/accounts/password/reset/",
                    {"email": "hanako@example.jp"},
                    REMOTE_ADDR="198.51.100.10",
                )
            )
    assert [r.status_code for r in responses[:3]] == [302, 302, 302]
    assert {r.status_code for r in responses[3:]} == {429}
    assert "しばらく待って" in responses[3].content.decode()
    assert OutboundEmail.objects.filter(template__contains="password_reset").count() == 3


def test_sign_ups_from_one_address_are_limited_per_hour(site_limits, home_page, settings):
    settings.ACCOUNT_RATE_LIMITS = {**site_settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    client = Client()

    def sign_up(number):
        return client.post(
            "/accounts/signup/",
            {
                "email": f"new{number}@example.jp",
                "password1": "kobe-harbour-2026!",
                "password2": "kobe-harbour-2026!",
                "full_name": "兵庫　花子",
                "full_name_kana": "ひょうご はなこ",
                "accept_privacy": "on",
            },
            REMOTE_ADDR="198.51.100.10",
        )

    from lms.models import User

    statuses = [sign_up(number).status_code for number in range(3)]
    assert statuses[:2] == [302, 302]
    assert statuses[2] == 429
    assert User.objects.filter(email__startswith="new").count() == 2


def test_the_limit_page_is_in_japanese_and_english(client, home_page):
    from allauth.core.internal.ratelimit import handler429
    from django.test import RequestFactory

    page = handler429(RequestFactory().get("/accounts/login/"))
    assert page.status_code == 429
    assert "試行回数が多すぎます" in page.content.decode()


def test_rate_limits_are_kept_in_the_shared_database_cache(site_limits, home_page):
    """With the site's own cache (a table, not process memory) the lock is visible to a second,
    independent cache connection: what another gunicorn worker would read."""
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
        UserFactory(email="hanako@example.jp")
        for _ in range(6):
            _sign_in(Client(), "hanako@example.jp", "wrong-guess-123")
        another_process = caches.create_connection("default")
        keys = _cache_keys()
        assert any("login_failed" in key for key in keys), keys
        failed_key = next(key for key in keys if "login_failed" in key and "key" in key)
        raw_key = failed_key.split(":", 2)[-1]
        assert len(another_process.get(raw_key)) >= 5
        response = _sign_in(Client(), "hanako@example.jp", PASSWORD, address="203.0.113.5")
        assert LOCKED in response.content.decode()


def _cache_keys() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {site_settings.CACHE_TABLE}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_the_site_uses_a_shared_cache_in_every_configuration():
    """Never a per-process memory cache outside the tests: the database without Redis."""
    import subprocess
    import sys

    def backend(env):
        code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**env, "DJANGO_SETTINGS_MODULE": "lms.settings"},
            capture_output=True,
            text=True,
            check=True,
            cwd=django_settings.BASE_DIR,
        )
        return result.stdout.strip()

    import os

    plain = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    assert backend(plain) == "django.core.cache.backends.db.DatabaseCache"
    assert (
        backend({**plain, "REDIS_URL": "redis://127.0.0.1:6379/0"})
        == "django.core.cache.backends.redis.RedisCache"
    )


def test_check_in_codes_are_limited_per_address_across_accounts(settings, home_page):
    """Several accounts on one device cannot pool their tries: the address has its own limit."""
    import datetime as dt

    from django.utils import timezone

    from courses import checkin
    from courses.models import Attendance
    from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

    settings.ATTENDANCE_CODE_MAX_TRIES = 5
    settings.ATTENDANCE_CODE_MAX_TRIES_PER_ADDRESS = 8
    run = CourseRunFactory(starts_on=timezone.localdate(), ends_on=timezone.localdate())
    session = SessionFactory(
        run=run, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    right = checkin.typed_code(session.pk, checkin.window_at(timezone.now()))
    wrong = typed_code_wrong_for(session.pk)

    def person_client():
        client = Client()
        client.force_login(EnrolmentFactory(run=run).user)
        return client

    shared_device = "198.51.100.10"
    for _ in range(4):  # four accounts, two wrong codes each: none reached its own five
        client = person_client()
        for _ in range(2):
            assert (
                client.post("/check-in/", {"code": wrong}, REMOTE_ADDR=shared_device).status_code
                == 200
            )

    assert not Attendance.objects.exists()  # eight wrong tries, all counted for the address
    fifth = person_client()
    refused = fifth.post("/check-in/", {"code": right}, REMOTE_ADDR=shared_device)
    assert refused.status_code == 429
    assert "お待ちください" in refused.content.decode() or "10分" in refused.content.decode()
    assert not Attendance.objects.exists()
    # The same person from another network checks in.
    assert fifth.post("/check-in/", {"code": right}, REMOTE_ADDR="203.0.113.5").status_code == 200
    assert Attendance.objects.count() == 1


def test_codes_cannot_be_guessed_within_the_limits(settings):
    """The odds, from the real settings: typed check-in codes (4 digits, the current and the
    previous code accepted) against the daily cap per person; the online code (6 digits, valid
    the whole session); certificate verification codes (140 bits) against 30 lookups a minute
    from one address for a year."""
    from certificates import codes
    from courses import checkin
    from lms import settings as site

    accepted_at_once = 2
    typed = (
        site.ATTENDANCE_CODE_MAX_TRIES_PER_DAY * accepted_at_once / 10**checkin.TYPED_CODE_DIGITS
    )
    online = site.ATTENDANCE_CODE_MAX_TRIES_PER_DAY / 10**checkin.ONLINE_CODE_DIGITS
    lookups_a_year = site.CERTIFICATE_VERIFY_PER_MINUTE * 60 * 24 * 365
    issued = 10**7  # far more certificates than the prefecture will ever issue
    certificate = lookups_a_year * issued / len(codes.ALPHABET) ** codes.CODE_LENGTH

    assert typed <= 0.005  # one chance in 200 for a whole day of guessing
    assert online <= 0.0001
    assert certificate < 1e-20


def test_a_day_of_wrong_codes_is_capped_per_person(settings, home_page):
    import datetime as dt

    from django.utils import timezone

    from courses import checkin
    from lms.models import RateLimitCounter
    from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

    settings.ATTENDANCE_CODE_MAX_TRIES = 3
    settings.ATTENDANCE_CODE_MAX_TRIES_PER_DAY = 5
    run = CourseRunFactory(starts_on=timezone.localdate(), ends_on=timezone.localdate())
    session = SessionFactory(
        run=run, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    right = checkin.typed_code(session.pk, checkin.window_at(timezone.now()))
    wrong = typed_code_wrong_for(session.pk)
    client = Client()
    client.force_login(EnrolmentFactory(run=run).user)
    for _ in range(3):
        client.post("/check-in/", {"code": wrong})
    RateLimitCounter.objects.filter(  # ten minutes later
        key=f"attendance-code-tries:{client.session['_auth_user_id']}"
    ).update(expires_at=timezone.now())
    for _ in range(2):
        assert client.post("/check-in/", {"code": wrong}).status_code == 200
    assert client.post("/check-in/", {"code": right}).status_code == 429
