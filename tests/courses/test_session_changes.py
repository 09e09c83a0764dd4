"""When staff change or cancel a session, everyone with a seat is told once, in their language,
and the session's revision goes up (calendar invites will use it as SEQUENCE)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import selectors, services, tasks
from courses.models import Session, SessionStatus
from courses.services import sessions as sessions_module
from lms import notifications, roles, taskqueue
from lms.models import OutboundEmail
from tests.admin_forms import admin_form_data
from tests.courses.helpers import notices_fail_for_run
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_with_people(home_page, django_capture_on_commit_callbacks):
    run = CourseRunFactory(capacity=1)
    session = SessionFactory(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)  # records the first state silently
        services.enrolment_create(run=run, user=UserFactory(email="seat@example.jp"))
        services.enrolment_create(run=run, user=UserFactory(email="waiting@example.jp"))
    OutboundEmail.objects.all().delete()
    return run, session


def first_session_cancelled_in_the_admin(client, run) -> tuple[str, dict]:
    """A coordinator signed in, and the run's edit form (its address and data) with its first
    session set to cancelled, ready to post."""
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)
    edit_url = f"/admin/snippets/courses/courserun/edit/{run.pk}/"
    data = admin_form_data(client.get(edit_url).context["form"])
    data["sessions-0-status"] = SessionStatus.CANCELLED
    return edit_url, data


def test_new_sessions_are_recorded_without_a_notice(run_with_people):
    _run, session = run_with_people
    session.refresh_from_db()
    assert session.sequence == 0
    assert session.announced_state == session.current_state()
    assert not OutboundEmail.objects.exists()


def test_a_time_change_is_announced_to_people_with_a_seat_once(
    run_with_people, django_capture_on_commit_callbacks
):
    run, session = run_with_people
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + dt.timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_changes_announce(run=run) == 1
        assert services.session_changes_announce(run=run) == 0  # nothing new to say

    session.refresh_from_db()
    assert (session.sequence, session.status) == (1, SessionStatus.CHANGED)
    mails = list(OutboundEmail.objects.values_list("recipient", "template"))
    assert mails == [("seat@example.jp", "courses/email/session_changed")]


def test_a_cancellation_is_announced_with_its_own_message(
    run_with_people, django_capture_on_commit_callbacks
):
    run, session = run_with_people
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)

    session.refresh_from_db()
    assert (session.sequence, session.status) == (1, SessionStatus.CANCELLED)
    message = OutboundEmail.objects.get()
    assert message.template == "courses/email/session_cancelled"
    assert "中止" in message.subject


def test_saving_the_run_in_the_admin_announces_the_change(
    client, run_with_people, django_capture_on_commit_callbacks
):
    run, session = run_with_people
    edit_url, data = first_session_cancelled_in_the_admin(client, run)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, data)

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert OutboundEmail.objects.filter(template="courses/email/session_cancelled").count() == 1


def test_saving_the_run_answers_before_the_notices_are_made(
    client, run_with_people, django_capture_on_commit_callbacks
):
    """The admin request only counts the changes and queues the task: a venue moved for a full
    run is hundreds of notices with invites, seconds of work staff should not wait for."""
    run, session = run_with_people
    edit_url, data = first_session_cancelled_in_the_admin(client, run)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(edit_url, data)

    assert response.status_code == 302
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1回分の変更を1人に送信しています。" in notes  # one changed session, one seat
    session.refresh_from_db()
    assert session.sequence == 0  # not announced yet
    assert session.announced_state != session.current_state()
    assert not OutboundEmail.objects.exists()

    for callback in callbacks:
        callback()  # the task (run at once in the tests, in the cluster otherwise)
    session.refresh_from_db()
    assert (session.sequence, session.status) == (1, SessionStatus.CANCELLED)
    assert list(OutboundEmail.objects.values_list("recipient", "template")) == [
        ("seat@example.jp", "courses/email/session_cancelled")
    ]


def test_a_notice_that_cannot_be_made_leaves_the_change_to_announce_again(
    run_with_people, monkeypatch
):
    """The notices are written in the transaction that records the announced state: if one
    cannot be rendered, nothing is recorded, and the next run of the task tells everyone."""
    run, session = run_with_people
    EnrolmentFactory(run=run, user=UserFactory(email="second@example.jp"))
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + dt.timedelta(hours=1)
    )
    before = Session.objects.values_list("sequence", "status", "announced_state").get()
    real_render, rendered = sessions_module._notices_render, []

    def render_then_fail(enrolment, *args, **kwargs):
        if rendered:
            raise RuntimeError("template error")
        rendered.append(enrolment.pk)
        return real_render(enrolment, *args, **kwargs)

    monkeypatch.setattr(sessions_module, "_notices_render", render_then_fail)
    with pytest.raises(RuntimeError):
        tasks.announce_session_changes(run.pk)

    assert Session.objects.values_list("sequence", "status", "announced_state").get() == before
    assert not OutboundEmail.objects.exists()
    monkeypatch.undo()
    assert tasks.announce_session_changes(run.pk) == 1
    assert sorted(OutboundEmail.objects.values_list("recipient", flat=True)) == [
        "seat@example.jp",
        "second@example.jp",
    ]


@pytest.mark.parametrize(("rows_a_statement", "statements"), [(100, 1), (4, 2)])
def test_a_full_runs_notices_are_written_with_one_insert(
    run_with_people, monkeypatch, rows_a_statement, statements
):
    """Every notice of an announcement (here three people and two changed sessions, each notice
    with its invite) goes to the outbox in one statement, not one per person (of at most
    ``OUTBOX_INSERT_BATCH_SIZE`` rows: hundreds of notices with their HTML are not one
    statement of tens of megabytes)."""
    monkeypatch.setattr(notifications, "OUTBOX_INSERT_BATCH_SIZE", rows_a_statement)
    run, session = run_with_people
    run.capacity = 3
    run.save()
    for number in range(2):
        EnrolmentFactory(run=run, user=UserFactory(email=f"more{number}@example.jp"))
    SessionFactory(run=run, starts_at=session.starts_at + dt.timedelta(days=1))
    services.session_changes_announce(run=run)  # records the second session
    OutboundEmail.objects.all().delete()
    Session.objects.filter(run=run).update(venue=VenueFactory())

    with CaptureQueriesContext(connection) as queries:
        assert services.session_changes_announce(run=run) == 2

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "lms_outboundemail"')]
    assert len(inserts) == statements
    assert OutboundEmail.objects.filter(template="courses/email/session_changed").count() == 6
    assert OutboundEmail.objects.exclude(calendar_method="REQUEST").count() == 0


def _render_counting(monkeypatch, meanwhile=lambda: None) -> list[str]:
    """Count the notices rendered (their recipients); ``meanwhile`` runs before the first, as
    if staff or the participant saved something while the announcement was being rendered."""
    real_render = sessions_module._notices_render
    rendered: list[str] = []

    def render(enrolment, *args, **kwargs):
        if not rendered:
            meanwhile()
        rendered.append(enrolment.user.email)
        return real_render(enrolment, *args, **kwargs)

    monkeypatch.setattr(sessions_module, "_notices_render", render)
    return rendered


def test_the_notices_are_rendered_once_when_nothing_changed_before_the_lock(
    run_with_people, monkeypatch
):
    run, session = run_with_people
    Session.objects.filter(pk=session.pk).update(venue=VenueFactory())
    rendered = _render_counting(monkeypatch)

    assert services.session_changes_announce(run=run) == 1

    assert rendered == ["seat@example.jp"]
    assert OutboundEmail.objects.get().recipient == "seat@example.jp"


def _venue_moved_again(session, venue):
    def move():
        session.venue = venue
        session.save()

    return move


def _new_address(user):
    def change():
        user.email = "new-address@example.jp"
        user.save()

    return change


def _venue_renamed(venue):
    def rename():
        venue.name = "兵庫県民会館ホール"
        venue.save()

    return rename


@pytest.mark.parametrize(
    "meanwhile", ["venue moved again", "venue renamed", "participant's new address"]
)
def test_a_change_saved_while_the_notices_were_rendered_is_announced_as_it_is_under_the_lock(
    run_with_people, monkeypatch, meanwhile
):
    """The notices are rendered before the run is locked (enrolments do not wait for them);
    whatever was saved meanwhile is found under the lock and the notices are made again from
    it, so the state recorded as told is the one people were told."""
    run, session = run_with_people
    venue = VenueFactory(name="県民会館")
    Session.objects.filter(pk=session.pk).update(venue=venue)
    holder = UserFactory._meta.model.objects.get(email="seat@example.jp")
    change = {
        "venue moved again": lambda: _venue_moved_again(
            Session.objects.get(pk=session.pk), VenueFactory(name="生田文化会館")
        ),
        "venue renamed": lambda: _venue_renamed(venue),
        "participant's new address": lambda: _new_address(holder),
    }[meanwhile]()
    rendered = _render_counting(monkeypatch, change)

    assert services.session_changes_announce(run=run) == 1

    assert len(rendered) == 2  # before the lock, and again under it
    session.refresh_from_db()
    assert session.announced_state == session.current_state()
    assert session.sequence == 1
    message = OutboundEmail.objects.get()
    if meanwhile == "venue moved again":
        assert "生田文化会館" in message.body_text
        assert "県民会館" not in message.body_text
    elif meanwhile == "venue renamed":
        assert "兵庫県民会館ホール" in message.body_text
    else:
        assert message.recipient == "new-address@example.jp"
    assert services.session_changes_announce(run=run) == 0


def test_the_task_for_a_run_deleted_meanwhile_does_nothing(run_with_people):
    run, _session = run_with_people
    run_id = run.pk
    run.enrolments.all().delete()
    run.delete()

    assert tasks.announce_session_changes(run_id) == 0


def test_the_task_for_a_run_deleted_while_its_notices_were_rendered_does_nothing(
    run_with_people, monkeypatch
):
    run, session = run_with_people
    Session.objects.filter(pk=session.pk).update(venue=VenueFactory())

    def delete_the_run():
        run.enrolments.all().delete()
        run.delete()

    _render_counting(monkeypatch, delete_the_run)

    assert tasks.announce_session_changes(run.pk) == 0
    assert not OutboundEmail.objects.exists()


def _move_the_session(session) -> None:
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + dt.timedelta(hours=1),
        ends_at=session.ends_at + dt.timedelta(hours=1),
    )


def test_a_change_whose_task_was_lost_is_announced_by_the_periodic_job(
    client, run_with_people, monkeypatch, django_capture_on_commit_callbacks
):
    """The broker is down when staff save: the save stands (with staff's note), nothing is
    lost, and the 15-minute job tells everyone; run again, it tells nobody twice."""
    run, session = run_with_people
    edit_url, data = first_session_cancelled_in_the_admin(client, run)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(taskqueue, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, data)
    monkeypatch.undo()

    assert response.status_code == 302
    assert "1回分の変更を1人に送信しています。" in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert not OutboundEmail.objects.exists()
    assert tasks.announce_pending_session_changes() == 1
    assert tasks.announce_pending_session_changes() == 0
    assert list(OutboundEmail.objects.values_list("recipient", "template")) == [
        ("seat@example.jp", "courses/email/session_cancelled")
    ]


def test_the_periodic_job_leaves_ended_sessions_alone(run_with_people):
    run, session = run_with_people
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - dt.timedelta(days=60),
        ends_at=session.ends_at - dt.timedelta(days=60),
    )  # a correction to a session that is over: only staff's own save announces it

    assert selectors.runs_with_unannounced_changes(now=timezone.now()) == []
    assert tasks.announce_pending_session_changes() == 0
    assert not OutboundEmail.objects.exists()


def test_the_periodic_job_records_a_run_made_outside_the_admin_so_its_changes_are_told(home_page):
    """A run whose sessions were never recorded (made by an import or a script, not saved in
    the admin) is recorded by the job without telling anyone; its next change is told."""
    run = CourseRunFactory(capacity=5)
    session = SessionFactory(run=run)
    services.enrolment_create(run=run, user=UserFactory(email="seat@example.jp"))
    OutboundEmail.objects.all().delete()

    assert selectors.runs_with_unannounced_changes(now=timezone.now()) == [run.pk]
    assert tasks.announce_pending_session_changes() == 0  # recorded, nothing to tell
    assert not OutboundEmail.objects.exists()
    session.refresh_from_db()
    assert (session.announced_state, session.sequence) == (session.current_state(), 0)

    _move_the_session(session)
    assert tasks.announce_pending_session_changes() == 1
    assert list(OutboundEmail.objects.values_list("recipient", "template")) == [
        ("seat@example.jp", "courses/email/session_changed")
    ]


def test_a_run_whose_notice_cannot_be_made_does_not_stop_the_others(run_with_people, monkeypatch):
    """Each run in its own transaction: the failing run stays untold (and is tried again next
    time), the other run is told, and the job fails naming the run that failed."""
    run, session = run_with_people
    other = CourseRunFactory()
    other_session = SessionFactory(run=other)
    services.session_changes_announce(run=other)
    EnrolmentFactory(run=other, user=UserFactory(email="other@example.jp"))
    _move_the_session(session)
    _move_the_session(other_session)
    notices_fail_for_run(monkeypatch, sessions_module, run.pk)
    with pytest.raises(services.RunSweepError) as failed:
        tasks.announce_pending_session_changes()

    assert failed.value.run_ids == [run.pk]
    assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == ["other@example.jp"]
    session.refresh_from_db()
    assert session.sequence == 0
    monkeypatch.undo()
    assert tasks.announce_pending_session_changes() == 1
    assert OutboundEmail.objects.filter(recipient="seat@example.jp").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staffs_note_counts_the_changes_before_the_task_can_run(client, home_page):
    """As in production, the admin's save has committed when the hook runs, so the task is
    queued at once (and in the tests run at once): the note still counts the change."""
    run = CourseRunFactory(capacity=1)
    SessionFactory(run=run)
    services.session_changes_announce(run=run)
    services.enrolment_create(run=run, user=UserFactory(email="seat@example.jp"))
    edit_url, data = first_session_cancelled_in_the_admin(client, run)

    response = client.post(edit_url, data)

    assert response.status_code == 302
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1回分の変更を1人に送信しています。" in notes
    assert OutboundEmail.objects.filter(template="courses/email/session_cancelled").count() == 1
