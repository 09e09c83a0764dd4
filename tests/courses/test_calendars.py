"""Calendars (issue #6, first part): .ics downloads and the private subscription feed, read back
with two independent parsers (icalendar and vobject) and checked against the RFC rules."""

import datetime as dt

import icalendar
import pytest
import vobject
from django.utils import timezone

from courses import services
from courses.models import EnrolmentStatus, SessionModality, SessionStatus
from lms.models import CalendarFeed
from lms.services import calendar_feed_regenerate
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

MEETING = "https://meet.example.jp/secret-room"


def parse_both(body: bytes):
    """Parse with icalendar and with vobject; both must accept it.  Returns icalendar's VEVENTs."""
    calendar = icalendar.Calendar.from_ical(body)
    list(vobject.readComponents(body.decode()))  # raises on anything vobject cannot read
    return calendar, list(calendar.walk("VEVENT"))


@pytest.fixture
def run():
    run = CourseRunFactory()
    SessionFactory(run=run, title="第1回 講義")
    SessionFactory(
        run=run,
        title="第2回 オンライン",
        modality=SessionModality.ONLINE,
        venue=None,
        online_url=MEETING,
        starts_at=timezone.make_aware(dt.datetime.combine(run.starts_on, dt.time(14))),
        ends_at=timezone.make_aware(dt.datetime.combine(run.starts_on, dt.time(16))),
    )
    return run


def test_a_run_downloads_as_one_calendar_in_asia_tokyo(client, run):
    response = client.get(f"/runs/{run.pk}/calendar.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    calendar, events = parse_both(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert len(events) == 2
    for event, session in zip(events, run.sessions.order_by("starts_at"), strict=True):
        assert event["UID"] == f"session-{session.pk}@127.0.0.1"
        assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
        assert event.decoded("DTSTART") == session.starts_at
        assert event["STATUS"] == "CONFIRMED"
        assert event.walk("VALARM"), "a reminder"
        assert event["SUMMARY"].startswith(run.course.title)
    assert "兵庫県姫路市" in events[0]["LOCATION"]  # the venue's address


def test_the_meeting_link_is_only_in_calendars_of_people_with_a_seat(client, run):
    online = run.sessions.get(modality=SessionModality.ONLINE)
    assert MEETING.encode() not in client.get(f"/sessions/{online.pk}/calendar.ics").content

    client.force_login(EnrolmentFactory(run=run).user)
    assert MEETING.encode() in client.get(f"/sessions/{online.pk}/calendar.ics").content
    client.force_login(EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED).user)
    assert MEETING.encode() not in client.get(f"/sessions/{online.pk}/calendar.ics").content


def test_uid_stays_and_sequence_rises_on_every_change(client, run):
    session = run.sessions.order_by("starts_at").first()
    services.session_changes_announce(run=run)  # records the first state
    first = parse_both(client.get(f"/sessions/{session.pk}/calendar.ics").content)[1][0]

    session.refresh_from_db()
    session.starts_at += dt.timedelta(hours=1)
    session.ends_at += dt.timedelta(hours=1)
    session.save()
    services.session_changes_announce(run=run)
    moved = parse_both(client.get(f"/sessions/{session.pk}/calendar.ics").content)[1][0]
    session.refresh_from_db()
    session.status = SessionStatus.CANCELLED
    session.save()
    services.session_changes_announce(run=run)
    cancelled = parse_both(client.get(f"/sessions/{session.pk}/calendar.ics").content)[1][0]

    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert first["SEQUENCE"] < moved["SEQUENCE"] < cancelled["SEQUENCE"]
    assert cancelled["STATUS"] == "CANCELLED"


def test_the_google_link_carries_the_times_in_utc(client, run):
    session = run.sessions.order_by("starts_at").first()
    response = client.get(f"/sessions/{session.pk}/google/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://calendar.google.com/calendar/render?")
    assert session.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ") in response["Location"]


def test_unknown_sessions_and_runs_are_404(client):
    assert client.get("/sessions/999999/calendar.ics").status_code == 404
    assert client.get("/runs/999999/calendar.ics").status_code == 404
    assert client.get("/sessions/999999/google/").status_code == 404


# --- The private feed -----------------------------------------------------------------------


def test_the_feed_lists_my_sessions_only_and_names_nobody_else(client, run):
    me = EnrolmentFactory(run=run).user
    EnrolmentFactory(run=run, user=UserFactory(email="someone.else@example.jp"))
    EnrolmentFactory(run=CourseRunFactory(), user=UserFactory())  # another run, not mine
    feed = calendar_feed_regenerate(user=me)

    response = client.get(f"/calendar/{feed.token}.ics")

    calendar, events = parse_both(response.content)
    assert len(events) == 2
    assert b"someone.else@example.jp" not in response.content
    assert b"ATTENDEE" not in response.content
    assert "X-WR-CALNAME" in calendar
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in response.content
    assert MEETING.encode() in response.content  # my own calendar: I have a seat


def test_regenerating_the_token_retires_the_old_address(client, run):
    me = EnrolmentFactory(run=run).user
    old = calendar_feed_regenerate(user=me).token
    client.force_login(me)

    client.post("/profile/calendar/", {"action": "regenerate"})

    new = CalendarFeed.objects.get(user=me).token
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert f"/calendar/{new}.ics" in client.get("/profile/").content.decode()
    client.post("/profile/calendar/", {"action": "revoke"})
    assert client.get(f"/calendar/{new}.ics").status_code == 404


def test_cancelled_sessions_stay_in_the_feed_for_a_while(client, run):
    me = EnrolmentFactory(run=run).user
    token = calendar_feed_regenerate(user=me).token
    session = run.sessions.order_by("starts_at").first()
    session.status = SessionStatus.CANCELLED
    session.save()

    _calendar, events = parse_both(client.get(f"/calendar/{token}.ics").content)
    assert sorted(str(e["STATUS"]) for e in events) == ["CANCELLED", "CONFIRMED"]

    type(session).objects.filter(pk=session.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=31)
    )
    _calendar, events = parse_both(client.get(f"/calendar/{token}.ics").content)
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED"]


def test_an_unchanged_feed_answers_304(client, run):
    token = calendar_feed_regenerate(user=EnrolmentFactory(run=run).user).token
    first = client.get(f"/calendar/{token}.ics")

    again = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert first["Last-Modified"]


@pytest.mark.parametrize("cache", ["memory", "database"])
def test_a_feed_of_200_sessions_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, cache, request
):
    if cache == "database":  # each course page's URL used to cost a cache query
        request.getfixturevalue("site_cache")
    me = UserFactory()
    token = calendar_feed_regenerate(user=me).token

    def add_runs(count):
        for _ in range(count):
            run = CourseRunFactory()
            EnrolmentFactory(run=run, user=me)
            for hour in (9, 13, 15, 17):
                start = timezone.make_aware(dt.datetime.combine(run.starts_on, dt.time(hour)))
                SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=1))

    add_runs(2)
    # 20: with the database cache, a calendar written for the first time is also kept (five
    # statements; a later unchanged poll reads it back in one, tests/lms/test_calendar_feed_cache.py).
    with django_assert_max_num_queries(20) as small:
        client.get(f"/calendar/{token}.ics")
    add_runs(48)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/calendar/{token}.ics")
    assert response.content.count(b"BEGIN:VEVENT") == 200


def test_a_cancelled_run_shows_cancelled_and_unpublished_courses_are_not_served(client, run):
    from courses.models import RunStatus

    run.status = RunStatus.CANCELLED
    run.save()
    _calendar, events = parse_both(client.get(f"/runs/{run.pk}/calendar.ics").content)
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}

    run.course.unpublish()
    assert client.get(f"/runs/{run.pk}/calendar.ics").status_code == 404
    session = run.sessions.first()
    assert client.get(f"/sessions/{session.pk}/calendar.ics").status_code == 404
    assert client.get(f"/sessions/{session.pk}/google/").status_code == 404


def test_the_feed_changes_when_a_place_is_cancelled(client, run):
    enrolment = EnrolmentFactory(run=run)
    token = calendar_feed_regenerate(user=enrolment.user).token
    first = client.get(f"/calendar/{token}.ics")

    services.enrolment_cancel(enrolment=enrolment)
    again = client.get(
        f"/calendar/{token}.ics",
        HTTP_IF_NONE_MATCH=first["ETag"],
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )

    assert again.status_code == 200
    assert again.content.count(b"BEGIN:VEVENT") == 0


def test_sessions_over_a_year_ago_leave_the_feed(client):
    old_run = CourseRunFactory(
        starts_on=timezone.localdate() - dt.timedelta(days=400),
        ends_on=timezone.localdate() - dt.timedelta(days=400),
    )
    SessionFactory(run=old_run)
    me = EnrolmentFactory(run=old_run).user
    recent = CourseRunFactory()
    SessionFactory(run=recent)
    EnrolmentFactory(run=recent, user=me)
    token = calendar_feed_regenerate(user=me).token

    _calendar, events = parse_both(client.get(f"/calendar/{token}.ics").content)

    assert [str(e["UID"]) for e in events] == [f"session-{recent.sessions.get().pk}@127.0.0.1"]
