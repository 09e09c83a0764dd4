"""Attendance records (issue #4, first part): one per enrolment and session, every change
audited, bad marks refused without changing anything."""

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

    assert services.attendance_mark_rest_absent(session=session) == 2
    assert services.attendance_mark_rest_absent(session=session) == 0

    statuses = dict(Attendance.objects.values_list("enrolment_id", "status"))
    assert statuses == {
        first.pk: AttendanceStatus.PRESENT,
        second.pk: AttendanceStatus.ABSENT,
        third.pk: AttendanceStatus.ABSENT,
    }
    assert AttendanceChange.objects.filter(new_status=AttendanceStatus.ABSENT).count() == 2
