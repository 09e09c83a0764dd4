"""The attendance matrix kept whole below the admin frame while nothing it shows changed
(issue #9; ``courses.selectors.matrix_fingerprint``, ``courses.admin_views.run_attendance``):
shown again it evaluates nobody again; each change to what it shows shows on the next one;
time alone (a session ending, the day ending) makes it stale; courses whose completion needs
mentoring sessions or lessons are evaluated afresh each time; its forms carry the reader's own
CSRF token."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from courses import services
from courses.models import Enrolment, EnrolmentStatus
from lms import roles
from tests.courses.helpers import run_with_sessions, sign_off_from_page
from tests.factories import CourseRunFactory, EnrolmentFactory
from tests.html import without_csrf_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page", "page_cache_on")]


@pytest.fixture
def matrix():
    """A run with a session past, one today still to end and one to come; three people, one
    marked at the first."""
    run, sessions = run_with_sessions(days_from_today=[-1, 0, 2], requires_sign_off=True)
    today = sessions[1]
    today.starts_at = timezone.now() + dt.timedelta(minutes=30)
    today.ends_at = today.starts_at + dt.timedelta(hours=2)
    today.save()
    people = [EnrolmentFactory(run=run) for _ in range(3)]
    services.attendance_record(enrolment=people[0], session=sessions[0], status="present")
    finished = CourseRunFactory(
        course=run.course,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() - dt.timedelta(days=29),
    )
    EnrolmentFactory(run=finished)  # the course's completion: 0 of 1
    return run, sessions, people


def url(run) -> str:
    return f"/admin/courses/runs/{run.pk}/attendance/"


def people_on(page: str) -> int:
    return page.count('<tr><th scope="row">')


def _row(page: str, enrolment) -> str:
    start = page.index(f'<th scope="row">{enrolment.user.full_name}<br>')
    return page[start : page.index("</tr>", start)]


def test_a_matrix_shown_again_evaluates_nobody_again(staff_client, matrix, matrices_built):
    run, _sessions, _people = matrix
    first = staff_client.get(url(run)).content.decode()
    again = staff_client.get(url(run)).content.decode()

    assert matrices_built == [run.pk]
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    assert people_on(again) == 3


def _mark(run, sessions, people):
    services.attendance_record(enrolment=people[1], session=sessions[0], status="late")
    return lambda page: '<td class="cell-late">' in _row(page, people[1])


def _place_given_up(run, sessions, people):
    services.enrolment_cancel(enrolment=people[2])
    return lambda page: people_on(page) == 2


def _renamed(run, sessions, people):
    person = people[1].user
    person.full_name = "髙橋 新名"
    person.save()
    return lambda page: "髙橋 新名" in page


def _organisation_changed(run, sessions, people):
    person = people[1].user
    person.organisation_name = "新しい団体"
    person.save(update_fields=["organisation_name"])
    return lambda page: "新しい団体:" in page  # learning hours by organisation


def _session_retitled(run, sessions, people):
    sessions[2].title = "第3回 振り返りと交流"
    sessions[2].save()
    return lambda page: "第3回 振り返りと交流" in page


def _another_run_of_the_course_completed(run, sessions, people):
    """The course's completion over its finished runs counts every run's places."""
    place = Enrolment.objects.filter(run__course=run.course).exclude(run=run).get()
    place.status = EnrolmentStatus.COMPLETED
    place.save()
    return lambda page: "修了率：100%（1人中1人）" in page


CHANGES = [
    _mark,
    _place_given_up,
    _renamed,
    _organisation_changed,
    _session_retitled,
    _another_run_of_the_course_completed,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_each_change_alone_shows_on_the_next_matrix(
    staff_client, matrix, change, django_capture_on_commit_callbacks
):
    run, sessions, people = matrix
    staff_client.get(url(run))
    before = staff_client.get(url(run)).content.decode()  # kept

    with django_capture_on_commit_callbacks(execute=True):  # as the change commits
        shown = change(run, sessions, people)
    page = staff_client.get(url(run)).content.decode()

    assert not shown(before)
    assert shown(page)


def test_the_matrix_is_evaluated_again_once_a_session_has_ended(
    staff_client, matrix, matrices_built, monkeypatch
):
    run, sessions, _people = matrix
    staff_client.get(url(run))
    staff_client.get(url(run))
    assert matrices_built == [run.pk]

    after_the_end = sessions[1].ends_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_the_end)
    staff_client.get(url(run))

    assert matrices_built == [run.pk, run.pk]


@pytest.mark.parametrize("rule", [{"requires_lessons": True}, {"required_mentoring_sessions": 2}])
def test_a_course_needing_lessons_or_mentoring_is_evaluated_each_time(
    staff_client, matrices_built, rule
):
    run, _sessions = run_with_sessions(days_from_today=[-1, 2], **rule)
    EnrolmentFactory(run=run)
    staff_client.get(url(run))
    staff_client.get(url(run))
    assert matrices_built == [run.pk, run.pk]


def test_a_sign_off_from_the_kept_matrix_passes_the_csrf_check(role_user):
    run, sessions = run_with_sessions(days_from_today=[-2, -1], requires_sign_off=True)
    waiting = EnrolmentFactory(run=run)
    for session in sessions:
        services.attendance_record(enrolment=waiting, session=session, status="present")
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(coordinator)
    second.force_login(coordinator)
    first.get(url(run))
    kept = second.get(url(run)).content.decode()  # another device: the kept matrix

    sign_off_from_page(second, waiting, kept)

    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.COMPLETED


def test_the_csv_is_written_afresh_and_an_unknown_run_is_a_404(
    staff_client, matrix, matrices_built
):
    run, _sessions, people = matrix
    staff_client.get(url(run))
    csv = staff_client.get(url(run), {"format": "csv"}).content.decode("utf-8-sig")
    assert people[0].user.full_name in csv
    assert matrices_built == [run.pk, run.pk]
    assert staff_client.get("/admin/courses/runs/987654/attendance/").status_code == 404


def test_the_matrix_is_evaluated_again_when_the_day_ends(staff_client, matrices_built, monkeypatch):
    """The course's completion counts the runs finished before today."""
    from lms.pagecache import end_of_day

    run, _sessions = run_with_sessions(days_from_today=[-2, -1])
    EnrolmentFactory(run=run)
    staff_client.get(url(run))
    staff_client.get(url(run))
    assert matrices_built == [run.pk]

    tomorrow = end_of_day(timezone.now()) + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    staff_client.get(url(run))

    assert matrices_built == [run.pk, run.pk]


def test_each_staff_member_sees_the_sessions_in_their_own_time_zone(client, role_user):
    """Wagtail's admin writes times in each staff member's time zone (their profile)."""
    from wagtail.users.models import UserProfile

    run, _sessions = run_with_sessions(days_from_today=[-1, 2])  # at 10:00 in Tokyo
    EnrolmentFactory(run=run)
    in_tokyo, in_utc = (role_user(roles.COORDINATORS, is_staff=True) for _ in range(2))
    UserProfile.objects.create(user=in_utc, current_time_zone="UTC")
    client.force_login(in_tokyo)
    tokyo = client.get(url(run)).content.decode()
    client.force_login(in_utc)
    utc = client.get(url(run)).content.decode()

    assert "<small>10:00</small>" in tokyo and "<small>01:00</small>" not in tokyo
    assert "<small>01:00</small>" in utc and "<small>10:00</small>" not in utc
