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

    # One invite per session: Outlook and Gmail read only the first event of an invite.
    found = invites(seated)
    assert [(method, len(events)) for method, events in found] == [("REQUEST", 1), ("REQUEST", 1)]
    uids = {str(events[0]["UID"]) for _method, events in found}
    assert uids == {f"session-{s.pk}@127.0.0.1" for s in run.sessions.all()}
    for _method, (event,) in found:
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

    with_invites = [
        m.message()
        for m in mail.outbox
        if any(p.get_content_type() == "text/calendar" for p in m.message().walk())
    ]
    assert len(with_invites) == 2  # one per session
    message = with_invites[0]
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

    (*requests, update, cancel) = invites(person)
    uid = str(update[1][0]["UID"])
    first = next(events[0] for _m, events in requests if str(events[0]["UID"]) == uid)
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

    found = invites(person)
    requests = {str(e[0]["UID"]): e[0] for m, e in found if m == "REQUEST"}
    cancels = {str(e[0]["UID"]): e[0] for m, e in found if m == "CANCEL"}
    assert cancels.keys() == requests.keys() and len(cancels) == 2
    for uid, cancel in cancels.items():
        # The person is uninvited while the session goes on: a higher SEQUENCE, no STATUS.
        assert cancel["SEQUENCE"] > requests[uid]["SEQUENCE"]
        assert "STATUS" not in cancel


def test_an_approved_request_gets_its_invite_then(run, django_capture_on_commit_callbacks):
    run.requires_approval = True
    run.save()
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.enrolment_create(run=run, user=person)
    assert invites(person) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_approve(enrolment=pending)

    assert [method for method, _events in invites(person)] == ["REQUEST", "REQUEST"]
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

    found = invites(person)
    assert [m for m, _e in found] == ["REQUEST", "REQUEST", "CANCEL", "CANCEL", "REQUEST"]
    old_uids = {f"session-{s.pk}@127.0.0.1" for s in run.sessions.all()}
    assert {str(e[0]["UID"]) for m, e in found[2:4]} == old_uids
    assert str(found[4][1][0]["UID"]) == f"session-{other_run.sessions.get().pk}@127.0.0.1"


def test_a_session_added_to_a_run_under_way_is_sent_to_everyone_with_a_seat(
    run, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=person)
        services.session_changes_announce(run=run)
    added = SessionFactory(
        run=run,
        starts_at=SessionFactory.build(run=run).starts_at + dt.timedelta(days=14),
        ends_at=SessionFactory.build(run=run).ends_at + dt.timedelta(days=14),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)

    method, (event,) = invites(person)[-1]
    assert (method, str(event["UID"])) == ("REQUEST", f"session-{added.pk}@127.0.0.1")
    assert OutboundEmail.objects.filter(template="courses/email/session_added").count() == 1


def test_a_rescheduled_session_is_reminded_again(django_capture_on_commit_callbacks):
    from django.utils import timezone

    from courses.models import SessionReminder

    now = timezone.now()
    run = CourseRunFactory()
    session = SessionFactory(
        run=run, starts_at=now + dt.timedelta(hours=20), ends_at=now + dt.timedelta(hours=22)
    )
    EnrolmentFactory(run=run)
    services.session_changes_announce(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_reminders_send(now=now) == 1

    session.refresh_from_db()
    session.starts_at += dt.timedelta(hours=2)
    session.ends_at += dt.timedelta(hours=2)
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_changes_announce(run=run)
        assert services.session_reminders_send(now=now) == 1  # the new date, once
        assert services.session_reminders_send(now=now) == 0
    assert SessionReminder.objects.count() == 1


def test_cancelling_the_whole_run_cancels_every_session_in_calendars_once(
    run, django_capture_on_commit_callbacks
):
    from courses.models import RunStatus

    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=person)
        services.session_changes_announce(run=run)
    run.refresh_from_db()
    run.status = RunStatus.CANCELLED
    run.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_changes_announce(run=run) == 2
        assert services.session_changes_announce(run=run) == 0  # told once

    found = invites(person)
    requests = {str(e[0]["UID"]): e[0] for m, e in found if m == "REQUEST"}
    cancels = {str(e[0]["UID"]): e[0] for m, e in found if m == "CANCEL"}
    assert cancels.keys() == requests.keys() and len(cancels) == 2
    for uid, cancel in cancels.items():
        assert str(cancel["STATUS"]) == "CANCELLED"
        assert cancel["SEQUENCE"] > requests[uid]["SEQUENCE"]
