"""The public catalogue: courses and leader programmes, filtered, each with its next run."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import Page

from courses.models import (
    SEAT_STATUSES,
    CourseKind,
    CoursePage,
    CourseRun,
    Enrolment,
    ProgramModule,
    ProgramPage,
    RunStatus,
    Session,
    SessionStatus,
)
from lms.models import Field, Municipality, Profession
from lms.search import ngram_matching_ids


def course_list_for_catalogue(
    *,
    parent: Page | None,
    q: str = "",
    field: Field | None = None,
    profession: Profession | None = None,
    format: str = "",
    kind: str = "",
    municipality: Municipality | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    has_seats: bool = False,
) -> QuerySet[CoursePage]:
    """The live public courses under ``parent`` (anywhere when None), filtered, for the
    catalogue.

    Each course is annotated with its next run, the earliest scheduled run that has not ended
    (all ``None`` without one): ``next_run_starts_on``, ``next_run_ends_on``, ``next_run_title``,
    ``next_run_seats_left``, ``next_run_enrolment`` ("open", "not_yet" or "closed") and
    ``next_run_enrolment_opens_at``.  Ordered by the next run's first day, courses without an
    upcoming run last, then by title.  The annotations are subqueries and fields and target
    professions are prefetched, so a page of results costs the same few queries whatever the
    number of courses, runs and sessions (a keyword adds one query for the matching ids).

    :param q: keyword, matched as Japanese n-grams (防災 finds 地域防災リーダー養成講座).
    :param profession: courses aimed at it, and courses open to every profession.
    :param municipality: courses with a session of an upcoming run at a venue there;
        a city includes its wards.
    :param date_from: the next run starts on or after this day.
    :param date_to: the next run starts on or before this day.
    :param has_seats: the next run has seats left.
    """
    today, now = timezone.localdate(), timezone.now()
    upcoming_runs = CourseRun.objects.filter(status=RunStatus.SCHEDULED, ends_on__gte=today)
    seats_taken = (
        Enrolment.objects.filter(run=OuterRef("pk"), status__in=SEAT_STATUSES)
        .order_by()
        .values("run")
        .annotate(taken=Count("pk"))
        .values("taken")
    )
    next_run = (
        upcoming_runs.filter(course=OuterRef("pk"))
        .annotate(
            seats_left=Greatest(
                F("capacity") - Coalesce(Subquery(seats_taken), 0),
                0,
                output_field=IntegerField(),
            ),
            enrolment=Case(
                When(enrolment_opens_at__gt=now, then=Value("not_yet")),
                When(enrolment_closes_at__lte=now, then=Value("closed")),
                default=Value("open"),
            ),
        )
        .order_by("starts_on", "pk")
    )

    def next_run_value(name: str) -> Subquery:
        return Subquery(next_run.values(name)[:1])

    pages = CoursePage.objects.child_of(parent) if parent else CoursePage.objects.all()
    courses = (
        pages.live()
        .public()
        .defer_streamfields()
        .annotate(
            next_run_starts_on=next_run_value("starts_on"),
            next_run_ends_on=next_run_value("ends_on"),
            next_run_title=next_run_value("title"),
            next_run_seats_left=next_run_value("seats_left"),
            next_run_enrolment=next_run_value("enrolment"),
            next_run_enrolment_opens_at=next_run_value("enrolment_opens_at"),
        )
        .prefetch_related("fields", "target_professions")
        .order_by(F("next_run_starts_on").asc(nulls_last=True), "title", "pk")
    )
    if q:
        courses = courses.filter(pk__in=ngram_matching_ids(pages, q))
    if field:
        courses = courses.filter(fields=field)
    if profession:
        targets = CoursePage.target_professions.through.objects.filter(coursepage=OuterRef("pk"))
        courses = courses.filter(Exists(targets.filter(profession=profession)) | ~Exists(targets))
    if format:
        courses = courses.filter(format=format)
    if kind:
        courses = courses.filter(kind=kind)
    if municipality:
        sessions_there = (
            Session.objects.filter(
                run__course=OuterRef("pk"), run__status=RunStatus.SCHEDULED, run__ends_on__gte=today
            )
            .exclude(status=SessionStatus.CANCELLED)
            .filter(
                Q(venue__municipality=municipality) | Q(venue__municipality__parent=municipality)
            )
        )
        courses = courses.filter(Exists(sessions_there))
    if date_from:
        courses = courses.filter(next_run_starts_on__gte=date_from)
    if date_to:
        courses = courses.filter(next_run_starts_on__lte=date_to)
    if has_seats:
        courses = courses.filter(next_run_seats_left__gt=0)
    return courses


# Catalogue filters that describe a course's runs; a programme has none of its own, so a
# search using any of them lists courses only.
RUN_ONLY_FILTERS = ("profession", "format", "municipality", "date_from", "date_to", "has_seats")


def program_list_for_catalogue(
    *, parent: Page, q: str = "", field: Field | None = None, kind: str = "", **run_filters
) -> QuerySet[ProgramPage]:
    """The live leader programmes under ``parent`` for the catalogue, with their number of
    modules (``module_count``) and the first day of the earliest upcoming run of any module
    (``next_starts_on``); one query however many programmes and modules.  Empty when the
    search asks for another kind of course or filters on runs (see ``RUN_ONLY_FILTERS``)."""
    if (kind and kind != CourseKind.LEADER_MODULE) or any(
        run_filters.get(name) for name in RUN_ONLY_FILTERS
    ):
        return ProgramPage.objects.none()
    module_courses = ProgramModule.objects.filter(program_id=OuterRef(OuterRef("pk"))).values(
        "course_id"
    )
    next_starts_on = (
        CourseRun.objects.filter(
            course_id__in=module_courses,
            status=RunStatus.SCHEDULED,
            ends_on__gte=timezone.localdate(),
        )
        .order_by("starts_on")
        .values("starts_on")[:1]
    )
    module_count = (
        ProgramModule.objects.filter(program_id=OuterRef("pk"))
        .order_by()
        .values("program_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    programs = (
        ProgramPage.objects.child_of(parent)
        .live()
        .public()
        .defer_streamfields()
        .annotate(
            module_count=Coalesce(Subquery(module_count), 0, output_field=IntegerField()),
            next_starts_on=Subquery(next_starts_on),
        )
        .prefetch_related("fields")
        .order_by(F("next_starts_on").asc(nulls_last=True), "title", "pk")
    )
    if q:
        programs = programs.filter(
            pk__in=ngram_matching_ids(ProgramPage.objects.child_of(parent), q)
        )
    if field:
        programs = programs.filter(fields=field)
    return programs
