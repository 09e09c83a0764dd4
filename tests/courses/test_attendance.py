"""Attendance records (issue #4, first part): one per enrolment and session, every change
audited, bad marks refused without changing anything."""

import datetime as dt

import pytest

from courses import services
from courses.models import (
    Attendance,
    AttendanceChange,
    AttendanceEvidence,
    AttendanceStatus,
    EnrolmentStatus,
    SessionStatus,
)
from courses.services import EnrolmentError
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def roster():
    run = CourseRunFactory()
    session = SessionFactory(run=run)
    people = [EnrolmentFactory(run=run) for _ in range(3)]
    return run, session, people


def test_a_mark_creates_one_record_and_one_audit_row(roster):
    _run, session, (first, *_rest) = roster
    staff = UserFactory(is_staff=True)

    record = services.attendance_record(
        enrolment=first, session=session, status=AttendanceStatus.PRESENT, by=staff
    )

    assert (record.status, record.evidence, record.recorded_by) == (
        AttendanceStatus.PRESENT,
        AttendanceEvidence.STAFF,
        staff,
    )
    change = AttendanceChange.objects.get()
    assert (change.old_status, change.new_status, change.changed_by) == ("", "present", staff)


def test_changing_a_mark_keeps_one_record_and_audits_old_and_new(roster):
    _run, session, (first, *_rest) = roster
    services.attendance_record(enrolment=first, session=session, status=AttendanceStatus.PRESENT)

    services.attendance_record(enrolment=first, session=session, status=AttendanceStatus.LATE)

    assert Attendance.objects.get().status == AttendanceStatus.LATE
    assert list(AttendanceChange.objects.values_list("old_status", "new_status")) == [
        ("", "present"),
        ("present", "late"),
    ]


def test_the_same_mark_twice_changes_nothing(roster):
    _run, session, (first, *_rest) = roster
    for _ in range(2):
        services.attendance_record(
            enrolment=first,
            session=session,
            status=AttendanceStatus.PRESENT,
            evidence=AttendanceEvidence.QR,
        )

    assert Attendance.objects.count() == 1
    assert AttendanceChange.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    ["other_run", "waiting", "cancelled_session", "bad_status"],
)
def test_bad_marks_are_refused_and_change_nothing(roster, case):
    run, session, (first, *_rest) = roster
    kwargs = {"enrolment": first, "session": session, "status": AttendanceStatus.PRESENT}
    if case == "other_run":
        kwargs["session"] = SessionFactory()
    elif case == "waiting":
        kwargs["enrolment"] = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)
    elif case == "cancelled_session":
        session.status = SessionStatus.CANCELLED
        session.save()
    else:
        kwargs["status"] = "here"

    with pytest.raises(EnrolmentError):
        services.attendance_record(**kwargs)

    assert not Attendance.objects.exists()
    assert not AttendanceChange.objects.exists()


def test_mark_the_rest_absent_never_overwrites_a_mark(roster):
    run, session, (first, second, third) = roster
    EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)  # not expected in the room
    services.attendance_record(enrolment=first, session=session, status=AttendanceStatus.PRESENT)

    after_start = session.starts_at + dt.timedelta(minutes=30)
    assert services.attendance_mark_rest_absent(session=session, now=after_start) == 2
    assert services.attendance_mark_rest_absent(session=session, now=after_start) == 0

    statuses = dict(Attendance.objects.values_list("enrolment_id", "status"))
    assert statuses == {
        first.pk: AttendanceStatus.PRESENT,
        second.pk: AttendanceStatus.ABSENT,
        third.pk: AttendanceStatus.ABSENT,
    }
    assert AttendanceChange.objects.filter(new_status=AttendanceStatus.ABSENT).count() == 2


def test_the_rest_cannot_be_marked_absent_before_the_session_starts(roster):
    _run, session, _people = roster

    with pytest.raises(EnrolmentError):
        services.attendance_mark_rest_absent(
            session=session, now=session.starts_at - dt.timedelta(minutes=1)
        )

    assert not Attendance.objects.exists()


def test_a_staff_tap_on_the_status_already_there_keeps_the_check_in_evidence(roster):
    _run, session, (first, *_rest) = roster
    services.attendance_record(
        enrolment=first,
        session=session,
        status=AttendanceStatus.PRESENT,
        evidence=AttendanceEvidence.QR,
        modality="in_person",
    )

    services.attendance_record(enrolment=first, session=session, status=AttendanceStatus.PRESENT)
    record = Attendance.objects.get()
    assert (record.evidence, record.modality) == (AttendanceEvidence.QR, "in_person")

    services.attendance_record(enrolment=first, session=session, status=AttendanceStatus.LEFT_EARLY)
    record.refresh_from_db()
    assert (record.status, record.evidence, record.modality) == (
        AttendanceStatus.LEFT_EARLY,
        AttendanceEvidence.STAFF,
        "in_person",
    )


def test_the_matrix_counts_learning_time_from_each_kind_of_record():
    """Present: the whole session, whenever they checked in; late: from their arrival (half
    the session if the time is unknown); left early: the minutes staff noted; absent: none.
    (The matrix reads only late arrivals' times: ``attendance_matrix_for_run``.)"""
    from courses.selectors import attendance_matrix_for_run
    from tests.courses.helpers import run_with_sessions

    run, (session,) = run_with_sessions(days_from_today=[-1])  # 10:00-12:00
    records = {
        "present, checked in late": ("present", dt.timedelta(minutes=40), None, 120),
        "late at 10:30": ("late", dt.timedelta(minutes=30), None, 90),
        "late, time unknown": ("late", None, None, 60),
        "left after 45 minutes": ("left_early", dt.timedelta(minutes=5), 45, 45),
        "absent": ("absent", None, None, 0),
    }
    expected = {}
    for name, (status, arrived_after, minutes_present, minutes) in records.items():
        enrolment = EnrolmentFactory(run=run, user=UserFactory(full_name=name))
        Attendance.objects.create(
            enrolment=enrolment,
            session=session,
            status=status,
            evidence="staff",
            arrived_at=session.starts_at + arrived_after if arrived_after else None,
            minutes_present=minutes_present,
        )
        expected[name] = minutes

    matrix = attendance_matrix_for_run(run=run)

    assert {row.full_name: row.minutes_learned for row in matrix["rows"]} == expected
    assert matrix["total_minutes"] == sum(expected.values())
