"""Queueing a task keeps the request's database connection (lms.taskqueue): django-q2's
database broker closes it first when called outside a transaction."""

import pytest
from django.db import connection
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task as django_q_async_task

from lms.taskqueue import async_task

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database_broker(monkeypatch):
    """The site's broker as it runs in production: a row in the database, not run at once."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    yield
    connection.close_at = None  # as the test runner keeps it


def test_queued_on_the_connection_the_request_already_has(database_broker):
    connection.ensure_connection()
    connection.close_at = 0  # as a request's connection is with CONN_MAX_AGE=0
    before = connection.connection

    async_task("lms.tasks.example_that_never_runs", 1, task_name="kept-connection")

    assert connection.connection is before  # not closed and opened again
    assert OrmQ.objects.filter(key=Conf.CLUSTER_NAME).count() == 1


def test_without_it_the_broker_closes_the_connection(database_broker):
    """What the wrapper is for: if django-q2 stops doing this, the wrapper can go."""
    connection.ensure_connection()
    connection.close_at = 0  # as a request's connection is with CONN_MAX_AGE=0
    before = connection.connection

    django_q_async_task("lms.tasks.example_that_never_runs", 1, task_name="closed-connection")

    if connection.vendor == "postgresql":
        assert connection.connection is not before  # closed, and connected again for the row
    else:
        assert connection.connection is before  # Django never closes an in-memory SQLite
    assert OrmQ.objects.count() == 1


def write_then_fail(name: str) -> None:
    """A task that writes, then fails (as a certificate batch with one bad enrolment does)."""
    from django.contrib.auth.models import Group

    Group.objects.create(name=name)
    raise RuntimeError("one enrolment failed")


def test_run_at_once_a_failing_tasks_writes_stay_as_in_the_cluster(monkeypatch):
    from django.contrib.auth.models import Group

    monkeypatch.setattr(Conf, "SYNC", True)  # as in the tests' settings
    monkeypatch.setattr(Conf, "ORM", "default")
    with pytest.raises(RuntimeError):
        async_task("tests.lms.test_taskqueue.write_then_fail", "書いた後で失敗")
    assert Group.objects.filter(name="書いた後で失敗").exists()
