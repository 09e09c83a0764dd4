"""My learning kept per person (issue #9): what was built is served again until something of
the person's changes (their fingerprint), public content changes (the public version; its
seats part while they wait for a place) or time alone changes the page; each request gets
its own CSRF token, and nobody gets another person's page."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from courses import services
from courses.models import Attendance, AttendanceStatus, EnrolmentStatus, SessionModality
from courses.selectors import learning_fingerprint
from lessons.models import LessonProgress
from lms.pagecache import CSRF_PLACEHOLDER, compact_html
from tests.courses.test_my_learning_page import add_lesson
from tests.factories import (
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
)
from tests.html import without_csrf_tokens

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("home_page", "page_cache_on"),
]


def soon(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.fixture
def place():
    """A seat in a run of two upcoming online sessions, the first in two hours."""
    run = CourseRunFactory(
        course=CoursePageFactory(title="傾聴ボランティア入門"),
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=14),
    )
    first = SessionFactory(
        run=run,
        title="第1回 聴くということ",
        starts_at=soon(120),
        ends_at=soon(240),
        modality=SessionModality.ONLINE,
        venue=None,
        online_url="https://meet.example.jp/room-9",
    )
    SessionFactory(
        run=run,
        title="第2回 ふりかえり",
        starts_at=soon(60 * 24 * 7),
        ends_at=soon(60 * 24 * 7 + 90),
    )
    return EnrolmentFactory(run=run, status=EnrolmentStatus.ENROLLED), first


def test_the_kept_page_is_the_page_built_afresh_for_fewer_queries(
    client, place, settings, django_assert_num_queries
):
    enrolment, _first = place
    client.force_login(enrolment.user)
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    afresh = client.get("/learning/").content.decode()
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    client.get("/learning/")  # builds and keeps it

    # The session and its person, the fingerprint; nothing of the page itself.
    with django_assert_num_queries(3):
        kept = client.get("/learning/").content.decode()

    assert compact_html(without_csrf_tokens(kept)) == compact_html(without_csrf_tokens(afresh))
    assert "傾聴ボランティア入門" in kept and "第1回 聴くということ" in kept
    assert CSRF_PLACEHOLDER not in kept


def test_each_device_gets_its_own_working_csrf_token(place):
    enrolment, _first = place
    phone, computer = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for device in (phone, computer):
        device.force_login(enrolment.user)
        page = device.get("/learning/").content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    assert CSRF_PLACEHOLDER not in tokens

    # The computer's page came from what the phone's request kept; its token is its own.
    response = computer.post(
        f"/enrolments/{enrolment.pk}/cancel/", {"csrfmiddlewaretoken": tokens[1]}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_nobody_gets_another_persons_page(client, place):
    enrolment, _first = place
    other = EnrolmentFactory(
        run=CourseRunFactory(course=CoursePageFactory(title="子ども食堂の運営")),
        user=UserFactory(full_name="兵庫 花子"),
    )
    for person, own, not_own in (
        (enrolment.user, "傾聴ボランティア入門", "子ども食堂の運営"),
        (other.user, "子ども食堂の運営", "傾聴ボランティア入門"),
        (enrolment.user, "傾聴ボランティア入門", "子ども食堂の運営"),
    ):
        client.force_login(person)
        page = client.get("/learning/").content.decode()
        assert own in page and not_own not in page


def test_japanese_and_english_are_kept_apart(client, place):
    enrolment, _first = place
    client.force_login(enrolment.user)
    for _ in range(2):
        japanese = client.get("/learning/").content.decode()
        english = client.get("/en/learning/").content.decode()
        assert "申込をキャンセルする" in japanese and "Cancel my place" not in japanese
        assert "Cancel my place" in english and "申込をキャンセルする" not in english


def test_my_own_changes_show_on_the_next_request(client, place, django_capture_on_commit_callbacks):
    enrolment, first = place
    client.force_login(enrolment.user)
    client.get("/learning/")
    assert "私の出欠" not in client.get("/learning/").content.decode()

    # An apology recorded by staff (a record of mine, no public content changed).
    Attendance.objects.create(
        enrolment=enrolment, session=first, status=AttendanceStatus.EXCUSED, note="通院のため"
    )
    page = client.get("/learning/").content.decode()
    assert "私の出欠: <strong>事前連絡による欠席</strong>（通院のため）" in page

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment=enrolment)
    page = client.get("/learning/").content.decode()
    assert "第1回 聴くということ" not in page  # a cancelled place is not listed
    assert "これからの研修はありません。" in page


def test_my_number_on_the_waiting_list_moves_when_someone_ahead_leaves(
    client, django_capture_on_commit_callbacks
):
    run = CourseRunFactory(capacity=1, course=CoursePageFactory(title="認知症サポーター養成"))
    SessionFactory(run=run, starts_at=soon(60 * 48), ends_at=soon(60 * 50))
    EnrolmentFactory(run=run)
    ahead = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)
    mine = EnrolmentFactory(
        run=run,
        status=EnrolmentStatus.WAITLISTED,
        waitlisted_at=ahead.waitlisted_at + dt.timedelta(minutes=1),
    )
    client.force_login(mine.user)
    client.get("/learning/")
    assert "キャンセル待ちの 2 番目です。" in client.get("/learning/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment=ahead)  # another person's place: not mine

    assert "キャンセル待ちの 1 番目です。" in client.get("/learning/").content.decode()


def test_time_alone_opens_the_join_button(client, place, monkeypatch, settings):
    enrolment, first = place
    client.force_login(enrolment.user)
    client.get("/learning/")
    page = client.get("/learning/").content.decode()
    assert f"/sessions/{first.pk}/join/" not in page
    assert f"{settings.ATTENDANCE_CHECKIN_OPENS_MINUTES}分前" in page  # the hint

    # Nothing changes in the database; the check-in window opens.
    opens = first.starts_at - dt.timedelta(minutes=settings.ATTENDANCE_CHECKIN_OPENS_MINUTES)
    monkeypatch.setattr(timezone, "now", lambda: opens + dt.timedelta(seconds=1))

    page = client.get("/learning/").content.decode()
    assert f'action="/sessions/{first.pk}/join/"' in page


def _fingerprint_changes(user, change) -> bool:
    before = learning_fingerprint(user)
    change()
    return learning_fingerprint(user) != before


def test_the_fingerprint_follows_every_source_the_page_shows(place):
    """Each kind of change My learning shows, made as the site makes it (updates included)."""
    enrolment, first = place
    user = enrolment.user
    Certificate = apps.get_model("certificates", "Certificate")  # noqa: N806
    SurveyInvitation = apps.get_model("surveys", "SurveyInvitation")  # noqa: N806
    Survey = apps.get_model("surveys", "Survey")  # noqa: N806
    from certificates import services as certificate_services

    assert learning_fingerprint(UserFactory()) != learning_fingerprint(user)
    assert learning_fingerprint(user) == learning_fingerprint(user)

    record = Attendance.objects.create(
        enrolment=enrolment, session=first, status=AttendanceStatus.ABSENT
    )
    assert _fingerprint_changes(
        user,
        lambda: Attendance.objects.filter(pk=record.pk).update(
            status="present", updated_at=timezone.now()
        ),
    )

    def complete():
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.save(update_fields=["status", "updated_at"])

    assert _fingerprint_changes(user, complete)
    assert _fingerprint_changes(
        user, lambda: certificate_services.certificate_issue(enrolment=enrolment, by=None)
    )
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.pdf  # stored at once here (tasks run synchronously in the tests)
    # ...by an update (certificates.services._store_pdf): no signal, no changed field.
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    assert _fingerprint_changes(
        user,
        lambda: Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name),
    )
    assert _fingerprint_changes(
        user,
        lambda: certificate_services.certificate_revoke(
            certificate=certificate, by=UserFactory(is_staff=True), reason="誤発行"
        ),
    )

    survey = Survey.objects.create(title="受講後アンケート", course_kind=enrolment.run.course.kind)
    invitation = None

    def invite():
        nonlocal invitation
        invitation = SurveyInvitation.objects.create(
            survey=survey, enrolment=enrolment, sent_at=timezone.now()
        )

    assert _fingerprint_changes(user, invite)

    def answer():
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["answered_at", "updated_at"])

    assert _fingerprint_changes(user, answer)

    lesson = add_lesson(enrolment.run.course, "事前学習 傾聴の基本")
    progress = None

    def open_lesson():
        nonlocal progress
        progress = LessonProgress.objects.create(user=user, lesson=lesson, opened_at=timezone.now())

    assert _fingerprint_changes(user, open_lesson)

    def finish_lesson():
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])

    assert _fingerprint_changes(user, finish_lesson)


def test_the_fingerprint_follows_mentoring_sessions_the_mentee_confirms():
    from mentoring import services as mentoring_services
    from mentoring.models import MentoringSession
    from tests.mentoring.helpers import active_pair, mentee, mentor, programme

    prog = programme()
    pair = active_pair(prog, mentor(), mentee(prog, "後輩 学"))
    session = MentoringSession.objects.create(
        pair=pair, date=timezone.localdate(), duration_minutes=60, mode="online", mentor_load=2
    )
    # Confirmed by an update (mentoring.services.session_confirm).
    assert _fingerprint_changes(
        pair.mentee,
        lambda: mentoring_services.session_confirm(session=session, by=pair.mentee),
    )

    # A coordinator links the programme to a leader run: its confirmed sessions count there.
    def link():
        prog.cohort = CourseRunFactory()
        prog.save()

    assert _fingerprint_changes(pair.mentee, link)


def test_compact_html_keeps_one_line_break_where_indentation_was():
    html = '<ul>\n    <li>第1回</li>\n\n      <li>第2回 <a href="/x">地図</a></li>\n</ul>'
    assert compact_html(html) == '<ul>\n<li>第1回</li>\n<li>第2回 <a href="/x">地図</a></li>\n</ul>'
    assert compact_html("10:00〜12:00  会場") == "10:00〜12:00  会場"  # no line break: kept


def test_a_change_stamped_before_another_but_committed_after_it_still_shows(place):
    """The periodic completion job stamps a place when its transaction starts; a check-in on
    another run can commit in between.  Times are summed, so the order does not matter."""
    enrolment, first = place
    other = EnrolmentFactory(user=enrolment.user)
    t0 = timezone.now() - dt.timedelta(minutes=10)
    Enrolment = type(enrolment)  # noqa: N806
    Enrolment.objects.filter(pk=enrolment.pk).update(updated_at=t0)
    Enrolment.objects.filter(pk=other.pk).update(updated_at=t0 + dt.timedelta(minutes=9))
    before = learning_fingerprint(enrolment.user)

    # Stamped at t0 + 5 minutes: below the latest time, which stays the same.
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, updated_at=t0 + dt.timedelta(minutes=5)
    )
    assert learning_fingerprint(enrolment.user) != before


def test_closing_the_roster_and_evaluating_completion_show_on_the_next_request(
    client, place, django_capture_on_commit_callbacks
):
    enrolment, first = place
    staff = UserFactory(is_staff=True)
    client.force_login(enrolment.user)
    client.get("/learning/")

    first.starts_at, first.ends_at = soon(-180), soon(-60)
    with django_capture_on_commit_callbacks(execute=True):
        first.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_mark_rest_absent(session=first, by=staff)  # bulk writes
    page = client.get("/learning/").content.decode()
    assert "私の出欠: <strong>欠席</strong>" in page

    Attendance.objects.filter(enrolment=enrolment, session=first).update(
        status=AttendanceStatus.PRESENT, updated_at=timezone.now()
    )
    assert "私の出欠: <strong>出席</strong>" in client.get("/learning/").content.decode()


def test_a_place_moves_to_past_courses_when_the_day_of_its_last_session_ends(client, monkeypatch):
    run = CourseRunFactory(
        course=CoursePageFactory(title="民生委員のための傾聴講座"),
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    SessionFactory(run=run, starts_at=soon(-120), ends_at=soon(-60))
    enrolment = EnrolmentFactory(run=run)
    client.force_login(enrolment.user)
    client.get("/learning/")
    page = client.get("/learning/").content.decode()
    assert "受講した研修" not in page

    midnight = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time())
    )
    monkeypatch.setattr(timezone, "now", lambda: midnight + dt.timedelta(seconds=1))
    page = client.get("/learning/").content.decode()
    past = page[page.index('id="past-heading"') :]
    assert "民生委員のための傾聴講座" in past
