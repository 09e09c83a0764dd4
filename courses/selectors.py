"""Read-side queries for courses.  Lists are annotated and prefetched in bulk, so pages run a
bounded number of queries whatever the number of courses, runs and sessions."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from courses.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
    Session,
)
from lms.models import User


def runs_with_counts(queryset: QuerySet[CourseRun]) -> QuerySet[CourseRun]:
    """Annotate seats taken and the waiting-list length."""
    return queryset.annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES)),
        waiting_count=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)
        ),
    )


def run_list_upcoming_for_course(*, course, user: User | None) -> list[CourseRun]:
    """Runs of ``course`` that have not ended, with sessions, seat counts and the visitor's own
    place (``my_enrolment``) in each; three queries."""
    runs = list(
        runs_with_counts(
            CourseRun.objects.filter(
                course=course, ends_on__gte=timezone.localdate(), status=RunStatus.SCHEDULED
            )
        )
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.select_related("venue__municipality"))
        )
        .order_by("starts_on", "pk")
    )
    mine = {}
    if user is not None and user.is_authenticated:
        mine = {
            enrolment.run_id: enrolment
            for enrolment in Enrolment.objects.filter(
                user=user, run__in=runs, status__in=ACTIVE_STATUSES
            )
        }
    now = timezone.now()
    for run in runs:
        run.seats_left = max(run.capacity - run.seats_taken, 0)
        run.my_enrolment = mine.get(run.pk)
        run.is_open = run.is_open_at(now)
        run.my_position = None
    for run in runs:
        if run.my_enrolment and run.my_enrolment.status == EnrolmentStatus.WAITLISTED:
            run.my_position = waiting_position(enrolment=run.my_enrolment)
    return runs


def waiting_position(*, enrolment: Enrolment) -> int:
    """1 for the first person waiting."""
    return (
        Enrolment.objects.filter(
            run_id=enrolment.run_id,
            status=EnrolmentStatus.WAITLISTED,
            waitlisted_at__lt=enrolment.waitlisted_at,
        ).count()
        + 1
    )


def enrolment_list_for_learner(*, user: User) -> dict[str, list[Enrolment]]:
    """My learning: current places (with upcoming sessions) and past courses."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("run__course")
        .prefetch_related(
            Prefetch(
                "run__sessions",
                queryset=Session.objects.select_related("venue__municipality").order_by(
                    "starts_at"
                ),
            )
        )
        .order_by("run__starts_on", "pk")
    )
    today = timezone.localdate()
    current, past = [], []
    for enrolment in enrolments:
        (past if enrolment.run.ends_on < today else current).append(enrolment)
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            enrolment.position = waiting_position(enrolment=enrolment)
    return {"current": current, "past": past}
