"""PostgreSQL restarted during load (issue 10): requests fail cleanly, nothing is half written,
and the same gunicorn serves again once the database is back, without being restarted.

The restarted server is a private PostgreSQL of the test's own (``initdb`` in a temporary
directory, started on a free loopback port with Debian's binaries, run as the ``postgres``
user), loaded with a copy of the migrated test database: restarting the machine's shared
cluster would cut off everyone else's tests.  gunicorn (bench/server.py: 2 workers × 4
threads, persistent connections with health checks, as in production) serves the site from
it while eight clients enrol people in a run with fewer seats than people and read pages; the
database is stopped for a few seconds in the middle and started again.
"""

from __future__ import annotations

import glob
import itertools
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bench.server import GunicornServer, free_port
from cms.models import HomePage
from tests.faults.conftest import (
    PG_PREFIX,
    SharedDatabase,
    note,
    postgres_admin,
    postgres_url,
    wait_for,
)

SEATS = 20
PEOPLE = 90
CLIENTS = 8
REQUEST_TIMEOUT = 15  # seconds: a request that hangs longer than this fails the test
OUTAGE = 4.0  # seconds the database is down
UNAVAILABLE = "The site is briefly unavailable"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


# --- the 503 page, without a real outage -------------------------------------------------------


def test_a_database_error_gets_the_503_page_with_retry_after(client, home_page, monkeypatch):
    """Any page whose database goes away answers 503 with our own page and Retry-After,
    not a 500 and not a traceback."""

    def unreachable(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(HomePage, "serve", unreachable)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    with translation.override("ja"):
        assert gettext(UNAVAILABLE) in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_other_errors_still_get_the_500_page(client, home_page, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(HomePage, "serve", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert not response.has_header("Retry-After")


# --- a private PostgreSQL ------------------------------------------------------------------------


@dataclass
class PrivatePostgres:
    bindir: Path
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        subprocess.run(  # noqa: S603
            [
                RUNUSER,
                "-u",
                "postgres",
                "--",
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.directory / "server.log"),
                "-o",
                options,
                "-w",
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        """A restart's first half: open transactions are rolled back, connections cut."""
        self._pg_ctl("-m", "fast", "stop")

    def settings_dict(self, template: dict, name: str) -> dict:
        return {
            **template,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "USER": "ci",
            "PASSWORD": "",
            "NAME": name,
        }


@pytest.fixture
def private_postgres(_shared_template, db) -> PrivatePostgres:
    if os.geteuid() != 0:
        pytest.fail(
            "The restart test runs PostgreSQL as the postgres user: run it as root (CI does)."
        )
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not versions:
        pytest.fail("PostgreSQL's server binaries are missing (apt-get install postgresql).")
    bindir = Path(versions[-1]).parent
    directory = Path(tempfile.mkdtemp(prefix=f"{PG_PREFIX}pg_"))
    shutil.chown(directory, user="postgres")
    server = PrivatePostgres(bindir, directory, free_port())
    subprocess.run(  # noqa: S603
        [
            RUNUSER,
            "-u",
            "postgres",
            "--",
            str(bindir / "initdb"),
            "-D",
            str(server.data),
            "-U",
            "ci",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    server.start()
    try:
        yield server
    finally:
        try:
            server._pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # already down
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def restart_database(private_postgres, _shared_template) -> SharedDatabase:
    """The prepared copy of the test database (home page, cache table), on the private server."""
    name = f"{PG_PREFIX}restart"
    settings_dict = private_postgres.settings_dict(_shared_template.settings_dict, name)
    postgres_admin(settings_dict, f'CREATE DATABASE "{name}"')
    source = _shared_template.settings_dict
    dump = subprocess.Popen(  # noqa: S603
        [
            str(private_postgres.bindir / "pg_dump"),
            "--no-owner",
            "--no-privileges",
            "-h",
            source["HOST"] or "127.0.0.1",
            "-p",
            str(source["PORT"] or 5432),
            "-U",
            source["USER"],
            "-d",
            source["NAME"],
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": source["PASSWORD"]},
    )
    subprocess.run(  # noqa: S603
        [
            str(private_postgres.bindir / "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(private_postgres.port),
            "-U",
            "ci",
            "-d",
            name,
        ],
        stdin=dump.stdout,
        check=True,
        capture_output=True,
    )
    assert dump.wait() == 0
    return SharedDatabase(settings_dict, postgres_url(settings_dict, name))


# --- the load --------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str  # enrol, page, health
    person: int | None
    started: float
    finished: float
    status: int = 0
    error: str = ""
    retry_after: str = ""
    body: str = ""


def _signed_in(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "lms.backends.ModelBackendOneQuery"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _request(client: httpx.Client, kind: str, person: int | None, method: str, url: str, **kw):
    result = Result(kind=kind, person=person, started=time.monotonic(), finished=0)
    try:
        response = client.request(method, url, **kw)
        result.status = response.status_code
        result.retry_after = response.headers.get("Retry-After", "")
        result.body = response.text
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.finished = time.monotonic()
    return result


@pytest.mark.postgres
def test_a_postgres_restart_under_load_fails_cleanly_and_the_site_recovers(
    private_postgres, restart_database, tmp_path, request
):
    from courses.models import Enrolment, EnrolmentStatus
    from lms.models import OutboundEmail
    from tests.factories import CourseRunFactory, UserFactory

    with restart_database.active():
        run = CourseRunFactory(capacity=SEATS)
        course_url = run.course.url
        people = [(user.pk, _signed_in(user)) for user in UserFactory.create_batch(PEOPLE + 1)]
        enrol_url = reverse("courses:enrol", args=[run.pk])
    # This process holds no connection to the private server while it restarts.

    log = tmp_path / "gunicorn.log"
    server = GunicornServer(
        restart_database.url,
        workers=2,
        threads=4,
        log=log,
        env={"DJANGO_DATA_DIR": str(tmp_path), "DJANGO_PRIVATE_ROOT": str(tmp_path / "private")},
    ).start()
    results: list[Result] = []
    lock = threading.Lock()
    stop = threading.Event()
    order = itertools.count()
    last = PEOPLE  # kept back for the check after the restart

    def client_loop() -> None:
        with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT) as client:
            while not stop.is_set():
                with lock:
                    person = next(order)
                mine = []
                if person < last:
                    _user, session_key = people[person]
                    token = secrets.token_hex(16)
                    mine.append(
                        _request(
                            client,
                            "enrol",
                            person,
                            "POST",
                            enrol_url,
                            data={"csrfmiddlewaretoken": token},
                            headers={"Cookie": f"sessionid={session_key}; csrftoken={token}"},
                        )
                    )
                    cookie = {"Cookie": f"sessionid={session_key}"}
                else:
                    cookie = {}
                mine.append(_request(client, "page", person, "GET", course_url, headers=cookie))
                mine.append(_request(client, "health", None, "GET", "/health/"))
                with lock:
                    results.extend(mine)

    try:
        workers_before = sorted(server.worker_pids())
        threads = [threading.Thread(target=client_loop) for _ in range(CLIENTS)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(2.5)
        private_postgres.stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE)
        up_from = time.monotonic()
        private_postgres.start()
        up_at = time.monotonic()
        # The same server answers again: no restart, no intervention.
        wait_for(
            lambda: httpx.get(server.url + "/health/", timeout=REQUEST_TIMEOUT).status_code == 200,
            timeout=30,
            interval=0.1,
            what="/health/ back to 200",
        )
        recovered_after = time.monotonic() - up_at
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT * 3)
        ended = time.monotonic()

        # After the restart: pages, and a new enrolment, work on the same processes.
        _user, session_key = people[last]
        token = secrets.token_hex(16)
        with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT) as client:
            enrol = client.post(
                enrol_url,
                data={"csrfmiddlewaretoken": token},
                headers={"Cookie": f"sessionid={session_key}; csrftoken={token}"},
            )
            page = client.get(course_url, headers={"Cookie": f"sessionid={session_key}"})
        assert enrol.status_code == 302, enrol.text[:500]
        assert page.status_code == 200
        assert server.process.poll() is None
        assert sorted(server.worker_pids()) == workers_before  # not even a worker restarted
    finally:
        stop.set()
        server.stop()

    # Every request got an answer, in time.
    assert results
    assert [r.error for r in results if r.error] == []
    slowest = max(r.finished - r.started for r in results)
    assert slowest < REQUEST_TIMEOUT
    # Only success or "unavailable": no 500, no traceback, our own page and Retry-After.
    assert {r.status for r in results} <= {200, 302, 503}, sorted({r.status for r in results})
    unavailable = [r for r in results if r.status == 503]
    with translation.override("ja"):
        page_text = gettext(UNAVAILABLE)
    for r in unavailable:
        if r.kind == "health":
            assert r.body == "database unavailable\n"
        else:
            assert page_text in r.body, r.body[:300]
            assert r.retry_after == "30"
    assert not any("Traceback" in r.body for r in results)
    # While the database was down, nothing pretended to succeed.
    during = [r for r in results if r.started >= down_at and r.finished <= up_from]
    assert during, "no request fell inside the outage"
    assert {r.status for r in during} == {503}
    before = [r for r in results if r.finished <= down_at - 0.5]
    after = [r for r in results if r.started >= up_at + recovered_after]
    assert before and {r.status for r in before} <= {200, 302}
    assert after and {r.status for r in after} <= {200, 302}

    # Nothing half written: every enrolment is whole, none twice, never more than the seats.
    succeeded = {r.person for r in results if r.kind == "enrol" and r.status == 302}
    with restart_database.active():
        enrolments = list(Enrolment.objects.filter(run=run).select_related("user"))
        by_person = {}
        for enrolment in enrolments:
            by_person.setdefault(enrolment.user_id, []).append(enrolment)
        assert all(len(mine) == 1 for mine in by_person.values())
        enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
        waitlisted = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
        assert len(enrolled) + len(waitlisted) == len(enrolments)
        assert len(enrolled) == min(SEATS, len(enrolments))  # no free seat while people wait
        assert all(e.waitlisted_at is None for e in enrolled)
        assert all(e.waitlisted_at is not None for e in waitlisted)
        user_ids = {people[p][0] for p in succeeded}
        assert user_ids <= set(by_person)  # every "done" is done
        # ... with its confirmation email queued (written after the commit, in the request).
        mailed = set(
            OutboundEmail.objects.filter(
                recipient__in=[e.user.email for e in enrolments]
            ).values_list("recipient", flat=True)
        )
        confirmed = {e.user.email for e in enrolments if e.user_id in user_ids}
        assert confirmed <= mailed
        unconfirmed = len({e.user.email for e in enrolments} - mailed)

    note(
        request,
        requests=len(results),
        during_outage=len(during),
        answered_503=len(unavailable),
        slowest_s=round(slowest, 2),
        recovered_after_start_s=round(recovered_after, 2),
        enrolments=len(enrolments),
        enrolled=len(enrolled),
        waitlisted=len(waitlisted),
        enrolments_without_confirmation=unconfirmed,
        load_s=round(ended - began, 1),
    )
