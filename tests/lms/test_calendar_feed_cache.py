"""The personal calendar feed keeps the bytes it wrote (issue #9): an unchanged calendar is not
written again, any change gives new bytes at once, one person's calendar is never served to
another, and the faster writer gives exactly the bytes icalendar gives."""

import dataclasses
import datetime as dt

import icalendar
import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.parser import foldline

from courses import services
from courses.models import Enrolment, Session, SessionStatus, Venue
from lms import calendar as lms_calendar
from lms.calendar import CachedCalendar, CalendarEvent, calendar_bytes, calendar_digest
from lms.models import CalendarFeed
from lms.pagecache import bump_version
from lms.services import calendar_feed_regenerate
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

MEETING = "https://meet.example.jp/only-for-people-with-a-seat"


@pytest.fixture
def writes(monkeypatch):
    """Every call of the calendar writer, which still writes (a spy, not a stub)."""
    calls = []
    real = lms_calendar.calendar_bytes

    def spy(events, **options):
        calls.append(list(events))
        return real(events, **options)

    monkeypatch.setattr(lms_calendar, "calendar_bytes", spy)
    return calls


@pytest.fixture
def run(home_page):
    run = CourseRunFactory()
    for hour in (10, 14):
        start = timezone.make_aware(dt.datetime.combine(run.starts_on, dt.time(hour)))
        SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    return run


@pytest.fixture
def me(run):
    return EnrolmentFactory(run=run).user


def feed_of(client, user, **headers):
    token = CalendarFeed.objects.filter(user=user).values_list("token", flat=True).first()
    token = token or calendar_feed_regenerate(user=user).token
    return client.get(f"/calendar/{token}.ics", **headers)


def forget_kept_bytes():
    """The kept bytes gone (expired, or another process's), and the default cache too."""
    caches["calendar-feeds"].clear()
    cache.clear()


def vevents(body: bytes) -> list:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def first_session(run) -> Session:
    return run.sessions.order_by("starts_at").first()


# --- Kept bytes --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unchanged_calendar_is_written_once(client, me, writes):
    first = feed_of(client, me)
    second = feed_of(client, me)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(vevents(second.content)) == 2
    assert len(writes) == 1, "the second request served the kept bytes"
    assert second["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_kept_bytes_are_exactly_what_writing_again_gives(client, me, writes):
    kept = feed_of(client, me).content
    forget_kept_bytes()

    assert feed_of(client, me).content == kept
    assert len(writes) == 2


@pytest.mark.django_db
def test_a_calendar_app_that_accepts_gzip_gets_the_kept_bytes_as_they_are(client, me, writes):
    """Kept gzipped, sent gzipped to the apps that take it (a twentieth of the size on a
    phone's data), the same calendar either way; the two representations' ETags differ only
    in strength, so a poll with either is answered 304."""
    import gzip

    plain = feed_of(client, me)
    packed = feed_of(client, me, headers={"accept-encoding": "br, gzip;q=0.8, deflate"})

    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert len(writes) == 1  # written once, kept gzipped, sent as kept
    assert "Content-Encoding" not in plain
    assert packed["ETag"] == f"W/{plain['ETag']}"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    for etag in (packed["ETag"], plain["ETag"]):
        again = feed_of(client, me, headers={"accept-encoding": "gzip", "if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == packed["ETag"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "refusal", ["gzip;q=0", "gzip; q=0.000, identity", "GZIP;\tQ=0", "deflate", ""]
)
def test_a_client_that_refuses_gzip_gets_the_calendar_plain(client, me, refusal):
    answer = feed_of(client, me, headers={"accept-encoding": refusal})
    assert answer.status_code == 200 and "Content-Encoding" not in answer
    assert len(vevents(answer.content)) == 2
    assert not answer["ETag"].startswith("W/")


def _retitle(run, me):
    Session.objects.filter(pk=first_session(run).pk).update(title="第1回 改題しました")


def _move(run, me):
    # .update() leaves updated_at alone: the digest sees the time itself, not only the stamps.
    Session.objects.filter(pk=first_session(run).pk).update(
        starts_at=first_session(run).starts_at + dt.timedelta(minutes=30)
    )


def _rename_venue(run, me):
    Venue.objects.filter(pk=first_session(run).venue_id).update(name="新しい会場")


def _cancel_session(run, me):
    Session.objects.filter(pk=first_session(run).pk).update(status=SessionStatus.CANCELLED)


def _cancel_place(run, me):
    services.enrolment_cancel(enrolment=Enrolment.objects.get(user=me, run=run))


def _speak_english(run, me):
    type(me).objects.filter(pk=me.pk).update(preferred_language="en")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (_retitle, lambda body, events: "第1回 改題しました" in str(events[0]["SUMMARY"])),
        (_move, lambda body, events: events[0].decoded("DTSTART").minute == 30),
        (_rename_venue, lambda body, events: str(events[0]["LOCATION"]).startswith("新しい会場")),
        (_cancel_session, lambda body, events: str(events[0]["STATUS"]) == "CANCELLED"),
        (_cancel_place, lambda body, events: events == []),
        (
            _speak_english,
            lambda body, events: (
                icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]
                == "Hyogo Tsunagari Academy: my training"
            ),
        ),
    ],
    ids=["title", "time", "venue", "session-cancelled", "place-cancelled", "language"],
)
def test_any_change_gives_new_bytes_on_the_next_request(client, run, me, writes, change, shows):
    before = feed_of(client, me)
    assert not shows(before.content, vevents(before.content))

    change(run, me)
    after = feed_of(client, me, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200, "a changed calendar is not 'not modified'"
    assert after.content != before.content
    assert after["ETag"] != before["ETag"]
    assert shows(after.content, vevents(after.content))
    assert len(writes) == 2


# --- Conditional GET -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_304_needs_neither_the_writer_nor_the_kept_bytes(client, me, writes, monkeypatch):
    first = feed_of(client, me)
    forget_kept_bytes()

    again = feed_of(client, me, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert len(writes) == 1
    # A client asking by date alone gets the calendar again: Last-Modified does not move when
    # a venue or a mentoring partner is renamed, so a 304 by date could be stale.
    by_date = feed_of(client, me, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 200 and by_date.content == first.content


# --- People ----------------------------------------------------------------------------------------


def _same_stamps(*people):
    """Two people's feeds whose every input is equal: the same places, bookings and feeds made at
    the same moment, the same language (the stamp is the latest of those changes)."""
    long_ago = timezone.now() - dt.timedelta(days=100)
    Enrolment.objects.filter(user__in=people).update(updated_at=long_ago)
    CalendarFeed.objects.filter(user__in=people).update(created_at=long_ago)


@pytest.mark.django_db
def test_people_with_equal_calendars_share_the_bytes_and_others_never_get_them(
    client, run, me, writes
):
    """The key is the digest of everything in the bytes, not the person: two people whose
    calendars are equal byte for byte share them (nothing in them names the person); a person
    whose calendar differs in anything gets their own."""
    other = EnrolmentFactory(run=run).user
    for person in (me, other):
        calendar_feed_regenerate(user=person)
    _same_stamps(me, other)

    mine = feed_of(client, me)
    theirs = feed_of(client, other)

    assert theirs.content == mine.content
    assert len(writes) == 1
    assert me.email.encode() not in mine.content and b"ATTENDEE" not in mine.content

    # The other person also has a seat in an online course with a private link: their
    # calendar differs now, and mine must never show it.
    online = CourseRunFactory()
    SessionFactory(run=online, venue=None, online_url=MEETING)
    EnrolmentFactory(run=online, user=other)
    _same_stamps(me, other)

    theirs = feed_of(client, other)
    mine_again = feed_of(client, me)

    assert MEETING.encode() in theirs.content
    assert len(vevents(theirs.content)) == 3
    assert mine_again.content == mine.content
    assert MEETING.encode() not in mine_again.content
    assert len(writes) == 2, "mine was still kept; theirs was written for them"
    assert theirs["ETag"] != mine_again["ETag"]


@pytest.mark.django_db
def test_a_waiting_person_sees_no_meeting_link_kept_for_people_with_a_seat(client, home_page):
    run = CourseRunFactory()
    SessionFactory(run=run, venue=None, online_url=MEETING)
    seated = EnrolmentFactory(run=run).user
    waiting = EnrolmentFactory(run=run, status="waitlisted").user

    assert MEETING.encode() in feed_of(client, seated).content
    assert vevents(feed_of(client, waiting).content) == []


# --- The shared cache the site uses ---------------------------------------------------------------


@pytest.mark.django_db
def test_in_the_database_cache_a_kept_feed_costs_one_query_more_than_its_events(
    client, me, run, site_cache, writes
):
    """The feed's queries stay the same as the calendar grows; the kept bytes cost one read."""
    url = f"/calendar/{calendar_feed_regenerate(user=me).token}.ics"
    client.get(url)  # written and kept
    with CaptureQueriesContext(connection) as small:
        small_body = client.get(url).content
    for _ in range(3):
        more = CourseRunFactory()
        EnrolmentFactory(run=more, user=me)
        for day in range(4):
            start = timezone.make_aware(
                dt.datetime.combine(more.starts_on + dt.timedelta(days=day), dt.time(9))
            )
            SessionFactory(run=more, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    client.get(url)  # written and kept
    with CaptureQueriesContext(connection) as large:
        large_body = client.get(url).content

    assert len(vevents(small_body)) == 2 and len(vevents(large_body)) == 14
    assert len(writes) == 2
    # The feed and its person, the sessions, their runs and courses, the site's root paths,
    # mentoring meetings, the places' latest change, and the kept bytes.
    assert len(small.captured_queries) == len(large.captured_queries) == 7
    assert "calendar-gz:" in large.captured_queries[-1]["sql"]


def test_the_bytes_are_kept_apart_from_the_default_cache(client, me, site_cache):
    """Django's database cache counts its whole table on every write, and the default cache
    is written on hot paths: tens of thousands of feeds are kept in a table of their own."""
    from lms.settings import CACHE_TABLE, CALENDAR_CACHE_TABLE

    feed_of(client, me)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CALENDAR_CACHE_TABLE}")  # noqa: S608
        kept_apart = [key for (key,) in cursor.fetchall()]
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")  # noqa: S608
        default = [key for (key,) in cursor.fetchall()]
    assert len(kept_apart) == 1 and "calendar-gz:" in kept_apart[0]
    assert not any("calendar" in key for key in default)


# --- The digest ------------------------------------------------------------------------------------

TOKYO = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2026, 12, 5, 10, 0, tzinfo=TOKYO)
EVENT = CalendarEvent(
    uid="session-1@academy.example.jp",
    sequence=2,
    starts_at=START,
    ends_at=START + dt.timedelta(hours=2),
    summary="地域福祉コーディネーター養成講座（第1回）",
    description="支え合いの地域づくり",
    location="つながりセンター",
    url="https://academy.example.jp/courses/1/",
    last_modified=dt.datetime(2026, 11, 20, 3, 4, 5, tzinfo=dt.UTC),
    attendees=(("hanako@example.jp", "兵庫 花子"),),
)
OPTIONS = {
    "name": "わたしの研修",
    "organizer": ("no-reply@academy.example.jp", "ひょうごつながりアカデミー"),
    "refresh_hours": 6,
    "now": dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC),
}
# Another value for every field of CalendarEvent.  A new field must be added here, so that the
# test proves the digest reads it too.
OTHER = {
    "uid": "session-2@academy.example.jp",
    "sequence": 3,
    "starts_at": START + dt.timedelta(minutes=1),
    "ends_at": START + dt.timedelta(hours=3),
    "summary": "地域福祉コーディネーター養成講座（第2回）",
    "description": "支え合いの地域づくり。",
    "location": "つながりセンター2",
    "url": "https://academy.example.jp/courses/2/",
    "cancelled": True,
    "last_modified": None,
    "attendees": (("hanako@example.jp", "兵庫 花"),),
    "reminder_minutes": 60,
    "status_omitted": True,
}


def test_every_field_of_every_event_and_every_option_changes_the_digest():
    assert set(OTHER) == {f.name for f in dataclasses.fields(CalendarEvent)}
    digest = calendar_digest([EVENT], **OPTIONS)
    assert calendar_digest([EVENT], **OPTIONS) == digest
    for name, value in OTHER.items():
        changed = dataclasses.replace(EVENT, **{name: value})
        assert calendar_digest([changed], **OPTIONS) != digest, name
        assert calendar_digest([EVENT, changed], **OPTIONS) != calendar_digest(
            [changed, EVENT], **OPTIONS
        ), f"the order of events, {name}"
    for name, value in {
        "name": "my training",
        "organizer": ("no-reply@academy.example.jp", "Academy"),
        "refresh_hours": 12,
        "now": OPTIONS["now"] + dt.timedelta(seconds=1),
    }.items():
        assert calendar_digest([EVENT], **{**OPTIONS, name: value}) != digest, name
    assert calendar_digest([EVENT], **OPTIONS, method="REQUEST") != digest
    assert calendar_digest([], **OPTIONS) != digest
    with translation.override("en"):
        assert calendar_digest([EVENT], **OPTIONS) != digest


def test_a_lazy_name_is_read_in_the_language_of_the_request():
    """The name is read when the calendar is made (in the person's language), so the bytes
    written later are the ones the digest describes, whatever language is active then."""
    from django.utils.translation import gettext_lazy

    name = gettext_lazy("Hyogo Tsunagari Academy: my training")
    with translation.override("en"):
        english = CachedCalendar([EVENT], timeout=60, **{**OPTIONS, "name": name})
        expected = calendar_digest([EVENT], **{**OPTIONS, "name": str(name)})
    japanese = CachedCalendar([EVENT], timeout=60, **{**OPTIONS, "name": name})

    assert english.digest == expected
    assert japanese.digest != english.digest
    assert b"X-WR-CALNAME:Hyogo Tsunagari Academy: my training" in english.body()


def test_the_digest_is_much_cheaper_than_writing():
    """200 events: the digest must cost a small fraction of writing them (measured: 1.6 ms
    against 50 ms); a generous bound so a busy machine does not fail it."""
    import time

    events = [dataclasses.replace(EVENT, uid=f"session-{n}@x", sequence=n) for n in range(200)]

    def best(fn):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    assert best(lambda: calendar_digest(events, **OPTIONS)) * 10 < best(
        lambda: calendar_bytes(events, **OPTIONS)
    )


# --- The writer: the same bytes as before --------------------------------------------------------

# Written by the writer before issue #9's changes (icalendar's own Calendar.to_ical and a
# VTIMEZONE per call); the faster writer must give these exact bytes.
PINNED = r"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Hyogo Tsunagari Academy//Training calendar//JA
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:ひょうごつながりアカデミー：わたしの研修
REFRESH-INTERVAL;VALUE=DURATION:PT6H
X-WR-TIMEZONE:Asia/Tokyo
BEGIN:VTIMEZONE
TZID:Asia/Tokyo
BEGIN:STANDARD
DTSTART:19700101T000000
TZNAME:JST
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
SUMMARY:地域福祉コーディネーター養成講座（第1回 講義
 とグループワーク：髙橋先生と﨑山先生）
DTSTART;TZID=Asia/Tokyo:20261205T100000
DTEND;TZID=Asia/Tokyo:20261205T120000
DTSTAMP:20261127T120000Z
UID:session-1@academy.example.jp
SEQUENCE:2
ATTENDEE;CN="兵庫 花子";ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:hanako@e
 xample.jp
ATTENDEE;CN="Taro, ^'the^' Kobe";ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:tar
 o@example.jp
DESCRIPTION:地域福祉コーディネーター養成講座 2026年度第
 1期\n支え合いの地域づくりを学びます。😀 emoji\, commas\
 ; semicolons\nhttps://academy.example.jp/courses/chiiki-fukushi/
LAST-MODIFIED:20261120T030405Z
LOCATION:つながりセンター（兵庫県姫路市安田4丁目1番地
 ） / https://meet.example.jp/room-with-a-rather-long-address-0123456789
ORGANIZER;CN=ひょうごつながりアカデミー:mailto:no-reply@acade
 my.example.jp
STATUS:CONFIRMED
URL:https://academy.example.jp/courses/chiiki-fukushi/
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:地域福祉コーディネーター養成講座（第1回 講
 義とグループワーク：髙橋先生と﨑山先生）
TRIGGER:-P1D
END:VALARM
END:VEVENT
BEGIN:VEVENT
SUMMARY:Mentoring: A and B
DTSTART;TZID=Asia/Tokyo:20261208T100000
DTEND;TZID=Asia/Tokyo:20261208T104500
DTSTAMP:20261127T120000Z
UID:mentoring-meeting-7@academy.example.jp
SEQUENCE:0
LAST-MODIFIED:20261127T120000Z
ORGANIZER;CN=ひょうごつながりアカデミー:mailto:no-reply@acade
 my.example.jp
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
SUMMARY:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
DTSTART;TZID=Asia/Tokyo:20261205T100000
DTEND;TZID=Asia/Tokyo:20261205T100000
DTSTAMP:20261127T120000Z
UID:x@y
SEQUENCE:1
LAST-MODIFIED:20261127T120000Z
ORGANIZER;CN=ひょうごつながりアカデミー:mailto:no-reply@acade
 my.example.jp
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
TRIGGER:-PT30M
END:VALARM
END:VEVENT
END:VCALENDAR
"""


def test_the_writer_gives_the_pinned_bytes():
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2026, 12, 5, 10, 0, tzinfo=tokyo)
    events = [
        CalendarEvent(
            uid="session-1@academy.example.jp",
            sequence=2,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            summary="地域福祉コーディネーター養成講座（第1回 講義とグループワーク：髙橋先生と﨑山先生）",
            description=(
                "地域福祉コーディネーター養成講座 2026年度第1期\n"
                "支え合いの地域づくりを学びます。😀 emoji, commas; semicolons\n"
                "https://academy.example.jp/courses/chiiki-fukushi/"
            ),
            location=(
                "つながりセンター（兵庫県姫路市安田4丁目1番地） / "
                "https://meet.example.jp/room-with-a-rather-long-address-0123456789"
            ),
            url="https://academy.example.jp/courses/chiiki-fukushi/",
            last_modified=dt.datetime(2026, 11, 20, 3, 4, 5, tzinfo=dt.UTC),
            attendees=(
                ("hanako@example.jp", "兵庫 花子"),
                ("taro@example.jp", 'Taro, "the" Kobe'),
            ),
        ),
        CalendarEvent(
            uid="mentoring-meeting-7@academy.example.jp",
            sequence=0,
            starts_at=start + dt.timedelta(days=3),
            ends_at=start + dt.timedelta(days=3, minutes=45),
            summary="Mentoring: A and B",
            cancelled=True,
            reminder_minutes=None,
        ),
        CalendarEvent(
            uid="x@y",
            sequence=1,
            starts_at=start,
            ends_at=start,
            summary="a" * 200,
            status_omitted=True,
            reminder_minutes=30,
        ),
    ]
    options = {**OPTIONS, "name": "ひょうごつながりアカデミー：わたしの研修"}
    written = calendar_bytes(events, **options)
    assert written == PINNED.replace("\n", "\r\n").encode()
    # Again in the same process (the VTIMEZONE is built once and shared): the same bytes.
    assert calendar_bytes(events, **options) == written


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


def test_folding_matches_icalendar_at_every_boundary():
    """Lines of one- to four-byte characters, starting at every offset around the 74-byte cut."""
    for wide in ("é", "あ", "😀", "éあ😀"):
        for prefix in range(0, 160):
            line = "A" * prefix + wide * 60 + "z" * (prefix % 7)
            assert lms_calendar._folded(line) == foldline(line).encode("utf-8"), (wide, prefix)
    for char in ("a", "é", "あ", "😀"):
        for count in range(0, 230):  # every length, 73 to 76 bytes among them
            line = char * count
            assert lms_calendar._folded(line) == foldline(line).encode("utf-8"), (char, count)


@given(line=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")))
@settings(max_examples=400)
def test_folding_matches_icalendar_for_any_text(line):
    assert lms_calendar._folded(line) == foldline(line).encode("utf-8")


@given(
    summary=TEXT,
    description=TEXT,
    location=TEXT,
    attendee=TEXT,
    minutes=st.integers(min_value=0, max_value=10_000),
    cancelled=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_writer_gives_icalendars_own_bytes(
    summary, description, location, attendee, minutes, cancelled
):
    """The calendar written, against the same Calendar written by icalendar's ``to_ical``."""
    made = []

    class Recording(icalendar.Calendar):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    event = dataclasses.replace(
        EVENT,
        summary=summary,
        description=description,
        location=location,
        attendees=(("someone@example.jp", attendee),),
        starts_at=START + dt.timedelta(minutes=minutes),
        cancelled=cancelled,
    )
    real = lms_calendar.Calendar
    lms_calendar.Calendar = Recording
    try:
        written = calendar_bytes([event, EVENT], **OPTIONS)
    finally:
        lms_calendar.Calendar = real

    assert written == made[-1].to_ical()


# --- Kept per person (the page store on, as in production) ---------------------------------------


@pytest.fixture
def built(monkeypatch):
    """Every time a feed's course events are built from the sessions (a spy, not a stub)."""
    from courses.apps import CoursesConfig

    calls = []
    real = CoursesConfig.calendar_events

    def spy(self, user, since):
        calls.append(user.pk)
        return real(self, user, since)

    monkeypatch.setattr(CoursesConfig, "calendar_events", spy)
    return calls


def _save_retitle(run, me):
    session = first_session(run)
    session.title = "第1回 改題しました"
    session.save()


def _save_move(run, me):
    session = first_session(run)
    session.starts_at += dt.timedelta(minutes=30)
    session.save()


def _save_rename_venue(run, me):
    venue = first_session(run).venue
    venue.name = "新しい会場"
    venue.save()


def _save_cancel_session(run, me):
    session = first_session(run)
    session.status = SessionStatus.CANCELLED
    session.save()


def _publish_course_title(run, me):
    course = run.course
    course.title = "改題した研修"
    course.save_revision().publish()


def _someone_else_cancels(run, me):
    """Another person's cancellation raises every session's SEQUENCE through an update."""
    other = EnrolmentFactory(run=run)
    services.enrolment_cancel(enrolment=other)


def _meeting_booked(run, me):
    from tests.mentoring.helpers import active_pair, mentee, mentor, programme

    prog = programme()
    pair = active_pair(prog, mentor("先輩 導"), mentee(prog, "後輩 学"))
    pair.mentee = me
    pair.save()
    from mentoring.services import meeting_schedule

    meeting_schedule(
        pair=pair,
        by=pair.mentor,
        starts_at=timezone.now() + dt.timedelta(days=3),
        minutes=60,
        mode="online",
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (_save_retitle, lambda events: "第1回 改題しました" in str(events[0]["SUMMARY"])),
        (_save_move, lambda events: events[0].decoded("DTSTART").minute == 30),
        (_save_rename_venue, lambda events: str(events[0]["LOCATION"]).startswith("新しい会場")),
        (_save_cancel_session, lambda events: str(events[0]["STATUS"]) == "CANCELLED"),
        (_cancel_place, lambda events: events == []),
        (_publish_course_title, lambda events: "改題した研修" in str(events[0]["SUMMARY"])),
        (_someone_else_cancels, lambda events: all(e["SEQUENCE"] == 1 for e in events)),
        (
            _meeting_booked,
            lambda events: any(
                "Mentoring" in str(e["SUMMARY"]) or "メンタリング" in str(e["SUMMARY"])
                for e in events
            ),
        ),
    ],
    ids=[
        "title",
        "time",
        "venue",
        "session-cancelled",
        "place-cancelled",
        "course-published",
        "sequence-raised-by-an-update",
        "meeting-booked",
    ],
)
def test_a_kept_feed_shows_every_change_on_the_next_poll(
    client, run, me, built, change, shows, django_capture_on_commit_callbacks
):
    """What was found is kept for the person (the events are not read again), yet every change
    made the ways the platform makes it shows on the very next poll."""
    before = feed_of(client, me)
    kept = feed_of(client, me, HTTP_IF_NONE_MATCH=before["ETag"])
    assert kept.status_code == 304
    assert built == [me.pk], "the second poll found the kept calendar without the sessions"
    assert not shows(vevents(before.content))

    with django_capture_on_commit_callbacks(execute=True):
        change(run, me)
    after = feed_of(client, me, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200, "a changed calendar is not 'not modified'"
    assert after["ETag"] != before["ETag"]
    assert shows(vevents(after.content))
    assert len(built) == 2


@pytest.mark.django_db
def test_a_kept_feed_gives_exactly_the_bytes_of_one_read_afresh(client, run, me, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    feed_of(client, me)
    kept = feed_of(client, me)

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    forget_kept_bytes()
    afresh = feed_of(client, me)

    assert kept.content == afresh.content
    assert kept["ETag"] == afresh["ETag"]
    assert kept["Last-Modified"] == afresh["Last-Modified"]


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
def test_a_kept_feed_is_never_another_persons(client, run, me, built):
    """Two people with equal places: each is kept on its own, and a place of the other's own
    never shows in mine."""
    other = EnrolmentFactory(run=run).user
    mine, theirs = feed_of(client, me), feed_of(client, other)
    assert len(vevents(mine.content)) == len(vevents(theirs.content)) == 2

    online = CourseRunFactory()
    SessionFactory(run=online, venue=None, online_url=MEETING)
    EnrolmentFactory(run=online, user=other)

    assert MEETING.encode() in feed_of(client, other).content
    assert feed_of(client, me).content == mine.content
    assert MEETING.encode() not in feed_of(client, me).content


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
def test_past_sessions_leave_the_kept_feed_when_the_day_turns(client, home_page, monkeypatch):
    """The windows of past events count from the start of the day, and the day is part of
    what is kept: a session that leaves the window tomorrow is gone on tomorrow's first poll."""
    from courses.selectors import PAST_KEPT_IN_FEEDS

    today = timezone.localdate()
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    run = CourseRunFactory()
    ends = start_of_today - PAST_KEPT_IN_FEEDS + dt.timedelta(hours=1)
    SessionFactory(run=run, starts_at=ends - dt.timedelta(hours=2), ends_at=ends)
    me = EnrolmentFactory(run=run).user

    assert len(vevents(feed_of(client, me).content)) == 1
    assert len(vevents(feed_of(client, me).content)) == 1

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + dt.timedelta(days=1))
    assert vevents(feed_of(client, me).content) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
def test_a_kept_feed_costs_a_few_queries_whatever_its_size(
    client, run, me, site_cache, django_assert_num_queries
):
    """In the database cache: the feed and person, the places, the mentoring meetings, the
    public version, and the kept bytes."""
    for day in range(1, 30):
        start = timezone.now() + dt.timedelta(days=day)
        SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    first = feed_of(client, me)
    address = f"/calendar/{CalendarFeed.objects.get(user=me).token}.ics"
    with django_assert_num_queries(5):
        again = client.get(address)
    assert again.content == first.content
    assert len(vevents(again.content)) == 31


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
def test_a_change_committed_while_a_poll_reads_is_not_kept_as_current(client, run, me, monkeypatch):
    """Another worker commits a retitle (and bumps the version) after this poll read the
    sessions and before it kept what it found: what it found is stale, and the next poll
    shows the new title (found in review)."""
    from courses.apps import CoursesConfig

    real = CoursesConfig.calendar_events

    def racing(self, user, since):
        events = real(self, user, since)
        Session.objects.filter(pk=first_session(run).pk).update(title="第1回 改題しました")
        bump_version()
        return events

    monkeypatch.setattr(CoursesConfig, "calendar_events", racing)
    first = feed_of(client, me)
    assert "改題" not in str(vevents(first.content)[0]["SUMMARY"])
    monkeypatch.setattr(CoursesConfig, "calendar_events", real)

    assert "第1回 改題しました" in str(vevents(feed_of(client, me).content)[0]["SUMMARY"])


@pytest.mark.django_db
def test_a_kept_feed_outlives_the_pages_time_limit(client, run, me, built, settings):
    """Clients poll every few hours: what a poll found is kept as long as the bytes, not for
    the pages' time limit (nothing in it changes with time alone but the day)."""
    import time

    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    first = feed_of(client, me)
    time.sleep(1.2)

    assert feed_of(client, me).content == first.content
    assert built == [me.pk], "the second poll, after the pages' limit, found what was kept"
