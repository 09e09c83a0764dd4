"""The course page keeps what every visitor sees (runs, sessions, seats taken, lessons, fields)
under the public version, and adds each visitor's own place per request: every change shows
on the next request, signed in or not, and nobody sees another person's place."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses.models import EnrolmentStatus
from courses.services.enrolment import enrolment_create
from lms.models import Field
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def course(home_page):
    catalogue = CourseIndexPageFactory(parent=home_page)
    page = CoursePageFactory(parent=catalogue, title="多職種で考える孤独・孤立支援", slug="kodoku")
    run = CourseRunFactory(course=page, capacity=2, title="2026年度 神戸会場")
    SessionFactory(run=run, title="第1回 つながりの基礎")
    return page


def _signed_in(person=None) -> Client:
    client = Client()
    client.force_login(person or UserFactory())
    return client


def test_a_seat_taken_shows_to_a_signed_in_visitor_at_once(
    course, django_capture_on_commit_callbacks
):
    visitor = _signed_in()
    assert "残り2席" in visitor.get(course.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(run=course.runs.get(), user=UserFactory())
    assert "残り1席" in visitor.get(course.url).content.decode()


def test_a_session_added_and_a_field_set_show_at_once(course, django_capture_on_commit_callbacks):
    visitor = _signed_in()
    html = visitor.get(course.url).content.decode()
    assert "第1回 つながりの基礎" in html and "第2回 地域で支える" not in html
    with django_capture_on_commit_callbacks(execute=True):
        SessionFactory(run=course.runs.get(), title="第2回 地域で支える")
        field = Field.objects.create(name="居場所づくり", name_en="Places to belong", slug="ibasho")
        course.fields.add(field)
        course.save_revision().publish()
    html = visitor.get(course.url).content.decode()
    assert "第2回 地域で支える" in html
    assert '<span class="tag">居場所づくり</span>' in html


def test_each_visitor_sees_only_their_own_place(course, django_capture_on_commit_callbacks):
    seated, waiting, other = UserFactory(), UserFactory(), UserFactory()
    run = course.runs.get()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(run=run, user=seated)
        enrolment_create(run=run, user=UserFactory())
        assert enrolment_create(run=run, user=waiting).status == EnrolmentStatus.WAITLISTED

    pages = {
        name: _signed_in(person) for name, person in (("seated", seated), ("waiting", waiting))
    }
    pages["other"] = _signed_in(other)
    html = {name: client.get(course.url).content.decode() for name, client in pages.items()}
    see_it = "「マイ学習」で確認する"
    assert see_it in html["seated"] and "キャンセル待ちの" not in html["seated"]
    assert see_it in html["waiting"] and "キャンセル待ちの 1 番目です。" in html["waiting"]
    # The third person, served after the two from what is kept, has no place of anyone's.
    assert see_it not in html["other"] and "キャンセル待ちの" not in html["other"]
    assert f'action="/runs/{run.pk}/enrol/"' in html["other"]


def test_a_signed_in_visitor_gets_the_course_page_without_reading_its_runs_again(course):
    visitor = _signed_in()
    visitor.get(course.url)
    with CaptureQueriesContext(connection) as queries:
        assert visitor.get(course.url).status_code == 200
    statements = [query["sql"] for query in queries]
    read = ("courses_courserun", "courses_session", "courses_runseatpool", "lms_field")
    assert not [sql for sql in statements if any(f'FROM "{table}"' in sql for table in read)]
    # Their own places are still read, every time.
    assert [sql for sql in statements if 'FROM "courses_enrolment"' in sql]


def test_the_sessions_kept_as_html_follow_the_language(course):
    """The session list is written once per run and kept per language: the English page, asked
    after the Japanese one, gets English labels and English dates."""
    visitor = _signed_in()
    japanese = visitor.get(course.url).content.decode()
    english = visitor.get(f"/en{course.url}").content.decode()
    session = course.runs.get().sessions.get()
    assert "カレンダーに追加（.ics）" in japanese and "Add to calendar (.ics)" not in japanese
    assert f'href="/sessions/{session.pk}/calendar.ics"' in japanese
    assert "Add to calendar (.ics)" in english and "カレンダーに追加" not in english
    assert f'href="/en/sessions/{session.pk}/calendar.ics"' in english
