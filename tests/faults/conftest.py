"""Fixtures for the fault tests (issue 10): a real SMTP server that is stopped and started, a
real Redis, a database shared with subprocesses, and django-q2 clusters started and killed.

The subprocesses (``manage.py qcluster``, gunicorn) cannot see pytest's test database (on
SQLite it lives in this process's memory), so each test gets a copy of it: a file made with
SQLite's backup API, or on PostgreSQL a database created from it as a template (named
``hyogo_h3_…``).  ``SharedDatabase.active()`` points this process's default connection at the
copy and back again, so the test builds data with the factories and reads the outcome with the
ORM while the subprocesses work on the same rows.
"""

from __future__ import annotations

import asyncio
import email
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.db.utils import load_backend

from bench.server import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path("/usr/bin/redis-server")
CLUSTER_SETTINGS = "tests.faults.cluster_settings"
# Every database these tests create on PostgreSQL starts with this (the suite's own is hyogo_h3).
PG_PREFIX = "hyogo_h3_"


def wait_for(
    condition: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = ""
):
    """Poll ``condition`` until it returns something true; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


_FIGURES: list[tuple[str, dict]] = []


def note(request, **figures) -> None:
    """Timings and counts worth reading in the run's summary (and the JUnit properties)."""
    for key, value in figures.items():
        request.node.user_properties.append((key, value))
    _FIGURES.append((request.node.nodeid, figures))


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("fault tests: figures")
        for nodeid, figures in _FIGURES:
            terminalreporter.write_line(f"{nodeid}: {figures}")


# --- SMTP --------------------------------------------------------------------------------------


class MailSink:
    """The aiosmtpd handler: keeps every message the server took, and can hold a client at
    ``RCPT`` (the server has not taken the message) or after ``DATA`` (it has, but the client is
    still waiting for the reply) so that the worker sending it can be killed there."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # The client's address and port of each message taken: one per SMTP connection.
        self.peers: list[tuple[str, int]] = []
        # Recipients refused at RCPT (550), as a server does for an unknown mailbox.
        self.refuse: set[str] = set()
        # One message per connection, as a server with that limit (or a short idle timeout)
        # has: "close" closes the connection after it without a word, "421" answers the next
        # MAIL with 421 (RFC 5321: closing the channel), as Postfix and Exim do.
        self.one_message_per_connection: str = ""
        self._taken_on: set[int] = set()  # connections (their session's id) that took one
        self.hold_at: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def _hold(self, stage: str) -> None:
        if self.hold_at != stage:
            return
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.one_message_per_connection == "421" and id(session) in self._taken_on:
            return "421 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        await self._hold("RCPT")
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        self.peers.append(tuple(session.peer[:2]))
        self._taken_on.add(id(session))
        if self.one_message_per_connection == "close":
            asyncio.get_running_loop().call_soon(server.transport.close)  # after the reply
        await self._hold("DATA")
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on a loopback port chosen up front, so the site can be pointed at it
    while it is still down (connection refused) and it can come up later on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink = MailSink()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.sink.release.set()
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.sink.messages)

    def received_per_recipient(self) -> Counter:
        return Counter(str(message["To"]) for message in self.messages)

    def received_per_message_id(self) -> Counter:
        return Counter(str(message["Message-ID"]) for message in self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Not started: call ``start()`` (until then its port refuses connections)."""
    server = SmtpServer()
    yield server
    server.stop()


# --- Redis -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis of our own (Debian's redis-server on a free port, nothing saved to disk), or
    the one ``REDIS_TEST_URL`` names (a database only the tests use: it is flushed).  A missing
    redis-server fails the Redis cases instead of skipping them: the scale-out path must be
    proven in CI, not silently left out."""
    import redis

    url = os.environ.get("REDIS_TEST_URL", "")
    process = None
    if not url:
        if not REDIS_SERVER.exists():
            pytest.fail(
                "redis-server is not installed, so django-q2 on Redis cannot be tested: "
                "install it (scripts/system-deps.sh test) or set REDIS_TEST_URL"
            )
        port = free_port()
        process = subprocess.Popen(  # noqa: S603
            [
                str(REDIS_SERVER),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"redis://127.0.0.1:{port}/0"

    def up() -> bool:
        try:
            return bool(redis.Redis.from_url(url).ping())
        except redis.ConnectionError:
            return False

    wait_for(up, timeout=20, what=f"Redis at {url}")
    yield url
    if process is not None:
        process.terminate()
        process.wait(timeout=20)


# --- the database shared with subprocesses -----------------------------------------------------


@dataclass
class SharedDatabase:
    settings_dict: dict
    url: str  # DATABASE_URL for the subprocesses

    @property
    def vendor(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    @contextmanager
    def active(self) -> Iterator[None]:
        """This process's default connection goes to the shared database (and comes back, with
        pytest's test database untouched, at the end)."""
        from django.contrib.contenttypes.models import ContentType

        original = connections["default"]
        backend = load_backend(self.settings_dict["ENGINE"])
        wrapper = backend.DatabaseWrapper(dict(self.settings_dict), "default")
        connections["default"] = wrapper
        ContentType.objects.clear_cache()
        try:
            yield
        finally:
            wrapper.close()
            connections["default"] = original
            ContentType.objects.clear_cache()


def postgres_url(settings_dict: dict, name: str) -> str:
    user, password = quote(settings_dict["USER"]), quote(settings_dict["PASSWORD"])
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{name}"


def postgres_admin(settings_dict: dict, *statements: str) -> None:
    """Run statements on the server's ``postgres`` database (outside any transaction)."""
    import psycopg

    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        for statement in statements:
            admin.execute(statement)


def prepare_shared_database(database: SharedDatabase) -> None:
    """What the copy needs besides pytest's migrated database: the database cache tables the
    site's settings use (the test settings use memory caches) and a home page."""
    from django.core.management import call_command
    from django.test import override_settings

    from cms.services import site_home_ensure

    with database.active():
        db_cache = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "lms_cache",
            },
            "calendar-feeds": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "lms_calendar_cache",
            },
        }
        with override_settings(CACHES=db_cache):
            call_command("createcachetable", verbosity=0)
        site_home_ensure()


@pytest.fixture(scope="session")
def _shared_template(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[SharedDatabase]:
    """Once per session: a copy of pytest's freshly migrated test database, prepared, from
    which each test's shared database is copied.  (Taken before any test of this directory
    opens a transaction: PostgreSQL copies a template only while nobody is connected to it.)"""
    with django_db_blocker.unblock():
        test_db = connections["default"]
        if test_db.vendor == "sqlite":
            path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
            test_db.ensure_connection()
            target = sqlite3.connect(path)
            test_db.connection.backup(target)
            target.close()
            template = SharedDatabase(
                {**test_db.settings_dict, "NAME": str(path)}, f"sqlite:///{path}"
            )
        else:
            name = f"{PG_PREFIX}faults_template"
            connections.close_all()
            postgres_admin(
                test_db.settings_dict,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f'CREATE DATABASE "{name}" TEMPLATE "{test_db.settings_dict["NAME"]}"',
            )
            template = SharedDatabase(
                {**test_db.settings_dict, "NAME": name}, postgres_url(test_db.settings_dict, name)
            )
        prepare_shared_database(template)
        yield template
        if template.vendor == "postgresql":
            postgres_admin(test_db.settings_dict, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_database(_shared_template, db, tmp_path) -> Iterator[SharedDatabase]:
    """A database of the test's own that subprocesses can open too (``db``: pytest's own test
    database is set up, and left as it was)."""
    template = _shared_template
    if template.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        shutil.copyfile(template.settings_dict["NAME"], path)
        yield SharedDatabase({**template.settings_dict, "NAME": str(path)}, f"sqlite:///{path}")
        return
    name = f"{PG_PREFIX}faults_{secrets.token_hex(4)}"
    postgres_admin(
        template.settings_dict,
        f'CREATE DATABASE "{name}" TEMPLATE "{template.settings_dict["NAME"]}"',
    )
    try:
        yield SharedDatabase(
            {**template.settings_dict, "NAME": name}, postgres_url(template.settings_dict, name)
        )
    finally:
        postgres_admin(template.settings_dict, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- django-q2 clusters ------------------------------------------------------------------------


class Cluster:
    """``manage.py qcluster`` with two workers in its own process group, against the shared
    database and the chosen broker, sending mail to ``smtp_port``."""

    def __init__(
        self,
        database: SharedDatabase,
        *,
        broker: str,
        redis_url: str | None,
        private_root: Path,
        log: Path,
        smtp_port: int | None = None,
    ) -> None:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        for name in ("REDIS_URL", "EMAIL_HOST", "EMAIL_BACKEND"):
            env.pop(name, None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": CLUSTER_SETTINGS,
                "DATABASE_URL": database.url,
                "DJANGO_PRIVATE_ROOT": str(private_root),
                "DJANGO_DATA_DIR": str(private_root.parent),
                "Q_WORKERS": "2",
            }
        )
        if broker == "redis":
            env["REDIS_URL"] = redis_url
        if smtp_port:
            env.update(
                {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_USE_TLS": "0"}
            )
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Cluster:
        output = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        return self

    def kill(self) -> None:
        """SIGKILL to the whole group: sentinel, pusher, monitor and workers die at once, as
        when the machine or container goes away.  Returns once every one of them is gone (a
        dying pusher's connection could otherwise still take a task off Redis)."""
        import psutil

        if self.process is None or self.process.poll() is not None:
            return
        members = [psutil.Process(self.process.pid)]
        members += members[0].children(recursive=True)
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

        def gone(member: psutil.Process) -> bool:
            try:
                return member.status() == psutil.STATUS_ZOMBIE
            except psutil.NoSuchProcess:
                return True

        wait_for(lambda: all(gone(m) for m in members), timeout=30, what="the cluster gone")

    def stop(self) -> None:
        """At the end of a test: the outcome is already read, so no graceful shutdown."""
        self.kill()


@pytest.fixture
def clusters(tmp_path) -> Iterator[Callable[..., Cluster]]:
    """Factory for clusters; every one started is stopped at the end of the test.  Their
    output goes to ``tmp_path/qcluster.log`` (printed when a test fails)."""
    started: list[Cluster] = []
    private_root = tmp_path / "private"
    private_root.mkdir()

    def make(database: SharedDatabase, **kwargs) -> Cluster:
        cluster = Cluster(
            database, private_root=private_root, log=tmp_path / "qcluster.log", **kwargs
        )
        started.append(cluster)
        return cluster.start()

    make.private_root = private_root
    make.log = tmp_path / "qcluster.log"
    try:
        yield make
    finally:
        for cluster in started:
            cluster.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """On failure, show the end of the clusters' log."""
    report = yield
    if report.when == "call" and report.failed:
        log = Path(str(item.funcargs.get("tmp_path", ""))) / "qcluster.log"
        if "tmp_path" in item.funcargs and log.exists():
            report.sections.append(
                (
                    "qcluster.log (last 80 lines)",
                    "\n".join(log.read_text(errors="replace").splitlines()[-80:]),
                )
            )
    return report


@contextmanager
def use_broker(kind: str, redis_url: str | None) -> Iterator[None]:
    """This process queues into the broker the clusters read (the test settings would run
    tasks at once, in this process), starting from an empty queue."""
    from django_q.conf import Conf

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Conf, "SYNC", False)
        if kind == "redis":
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            patch.setattr(Conf, "ORM", None)
            patch.setattr(Conf, "REDIS", redis_url)
        else:
            patch.setattr(Conf, "ORM", "default")
        yield
