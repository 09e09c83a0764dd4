"""Completion rules (issue #4): whether an enrolment is completed, on track, or can no longer
be completed, and the learning time attendance is worth.

Plain Python over facts the selectors gather, so the rules are tested table by table and the
same code serves the evaluation task, My learning and the coordinators' follow-up list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from courses.models import AttendanceStatus, CompletionState

FULL = {AttendanceStatus.PRESENT}
PARTIAL = {AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY}


@dataclass(frozen=True)
class CompletionRules:
    """The course's rules, set by staff on the course page."""

    min_attendance_percent: int = 80
    partial_counts: bool = True
    requires_reflection: bool = False
    requires_sign_off: bool = False
    mentoring_sessions: int = 0
    requires_lessons: bool = False
    requires_quizzes: bool = False

    @property
    def self_paced(self) -> bool:
        """A course that can be completed online alone, without sessions."""
        return self.requires_lessons or self.requires_quizzes

    @classmethod
    def for_course(cls, course) -> CompletionRules:
        return cls(
            min_attendance_percent=course.min_attendance_percent,
            partial_counts=course.partial_attendance_counts,
            requires_reflection=course.requires_reflection,
            requires_sign_off=course.requires_sign_off,
            mentoring_sessions=course.required_mentoring_sessions,
            requires_lessons=course.requires_lessons,
            requires_quizzes=course.requires_quizzes,
        )


@dataclass(frozen=True)
class SessionFacts:
    session_id: int
    mandatory: bool
    ended: bool


@dataclass
class Evaluation:
    state: str
    attended: int
    needed: int
    # Sessions not over and not given up (no apology): they may still be attended.
    still_open: int
    missed_mandatory: list[int] = field(default_factory=list)
    # What is still missing once attendance is enough: "reflection", "sign_off", "mentoring",
    # "lessons", "quizzes".
    waiting_for: list[str] = field(default_factory=list)

    @property
    def is_not_possible(self) -> bool:
        return self.state == CompletionState.NOT_POSSIBLE


def counts_as_attended(status: str, rules: CompletionRules) -> bool:
    return status in FULL or (rules.partial_counts and status in PARTIAL)


def evaluate(
    *,
    rules: CompletionRules,
    sessions: Iterable[SessionFacts],
    statuses: Mapping[int, str],
    reflection_submitted: bool = False,
    signed_off: bool = False,
    mentoring_sessions: int = 0,
    lessons_complete: bool = True,
    quizzes_complete: bool = True,
) -> Evaluation:
    """``sessions`` are the run's sessions that were not cancelled; ``statuses`` maps a session
    id to this person's attendance status there (missing when nothing is recorded).

    A session is missed once it is over without attendance, or in advance by an apology or
    an absence mark.  Completion is impossible as soon as a mandatory session is missed or
    the sessions left cannot reach the minimum share; it is reached when every session is
    over, attendance is enough, and the reflection and sign-off the course asks for are in.
    """
    sessions = list(sessions)
    needed = math.ceil(len(sessions) * rules.min_attendance_percent / 100)
    attended = still_open = 0
    missed_mandatory = []
    for session in sessions:
        status = statuses.get(session.session_id, "")
        if counts_as_attended(status, rules):
            attended += 1
            continue
        decided_absent = status in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED) or (
            status in PARTIAL  # recorded late or early, which this course does not count
        )
        if session.ended or decided_absent:
            if session.mandatory:
                missed_mandatory.append(session.session_id)
        else:
            still_open += 1
    waiting_for = []
    if rules.requires_reflection and not reflection_submitted:
        waiting_for.append("reflection")
    if rules.requires_sign_off and not signed_off:
        waiting_for.append("sign_off")
    if mentoring_sessions < rules.mentoring_sessions:
        waiting_for.append("mentoring")
    if rules.requires_lessons and not lessons_complete:
        waiting_for.append("lessons")
    if rules.requires_quizzes and not quizzes_complete:
        waiting_for.append("quizzes")
    sessions_done = bool(sessions) and all(s.ended for s in sessions) and attended >= needed
    if missed_mandatory or attended + still_open < needed:
        state = CompletionState.NOT_POSSIBLE
    elif (sessions_done or (not sessions and rules.self_paced)) and not waiting_for:
        state = CompletionState.COMPLETED
    else:
        state = CompletionState.ON_TRACK
    return Evaluation(
        state=state,
        attended=attended,
        needed=needed,
        still_open=still_open,
        missed_mandatory=missed_mandatory,
        waiting_for=waiting_for,
    )


def minutes_learned(
    *,
    status: str,
    starts_at: datetime,
    ends_at: datetime,
    arrived_at: datetime | None = None,
    minutes_present: int | None = None,
) -> int:
    """Learning time an attendance record is worth: the whole session when present; for a late
    arrival the time from arrival to the end; for leaving early the minutes staff noted.  A
    late or early record without a known time counts half the session."""
    length = int((ends_at - starts_at).total_seconds() // 60)
    if status not in FULL | PARTIAL:
        return 0
    if minutes_present is not None:
        return min(minutes_present, length)
    if status in FULL:
        return length
    if status == AttendanceStatus.LATE and arrived_at is not None:
        return max(
            0, min(length, int((ends_at - max(arrived_at, starts_at)).total_seconds() // 60))
        )
    return length // 2
