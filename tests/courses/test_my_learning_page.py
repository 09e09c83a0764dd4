"""My learning (issue #9): the sessions reach the template as plain values (dates formatted,
links built once per page), so these pin down what each row shows and offers, in Japanese
and in English, and that the page's queries do not grow with places, make-up runs or lesson
links, also with the site's database cache."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from courses.models import (
    Attendance,
    AttendanceStatus,
    EnrolmentStatus,
    SessionModality,
    SessionStatus,
)
from lessons.models import LessonPage, LessonProgress
from lms.models import Municipality
from tests.factories import (
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)
from tests.html import without_csrf_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

MEETING = "https://meet.example.jp/room-1"


def at(days: int, hour: int) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(hour))
    )


def row(page: str, session) -> str:
    """The <li> of one session on My learning."""
    match = re.search(rf'<li [^>]*id="my-session-{session.pk}">(.*?)</li>', page, re.S)
    assert match, f"no row for session {session.pk}"
    return " ".join(match.group(1).split())


@pytest.fixture
def place():
    """A seat in a run with a past session attended at a venue in a Kobe ward, an online
    session open to join now, an apology sent for a later one, a changed and a cancelled one."""
    ward = Municipality.objects.get(name="東灘区", parent__name="神戸市")
    run = CourseRunFactory(
        course=CoursePageFactory(title="地域防災リーダー養成講座"),
        starts_on=timezone.localdate() - dt.timedelta(days=3),
        ends_on=timezone.localdate() + dt.timedelta(days=20),
    )
    now = timezone.now()
    sessions = {
        "past": SessionFactory(
            run=run,
            title="第1回 避難所運営",
            starts_at=at(-2, 10),
            ends_at=at(-2, 12),
            is_mandatory=True,
            venue=VenueFactory(
                name="東灘区民センター", municipality=ward, map_url="https://maps.example.jp/1"
            ),
        ),
        "live": SessionFactory(
            run=run,
            title="第2回 オンライン演習",
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now + dt.timedelta(minutes=50),
            modality=SessionModality.ONLINE,
            venue=None,
            online_url=MEETING,
        ),
        "excused": SessionFactory(
            run=run, title="第3回 図上訓練", starts_at=at(5, 13), ends_at=at(5, 15)
        ),
        "later_online": SessionFactory(
            run=run,
            title="第4回 ふりかえり",
            starts_at=at(8, 19),
            ends_at=at(8, 20),
            modality=SessionModality.ONLINE,
            venue=None,
            online_url=MEETING,
            status=SessionStatus.CHANGED,
        ),
        "cancelled": SessionFactory(
            run=run,
            title="第5回 中止",
            starts_at=at(9, 10),
            ends_at=at(9, 12),
            status=SessionStatus.CANCELLED,
        ),
    }
    enrolment = EnrolmentFactory(run=run, status=EnrolmentStatus.ENROLLED)
    Attendance.objects.create(
        enrolment=enrolment, session=sessions["past"], status=AttendanceStatus.PRESENT
    )
    Attendance.objects.create(
        enrolment=enrolment,
        session=sessions["excused"],
        status=AttendanceStatus.EXCUSED,
        note="仕事のため",
    )
    return enrolment, sessions


def test_each_session_of_a_seat_shows_its_time_place_my_record_and_what_i_can_do(client, place):
    enrolment, sessions = place
    client.force_login(enrolment.user)

    page = client.get("/learning/").content.decode()

    past = row(page, sessions["past"])
    start = timezone.localtime(sessions["past"].starts_at)
    assert (
        f'<time datetime="{start.isoformat()}">{start.year}年{start.month}月{start.day}日 10:00'
        "</time>〜" in past
    )
    assert '<time datetime="' in past and ">12:00</time>" in past
    assert '<span class="tag">必須</span>' in past
    assert "東灘区民センター</span>（神戸市 東灘区）" in past
    assert '<a href="https://maps.example.jp/1" rel="noopener">地図</a>' in past
    assert '<p class="attendance-mine attendance-present">私の出欠: <strong>出席</strong>' in past
    assert "/calendar.ics" not in past and "/apology/" not in past  # over

    live = row(page, sessions["live"])
    pk = sessions["live"].pk
    assert f'<form method="post" action="/sessions/{pk}/join/" class="inline-form">' in live
    assert 'name="csrfmiddlewaretoken"' in live
    assert f'href="/sessions/{pk}/code/"' in live
    assert MEETING not in live  # the link itself is only given by the join button
    assert "/check-in/" not in live  # online only: nothing to scan
    assert f'href="/sessions/{pk}/calendar.ics"' in live
    assert '<span class="visually-hidden"> 第2回 オンライン演習</span>' in live

    excused = row(page, sessions["excused"])
    assert "私の出欠: <strong>事前連絡による欠席</strong>（仕事のため）" in excused
    assert "/apology/" not in excused  # already excused

    later = row(page, sessions["later_online"])
    assert '<strong class="badge">変更あり</strong>' in later
    assert f'href="/sessions/{sessions["later_online"].pk}/apology/"' in later
    assert "参加ボタンは開始の30分前にここに表示されます" in later
    assert "/join/" not in later

    cancelled = row(page, sessions["cancelled"])
    assert '<strong class="badge">中止</strong>' in cancelled
    assert (
        f'<li class="session session-cancelled" id="my-session-{sessions["cancelled"].pk}">' in page
    )
    assert "/calendar.ics" not in cancelled and "/apology/" not in cancelled
    assert '<a class="button button-secondary" href="/check-in/">' not in page  # no venue now


def test_a_venue_session_open_now_offers_check_in_and_english_pages_write_english_dates(
    client, place
):
    enrolment, _sessions = place
    now = timezone.now()
    today = SessionFactory(
        run=enrolment.run,
        title="第6回 会場",
        starts_at=now + dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=2),
        venue=VenueFactory(municipality=Municipality.objects.get(name="東灘区")),
    )
    client.force_login(enrolment.user)

    japanese = row(client.get("/learning/").content.decode(), today)
    english = row(client.get("/en/learning/").content.decode(), today)

    assert '<a class="button button-secondary" href="/check-in/">' in japanese
    assert f'href="/sessions/{today.pk}/apology/"' in japanese  # not started yet
    assert "年" in japanese and "年" not in english.split("</time>")[0]
    assert "Kobe" in english and "Higashinada" in english
    assert f'href="/en/sessions/{today.pk}/calendar.ics"' in english
    assert '<a class="button button-secondary" href="/en/check-in/">' in english


def test_without_a_seat_the_runs_sessions_are_listed_as_on_the_course_page(client):
    run = CourseRunFactory(starts_on=timezone.localdate() + dt.timedelta(days=10))
    kept = SessionFactory(run=run, title="第1回 講義", starts_at=at(10, 10), ends_at=at(10, 12))
    dropped = SessionFactory(
        run=run,
        title="第2回 講義",
        starts_at=at(11, 10),
        ends_at=at(11, 12),
        status=SessionStatus.CANCELLED,
    )
    enrolment = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)
    client.force_login(enrolment.user)

    page = client.get("/learning/").content.decode()

    assert "第1回 講義" in page and "第2回 講義" in page
    assert f'href="/sessions/{kept.pk}/calendar.ics"' in page
    assert f'href="/sessions/{kept.pk}/google/"' in page
    assert f"/sessions/{dropped.pk}/" not in page
    assert "my-session-" not in page  # no record, no actions without a seat
    assert "/apology/" not in page and "/join/" not in page


def add_lesson(course, title: str) -> LessonPage:
    lesson = LessonPage(
        title=title,
        slug=f"lesson-{LessonPage.objects.count() + 1}",
        estimated_minutes=20,
        required=True,
        body=[("paragraph", "<p>避難所の役割</p>")],
        quiz=[],
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


@pytest.mark.parametrize("cache", ["memory", "database"])
def test_my_learning_costs_the_same_queries_for_2_or_8_places_with_links_to_pages(
    client, django_assert_max_num_queries, cache, request
):
    if cache == "database":
        request.getfixturevalue("site_cache")
    me = UserFactory()
    courses = []

    def add_places(count: int) -> None:
        for n in range(len(courses), len(courses) + count):
            run = CourseRunFactory(
                starts_on=timezone.localdate() - dt.timedelta(days=1),
                ends_on=timezone.localdate() + dt.timedelta(days=10),
            )
            mandatory = SessionFactory(
                run=run, starts_at=at(2, 10), ends_at=at(2, 12), is_mandatory=True
            )
            SessionFactory(run=run, starts_at=at(3, 10), ends_at=at(3, 12))
            enrolment = EnrolmentFactory(run=run, user=me)
            courses.append(run.course)
            # An apology for a mandatory session: completion no longer possible, make-up runs
            # listed with a link to the course page.
            Attendance.objects.create(
                enrolment=enrolment, session=mandatory, status=AttendanceStatus.EXCUSED
            )
            CourseRunFactory(
                course=run.course,
                title=f"追加開催{n}",
                starts_on=timezone.localdate() + dt.timedelta(days=60),
                ends_on=timezone.localdate() + dt.timedelta(days=61),
                enrolment_closes_at=timezone.now() + dt.timedelta(days=50),
            )
            lesson = add_lesson(run.course, f"事前学習{n}")
            LessonProgress.objects.create(user=me, lesson=lesson, opened_at=timezone.now())

    client.force_login(me)
    add_places(2)
    client.get("/learning/")
    with django_assert_max_num_queries(40) as few:
        page = client.get("/learning/").content.decode()
    assert page.count("追加開催") == 2
    assert page.count('class="lesson-progress"') == 2

    add_places(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/learning/").content.decode()
    assert page.count("追加開催") == 8
    for n, course in enumerate(courses):  # the make-up run links to its course page
        assert f'<a href="{course.url}" lang="ja">{course.title} 追加開催{n}</a>' in page
    assert page.count("/lesson-") == 8  # each place links to where to start the lessons


def test_sessions_kept_per_run_give_the_same_page_and_follow_edits_and_language(
    client, place, settings, django_capture_on_commit_callbacks
):
    """With the page store on, each run's sessions are kept (public content, per language):
    the page is the one made without the store, in each language, and an edited session
    shows on the next request."""
    enrolment, sessions = place
    client.force_login(enrolment.user)
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    afresh = {url: client.get(url).content.decode() for url in ("/learning/", "/en/learning/")}

    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    for url, page in afresh.items():
        client.get(url)  # keeps the sessions
        assert without_csrf_tokens(client.get(url).content.decode()) == without_csrf_tokens(page)

    excused = sessions["excused"]
    excused.title = "第3回 図上訓練（会場変更）"
    with django_capture_on_commit_callbacks(execute=True):
        excused.save()

    japanese = client.get("/learning/").content.decode()
    english = client.get("/en/learning/").content.decode()
    assert "第3回 図上訓練（会場変更）" in row(japanese, excused)
    assert "第3回 図上訓練（会場変更）" in row(english, excused)
    assert "年" in row(japanese, excused) and "年" not in row(english, excused)
