"""My learning: a person's own courses, with their sessions, what they can do at each
(check in, join, apologise), completion, learning minutes and make-up runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from courses.checkin import checkin_window
from courses.completion import CompletionRules, SessionFacts
from courses.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
)
from courses.selectors.attendance import ARRIVED_STATUSES, attendance_minutes
from courses.selectors.completion import (
    attach_make_up_runs,
    completion_extras,
    evaluation_for_enrolment,
)
from courses.selectors.enrolment import waiting_ahead_annotation
from lms.models import User


def enrolment_list_for_learner(*, user: User) -> dict[str, list[Enrolment]]:
    """My learning: current places (with upcoming sessions) and past courses."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .annotate(waiting_ahead=waiting_ahead_annotation())
        .select_related("run__course")
        .prefetch_related(
            "certificates",  # issue #5: the holder's download link
            Prefetch(
                "run__sessions",
                queryset=Session.objects.select_related("venue__municipality__parent").order_by(
                    "starts_at"
                ),
            ),
        )
        .order_by("run__starts_on", "pk")
    )
    now = timezone.now()
    today = timezone.localdate(now)
    current, past = [], []
    for enrolment in enrolments:
        (past if enrolment.run.ends_on < today else current).append(enrolment)
        enrolment.has_seat = enrolment.status in (
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.COMPLETED,
        )
        enrolment.can_cancel = enrolment.status in (
            EnrolmentStatus.PENDING,
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.WAITLISTED,
        )
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            enrolment.position = enrolment.waiting_ahead + 1
    total_minutes = _attach_my_attendance([e for e in enrolments if e.has_seat], now)
    self_paced_minutes = _attach_lesson_progress(user, [e for e in enrolments if e.has_seat])
    attach_make_up_runs(
        [e for e in enrolments if getattr(e, "evaluation", None) and e.evaluation.is_not_possible],
        now,
    )
    return {
        "current": current,
        "past": past,
        "total_minutes": total_minutes + self_paced_minutes,
        "self_paced_minutes": self_paced_minutes,
    }


def _attach_lesson_progress(user: User, enrolments: list[Enrolment]) -> int:
    """Online lessons (issue #11): "3 of 5 lessons" and where to resume per course; returns
    the self-paced minutes (lessons done, estimated minutes, each course counted once)."""
    from lessons.selectors import progress_by_course

    progress = progress_by_course(
        user_ids={user.pk}, course_ids={e.run.course_id for e in enrolments}
    )
    for enrolment in enrolments:
        enrolment.lesson_progress = progress.get((user.pk, enrolment.run.course_id))
    return sum(p.minutes_done for p in progress.values())


def _attach_my_attendance(enrolments: list[Enrolment], now: dt.datetime) -> int:
    """For My learning: each session's own record and what the person can do there (check in,
    join, enter the code, send an apology), the completion evaluation and learning minutes,
    from one query.  Returns the person's total learning minutes."""
    records: dict[tuple[int, int], Attendance] = {
        (a.enrolment_id, a.session_id): a
        for a in Attendance.objects.filter(enrolment__in=[e.pk for e in enrolments])
    }
    extras = completion_extras(enrolments, {e.run_id: e.run.course for e in enrolments})
    total = 0
    for enrolment in enrolments:
        enrolment.minutes_learned = 0
        statuses = {}
        facts = []
        enrolment.session_rows = []
        for session in enrolment.run.sessions.all():
            record = records.get((enrolment.pk, session.pk))
            live = session.status != SessionStatus.CANCELLED
            window = checkin_window(session.starts_at, session.ends_at)
            settled = record is not None and record.status in ARRIVED_STATUSES
            enrolment.session_rows.append(
                {
                    "session": session,
                    "record": record,
                    "can_check_in": live
                    and session.has_venue_part
                    and window.is_open(now)
                    and not settled,
                    "can_join": live and session.has_online_part and window.is_open(now),
                    "can_enter_code": live
                    and session.has_online_part
                    and window.is_open(now)
                    and not settled,
                    "can_apologise": live
                    and now < session.starts_at
                    and (record is None or record.status != AttendanceStatus.EXCUSED),
                }
            )
            if not live:
                continue
            facts.append(SessionFacts(session.pk, session.is_mandatory, session.ends_at <= now))
            if record:
                statuses[session.pk] = record.status
                enrolment.minutes_learned += attendance_minutes(record, session)
        enrolment.evaluation = evaluation_for_enrolment(
            enrolment,
            rules=CompletionRules.for_course(enrolment.run.course),
            sessions=facts,
            statuses=statuses,
            extras=extras,
        )
        total += enrolment.minutes_learned
    return total
