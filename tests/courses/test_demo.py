"""The demo training: its runs' sessions are recorded as told, as staff's first save of a run
in the admin records them, so the first change staff make after ``make run`` is announced."""

import pytest

from cms.demo import load_demo_content
from courses import services
from courses.models import SEAT_STATUSES, CourseRun, Session, SessionStatus
from lms.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_every_demo_session_is_recorded_as_told_and_a_later_change_is_announced():
    load_demo_content()
    sessions = list(Session.objects.select_related("run"))
    assert sessions
    assert [s for s in sessions if s.announced_state != s.current_state()] == []

    run = CourseRun.objects.get(course__slug="joint-training-basic")
    first = run.sessions.order_by("starts_at").first()
    first.status = SessionStatus.CANCELLED
    first.save()
    before = OutboundEmail.objects.count()

    assert services.session_changes_announce(run=run) == 1

    people = run.enrolments.filter(status__in=SEAT_STATUSES).count()
    assert people > 0
    assert OutboundEmail.objects.count() - before == people
