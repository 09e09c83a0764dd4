"""The sign-in lockout holds across web processes (issue 10, item 4): two separate gunicorn servers
on one database take turns answering one attacker, and the account is locked after five wrong
passwords in total.  With a per-process memory cache each server would have counted only its own
share and let the right password in, so this fails if the store is not shared.  Run with the
database cache (the embedded default) and with Redis (production)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from bench.server import GunicornServer, free_port
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCKED = "ログイン失敗が連続しています"
PASSWORD = "correct-horse-battery"


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_url():
    """A private redis-server for this test (Debian's package, installed by scripts/system-deps.sh)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run `bash scripts/system-deps.sh test`"
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sign_in(server: GunicornServer, password: str) -> str:
    # One public host name in front of both, as behind a load balancer (allauth's per-account key
    # includes the site's domain).
    with httpx.Client(base_url=server.url, timeout=30, headers={"Host": "localhost"}) as client:
        form = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = client.post(
            "/accounts/login/",
            data={"login": "hanako@example.jp", "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": "http://localhost/accounts/login/"},
        )
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            return "signed in"
        if LOCKED in response.text:
            return "locked"
        main = response.text.split("<main", 1)[-1]
        return "refused: " + " ".join(re.sub(r"<[^>]+>", " ", main).split())[:300]


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_web_processes_count_one_lockout(store, request, home_page):
    from django.core.management import call_command
    from django.test import override_settings

    from lms import settings as site_settings

    env: dict[str, str] = {}
    if store == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    else:
        cache = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": site_settings.CACHE_TABLE,
        }
        with override_settings(CACHES={"default": cache}):
            call_command("createcachetable", verbosity=0)
    # Hashed as the servers hash (the test settings use a fast hasher they do not know).
    hasher = PBKDF2PasswordHasher()
    person = UserFactory(email="hanako@example.jp")
    person.password = hasher.encode(PASSWORD, hasher.salt())
    person.save(update_fields=["password"])

    with (
        GunicornServer(_database_url(), workers=1, threads=1, env=env) as first,
        GunicornServer(_database_url(), workers=1, threads=1, env=env) as second,
    ):
        assert _sign_in(first, PASSWORD) == "signed in"  # the right password works until...
        outcomes = [_sign_in(server, "wrong-guess-123") for server in [first, second] * 2 + [first]]
        # Wrong password: the form again, not yet locked.
        assert all(o.startswith("refused") for o in outcomes), outcomes
        # The second server has seen only two of the five failures, yet refuses the right password.
        assert _sign_in(second, PASSWORD) == "locked"
        assert _sign_in(first, PASSWORD) == "locked"
