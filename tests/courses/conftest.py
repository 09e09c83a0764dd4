"""Fixtures for the staff roster's and attendance matrix's tests."""

import datetime as dt

import pytest
from django.utils import timezone

import courses.selectors
from courses.models import Attendance, AttendanceStatus
from lms import roles
from lms.models import Profession
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory


@pytest.fixture
def session():
    """A session under way today: begun five minutes ago, or at midnight in the first five
    minutes of a day (Asia/Tokyo), so that it is always among today's sessions."""
    today = timezone.localdate()
    run = CourseRunFactory(starts_on=today, ends_on=today)
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    starts_at = max(timezone.now() - dt.timedelta(minutes=5), midnight)
    return SessionFactory(run=run, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2))


@pytest.fixture
def matrices_built(monkeypatch):
    """The runs whose attendance matrix was evaluated from now on."""
    built = []
    real = courses.selectors.attendance_matrix_for_run

    def counting(*, run, now=None):
        built.append(run.pk)
        return real(run=run, now=now)

    monkeypatch.setattr(courses.selectors, "attendance_matrix_for_run", counting)
    return built


@pytest.fixture
def staff_client(client, role_user):
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    return client


@pytest.fixture
def marked_roster(session):
    """Three people, two of them marked, one with a note and an arrival time."""
    return mark_roster(session)


def mark_roster(session):
    """``marked_roster`` for a test that commits it itself."""
    nurse = Profession.objects.get(slug="nurse")
    people = [
        EnrolmentFactory(run=session.run, user=UserFactory(profession=nurse)) for _ in range(3)
    ]
    Attendance.objects.create(
        enrolment=people[0],
        session=session,
        status=AttendanceStatus.LATE,
        evidence="qr",
        arrived_at=session.starts_at + dt.timedelta(minutes=7),
        note="電車の遅れ",
    )
    Attendance.objects.create(
        enrolment=people[1], session=session, status=AttendanceStatus.EXCUSED, evidence="staff"
    )
    return people
