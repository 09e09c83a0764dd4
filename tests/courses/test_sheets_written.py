"""Kept rosters and matrices run their fingerprint's query only after a write of a seat or an
attendance record (issue #9; ``courses.selectors.SHEETS_VERSION``, ``sheets_written``): while
nothing is written they cost no query of their own; after a write anywhere the fingerprint
tells whether the kept one is still the same (kept, not evaluated again); and writes that
send no signal (``update``, ``bulk_update``, ``bulk_create``, a records' delete, through
``courses.models.SheetQuerySet``) show on the next one as saves do."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import services
from courses.models import Attendance, AttendanceEvidence, AttendanceStatus, Enrolment, Session
from courses.selectors.attendance import SHEETS_VERSION, sheets_written
from tests.courses.helpers import run_with_sessions
from tests.factories import EnrolmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page", "page_cache_on")]


@pytest.fixture
def matrix(django_capture_on_commit_callbacks):
    """A run with two past sessions and three people, the first marked at both (committed:
    until a transaction that wrote seats or records commits, nothing is trusted)."""
    with django_capture_on_commit_callbacks(execute=True):
        run, sessions = run_with_sessions(days_from_today=[-2, -1])
        people = [EnrolmentFactory(run=run) for _ in range(3)]
        for session in sessions:
            services.attendance_record(enrolment=people[0], session=session, status="present")
    return run, sessions, people


@pytest.fixture
def elsewhere(django_capture_on_commit_callbacks):
    """Another run (its session past) with three people, none marked (committed)."""
    with django_capture_on_commit_callbacks(execute=True):
        run, sessions = run_with_sessions(days_from_today=[-1])
        people = [EnrolmentFactory(run=run) for _ in range(3)]
    return sessions[0], people


def matrix_url(run) -> str:
    return f"/admin/courses/runs/{run.pk}/attendance/"


def _row(page: str, enrolment) -> str:
    start = page.index(f'<th scope="row">{enrolment.user.full_name}<br>')
    return page[start : page.index("</tr>", start)]


def _reads_records(client, url: str) -> bool:
    """Whether showing the page read any attendance record (its fingerprint does)."""
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return any("courses_attendance" in query["sql"] for query in captured.captured_queries)


def test_a_kept_matrix_is_checked_again_only_after_a_write(
    staff_client, matrix, elsewhere, matrices_built, django_capture_on_commit_callbacks
):
    run, _sessions, _people = matrix
    other_session, strangers = elsewhere
    staff_client.get(matrix_url(run))

    assert not _reads_records(staff_client, matrix_url(run))

    with django_capture_on_commit_callbacks(execute=True):  # a mark in another run
        services.attendance_record(enrolment=strangers[0], session=other_session, status="present")
    assert _reads_records(staff_client, matrix_url(run))  # the fingerprint: the same
    assert not _reads_records(staff_client, matrix_url(run))  # trusted again
    assert matrices_built == [run.pk]


def _record_updated(sessions, people):
    Attendance.objects.filter(enrolment=people[0], session=sessions[0]).update(
        status=AttendanceStatus.LATE, updated_at=timezone.now()
    )
    return lambda page: '<td class="cell-late">' in _row(page, people[0])


def _records_bulk_updated(sessions, people):
    records = list(Attendance.objects.filter(enrolment=people[0]))
    for record in records:
        record.status = AttendanceStatus.ABSENT
        record.updated_at = timezone.now()
    Attendance.objects.bulk_update(records, ["status", "updated_at"])
    return lambda page: _row(page, people[0]).count('<td class="cell-absent">') == 2


def _records_bulk_created(sessions, people):
    Attendance.objects.bulk_create(
        Attendance(
            enrolment=people[1],
            session=session,
            status=AttendanceStatus.PRESENT,
            modality=session.modality,
            evidence=AttendanceEvidence.STAFF,
        )
        for session in sessions
    )
    return lambda page: _row(page, people[1]).count('<td class="cell-present">') == 2


def _record_deleted(sessions, people):
    Attendance.objects.filter(enrolment=people[0], session=sessions[1]).delete()
    return lambda page: _row(page, people[0]).count('<td class="cell-present">') == 1


def _seat_updated(sessions, people):
    Enrolment.objects.filter(pk=people[2].pk).update(status="cancelled", updated_at=timezone.now())
    return lambda page: people[2].user.full_name not in page


WITHOUT_SIGNALS = [
    _record_updated,
    _records_bulk_updated,
    _records_bulk_created,
    _record_deleted,
    _seat_updated,
]


@pytest.mark.parametrize("write", WITHOUT_SIGNALS, ids=lambda write: write.__name__.strip("_"))
def test_a_write_without_signals_shows_on_the_next_matrix(
    staff_client, matrix, write, django_capture_on_commit_callbacks
):
    run, sessions, people = matrix
    staff_client.get(matrix_url(run))
    before = staff_client.get(matrix_url(run)).content.decode()  # kept

    with django_capture_on_commit_callbacks(execute=True):
        shown = write(sessions, people)
    page = staff_client.get(matrix_url(run)).content.decode()

    assert not shown(before)
    assert shown(page)


def test_a_kept_roster_reads_no_record_until_one_is_written(
    staff_client, matrix, django_capture_on_commit_callbacks
):
    _run, sessions, people = matrix
    url = f"/sessions/{sessions[1].pk}/roster/"
    staff_client.get(url)
    assert not _reads_records(staff_client, url)

    with django_capture_on_commit_callbacks(execute=True):
        Attendance.objects.filter(enrolment=people[0], session=sessions[1]).update(
            status=AttendanceStatus.LATE, updated_at=timezone.now()
        )
    page = staff_client.get(url).content.decode()

    assert f'name="mark" value="{people[0].pk}:late" aria-pressed="true"' in page


def test_writes_bump_the_version_once_their_transaction_commits_never_inside_it(
    matrix, monkeypatch, django_capture_on_commit_callbacks
):
    """Inside the writer's transaction a bump would lock the version's row (database cache)
    until the commit, and every seat and record written anywhere would queue on it."""
    _run, sessions, people = matrix
    bumps = []
    monkeypatch.setattr(SHEETS_VERSION, "bump", lambda: bumps.append("bumped"))

    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            services.attendance_record(enrolment=people[1], session=sessions[0], status="late")
            Attendance.objects.filter(enrolment=people[0]).update(updated_at=timezone.now())
            services.enrolment_cancel(enrolment=people[2])
            assert bumps == []
            assert sheets_written() is None  # this transaction's writes: not trusted yet
    for callback in callbacks:
        callback()

    assert bumps == ["bumped"]
    assert sheets_written() is not None


def test_a_kept_matrix_checked_again_is_kept_no_longer_than_from_when_it_was_built(
    staff_client, matrix, elsewhere, monkeypatch, django_capture_on_commit_callbacks
):
    """A change no signal tells of shows once the page's time has passed since the matrix
    was built, however often writes elsewhere make it checked (and found the same) again."""
    run, sessions, _people = matrix
    other_session, strangers = elsewhere
    built_at = timezone.now()
    staff_client.get(matrix_url(run))
    Session.objects.filter(pk=sessions[0].pk).update(title="第1回 題名を直した回")

    for seconds, stranger in zip((40, 80, 110), strangers, strict=True):
        monkeypatch.setattr(
            timezone, "now", lambda seconds=seconds: built_at + dt.timedelta(seconds=seconds)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.attendance_record(enrolment=stranger, session=other_session, status="present")
        assert "題名を直した回" not in staff_client.get(matrix_url(run)).content.decode()

    after = built_at + dt.timedelta(seconds=settings.PUBLIC_PAGE_CACHE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    assert "題名を直した回" in staff_client.get(matrix_url(run)).content.decode()
