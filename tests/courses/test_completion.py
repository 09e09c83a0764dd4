"""Completion evaluated on the records (issue #4): after each mark and after sessions end;
"no longer possible" shown as soon as it is true, to the participant gently and to the
coordinator as a follow-up list; completion sets the enrolment completed, once."""

import datetime as dt

import pytest
from django.utils import timezone

from courses import services
from courses.models import AttendanceStatus, CompletionState, Enrolment, EnrolmentStatus
from courses.signals import enrolment_completed
from lms import roles
from tests.courses.helpers import run_with_sessions, sign_off_from_page
from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def signals_received():
    received = []

    def listener(sender, enrolment, **kwargs):
        received.append(enrolment.pk)

    enrolment_completed.connect(listener)
    yield received
    enrolment_completed.disconnect(listener)


def test_an_apology_for_a_mandatory_session_makes_completion_impossible_at_once(client):
    run, (first, last) = run_with_sessions(days_from_today=[3, 10], mandatory=(1,))
    enrolment = EnrolmentFactory(run=run)
    later = CourseRunFactory(
        course=run.course,
        starts_on=run.starts_on + dt.timedelta(days=60),
        ends_on=run.starts_on + dt.timedelta(days=61),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=50),
    )
    client.force_login(enrolment.user)

    client.post(f"/sessions/{last.pk}/apology/", {"reason": "研修と重なるため"})

    enrolment.refresh_from_db()
    assert enrolment.completion == CompletionState.NOT_POSSIBLE
    page = client.get("/learning/").content.decode()
    assert "この期での修了は難しくなりました" in page
    assert later.title in page


def test_completion_after_the_last_session_sets_completed_once(
    django_capture_on_commit_callbacks, signals_received
):
    run, (first, second) = run_with_sessions(days_from_today=[-3, -1], min_attendance_percent=100)
    enrolment = EnrolmentFactory(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(enrolment=enrolment, session=first, status="present")
        services.attendance_record(enrolment=enrolment, session=second, status="late")
        services.completion_evaluate_recent_runs()
        services.completion_evaluate_recent_runs()

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completion) == (
        EnrolmentStatus.COMPLETED,
        CompletionState.COMPLETED,
    )
    assert enrolment.completed_at is not None
    assert signals_received == [enrolment.pk]


def test_a_session_ending_without_a_mark_is_noticed_by_the_periodic_evaluation():
    run, (first, second) = run_with_sessions(days_from_today=[-2, 5], mandatory=(0,))
    enrolment = EnrolmentFactory(run=run)

    services.completion_evaluate_recent_runs()

    enrolment.refresh_from_db()
    assert enrolment.completion == CompletionState.NOT_POSSIBLE


def test_completion_sticks_when_marks_or_rules_change_later(
    django_capture_on_commit_callbacks, signals_received
):
    run, (only,) = run_with_sessions(days_from_today=[-1])
    enrolment = EnrolmentFactory(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(enrolment=enrolment, session=only, status="present")
        run.course.requires_sign_off = True
        run.course.save()
        services.attendance_record(enrolment=enrolment, session=only, status="absent")
        services.completion_evaluate_recent_runs()

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completion) == (
        EnrolmentStatus.COMPLETED,
        CompletionState.COMPLETED,
    )
    assert signals_received == [enrolment.pk]  # one certificate, not two


def test_the_periodic_evaluation_never_completes_a_cancelled_place():
    run, (only,) = run_with_sessions(days_from_today=[-1])
    enrolment = EnrolmentFactory(run=run)
    services.attendance_record(
        enrolment=enrolment, session=only, status="present", now=only.starts_at
    )  # evaluated while the session was on: on track
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.CANCELLED)

    services.completion_evaluate_recent_runs()

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_reflection_and_staff_sign_off_complete_the_course(client, role_user):
    run, (only,) = run_with_sessions(
        days_from_today=[-1], requires_reflection=True, requires_sign_off=True
    )
    enrolment = EnrolmentFactory(run=run)
    services.attendance_record(enrolment=enrolment, session=only, status="present")
    client.force_login(enrolment.user)

    short = client.post(f"/enrolments/{enrolment.pk}/reflection/", {"text": "よかった"})
    assert "20文字以上" in short.content.decode()
    client.post(
        f"/enrolments/{enrolment.pk}/reflection/",
        {"text": "多職種で事例を検討し、地域の社協との連携の大切さを学びました。"},
    )
    enrolment.refresh_from_db()
    assert enrolment.reflection_submitted_at and enrolment.completion == CompletionState.ON_TRACK

    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    report = client.get(f"/admin/courses/runs/{run.pk}/attendance/").content.decode()
    assert f"/admin/courses/enrolments/{enrolment.pk}/sign-off/" in report
    client.post(f"/admin/courses/enrolments/{enrolment.pk}/sign-off/")

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.signed_off_at is not None


def test_nobody_sends_a_reflection_for_someone_else(client):
    run, _sessions = run_with_sessions(days_from_today=[-1], requires_reflection=True)
    enrolment = EnrolmentFactory(run=run)
    client.force_login(UserFactory())

    response = client.post(
        f"/enrolments/{enrolment.pk}/reflection/",
        {"text": "他人の振り返りを書き換えようとする文章です。"},
    )

    assert response.status_code == 404
    assert Enrolment.objects.get().reflection == ""


def test_my_learning_shows_hours_and_progress(client):
    run, (past, future) = run_with_sessions(days_from_today=[-1, 7], min_attendance_percent=100)
    enrolment = EnrolmentFactory(run=run)
    services.attendance_record(enrolment=enrolment, session=past, status="present")
    client.force_login(enrolment.user)

    page = client.get("/learning/").content.decode()

    assert "2時間" in page
    assert "修了に必要な2回のうち1回出席しました" in page
    assert f"/sessions/{future.pk}/apology/" in page
    assert f"/sessions/{past.pk}/apology/" not in page


def test_the_follow_up_list_and_the_report_for_coordinators(client, role_user):
    run, sessions = run_with_sessions(days_from_today=[-3, -2, -1], min_attendance_percent=60)
    people = [EnrolmentFactory(run=run) for _ in range(3)]
    for person, marks in zip(people, ["ppp", "pal", "aae"], strict=True):
        for session, mark in zip(sessions, marks, strict=True):
            status = {"p": "present", "a": "absent", "l": "late", "e": "excused"}[mark]
            services.attendance_record(enrolment=person, session=session, status=status)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    follow_up = client.get("/admin/courses/follow-up/").content.decode()
    csv = client.get(f"/admin/courses/runs/{run.pk}/attendance/", {"format": "csv"})

    assert people[2].user.full_name in follow_up
    assert people[0].user.full_name not in follow_up
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.strip().splitlines()
    assert len(lines) == 4
    row = next(line for line in lines if people[1].user.full_name in line)
    assert "出席,欠席,遅刻" in row and "修了" in row
    assert AttendanceStatus.PRESENT  # the labels above are the Japanese display names


def test_the_matrix_shows_each_mark_with_a_symbol_and_a_label_for_screen_readers(client, role_user):
    run, sessions = run_with_sessions(
        days_from_today=[-3, -2, -1], requires_sign_off=True, min_attendance_percent=60
    )
    waiting, missed = EnrolmentFactory(run=run), EnrolmentFactory(run=run)
    for session, status in zip(sessions, ["present", "late"], strict=False):
        services.attendance_record(enrolment=waiting, session=session, status=status)
    services.attendance_record(enrolment=missed, session=sessions[0], status="absent")
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    page = client.get(f"/admin/courses/runs/{run.pk}/attendance/").content.decode()

    def row(enrolment):
        start = page.index(f'<th scope="row">{enrolment.user.full_name}<br>')
        return page[start : page.index("</tr>", start)]

    assert (
        '<td class="cell-present"><span aria-hidden="true">○</span>'
        '<span class="w-sr-only">出席</span></td>'
        '<td class="cell-late"><span aria-hidden="true">△</span>'
        '<span class="w-sr-only">遅刻</span></td>'
        '<td class="cell-"><span aria-hidden="true">–</span>'
        '<span class="w-sr-only">記録なし</span></td>'
    ) in row(waiting)
    # Attendance is enough (2 of 3): only the staff's confirmation is missing.
    assert "修了見込み" in row(waiting)
    assert f'action="/admin/courses/enrolments/{waiting.pk}/sign-off/"' in row(waiting)
    assert (
        '<td class="cell-absent"><span aria-hidden="true">×</span>'
        '<span class="w-sr-only">欠席</span></td>'
    ) in row(missed)
    assert "修了が難しい" in row(missed) and "sign-off/" not in row(missed)


def test_the_matrix_of_300_people_and_12_sessions_runs_a_bounded_number_of_queries(
    client, role_user, django_assert_max_num_queries
):
    from courses.models import Attendance

    run, sessions = run_with_sessions(days_from_today=list(range(-12, 0)))
    run.capacity = 400
    run.save()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    def fill(count):
        users = UserFactory.create_batch(count)
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(run=run, user=u, status=EnrolmentStatus.ENROLLED) for u in users
        )
        enrolments = list(Enrolment.objects.filter(user__in=users))
        Attendance.objects.bulk_create(
            Attendance(enrolment=e, session=s, status="present", evidence="staff")
            for e in enrolments
            for s in sessions
        )

    fill(5)
    url = f"/admin/courses/runs/{run.pk}/attendance/"
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    fill(295)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="cell-present"') == 300 * 12


def test_the_course_page_states_the_completion_rules(client):
    run, _sessions = run_with_sessions(
        days_from_today=[5, 12],
        mandatory=(0,),
        min_attendance_percent=75,
        partial_attendance_counts=False,
        requires_reflection=True,
    )

    page = client.get(run.course.url).content.decode()

    assert "全体の75%以上の回に出席すること" in page
    assert "遅刻・早退は出席に数えません" in page
    assert "振り返りを提出すること" in page
    assert page.count('<span class="tag">必須</span>') == 1


def test_the_kept_matrix_is_written_afresh_follows_each_mark_and_carries_a_working_token(
    role_user,
):
    """Lines are written once per set of values (lms.pagecache.written_once): a kept line is
    the one written afresh, a mark shows at once, and the sign-off form carries this
    request's CSRF token, not the one of the request that wrote it."""

    from django.core.cache import caches
    from django.test import Client

    from tests.html import without_csrf_tokens

    run, sessions = run_with_sessions(
        days_from_today=[-3, -2, -1], requires_sign_off=True, min_attendance_percent=60
    )
    waiting, other = EnrolmentFactory(run=run), EnrolmentFactory(run=run)
    for session in sessions[:2]:
        services.attendance_record(enrolment=waiting, session=session, status="present")
    url = f"/admin/courses/runs/{run.pk}/attendance/"
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(coordinator)
    second.force_login(coordinator)

    written = first.get(url).content.decode()
    kept = second.get(url).content.decode()
    caches["fragments"].clear()
    assert (
        without_csrf_tokens(kept)
        == without_csrf_tokens(written)
        == without_csrf_tokens(first.get(url).content.decode())
    )

    services.attendance_record(enrolment=other, session=sessions[2], status="late")
    page = second.get(url).content.decode()
    start = page.index(f'<th scope="row">{other.user.full_name}<br>')
    assert '<td class="cell-late">' in page[start : page.index("</tr>", start)]

    sign_off_from_page(second, waiting, page)
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.COMPLETED


def test_the_matrix_writes_only_the_lines_that_changed(client, role_user, monkeypatch):
    from courses import admin_views
    from tests.html import rows_written

    run, sessions = run_with_sessions(days_from_today=[-2, -1])
    people = [EnrolmentFactory(run=run) for _ in range(3)]
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    url = f"/admin/courses/runs/{run.pk}/attendance/"
    written = rows_written(monkeypatch, admin_views, lambda context: context["row"].enrolment_id)
    client.get(url)
    assert sorted(written) == sorted(p.pk for p in people)
    written.clear()
    client.get(url)
    assert written == []
    services.attendance_record(enrolment=people[1], session=sessions[0], status="absent")
    page = client.get(url).content.decode()
    assert written == [people[1].pk]
    assert '<td class="cell-absent">' in page
