"""Session logs on a phone, the next meeting with calendar invites to both (REQUEST, then
CANCEL), the mentee's side, and coordinators' alerts with acknowledgement (issue #8)."""

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from lms import roles
from lms.models import OutboundEmail
from mentoring import selectors, services
from mentoring.models import ChangeRequest, Meeting, MentoringSession
from tests.factories import UserFactory
from tests.mentoring.helpers import active_pair, mentee, mentor, programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def pair():
    prog = programme(quiet_after_weeks=4)
    pair = active_pair(prog, mentor(), mentee(prog, "後輩 学"))
    OutboundEmail.objects.all().delete()
    return pair


def log_form(**overrides):
    return {
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "mode": "online",
        "topics": ["case", "wellbeing"],
        "notes": "担当ケースの悩みを聴いた",
        "next_steps": "地域包括支援センターに相談してみる",
        "mentee_state": "tired",
        "mentor_load": "2",
        **overrides,
    }


def test_a_mentor_logs_a_session_and_schedules_the_next_meeting(client, pair):
    client.force_login(pair.mentor)
    next_week = timezone.localdate() + dt.timedelta(days=7)

    response = client.post(
        f"/mentoring/pairs/{pair.pk}/log/",
        log_form(
            next_date=next_week.isoformat(),
            next_time="18:30",
            next_minutes="60",
            next_mode="online",
            next_place="https://meet.example.jp/abc",
        ),
    )

    assert response.status_code == 302
    session = MentoringSession.objects.get()
    assert (session.topics, session.mentor_load, session.mentee_state) == (
        ["case", "wellbeing"],
        2,
        "tired",
    )
    meeting = Meeting.objects.get()
    assert timezone.localtime(meeting.starts_at).hour == 18
    invites = OutboundEmail.objects.filter(calendar_method="REQUEST")
    assert sorted(invites.values_list("recipient", flat=True)) == sorted(
        [pair.mentor.email, pair.mentee.email]
    )
    calendar = icalendar.Calendar.from_ical(invites.first().calendar)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert {str(a).lower() for a in event.get("ATTENDEE")} == {
        f"mailto:{pair.mentor.email}".lower(),
        f"mailto:{pair.mentee.email}".lower(),
    }

    # Cancelling sends a CANCEL with the same UID and a higher SEQUENCE to both.
    client.post(f"/mentoring/meetings/{meeting.pk}/cancel/")
    cancels = OutboundEmail.objects.filter(calendar_method="CANCEL")
    assert cancels.count() == 2
    (cancelled,) = icalendar.Calendar.from_ical(cancels.first().calendar).walk("VEVENT")
    assert str(cancelled["UID"]) == str(event["UID"])
    assert int(cancelled["SEQUENCE"]) > int(event.get("SEQUENCE", 0))
    assert str(cancelled["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"date": ""}, "date"),
        ({"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "date"),
        ({"mentor_load": "9"}, "mentor_load"),
        ({"notes": "あ" * 3001}, "notes"),
        ({"next_date": "2020-01-01", "next_time": "10:00"}, "next_date"),
        ({"next_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, "next_time"),
    ],
)
def test_a_bad_log_is_explained_and_saves_nothing(client, pair, overrides, field):
    client.force_login(pair.mentor)

    response = client.post(f"/mentoring/pairs/{pair.pk}/log/", log_form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not MentoringSession.objects.exists() and not Meeting.objects.exists()


def test_the_mentee_sees_next_steps_confirms_and_never_sees_notes_or_load(client, pair):
    services.session_log(
        pair=pair,
        by=pair.mentor,
        data={
            "date": timezone.localdate(),
            "duration_minutes": 45,
            "mode": "phone",
            "notes": "内密のメモ",
            "next_steps": "次回までに記録を整理",
            "mentor_load": 4,
        },
    )
    client.force_login(pair.mentee)

    home = client.get("/mentoring/").content.decode()
    detail = client.get(f"/mentoring/pairs/{pair.pk}/").content.decode()
    data = client.get("/profile/my-data/").content.decode()

    assert "次回までに記録を整理" in home and "先輩 導" in home
    for page in (home, detail, data):
        assert "内密のメモ" not in page
    session = MentoringSession.objects.get()
    client.post(f"/mentoring/sessions/{session.pk}/confirm/")
    session.refresh_from_db()
    assert session.confirmed_by_mentee_at is not None


def test_a_mentee_asks_privately_for_another_mentor(client, pair):
    client.force_login(pair.mentee)

    client.post(f"/mentoring/pairs/{pair.pk}/change/", {"reason": "相談の時間帯が合わない"})

    assert ChangeRequest.objects.get().reason == "相談の時間帯が合わない"
    assert not OutboundEmail.objects.filter(recipient=pair.mentor.email).exists()
    client.force_login(pair.mentor)
    assert "時間帯が合わない" not in client.get("/mentoring/").content.decode()
    assert "時間帯が合わない" not in client.get(f"/mentoring/pairs/{pair.pk}/").content.decode()
    kinds = {a.kind for a in selectors.alerts()}
    assert "change" in kinds


def test_alerts_for_quiet_pairs_and_high_load_and_acknowledging_them(client, role_user, pair):
    from lms import roles

    today = timezone.localdate()
    MentoringSession.objects.create(
        pair=pair,
        date=today - dt.timedelta(weeks=6),
        duration_minutes=60,
        mode="online",
        mentor_load=3,
    )
    MentoringSession.objects.create(
        pair=pair,
        date=today - dt.timedelta(weeks=5),
        duration_minutes=60,
        mode="online",
        mentor_load=4,
    )
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    client.force_login(coordinator)

    page = client.get("/admin/mentoring/alerts/")
    kinds = sorted(a.kind for a in page.context["page_obj"])
    assert kinds == ["load", "quiet"]
    assert "後輩 学" in page.content.decode()

    quiet = next(a for a in page.context["page_obj"] if a.kind == "quiet")
    # Counted from the latest session, not the first.
    assert quiet.key == f"quiet:{pair.pk}:{today - dt.timedelta(weeks=5):%Y-%m-%d}"
    client.post(
        "/admin/mentoring/alerts/acknowledge/", {"key": quiet.key, "note": "電話で様子を聞いた"}
    )
    assert [a.kind for a in selectors.alerts()] == ["load"]

    # A new session and a later quiet spell is a new alert.
    MentoringSession.objects.create(
        pair=pair,
        date=today - dt.timedelta(weeks=4, days=1),
        duration_minutes=30,
        mode="phone",
        mentor_load=1,
    )
    assert "quiet" in {a.kind for a in selectors.alerts()}
    assert "load" not in {a.kind for a in selectors.alerts()}  # the latest load is light


def test_meetings_appear_in_both_private_calendar_feeds_and_nobody_elses(client, pair):
    from lms.services import calendar_feed_regenerate

    services.meeting_schedule(
        pair=pair,
        by=pair.mentor,
        starts_at=timezone.now() + dt.timedelta(days=3),
        minutes=60,
        mode="online",
    )
    outsider = UserFactory()
    for person, expected in ((pair.mentor, 1), (pair.mentee, 1), (outsider, 0)):
        token = calendar_feed_regenerate(user=person).token
        feed = icalendar.Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)
        mentoring = [e for e in feed.walk("VEVENT") if str(e["UID"]).startswith("mentoring-")]
        assert len(mentoring) == expected


@pytest.mark.usefixtures("page_cache_on")
def test_a_kept_feed_reads_meetings_only_after_a_change_and_shows_each_one(
    client, pair, committed, monkeypatch
):
    """Polls of an unchanged feed do not read the meetings (their fingerprint says nothing
    changed, ``selectors.feed_meetings_fingerprint``); a meeting booked, the partner renamed
    and the meeting cancelled each show on the next poll."""
    from lms.services import calendar_feed_regenerate

    read = []
    real = selectors.meetings_for_feed
    monkeypatch.setattr(
        selectors, "meetings_for_feed", lambda **kw: read.append(kw["user"].pk) or real(**kw)
    )
    address = f"/calendar/{calendar_feed_regenerate(user=pair.mentee).token}.ics"

    def meetings():
        answer = client.get(address)
        assert answer.status_code == 200
        feed = icalendar.Calendar.from_ical(answer.content)
        return [e for e in feed.walk("VEVENT") if str(e["UID"]).startswith("mentoring-")]

    assert meetings() == [] and meetings() == []
    assert len(read) == 1  # the second poll found the feed kept

    with committed():
        meeting = services.meeting_schedule(
            pair=pair,
            by=pair.mentor,
            starts_at=timezone.now() + dt.timedelta(days=3),
            minutes=60,
            mode="online",
        )
    (booked,) = meetings()
    assert pair.mentor.full_name in str(booked["SUMMARY"])
    assert len(meetings()) == 1 and len(read) == 2

    with committed():  # somebody else renamed: nothing of this feed's changed
        stranger = UserFactory(full_name="無関係 一郎")
        stranger.full_name = "無関係 二郎"
        stranger.save()
    assert len(meetings()) == 1 and len(read) == 2

    with committed():
        pair.mentor.full_name = "改名 先輩"
        pair.mentor.save()
    (renamed,) = meetings()
    assert "改名 先輩" in str(renamed["SUMMARY"])

    with committed():
        services.meeting_cancel(meeting=meeting, by=pair.mentee)
    (cancelled,) = meetings()
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert len(read) == 4


def test_a_leader_course_waits_for_confirmed_mentoring_sessions(
    client, django_capture_on_commit_callbacks
):
    from courses import services as course_services
    from courses.models import CourseKind, EnrolmentStatus
    from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

    today = timezone.localdate()
    run = CourseRunFactory(
        course__kind=CourseKind.LEADER_MODULE,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),  # still on My learning's current list
    )
    run.course.required_mentoring_sessions = 2
    run.course.save()
    start = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    prog = programme(cohort=run)
    pair = active_pair(prog, mentor(), mentee(prog))
    enrolment = EnrolmentFactory(run=run, user=pair.mentee)

    with django_capture_on_commit_callbacks(execute=True):
        course_services.attendance_record(enrolment=enrolment, session=session, status="present")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED  # mentoring still missing

    logs = [
        services.session_log(
            pair=pair,
            by=pair.mentor,
            data={"date": today - dt.timedelta(days=d), "duration_minutes": 60, "mode": "online"},
        )
        for d in (14, 7)
    ]
    services.session_confirm(session=logs[0], by=pair.mentee)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    client.force_login(pair.mentee)
    assert "メンタリングの面談" in client.get("/learning/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.session_confirm(session=logs[1], by=pair.mentee)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_the_alert_list_is_paginated_with_the_total(client, role_user, monkeypatch):
    from mentoring import admin_views

    monkeypatch.setattr(admin_views, "ALERTS_PER_PAGE", 1)
    found = [
        selectors.Alert(
            key=f"over:{n}",
            kind="over",
            title="多すぎ",
            detail="",
            pair=None,
            mentor=None,
            mentor_id=UserFactory(full_name=f"先輩 {n}").pk,
        )
        for n in range(3)
    ]
    monkeypatch.setattr(selectors, "alert_entries", lambda **kwargs: found)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    page = client.get("/admin/mentoring/alerts/?page=2")

    assert page.status_code == 200
    assert [row.key for row in page.context["page_obj"]] == [found[1].key]
    html = page.content.decode()
    assert "3" in html.split('class="alert-count"')[1].split("</p>")[0]
    assert 'href="?page=3"' in html and 'href="?page=1"' in html
    assert "先輩 1" in html and "先輩 0" not in html  # only the page's people are read
