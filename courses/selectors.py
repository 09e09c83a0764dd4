"""Read-side queries for courses.  Lists are annotated and prefetched in bulk, so pages run a
bounded number of queries whatever the number of courses, runs and sessions."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.apps import apps
from django.conf import settings
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
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from courses.breakouts import BreakoutPerson, breakout_report
from courses.checkin import checkin_window
from courses.completion import CompletionRules, Evaluation, SessionFacts, minutes_learned
from courses.completion import evaluate as evaluate_completion
from courses.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Attendance,
    AttendanceStatus,
    CompletionState,
    CourseKind,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ProgramModule,
    ProgramPage,
    RunSeatPool,
    RunStatus,
    Session,
    SessionStatus,
)
from courses.seats import SeatPlan
from lms.calendar import CalendarEvent
from lms.models import Field, Municipality, Profession, User
from lms.search import ngram_matching_ids
from lms.text import fold_for_matching


def runs_with_counts(queryset: QuerySet[CourseRun]) -> QuerySet[CourseRun]:
    """Annotate seats taken and the waiting-list length."""
    return queryset.annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_STATUSES)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    )


def seat_plans_for_runs(runs: list[CourseRun], now: dt.datetime) -> dict[int, SeatPlan]:
    """The seat plan of each run (reserved pools included), in one query for the taken seats;
    the runs' ``seat_pools`` (with ``professions``) must be prefetched."""
    taken: dict[int, dict[int | None, int]] = {run.pk: {} for run in runs}
    for run_id, pool_id, n in (
        Enrolment.objects.filter(run__in=runs, status__in=SEAT_STATUSES)
        .order_by()
        .values_list("run", "seat_pool")
        .annotate(n=Count("pk"))
    ):
        taken[run_id][pool_id] = n
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


def run_list_upcoming_for_course(*, course, user: User | None) -> list[CourseRun]:
    """Runs of ``course`` that have not ended, with sessions, seat counts, reserved seats and
    the visitor's own place (``my_enrolment``) and chance of a seat (``seat_for_me``) in each;
    a constant number of queries."""
    runs = list(
        runs_with_counts(
            CourseRun.objects.filter(
                course=course, ends_on__gte=timezone.localdate(), status=RunStatus.SCHEDULED
            )
        )
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.select_related("venue__municipality")),
            Prefetch(
                "seat_pools",
                queryset=RunSeatPool.objects.prefetch_related("professions").order_by(
                    "sort_order", "pk"
                ),
            ),
        )
        .order_by("starts_on", "pk")
    )
    now = timezone.now()
    plans = seat_plans_for_runs(runs, now)
    profession_id = user.profession_id if user is not None and user.is_authenticated else None
    mine = {}
    if user is not None and user.is_authenticated:
        mine = {
            enrolment.run_id: enrolment
            for enrolment in Enrolment.objects.filter(
                user=user, run__in=runs, status__in=ACTIVE_STATUSES
            ).annotate(waiting_ahead=_waiting_ahead())
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


def _waiting_ahead() -> Coalesce:
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


def enrolment_list_for_learner(*, user: User) -> dict[str, list[Enrolment]]:
    """My learning: current places (with upcoming sessions) and past courses."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .annotate(waiting_ahead=_waiting_ahead())
        .select_related("run__course")
        .prefetch_related(
            "certificates",  # issue #5: the holder's download link
            Prefetch(
                "run__sessions",
                queryset=Session.objects.select_related("venue__municipality").order_by(
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
    _attach_make_up_runs(
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
        enrolment.evaluation = evaluate_completion(
            rules=CompletionRules.for_course(enrolment.run.course),
            sessions=facts,
            statuses=statuses,
            reflection_submitted=enrolment.reflection_submitted_at is not None,
            signed_off=enrolment.signed_off_at is not None,
            **extras.get((enrolment.user_id, enrolment.run_id), {}),
        )
        if enrolment.status == EnrolmentStatus.COMPLETED:
            enrolment.evaluation.state = CompletionState.COMPLETED  # completion sticks
        total += enrolment.minutes_learned
    return total


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


# People who sit in the room: breakout groups are made among them.
GROUPED_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]


def breakout_person(enrolment: Enrolment) -> BreakoutPerson:
    """What the mix is measured on.  Organisation names are compared after NFKC and with
    spaces removed, so 「西宮市 社会福祉協議会」 and 「西宮市社会福祉協議会」 are one organisation."""
    user = enrolment.user
    organisation = "".join(unicodedata.normalize("NFKC", user.organisation_name).split())
    return BreakoutPerson(
        key=enrolment.pk,
        profession=user.profession_id,
        organisation_group=user.organisation_group_id,
        organisation=organisation.casefold(),
        municipality=user.municipality_id,
    )


def breakout_people_for_run(*, run: CourseRun) -> list[Enrolment]:
    """Everyone in the room, with what the groups page shows, in one query."""
    return list(
        Enrolment.objects.filter(run=run, status__in=GROUPED_STATUSES)
        .select_related("user__profession", "user__organisation_group", "user__municipality")
        .order_by("breakout_group", "user__full_name_kana", "pk")
    )


BREAKOUT_CLASH_LABELS = {
    "organisation": _("two people from the same organisation"),
    "profession": _("the same profession twice"),
    "organisation_group": _("the same kind of organisation twice"),
    "municipality": _("the same municipality twice"),
}


def breakout_groups_for_run(*, run: CourseRun) -> dict:
    """The run's breakout groups as staff see and print them: each group's members and how
    mixed it is (distinct professions, organisation kinds, municipalities, what repeats), plus
    the people not in a group yet (e.g. enrolled after the groups were made).  One query."""
    enrolments = breakout_people_for_run(run=run)
    people = [breakout_person(e) for e in enrolments]
    members: dict[int, list[Enrolment]] = {}
    unassigned = []
    for enrolment in enrolments:
        if enrolment.breakout_group is None:
            unassigned.append(enrolment)
        else:
            members.setdefault(enrolment.breakout_group, []).append(enrolment)
    numbers = sorted(members)
    reports = breakout_report(people, [[e.pk for e in members[number]] for number in numbers])
    groups = [
        {
            "number": number,
            "members": members[number],
            "report": report,
            "repeats": [BREAKOUT_CLASH_LABELS[code] for code in report.clashes],
        }
        for number, report in zip(numbers, reports, strict=True)
    ]
    return {
        "groups": groups,
        "unassigned": unassigned,
        "people": len(enrolments),
        "penalty": sum(report.penalty for report in reports),
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


# --- Attendance and completion (issue #4) -------------------------------------------------------

# People who are expected at sessions and have attendance.
SEATED_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]


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
        return evaluate_completion(
            rules=CompletionRules.for_course(self.runs[enrolment.run_id].course),
            sessions=[
                SessionFacts(s.pk, s.is_mandatory, s.ends_at <= self.now)
                for s in self.sessions[enrolment.run_id]
            ],
            statuses=self.statuses.get(enrolment.pk, {}),
            reflection_submitted=enrolment.reflection_submitted_at is not None,
            signed_off=enrolment.signed_off_at is not None,
            **self.extras.get((enrolment.user_id, enrolment.run_id), {}),
        )


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


def attendance_minutes(attendance: Attendance, session: Session) -> int:
    return minutes_learned(
        status=attendance.status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        arrived_at=attendance.arrived_at,
        minutes_present=attendance.minutes_present,
    )


ARRIVED_STATUSES = {AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY}


def roster_for_session(*, session: Session, query: str = "") -> dict:
    """The staff roster: everyone with a seat, their record (if any) and the live counts, in
    two queries whatever the size of the run.  ``query`` matches name, ふりがな or email,
    across hiragana/katakana and full/half width."""
    enrolments = list(
        Enrolment.objects.filter(run_id=session.run_id, status__in=SEATED_STATUSES)
        .select_related("user__profession", "user__municipality")
        .order_by("user__full_name_kana", "user__full_name", "pk")
    )
    records = {
        a.enrolment_id: a
        for a in Attendance.objects.filter(session=session).only(
            "enrolment_id",
            "status",
            "evidence",
            "modality",
            "note",
            "arrived_at",
            "code_entered_at",
            "updated_at",
        )
    }
    counts = {"arrived": 0, "not_yet": 0, "excused": 0, "absent": 0, "joined": 0}
    for enrolment in enrolments:
        enrolment.record = records.get(enrolment.pk)
        status = enrolment.record.status if enrolment.record else ""
        if status in ARRIVED_STATUSES:
            counts["arrived"] += 1
        elif status == AttendanceStatus.EXCUSED:
            counts["excused"] += 1
        elif status == AttendanceStatus.ABSENT:
            counts["absent"] += 1
        else:
            counts["not_yet"] += 1
            counts["joined"] += status == AttendanceStatus.JOINED
    counts["total"] = len(enrolments)
    needle = fold_for_matching(query)
    if needle:
        enrolments = [
            e
            for e in enrolments
            if needle in fold_for_matching(f"{e.user.full_name}|{e.user.full_name_kana}")
            or needle in e.user.email.casefold()
        ]
    return {"session": session, "people": enrolments, "counts": counts, "query": query}


def session_for_roster(session_id: int) -> Session:
    return Session.objects.select_related("run__course", "venue").get(pk=session_id)


def sessions_open_for_check_in(*, user: User, now: dt.datetime) -> list[Session]:
    """The person's sessions whose self check-in window is open now (usually none or one)."""
    opens = dt.timedelta(minutes=settings.ATTENDANCE_CHECKIN_OPENS_MINUTES)
    closes = dt.timedelta(minutes=settings.ATTENDANCE_CHECKIN_CLOSES_MINUTES)
    return list(
        Session.objects.filter(
            run__enrolments__user=user,
            run__enrolments__status__in=SEATED_STATUSES,
            starts_at__lte=now + opens,
            ends_at__gte=now - closes,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("run__course")
        .order_by("starts_at")
    )


def attendance_matrix_for_run(*, run: CourseRun, now: dt.datetime | None = None) -> dict:
    """People × sessions with each status, per-session counts, completion and learning hours
    (per person, per profession, per organisation) in four queries."""
    now = now or timezone.now()
    sessions = list(run.sessions.order_by("starts_at", "pk"))
    enrolments = list(
        Enrolment.objects.filter(run=run, status__in=SEATED_STATUSES)
        .select_related("user__profession")
        .order_by("user__full_name_kana", "user__full_name", "pk")
    )
    records: dict[tuple[int, int], Attendance] = {
        (a.enrolment_id, a.session_id): a
        for a in Attendance.objects.filter(session__run=run).only(
            "enrolment_id", "session_id", "status", "arrived_at", "minutes_present"
        )
    }
    sessions_by_id = {s.pk: s for s in sessions}
    rules = CompletionRules.for_course(run.course)
    extras = completion_extras(enrolments, {run.pk: run.course})
    live = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    facts = [SessionFacts(s.pk, s.is_mandatory, s.ends_at <= now) for s in live]
    per_session = {s.pk: dict.fromkeys(AttendanceStatus.values, 0) for s in sessions}
    labels = dict(AttendanceStatus.choices)
    by_profession: dict[str, int] = {}
    by_organisation: dict[str, int] = {}
    completion_counts = dict.fromkeys(CompletionState.values, 0)
    for enrolment in enrolments:
        enrolment.cells = []
        minutes = 0
        statuses = {}
        for session in sessions:
            record = records.get((enrolment.pk, session.pk))
            # (status, label) per session; the label is for screen readers and the CSV.
            enrolment.cells.append((record.status, labels[record.status]) if record else ("", ""))
            if record:
                statuses[session.pk] = record.status
                per_session[session.pk][record.status] += 1
                minutes += attendance_minutes(record, sessions_by_id[session.pk])
        enrolment.minutes_learned = minutes
        enrolment.evaluation = evaluate_completion(
            rules=rules,
            sessions=facts,
            statuses=statuses,
            reflection_submitted=enrolment.reflection_submitted_at is not None,
            signed_off=enrolment.signed_off_at is not None,
            **extras.get((enrolment.user_id, enrolment.run_id), {}),
        )
        if enrolment.status == EnrolmentStatus.COMPLETED:
            enrolment.evaluation.state = CompletionState.COMPLETED  # completion sticks
        completion_counts[enrolment.evaluation.state] += 1
        profession = enrolment.user.profession.name if enrolment.user.profession else "—"
        organisation = enrolment.user.organisation_name or "—"
        by_profession[profession] = by_profession.get(profession, 0) + minutes
        by_organisation[organisation] = by_organisation.get(organisation, 0) + minutes
    for session in sessions:
        counts = per_session[session.pk]
        session.counts = counts
        session.attended = sum(counts[s] for s in ARRIVED_STATUSES)
        session.attended_percent = (
            round(100 * session.attended / len(enrolments)) if enrolments else 0
        )
    total_minutes = sum(e.minutes_learned for e in enrolments)
    return {
        "run": run,
        "sessions": sessions,
        "people": enrolments,
        "total_minutes": total_minutes,
        "by_profession": sorted(by_profession.items(), key=lambda kv: -kv[1]),
        "by_organisation": sorted(by_organisation.items(), key=lambda kv: -kv[1]),
        "completion_counts": completion_counts,
        "completion_rate": (
            round(100 * completion_counts[CompletionState.COMPLETED] / len(enrolments))
            if enrolments
            else 0
        ),
    }


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
    _attach_make_up_runs(enrolments, now)
    return enrolments


def _attach_make_up_runs(enrolments: list[Enrolment], now: dt.datetime) -> None:
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


def session_list_for_day(*, day: dt.date) -> list[Session]:
    """Sessions held on ``day`` (Asia/Tokyo), with seats taken and arrivals, in one query."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return list(
        Session.objects.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("run__course", "venue")
        .annotate(
            seated=Count(
                "run__enrolments",
                filter=Q(run__enrolments__status__in=SEATED_STATUSES),
                distinct=True,
            ),
            arrived=Count(
                "attendances",
                filter=Q(attendances__status__in=list(ARRIVED_STATUSES)),
                distinct=True,
            ),
        )
        .order_by("starts_at", "pk")
    )


def completion_rate_for_course(*, course_id: int) -> dict:
    """Per course, over its finished runs: how many people with a seat completed (one query)."""
    counts = Enrolment.objects.filter(
        run__course_id=course_id,
        run__ends_on__lt=timezone.localdate(),
        status__in=SEATED_STATUSES,
    ).aggregate(
        seated=Count("pk"),
        completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
    )
    seated = counts["seated"] or 0
    counts["percent"] = round(100 * counts["completed"] / seated) if seated else None
    return counts


# --- Calendars (issue #6) -----------------------------------------------------------------------

# Cancelled sessions stay in personal feeds this long, so subscribed clients remove them.
CANCELLED_KEPT_IN_FEEDS = dt.timedelta(days=30)
# Past sessions stay in feeds for a year (the feed stays small for long-time participants).
PAST_KEPT_IN_FEEDS = dt.timedelta(days=365)


def session_calendar_event(session: Session, *, for_participant: bool) -> CalendarEvent:
    """A session as a calendar event.  The online meeting link only goes into calendars of
    people with a seat (``for_participant``); the UID never changes for the session's life."""
    from django.urls import reverse

    run, course = session.run, session.run.course
    my_learning = settings.SITE_URL + reverse("courses:my_learning")
    page = settings.SITE_URL + (course.url or "")
    where = ""
    if session.venue_id:
        where = f"{session.venue.name}（{session.venue.address}）"
    if for_participant and session.online_url:
        where = f"{where} / {session.online_url}" if where else session.online_url
    description = "\n".join(
        line
        for line in [
            f"{course.title} {run.title}",
            course.summary,
            page,
            (_("Join online from My learning: %(url)s") % {"url": my_learning})
            if for_participant and session.online_url
            else "",
        ]
        if line
    )
    return CalendarEvent(
        uid=f"session-{session.pk}@{settings.CALENDAR_UID_DOMAIN}",
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=f"{course.title}（{session.title}）",
        description=description,
        location=where,
        url=page,
        cancelled=session.status == SessionStatus.CANCELLED or run.status == RunStatus.CANCELLED,
        last_modified=max(session.updated_at, run.updated_at),
    )


def _calendar_sessions() -> QuerySet[Session]:
    return Session.objects.select_related("run__course", "venue").order_by("starts_at", "pk")


def sessions_for_calendar(*, session_ids=None, run=None) -> list[Session]:
    sessions = _calendar_sessions()
    if run is not None:
        sessions = sessions.filter(run=run)
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    return list(sessions)


def has_seat(*, user, run_id: int) -> bool:
    return (
        user.is_authenticated
        and Enrolment.objects.filter(run_id=run_id, user=user, status__in=SEATED_STATUSES).exists()
    )


def feed_sessions_for_user(*, user, now: dt.datetime) -> list[Session]:
    """The sessions of every run the person has a seat in (cancelled ones for a while), in one
    query whatever their number."""
    return list(
        _calendar_sessions()
        .filter(run__enrolments__user=user, run__enrolments__status__in=SEATED_STATUSES)
        .exclude(status=SessionStatus.CANCELLED, updated_at__lt=now - CANCELLED_KEPT_IN_FEEDS)
        .filter(ends_at__gte=now - PAST_KEPT_IN_FEEDS)
        .distinct()
    )


# --- Reflection sheets (issue #11) ---------------------------------------------------------------


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
