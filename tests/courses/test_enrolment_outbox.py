"""An enrolment and its confirmation email are written in one transaction: both exist or
neither does, and the email is handed to the worker only after commit.  The email is rendered
before the run lock is taken, so the lock covers only the check and the two inserts; if the
run's sessions changed meanwhile, the invites are made again from the current ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses import services
from courses.models import Enrolment, EnrolmentStatus
from courses.services import base as services_base
from courses.services import enrolment as enrolment_module
from lms import notifications
from lms.models import OutboundEmail, OutboundEmailStatus
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The ids handed to the worker (the broker is outside this test: only the hand-over is
    recorded)."""
    ids: list[int] = []
    monkeypatch.setattr(
        notifications, "async_task", lambda _task, message_id, **kw: ids.append(message_id)
    )
    return ids


@pytest.fixture
def run():
    run = CourseRunFactory(capacity=1)
    SessionFactory(run=run)
    SessionFactory(
        run=run, starts_at=SessionFactory.build(run=run).starts_at + dt.timedelta(days=1)
    )
    return run


def _emails(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(recipient=user.email).order_by("pk"))


def test_a_seat_and_its_emails_are_written_together_and_sent_after_commit(
    run, enqueued, django_capture_on_commit_callbacks
):
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        enrolment = services.enrolment_create(run=run, user=person)
        # Inside the transaction: the rows are there, nothing has been handed to the worker.
        emails = _emails(person)
        assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED
        assert [e.template for e in emails] == [
            "courses/email/enrolled",
            "courses/email/session_invite",
            "courses/email/session_invite",
        ]
        assert {e.status for e in emails} == {OutboundEmailStatus.QUEUED}
        assert run.course.title in emails[0].subject
        assert all(e.calendar_method == "REQUEST" for e in emails[1:])
        assert enqueued == []

    for callback in callbacks:
        callback()
    assert sorted(enqueued) == [e.pk for e in emails]


@pytest.mark.parametrize("outcome", ["waitlisted", "pending"])
def test_a_waiting_place_or_a_request_and_its_email_are_written_together(
    run, outcome, django_capture_on_commit_callbacks
):
    if outcome == "waitlisted":
        services.enrolment_create(run=run, user=UserFactory())  # the only seat
    else:
        run.requires_approval = True
        run.save()
    person = UserFactory()

    with django_capture_on_commit_callbacks():
        enrolment = services.enrolment_create(run=run, user=person)
        assert enrolment.status == outcome
        assert [e.template for e in _emails(person)] == [f"courses/email/{outcome}"]
        assert _emails(person)[0].calendar == ""


@pytest.mark.parametrize("failing_message", [1, 2])
def test_when_writing_the_email_fails_no_place_is_taken(
    run, monkeypatch, failing_message, django_capture_on_commit_callbacks
):
    """Fault injection: the outbox insert fails (the first message, or the second after the
    first was written); the enrolment is rolled back with it and the seat stays free."""
    real_queue, written = services_base.notification_queue, []

    def failing_queue(**message):
        written.append(message["template"])
        if len(written) == failing_message:
            raise IntegrityError("outbox insert failed")
        return real_queue(**message)

    monkeypatch.setattr(services_base, "notification_queue", failing_queue)
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IntegrityError):
        services.enrolment_create(run=run, user=person)

    assert len(written) == failing_message
    assert not Enrolment.objects.filter(user=person).exists()
    assert _emails(person) == []
    assert callbacks == []  # nothing left to hand to the worker
    monkeypatch.undo()
    other = UserFactory()
    assert services.enrolment_create(run=run, user=other).status == EnrolmentStatus.ENROLLED


def test_the_email_is_rendered_before_the_run_lock_is_taken(run, monkeypatch):
    events: list[str] = []
    real_render, real_lock = enrolment_module._notices_render, enrolment_module._lock_run

    def render(enrolment, template, **kwargs):
        events.append(f"render {template}")
        return real_render(enrolment, template, **kwargs)

    def lock(run_id):
        events.append("lock")
        return real_lock(run_id)

    monkeypatch.setattr(enrolment_module, "_notices_render", render)
    monkeypatch.setattr(enrolment_module, "_lock_run", lock)

    services.enrolment_create(run=run, user=UserFactory())

    assert events == ["render enrolled", "render waitlisted", "lock"]


def test_invites_follow_a_session_changed_between_rendering_and_the_lock(run, monkeypatch):
    session = run.sessions.order_by("starts_at").first()
    real_lock = enrolment_module._lock_run

    def staff_move_the_session_then_lock(run_id):
        session.starts_at += dt.timedelta(hours=3)
        session.ends_at += dt.timedelta(hours=3)
        session.save()
        return real_lock(run_id)

    monkeypatch.setattr(enrolment_module, "_lock_run", staff_move_the_session_then_lock)
    person = UserFactory()

    services.enrolment_create(run=run, user=person)

    def stamp(moment):
        return f"DTSTART;TZID=Asia/Tokyo:{timezone.localtime(moment).strftime('%Y%m%dT%H%M%S')}"

    invites = [e.calendar for e in _emails(person) if e.calendar]
    starts = [line for c in invites for line in c.splitlines() if line.startswith("DTSTART;")]
    assert len(invites) == 2
    assert stamp(session.starts_at) in starts, starts
    assert stamp(session.starts_at - dt.timedelta(hours=3)) not in starts, starts
