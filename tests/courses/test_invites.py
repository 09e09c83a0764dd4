"""Emailed calendar invites (issue #6): REQUEST when a seat is held, an updated REQUEST with a
higher SEQUENCE when a session changes, CANCEL with the same UID when a session is cancelled
or the person cancels; nothing for people waiting.  Read back with icalendar and vobject."""

import datetime as dt

import icalendar
import pytest
import vobject
from django.core import mail

from courses import services
from courses.models import EnrolmentStatus, SessionStatus
from lms.models import OutboundEmail
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def invites(user) -> list[tuple[str, list]]:
    """(METHOD, VEVENTs) of every invite the person was sent, oldest first."""
    found = []
    for message in OutboundEmail.objects.filter(recipient=user.email).order_by("pk"):
        if not message.calendar:
            continue
        calendar = icalendar.Calendar.from_ical(message.calendar)
        list(vobject.readComponents(message.calendar))
        assert calendar["METHOD"] == message.calendar_method
        found.append((str(calendar["METHOD"]), list(calendar.walk("VEVENT"))))
    return found


@pytest.fixture
def run():
    run = CourseRunFactory(capacity=1)
    SessionFactory(run=run)
    SessionFactory(
        run=run,
        starts_at=SessionFactory.build(run=run).starts_at + dt.timedelta(days=7),
        ends_at=SessionFactory.build(run=run).ends_at + dt.timedelta(days=7),
    )
    return run


def test_a_seat_brings_a_request_and_the_waiting_list_nothing(
    run, django_capture_on_commit_callbacks
):
    seated, waiting = UserFactory(full_name="山田 花子"), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=seated)
        services.enrolment_create(run=run, user=waiting)

    ((method, events),) = invites(seated)
    assert method == "REQUEST" and len(events) == 2
    for event in events:
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{seated.email}"
        assert attendee.params["RSVP"] == "TRUE"
        assert str(event["ORGANIZER"]).startswith("mailto:")
    assert invites(waiting) == []


def test_the_delivered_email_carries_the_invite_as_a_text_calendar_part(
    run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=UserFactory())

    message = mail.outbox[-1].message()
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    assert str(parts[0]["Content-Type"]).count("charset") == 1
    assert b"BEGIN:VCALENDAR" in parts[0].get_payload(decode=True)


def test_a_change_sends_an_update_once_and_a_cancellation_a_cancel(
    run, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=person)
        services.session_changes_announce(run=run)  # records the first state
    session = run.sessions.order_by("starts_at").first()

    session.starts_at += dt.timedelta(hours=2)
    session.ends_at += dt.timedelta(hours=2)
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)
        services.session_changes_announce(run=run)  # nothing new: nothing sent
    session.refresh_from_db()
    session.status = SessionStatus.CANCELLED
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)

    (request, update, cancel) = invites(person)
    uid = str(update[1][0]["UID"])
    first = next(e for e in request[1] if str(e["UID"]) == uid)
    assert (update[0], cancel[0]) == ("REQUEST", "CANCEL")
    assert str(cancel[1][0]["UID"]) == uid
    assert first["SEQUENCE"] < update[1][0]["SEQUENCE"] <= cancel[1][0]["SEQUENCE"]
    assert cancel[1][0]["STATUS"] == "CANCELLED"
    changed = OutboundEmail.objects.filter(
        recipient=person.email, template="courses/email/session_changed"
    ).get()
    assert "変更前" in changed.body_text  # says what it was, in words


def test_cancelling_a_seat_cancels_the_events(run, django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = services.enrolment_create(run=run, user=person)
        services.enrolment_cancel(enrolment=enrolment)

    (request, cancel) = invites(person)
    assert cancel[0] == "CANCEL"
    assert sorted(str(e["UID"]) for e in cancel[1]) == sorted(str(e["UID"]) for e in request[1])
    assert all(c["SEQUENCE"] >= r["SEQUENCE"] for c, r in zip(cancel[1], request[1], strict=True))


def test_an_approved_request_gets_its_invite_then(run, django_capture_on_commit_callbacks):
    run.requires_approval = True
    run.save()
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.enrolment_create(run=run, user=person)
    assert invites(person) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_approve(enrolment=pending)

    assert [method for method, _events in invites(person)] == ["REQUEST"]
    assert pending.__class__.objects.get(pk=pending.pk).status == EnrolmentStatus.ENROLLED


def test_reminders_go_the_day_before_and_an_hour_before_online_never_twice(
    django_capture_on_commit_callbacks,
):
    from django.utils import timezone

    from courses.models import SessionModality, SessionReminder

    now = timezone.now()
    run = CourseRunFactory()
    tomorrow = SessionFactory(
        run=run, starts_at=now + dt.timedelta(hours=20), ends_at=now + dt.timedelta(hours=22)
    )
    online_soon = SessionFactory(
        run=run,
        modality=SessionModality.ONLINE,
        venue=None,
        online_url="https://meet.example.jp/r",
        starts_at=now + dt.timedelta(minutes=50),
        ends_at=now + dt.timedelta(hours=2),
    )
    SessionFactory(
        run=run, starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=3, hours=2)
    )
    seated = EnrolmentFactory(run=run)
    EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.session_reminders_send(now=now)
        again = services.session_reminders_send(now=now)  # a second worker, or a restart

    # The online session in 50 minutes gets both the day-before and the hour-before reminder.
    assert (first, again) == (3, 0)
    assert set(SessionReminder.objects.values_list("session_id", "kind", "enrolment_id")) == {
        (tomorrow.pk, "day_before", seated.pk),
        (online_soon.pk, "day_before", seated.pk),
        (online_soon.pk, "hour_before", seated.pk),
    }
    reminders = OutboundEmail.objects.filter(template="courses/email/session_reminder")
    assert reminders.count() == 3
    assert {m.recipient for m in reminders} == {seated.user.email}


def test_saving_a_changed_run_in_the_admin_says_who_is_told(client, role_user):
    from lms import roles
    from tests.admin_forms import admin_form_data

    run = CourseRunFactory()
    SessionFactory(run=run)
    EnrolmentFactory(run=run)
    EnrolmentFactory(run=run)
    services.session_changes_announce(run=run)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    edit_url = f"/admin/snippets/courses/courserun/edit/{run.pk}/"

    page = client.get(edit_url)
    assert "2人が受講を確定" in page.content.decode()
    data = admin_form_data(page.context["form"])
    data["sessions-0-status"] = SessionStatus.CANCELLED
    response = client.post(edit_url, data, follow=True)

    assert "2人に送信" in response.content.decode()


def test_a_move_cancels_the_old_dates_and_invites_to_the_new(
    run, django_capture_on_commit_callbacks
):
    person = UserFactory()
    other_run = CourseRunFactory(course=run.course)
    SessionFactory(run=other_run)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = services.enrolment_create(run=run, user=person)
        services.enrolment_move(enrolment=enrolment, to_run=other_run)

    (first, cancel, request) = invites(person)
    assert (first[0], cancel[0], request[0]) == ("REQUEST", "CANCEL", "REQUEST")
    assert {str(e["UID"]) for e in cancel[1]} == {str(e["UID"]) for e in first[1]}
    assert {str(e["UID"]) for e in request[1]} == {
        f"session-{s.pk}@127.0.0.1" for s in other_run.sessions.all()
    }
