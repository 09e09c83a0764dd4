"""Completion (issues #4 and #11): what the completion rules need, the coordinators'
follow-up list with make-up runs, and reflection sheets."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Count
from django.utils import timezone

from courses.completion import CompletionRules, Evaluation, SessionFacts
from courses.completion import evaluate as evaluate_completion
from courses.models import (
    Attendance,
    CompletionState,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
    Session,
    SessionStatus,
)
from lms.models import User


class CompletionFacts:
    """What the completion rules need for a set of enrolments, read in three queries."""

    def __init__(self, *, enrolments: list[Enrolment], now: dt.datetime):
        run_ids = {e.run_id for e in enrolments}
        self.now = now
        self.runs = {
            run.pk: run for run in CourseRun.objects.filter(pk__in=run_ids).select_related("course")
        }
        self.sessions: dict[int, list[Session]] = {run_id: [] for run_id in run_ids}
        for session in Session.objects.filter(run_id__in=run_ids).exclude(
            status=SessionStatus.CANCELLED
        ):
            self.sessions[session.run_id].append(session)
        self.statuses: dict[int, dict[int, str]] = {e.pk: {} for e in enrolments}
        for enrolment_id, session_id, status in Attendance.objects.filter(
            enrolment__in=[e.pk for e in enrolments]
        ).values_list("enrolment_id", "session_id", "status"):
            self.statuses[enrolment_id][session_id] = status
        self.extras = completion_extras(
            enrolments, {run_id: run.course for run_id, run in self.runs.items()}
        )

    def evaluate(self, enrolment: Enrolment) -> Evaluation:
        return evaluation_for_enrolment(
            enrolment,
            rules=CompletionRules.for_course(self.runs[enrolment.run_id].course),
            sessions=[
                SessionFacts(s.pk, s.is_mandatory, s.ends_at <= self.now)
                for s in self.sessions[enrolment.run_id]
            ],
            statuses=self.statuses.get(enrolment.pk, {}),
            extras=self.extras,
        )


def evaluation_for_enrolment(
    enrolment: Enrolment,
    *,
    rules: CompletionRules,
    sessions: list[SessionFacts],
    statuses: dict[int, str],
    extras: dict[tuple[int, int], dict],
) -> Evaluation:
    """Where ``enrolment`` stands with the completion rules: its run's live ``sessions``, its
    attendance ``statuses`` (session id -> status) and ``extras`` from ``completion_extras``.
    Completion sticks: a completed enrolment stays completed whatever the rules say now."""
    evaluation = evaluate_completion(
        rules=rules,
        sessions=sessions,
        statuses=statuses,
        reflection_submitted=enrolment.reflection_submitted_at is not None,
        signed_off=enrolment.signed_off_at is not None,
        **extras.get((enrolment.user_id, enrolment.run_id), {}),
    )
    if enrolment.status == EnrolmentStatus.COMPLETED:
        evaluation.state = CompletionState.COMPLETED
    return evaluation


def completion_extras(
    enrolments: list[Enrolment], courses_by_run: dict[int, CoursePage]
) -> dict[tuple[int, int], dict]:
    """(person, run) -> what completion needs besides attendance: mentoring sessions the
    person confirmed in the run's mentoring programmes (issue #8) and their lessons and checks
    (issue #11).  A query or three, and none unless a course asks for them."""
    extras: dict[tuple[int, int], dict] = {(e.user_id, e.run_id): {} for e in enrolments}
    mentoring_runs = {
        run_id for run_id, course in courses_by_run.items() if course.required_mentoring_sessions
    }
    if mentoring_runs:
        MentoringSession = apps.get_model("mentoring", "MentoringSession")  # noqa: N806
        rows = (
            MentoringSession.objects.filter(
                pair__programme__cohort_id__in=mentoring_runs,
                pair__mentee_id__in={e.user_id for e in enrolments},
                confirmed_by_mentee_at__isnull=False,
            )
            .values_list("pair__mentee_id", "pair__programme__cohort_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for user_id, run_id, n in rows:
            extras.setdefault((user_id, run_id), {})["mentoring_sessions"] = n
    lesson_courses = {
        course.pk
        for course in courses_by_run.values()
        if course.requires_lessons or course.requires_quizzes
    }
    if lesson_courses:
        from lessons.selectors import progress_by_course

        progress = progress_by_course(
            user_ids={e.user_id for e in enrolments}, course_ids=lesson_courses
        )
        for e in enrolments:
            mine = progress.get((e.user_id, courses_by_run[e.run_id].pk))
            if mine:
                extras[(e.user_id, e.run_id)] |= {
                    "lessons_complete": mine.lessons_complete,
                    "quizzes_complete": mine.quizzes_complete,
                }
    return extras


def completion_facts(*, enrolments: list[Enrolment], now: dt.datetime) -> CompletionFacts:
    return CompletionFacts(enrolments=enrolments, now=now)


def completion_follow_up_list(*, now: dt.datetime | None = None) -> list[Enrolment]:
    """Coordinators' gentle follow-up: people for whom completion is no longer possible in a
    run that has not long ended, each with later runs of the course that still take people
    (make-up options), in three queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    enrolments = list(
        Enrolment.objects.filter(
            status=EnrolmentStatus.ENROLLED,
            completion=CompletionState.NOT_POSSIBLE,
            run__ends_on__gte=today - dt.timedelta(days=60),
        )
        .select_related("user__profession", "run__course")
        .order_by("run__starts_on", "user__full_name_kana", "pk")
    )
    attach_make_up_runs(enrolments, now)
    return enrolments


def attach_make_up_runs(enrolments: list[Enrolment], now: dt.datetime) -> None:
    """``enrolment.make_up_runs``: later scheduled runs of the same course, open to enrol."""
    course_ids = {e.run.course_id for e in enrolments}
    later_runs = list(
        CourseRun.objects.filter(
            course_id__in=course_ids,
            status=RunStatus.SCHEDULED,
            enrolment_closes_at__gt=now,
        ).order_by("starts_on", "pk")
    )
    for enrolment in enrolments:
        enrolment.make_up_runs = [
            r
            for r in later_runs
            if r.course_id == enrolment.run.course_id and r.starts_on > enrolment.run.starts_on
        ]


def reflections_for_run(*, run: CourseRun) -> list[Enrolment]:
    """The reflections sent in a run, newest first, with who gave feedback."""
    return list(
        Enrolment.objects.filter(run=run, reflection_submitted_at__isnull=False)
        .select_related("user", "reflection_feedback_by")
        .order_by("-reflection_submitted_at", "pk")
    )


def reflections_of_mentee(*, user: User) -> list[Enrolment]:
    """What a mentor may read of their mentee's learning: the reflections the mentee sent."""
    return list(
        Enrolment.objects.filter(user=user, reflection_submitted_at__isnull=False)
        .select_related("run__course")
        .order_by("-reflection_submitted_at", "pk")
    )
