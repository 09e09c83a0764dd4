"""The public catalogue: courses and leader programmes, filtered, each with its next run."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import NamedTuple

from django.core.paginator import Page as ListPage
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString
from wagtail.models import Page

from courses.models import (
    SEAT_STATUSES,
    CourseFormat,
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
from lms.pagecache import end_of_day, keep_value, kept_value
from lms.search import ngram_matching_ids

COURSES_PER_PAGE = 20


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
    now: dt.datetime | None = None,
) -> QuerySet[CoursePage]:
    """The live public courses under ``parent`` (anywhere when None), filtered, for the
    catalogue.

    Each course is annotated with its next run, the earliest scheduled run that has not ended
    (all ``None`` without one): ``next_run_starts_on``, ``next_run_ends_on``, ``next_run_title``,
    ``next_run_seats_left``, ``next_run_enrolment`` ("open", "not_yet" or "closed"),
    ``next_run_enrolment_opens_at`` and ``next_run_enrolment_closes_at``.  Ordered by the next run's first day, courses without an
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
    :param now: the moment the list is for (default: now).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
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
            next_run_enrolment_closes_at=next_run_value("enrolment_closes_at"),
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
    *,
    parent: Page,
    q: str = "",
    field: Field | None = None,
    kind: str = "",
    now: dt.datetime | None = None,
    **run_filters,
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
            ends_on__gte=timezone.localdate(now),
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


# --- The catalogue page, kept -----------------------------------------------------------------
# What the catalogue lists is the same for every visitor (signed in or not), so it is kept in
# each process's memory under the public version (``lms.pagecache``): a search's result (the
# ids of a page of courses, their number, the programmes) per set of cleaned filters, and each
# course's card as HTML.  Cards count places, so an enrolment makes them stale (a result too when it asks
# for seats left); both are per day, as runs that have ended drop off; a card also changes
# when its next run's enrolment opens or closes.


class CourseCard(NamedTuple):
    """A course as the catalogue lists it, written out once: valid until ``changes_at``, when
    its next run's enrolment opens or closes (None: never by itself).  Tuples: kept in memory
    by the dozen, pickled each time, which a dataclass makes slower."""

    pk: int
    title: str
    html: SafeString
    changes_at: dt.datetime | None


class ProgramCard(NamedTuple):
    """A leader programme as the catalogue lists it, written out once."""

    pk: int
    title: str
    module_count: int
    next_starts_on: dt.date | None
    html: SafeString


class _Result(NamedTuple):
    """One page of a search: its courses' ids in order, the number that match, the page, and
    on the first page the programmes (none for "seats left", see ``RUN_ONLY_FILTERS``)."""

    ids: tuple[int, ...]
    count: int
    number: int
    programs: tuple[ProgramCard, ...]


def catalogue_page(
    request: HttpRequest, *, index: Page, filters: dict, page: str | None
) -> tuple[ListPage, list[ProgramCard]]:
    """The courses of page ``page`` of ``index``'s catalogue for the cleaned ``filters``, as
    ``CourseCard`` in a paginator's page, and the programmes (page 1 only), as ``ProgramCard``.

    A search someone made already today, under the current version, costs no query; a card
    kept costs none either (one query with its annotations for those that are not).  Built
    afresh when nothing may be kept (the page cache off, a preview)."""
    now = timezone.now()
    today = timezone.localdate(now)
    number = _page_number(page)
    name = f"catalogue:{index.pk}:{today}:{_digest(filters, number)}"
    # Which courses match counts places only through "seats left": other searches are kept
    # through an enrolment (the cards, which show the places, are not).
    found, result = kept_value(request, name, seats=bool(filters.get("has_seats")))
    listed: list[CoursePage] = []
    if not found:
        courses = course_list_for_catalogue(parent=index, now=now, **filters)
        page_found = Paginator(courses.prefetch_related(None), COURSES_PER_PAGE).get_page(number)
        listed = list(page_found)
        # Programmes are few: listed in full above the courses, on the first page only.
        programs = _program_cards(request, index, filters, now) if page_found.number == 1 else ()
        result = _Result(
            tuple(course.pk for course in listed),
            page_found.paginator.count,
            page_found.number,
            programs,
        )
        keep_value(request, name, result, timeout=_rest_of_day(now))
    cards = _kept_cards(request, result.ids, today, now)
    missing = {pk for pk in result.ids if pk not in cards}
    if missing:
        to_write = (
            [course for course in listed if course.pk in missing]
            if not found
            else course_list_for_catalogue(parent=index, now=now)
            .filter(pk__in=missing)
            .prefetch_related(None)
        )
        cards.update(_write_cards(request, to_write, index, today, now))
    paginator = Paginator((), COURSES_PER_PAGE)
    paginator.count = result.count  # known: no COUNT query
    courses_page = ListPage(
        [cards[pk] for pk in result.ids if pk in cards], result.number, paginator
    )
    return courses_page, list(result.programs)


def _rest_of_day(now: dt.datetime) -> int:
    """How long a result or card may be kept: until the day in its name ends.  Nothing else in
    them changes with time alone (a card's enrolment opening or closing is its ``changes_at``),
    so a quiet site keeps them longer than the pages' ``PUBLIC_PAGE_CACHE_SECONDS``."""
    return max(1, int((end_of_day(now) - now).total_seconds()))


def _page_number(page: str | None) -> int:
    """The page asked for, as ``Paginator.get_page`` reads it (not a number: the first)."""
    try:
        return int(page)
    except (TypeError, ValueError):
        return 1


def _digest(filters: dict, *more: object) -> str:
    """A short key for cleaned filters (a choice by its primary key): any text typed in the
    keyword box makes a key of the same length and characters."""
    plain = sorted((name, getattr(value, "pk", value)) for name, value in filters.items())
    return hashlib.sha256(repr((plain, *more)).encode()).hexdigest()[:32]


def _card_name(pk: int, today: dt.date) -> str:
    return f"catalogue-card:{pk}:{today}"


def _kept_cards(
    request: HttpRequest, ids: Iterable[int], today: dt.date, now: dt.datetime
) -> dict[int, CourseCard]:
    """The cards of ``ids`` kept for ``today`` and still true ``now``."""
    cards = {}
    for pk in ids:
        found, card = kept_value(request, _card_name(pk, today), seats=True)
        if found and (card.changes_at is None or now < card.changes_at):
            cards[pk] = card
    return cards


def _write_cards(
    request: HttpRequest,
    courses: Iterable[CoursePage],
    index: Page,
    today: dt.date,
    now: dt.datetime,
) -> dict[int, CourseCard]:
    """The cards of ``courses`` (from ``course_list_for_catalogue``), written out and kept."""
    courses = list(courses)
    # As lists (not through the related managers, costly to make by the dozen).
    prefetch_related_objects(
        courses,
        Prefetch("fields", to_attr="field_list"),
        Prefetch("target_professions", to_attr="profession_list"),
    )
    template = get_template("courses/includes/catalogue_course_card.html")
    content_lang = index.locale.language_code
    # Labels looked up once (``get_kind_display`` makes its dict again at each call).
    kinds, formats = dict(CourseKind.choices), dict(CourseFormat.choices)
    cards = {}
    for course in courses:
        html = template.render(
            {
                "course": course,
                "url": course.get_url(request=request),
                "kind": kinds.get(course.kind, course.kind),
                "format": formats.get(course.format, course.format),
                "content_lang": content_lang,
            }
        )
        moments = (course.next_run_enrolment_opens_at, course.next_run_enrolment_closes_at)
        changes_at = min((m for m in moments if m is not None and m > now), default=None)
        cards[course.pk] = card = CourseCard(course.pk, course.title, html, changes_at)
        keep_value(request, _card_name(course.pk, today), card, timeout=_rest_of_day(now))
    return cards


def _program_cards(
    request: HttpRequest, index: Page, filters: dict, now: dt.datetime
) -> tuple[ProgramCard, ...]:
    template = get_template("courses/includes/catalogue_program_card.html")
    content_lang = index.locale.language_code
    return tuple(
        ProgramCard(
            program.pk,
            program.title,
            program.module_count,
            program.next_starts_on,
            template.render(
                {
                    "program": program,
                    "url": program.get_url(request=request),
                    "content_lang": content_lang,
                }
            ),
        )
        for program in program_list_for_catalogue(parent=index, now=now, **filters)
    )
