"""Runs and places: seat counts and seat plans, the runs a course page lists (with the
visitor's own place), who waits ahead of whom, and the staff's participant list and numbers."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunSeatPool,
    RunStatus,
    Session,
)
from courses.seats import SeatPlan
from lms.models import User


def runs_with_counts(queryset: QuerySet[CourseRun]) -> QuerySet[CourseRun]:
    """Annotate seats taken and the waiting-list length."""
    return queryset.annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    )


def seats_taken_by_pool(runs: list[CourseRun]) -> dict[int, dict[int | None, int]]:
    """Seats taken in each run, by reserved pool (None: the open seats), in one query."""
    taken: dict[int, dict[int | None, int]] = {run.pk: {} for run in runs}
    for run_id, pool_id, n in (
        Enrolment.objects.filter(run__in=runs, status__in=SEAT_STATUSES)
        .order_by()
        .values_list("run", "seat_pool")
        .annotate(n=Count("pk"))
    ):
        taken[run_id][pool_id] = n
    return taken


def seat_plans_from_taken(
    runs: list[CourseRun], taken: dict[int, dict[int | None, int]], now: dt.datetime
) -> dict[int, SeatPlan]:
    """The seat plan of each run from the seats taken; the runs' ``seat_pools`` (with
    ``professions``) must be prefetched."""
    return {
        run.pk: SeatPlan.build(
            capacity=run.capacity,
            pools=[
                (pool.pk, pool.name, pool.seats, [p.pk for p in pool.professions.all()])
                for pool in run.seat_pools.all()
            ],
            taken_by_pool=taken[run.pk],
            pools_released=bool(run.seat_pools_release_at and now >= run.seat_pools_release_at),
        )
        for run in runs
    }


def seat_plans_for_runs(runs: list[CourseRun], now: dt.datetime) -> dict[int, SeatPlan]:
    """The seat plan of each run (reserved pools included), in one query for the taken seats;
    the runs' ``seat_pools`` (with ``professions``) must be prefetched."""
    return seat_plans_from_taken(runs, seats_taken_by_pool(runs), now)


def runs_upcoming_public(
    *, course, today: dt.date
) -> tuple[list[CourseRun], dict[int, dict[int | None, int]]]:
    """What everyone sees of ``course``'s runs that have not ended by ``today``: the runs with
    sessions, reserved pools and counts, and the seats taken by pool.  Public content only, so
    a course page can keep it under the public version (``lms.pagecache``); a constant number
    of queries."""
    runs = list(
        runs_with_counts(
            CourseRun.objects.filter(course=course, ends_on__gte=today, status=RunStatus.SCHEDULED)
        )
        .prefetch_related(
            Prefetch(
                "sessions", queryset=Session.objects.select_related("venue__municipality__parent")
            ),
            Prefetch(
                "seat_pools",
                queryset=RunSeatPool.objects.prefetch_related("professions").order_by(
                    "sort_order", "pk"
                ),
            ),
        )
        .order_by("starts_on", "pk")
    )
    return runs, seats_taken_by_pool(runs)


def runs_for_visitor(
    runs: list[CourseRun],
    taken: dict[int, dict[int | None, int]],
    *,
    user: User | None,
    now: dt.datetime,
) -> list[CourseRun]:
    """``runs_upcoming_public``'s runs with what depends on the visitor and the moment: seats
    left, whether enrolment is open, the visitor's own place (``my_enrolment``, one query when
    signed in) and chance of a seat (``seat_for_me``)."""
    plans = seat_plans_from_taken(runs, taken, now)
    profession_id = user.profession_id if user is not None and user.is_authenticated else None
    mine = {}
    if runs and user is not None and user.is_authenticated:
        mine = {
            enrolment.run_id: enrolment
            for enrolment in Enrolment.objects.filter(
                user=user, run__in=runs, status__in=ACTIVE_STATUSES
            ).annotate(waiting_ahead=waiting_ahead_annotation())
        }
    for run in runs:
        plan = plans[run.pk]
        run.seats_left = plan.free
        run.seat_for_me = plan.seat_for(profession_id) is not None and (
            not run.waiting_count or plan.free_open == 0
        )
        run.reserved_seats_left = [
            (pool.name, plan.free_in_pool(pool)) for pool in plan.pools if not plan.pools_released
        ]
        run.my_enrolment = mine.get(run.pk)
        run.is_open = run.is_open_at(now)
        run.my_position = None
        if run.my_enrolment and run.my_enrolment.status == EnrolmentStatus.WAITLISTED:
            run.my_position = run.my_enrolment.waiting_ahead + 1
    return runs


def run_list_upcoming_for_course(*, course, user: User | None) -> list[CourseRun]:
    """Runs of ``course`` that have not ended, with sessions, seat counts, reserved seats and
    the visitor's own place (``my_enrolment``) and chance of a seat (``seat_for_me``) in each;
    a constant number of queries."""
    runs, taken = runs_upcoming_public(course=course, today=timezone.localdate())
    return runs_for_visitor(runs, taken, user=user, now=timezone.now())


def waiting_ahead_annotation() -> Coalesce:
    """How many people wait ahead of the outer enrolment in its run, in the order seats are
    offered (``waitlisted_at``, then arrival): one subquery, however many enrolments."""
    ahead = (
        Enrolment.objects.filter(run=OuterRef("run"), status=EnrolmentStatus.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead), 0, output_field=IntegerField())


def participant_list_for_run(
    *,
    run: CourseRun,
    status: str = "",
    profession=None,
    organisation: str = "",
    organisation_group=None,
    municipality=None,
) -> QuerySet[Enrolment]:
    """Everyone with a place or request in ``run`` (cancelled ones only when asked for),
    with what staff need to see, in one query.  ``organisation`` matches part of the name
    people gave (e.g. 社会福祉協議会 finds every 社協 spelled out)."""
    enrolments = Enrolment.objects.filter(run=run).select_related(
        "user__profession", "user__organisation_group", "user__municipality__parent", "seat_pool"
    )
    if status:
        enrolments = enrolments.filter(status=status)
    else:
        enrolments = enrolments.exclude(status=EnrolmentStatus.CANCELLED)
    if profession is not None:
        enrolments = enrolments.filter(user__profession=profession)
    if organisation:
        enrolments = enrolments.filter(user__organisation_name__icontains=organisation.strip())
    if organisation_group is not None:
        enrolments = enrolments.filter(user__organisation_group=organisation_group)
    if municipality is not None:
        enrolments = enrolments.filter(
            Q(user__municipality=municipality) | Q(user__municipality__parent=municipality)
        )
    return enrolments.order_by("status", "user__full_name_kana", "pk")


def run_numbers(*, run: CourseRun) -> dict:
    """Numbers at a glance: seats, enrolled, waiting, pending, and enrolled by profession and
    by reserved-seat group."""
    counts = dict(
        Enrolment.objects.filter(run=run)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_profession = list(
        Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES)
        .values("user__profession__name", "user__profession__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "user__profession__name")
    )
    by_pool = list(
        RunSeatPool.objects.filter(run=run)
        .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES)))
        .order_by("sort_order", "pk")
    )
    return {
        "capacity": run.capacity,
        "by_pool": by_pool,
        "enrolled": sum(counts.get(status, 0) for status in SEAT_STATUSES),
        "waiting": counts.get(EnrolmentStatus.WAITLISTED, 0),
        "pending": counts.get(EnrolmentStatus.PENDING, 0),
        "by_profession": by_profession,
    }


def run_list_to_move_to(*, run: CourseRun) -> QuerySet[CourseRun]:
    """Other scheduled, not yet ended runs of the same course."""
    return (
        CourseRun.objects.filter(
            course_id=run.course_id,
            status=RunStatus.SCHEDULED,
            ends_on__gte=timezone.localdate(),
        )
        .exclude(pk=run.pk)
        .order_by("starts_on", "pk")
    )
