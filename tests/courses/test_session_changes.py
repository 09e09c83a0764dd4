"""When staff change or cancel a session, everyone with a seat is told once, in their language,
and the session's revision goes up (calendar invites will use it as SEQUENCE)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from courses import services
from courses.models import Session, SessionStatus
from lms import roles
from lms.models import OutboundEmail
from tests.admin_forms import admin_form_data
from tests.factories import CourseRunFactory, SessionFactory, UserFactory

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
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)
    edit_url = f"/admin/snippets/courses/courserun/edit/{run.pk}/"
    data = admin_form_data(client.get(edit_url).context["form"])
    data["sessions-0-status"] = SessionStatus.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url, data)

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert OutboundEmail.objects.filter(template="courses/email/session_cancelled").count() == 1
