"""Attendance (issue #4): the session roster, self check-in, the run's attendance report,
the sessions of a day and each course's completion rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from courses.completion import CompletionRules, SessionFacts, minutes_learned
from courses.models import (
    STAFF_ATTENDANCE_CHOICES,
    Attendance,
    AttendanceEvidence,
    AttendanceStatus,
    CompletionState,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
)
from courses.selectors.completion import completion_extras, evaluation_for_enrolment
from lms.lookups import sum_of_times, summary_of_related
from lms.models import User
from lms.pagecache import (
    compact_html,
    keeps_values,
    kept_while_unchanged,
    request_version,
    written_once,
)
from lms.selectors import ACCOUNTS_SHOWN_VERSION
from lms.statements import IdStatement
from lms.text import fold_for_matching
from lms.versioned import SharedVersion

# People who are expected at sessions and have attendance.
SEATED_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]


ARRIVED_STATUSES = {AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY}


class MatrixPerson(NamedTuple):
    """One person with a seat, as the attendance matrix reads them: plain values, only what
    the page and its CSV print and what completion needs (``evaluation_for_enrolment`` and
    ``completion_extras`` read these attributes as an enrolment's).  Building three hundred
    enrolments with their users and professions took longer than the rest of the page."""

    pk: int
    run_id: int
    user_id: int
    status: str
    reflection_submitted_at: dt.datetime | None
    signed_off_at: dt.datetime | None
    full_name: str
    full_name_kana: str
    organisation_name: str
    profession: str  # "" when none


def attendance_minutes(attendance: Attendance, session: Session) -> int:
    return minutes_learned(
        status=attendance.status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        arrived_at=attendance.arrived_at,
        minutes_present=attendance.minutes_present,
    )


class RosterRecord(NamedTuple):
    """A person's record for the session, as the roster shows it."""

    status: str
    evidence: str
    note: str
    arrived_at: dt.datetime | None


class RosterPerson(NamedTuple):
    """One person with a seat, as ``roster_for_session`` reads them: plain values, as a roster
    of hundreds is read on every poll of its live update and every mark, and building the
    enrolment, user and profession of each took longer than the rest of the request."""

    enrolment_id: int
    full_name: str
    full_name_kana: str
    email: str
    organisation_name: str
    profession: str
    profession_en: str
    record: RosterRecord | None  # their record for the session, if any


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One person on the roster as plain strings, ready to print: the page lists hundreds of
    people, and plain lookups cost far less in the template than model methods and filters."""

    enrolment_id: int
    name: str  # full name, else the email address
    details: str  # ふりがな ・ profession ・ organisation
    legend: str  # the accessible name of the row's attendance buttons
    status: str  # "" before the first mark
    label: str  # the status as shown ("Not yet" before the first mark)
    detail: str  # how it is known ・ arrival time ・ note


def _attendance_detail(
    record: RosterRecord | None, evidence_labels: dict[str, str], zone: dt.tzinfo
) -> str:
    """How the mark is known, the arrival time and the note, as the roster shows them."""
    if record is None:
        return ""
    parts = [evidence_labels.get(record.evidence, record.evidence)]
    if record.arrived_at:
        parts.append(record.arrived_at.astimezone(zone).strftime("%H:%M"))
    if record.note:
        parts.append(record.note)
    return " ・ ".join(parts)


def roster_rows(people: list[RosterPerson]) -> list[RosterRow]:
    """The rows of ``roster_for_session``'s people, in the active language.  Labels are
    translated once per page, not per person (``get_FOO_display`` rebuilds its choices on
    each call)."""
    not_yet = _("Not yet")
    legend = _("Attendance of %(name)s")
    status_labels = {value: str(label) for value, label in AttendanceStatus.choices}
    evidence_labels = {value: str(label) for value, label in AttendanceEvidence.choices}
    english = translation.get_language() == "en"
    zone = timezone.get_current_timezone()
    rows = []
    for person in people:
        record = person.record
        name = person.full_name or person.email
        details = [person.full_name_kana]
        profession = (english and person.profession_en) or person.profession
        if profession:
            details.append(f" ・ {profession}")
        if person.organisation_name:
            details.append(f" ・ {person.organisation_name}")
        rows.append(
            RosterRow(
                enrolment_id=person.enrolment_id,
                name=name,
                details="".join(details),
                legend=legend % {"name": name},
                status=record.status if record else "",
                label=status_labels.get(record.status, record.status) if record else not_yet,
                detail=_attendance_detail(record, evidence_labels, zone),
            )
        )
    return rows


def roster_rows_html(people: list[RosterPerson]) -> str:
    """The roster's rows as HTML, each written once (``lms.pagecache.written_once``, named by
    the person's values, their record and the time zone): writing three hundred rows with
    their buttons took most of the request; a mark writes its row again, not the list (the
    whole roster is kept too, see ``kept_roster``)."""
    template = get_template("courses/attendance/includes/roster_row.html")
    choices = [(s.value, s.label) for s in STAFF_ATTENDANCE_CHOICES]

    def write(missing: list[RosterPerson]) -> list[str]:
        return [
            compact_html(template.render({"row": row, "choices": choices}))
            for row in roster_rows(missing)
        ]

    kind = f"roster-row|{timezone.get_current_timezone_name()}"
    # Each row was written by the template, escaped: the list is as safe as they are.
    return mark_safe(written_once(kind, people, write))


def roster_for_session(*, session: Session, query: str = "") -> dict:
    """The staff roster: everyone with a seat, their record (if any) and the live counts, in
    two queries whatever the size of the run.  ``query`` matches name, ふりがな or email,
    across hiragana/katakana and full/half width.  ``roster_rows`` turns the people into
    what the page prints."""
    records = {
        enrolment_id: RosterRecord(*values)
        for enrolment_id, *values in Attendance.objects.filter(session=session).values_list(
            "enrolment_id", "status", "evidence", "note", "arrived_at"
        )
    }
    people = [
        RosterPerson(*values, record=records.get(values[0]))
        for values in Enrolment.objects.filter(run_id=session.run_id, status__in=SEATED_STATUSES)
        .order_by("user__full_name_kana", "user__full_name", "pk")
        .values_list(
            "pk",
            "user__full_name",
            "user__full_name_kana",
            "user__email",
            "user__organisation_name",
            Coalesce("user__profession__name", Value("")),
            Coalesce("user__profession__name_en", Value("")),
        )
    ]
    counts = {"arrived": 0, "not_yet": 0, "excused": 0, "absent": 0, "joined": 0}
    for person in people:
        status = person.record.status if person.record else ""
        if status in ARRIVED_STATUSES:
            counts["arrived"] += 1
        elif status == AttendanceStatus.EXCUSED:
            counts["excused"] += 1
        elif status == AttendanceStatus.ABSENT:
            counts["absent"] += 1
        else:
            counts["not_yet"] += 1
            counts["joined"] += status == AttendanceStatus.JOINED
    counts["total"] = len(people)
    needle = fold_for_matching(query)
    if needle:
        people = [
            p
            for p in people
            if needle in fold_for_matching(f"{p.full_name}|{p.full_name_kana}")
            or needle in p.email.casefold()
        ]
    return {"session": session, "people": people, "counts": counts, "query": query}


def arrivals_for_session(*, session: Session) -> dict[str, int]:
    """How many people with a seat have arrived, and how many seats there are: the check-in
    screen's count, fetched every time its code turns (one aggregate, not the whole roster
    that ``roster_for_session`` reads)."""
    arrived = Attendance.objects.filter(
        enrolment=OuterRef("pk"), session=session, status__in=ARRIVED_STATUSES
    )
    return Enrolment.objects.filter(run_id=session.run_id, status__in=SEATED_STATUSES).aggregate(
        arrived=Count("pk", filter=Q(Exists(arrived))), total=Count("pk")
    )


def sessions_for_roster():
    """Sessions with what the roster's heading shows: only those columns, as the course is a
    Wagtail page of many."""
    return (
        Session.objects.select_related("run__course", "venue")
        .only(
            "title",
            "starts_at",
            "ends_at",
            "modality",
            "run__title",
            "run__course__title",
            "venue__name",
        )
        .order_by()
    )


# Bumped once each transaction that wrote a seat or an attendance record commits, anywhere
# (signals, and ``courses.models.SheetQuerySet`` for writes without them).  A kept roster or
# matrix checks its fingerprint only after one: staff reloading a matrix while nobody marks
# anyone cost no query for it (issue #9).  Read with every other shared version, in the
# request's one read.  Never bumped inside the writer's transaction: seats and records are
# written all day, and every writer would queue on the version's row (database cache).
SHEETS_VERSION = SharedVersion(
    "attendance-sheets",
    ("courses.Enrolment", "courses.Attendance"),
    seconds=24 * 60 * 60,
    after_commit=True,
)


def _seats_summary(*, outer: str):
    """The seats of a run (the outer row's ``outer``): how many, and the sum of their last
    changes (part of a fingerprint, ``summary_of_related``).  Their holders' names are in
    ``ACCOUNTS_SHOWN_VERSION``, read with the other versions: joining 300 accounts here was
    a third of the fingerprint's time."""
    return summary_of_related(
        Enrolment.objects.filter(status__in=SEATED_STATUSES),
        "run",
        Count("pk"),
        sum_of_times("updated_at"),
        outer=outer,
    )


def _roster_fingerprint_of(alias: str, session_id: int) -> QuerySet:
    """The seats of the session's run and the session's records, each counted with the sum
    of their last changes (any change to a seat or a record stamps ``updated_at``, updates
    too)."""
    return (
        Session.objects.using(alias)
        .filter(pk=session_id)
        .annotate(
            seats=_seats_summary(outer="run_id"),
            records=summary_of_related(
                Attendance.objects.all(), "session", Count("pk"), sum_of_times("updated_at")
            ),
        )
        .order_by()
        .values_list("seats", "records")
    )


ROSTER_FINGERPRINT = IdStatement(_roster_fingerprint_of)


def roster_fingerprint(request, session_id: int) -> tuple | None:
    """What changes whenever the roster's people or their records do, in one query built once
    (``lms.statements``), with the version of the accounts' names; None when nothing may be
    kept or there is no such session.  The public version is read first: the session, run,
    course, venue and professions it shows are public content, read after it."""
    if not keeps_values(request):
        return None
    request_version(request)
    rows = ROSTER_FINGERPRINT.rows(session_id, model=Session)
    return (*rows[0], ACCOUNTS_SHOWN_VERSION.current()) if rows else None


T = TypeVar("T")


class RosterHeading(NamedTuple):
    """What the roster page shows of its session above the roster itself."""

    title: str
    course_title: str
    run_title: str

    @classmethod
    def of(cls, session: Session) -> RosterHeading:
        return cls(session.title, session.run.course.title, session.run.title)


def _matrix_fingerprint_of(alias: str, run_id: int) -> QuerySet:
    """The run's seats, the records of its sessions and the places of every run of its course
    (the course's completion rate), each counted with the sum of their last changes; and
    whether the course's completion also needs mentoring sessions or lessons, which are not
    in it."""
    return (
        CourseRun.objects.using(alias)
        .filter(pk=run_id)
        .annotate(
            seats=_seats_summary(outer="pk"),
            records=summary_of_related(
                Attendance.objects.all(), "session__run", Count("pk"), sum_of_times("updated_at")
            ),
            course_places=summary_of_related(
                Enrolment.objects.all(),
                "run__course",
                Count("pk"),
                sum_of_times("updated_at"),
                outer="course_id",
            ),
        )
        .order_by()
        .values_list(
            "seats",
            "records",
            "course_places",
            "course__required_mentoring_sessions",
            "course__requires_lessons",
            "course__requires_quizzes",
        )
    )


MATRIX_FINGERPRINT = IdStatement(_matrix_fingerprint_of)


def matrix_fingerprint(request, run_id: int) -> tuple | None:
    """What changes whenever the attendance matrix's people, records or the course's places
    do, in one query built once, with the version of the accounts' names; None when nothing
    may be kept, there is no such run, or the course's completion needs mentoring sessions or
    lessons (read afresh each time).  The public version is read first (sessions, the run and
    the course page are public content)."""
    if not keeps_values(request):
        return None
    request_version(request)
    rows = MATRIX_FINGERPRINT.rows(run_id, model=CourseRun)
    if not rows:
        return None
    *fingerprint, mentoring, lessons, quizzes = rows[0]
    if mentoring or lessons or quizzes:
        return None
    return (*fingerprint, ACCOUNTS_SHOWN_VERSION.current())


def sheets_written() -> str | None:
    """What every write a roster's or matrix's fingerprint sums changes (``SHEETS_VERSION``),
    with the names they show (``ACCOUNTS_SHOWN_VERSION``): while it stays the same, a kept
    roster or matrix is served without running its fingerprint's query.  None while this
    transaction has written seats or records it has not committed (the fingerprint sees
    them; the version does not yet)."""
    if SHEETS_VERSION.written_here():
        return None
    return f"{SHEETS_VERSION.current()}|{ACCOUNTS_SHOWN_VERSION.current()}"


def kept_roster(
    request,
    session_id: int,
    variant: str,
    fingerprint: Callable[[], tuple | None] | None,
    build: Callable[[], T],
) -> T:
    """The roster as ``build`` writes it (reading the session: the page's heading and body,
    or the live update's JSON), kept
    while its ``fingerprint()`` (``roster_fingerprint``, read first) and the public version
    stay the same (``lms.pagecache.kept_while_unchanged``), checked only after a write of a
    seat or a record (``sheets_written``).  Staff at the venue reload the roster again and
    again between marks; a mark, a walk-in, a place given up or a renamed account changes the
    fingerprint, and the next roster is built afresh.  Per ``variant`` (the site's page or
    the admin's), language and time zone."""
    name = f"roster:{session_id}:{variant}:{timezone.get_current_timezone_name()}"
    return kept_while_unchanged(
        request, name, fingerprint, lambda: (build(), None), writes=sheets_written()
    )


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


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One person's line of the attendance matrix as plain values (see ``RosterRow``)."""

    enrolment_id: int
    full_name: str
    full_name_kana: str
    statuses: tuple[str, ...]  # one per session, in the order of the columns; "" if no record
    minutes_learned: int
    state: str  # CompletionState
    # Attendance is enough and only the staff's confirmation is missing.
    can_sign_off: bool


def attendance_matrix_for_run(*, run: CourseRun, now: dt.datetime | None = None) -> dict:
    """People × sessions with each status, per-session counts, completion and learning hours
    (per person, per profession, per organisation) in four queries.  ``people`` are the
    people read (``MatrixPerson``, for the CSV), ``rows`` their lines (``MatrixRow``), in the
    same order."""
    now = now or timezone.now()
    sessions = list(run.sessions.order_by("starts_at", "pk"))
    enrolments = [
        MatrixPerson(*values, profession=profession or "")
        for *values, profession in Enrolment.objects.filter(run=run, status__in=SEATED_STATUSES)
        .order_by("user__full_name_kana", "user__full_name", "pk")
        .values_list(
            "pk",
            "run_id",
            "user_id",
            "status",
            "reflection_submitted_at",
            "signed_off_at",
            "user__full_name",
            "user__full_name_kana",
            "user__organisation_name",
            "user__profession__name",
        )
    ]
    # Each person's records as (session, status, arrived_at, minutes_present): plain tuples,
    # as there are thousands of them, in one pass.  Only a late arrival's time counts
    # (``minutes_learned``): reading the others' would parse thousands of times for nothing.
    records: dict[int, list[tuple[int, str, dt.datetime | None, int | None]]] = {}
    late_arrival = Case(When(status=AttendanceStatus.LATE, then=F("arrived_at")))
    for enrolment_id, *record in (
        Attendance.objects.filter(session__run=run)
        .annotate(late_arrival=late_arrival)
        .values_list("enrolment_id", "session_id", "status", "late_arrival", "minutes_present")
    ):
        records.setdefault(enrolment_id, []).append(record)
    # Each session's times by id, read once (``session.pk`` is a property).
    times = {session.pk: (session.starts_at, session.ends_at) for session in sessions}
    rules = CompletionRules.for_course(run.course)
    extras = completion_extras(enrolments, {run.pk: run.course})
    live = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    facts = [SessionFacts(s.pk, s.is_mandatory, s.ends_at <= now) for s in live]
    per_session = {s.pk: dict.fromkeys(AttendanceStatus.values, 0) for s in sessions}
    by_profession: dict[str, int] = {}
    by_organisation: dict[str, int] = {}
    completion_counts = dict.fromkeys(CompletionState.values, 0)
    rows = []
    for enrolment in enrolments:
        minutes = 0
        statuses = {}
        for session_id, status, arrived_at, minutes_present in records.get(enrolment.pk, ()):
            statuses[session_id] = status
            per_session[session_id][status] += 1
            starts_at, ends_at = times[session_id]
            minutes += minutes_learned(
                status=status,
                starts_at=starts_at,
                ends_at=ends_at,
                arrived_at=arrived_at,
                minutes_present=minutes_present,
            )
        evaluation = evaluation_for_enrolment(
            enrolment, rules=rules, sessions=facts, statuses=statuses, extras=extras
        )
        completion_counts[evaluation.state] += 1
        profession = enrolment.profession or "—"
        organisation = enrolment.organisation_name or "—"
        by_profession[profession] = by_profession.get(profession, 0) + minutes
        by_organisation[organisation] = by_organisation.get(organisation, 0) + minutes
        rows.append(
            MatrixRow(
                enrolment_id=enrolment.pk,
                full_name=enrolment.full_name,
                full_name_kana=enrolment.full_name_kana,
                statuses=tuple(statuses.get(session_id, "") for session_id in times),
                minutes_learned=minutes,
                state=evaluation.state,
                can_sign_off=(
                    "sign_off" in evaluation.waiting_for
                    and not evaluation.missed_mandatory
                    and evaluation.attended >= evaluation.needed
                ),
            )
        )
    for session in sessions:
        counts = per_session[session.pk]
        session.counts = counts
        session.attended = sum(counts[s] for s in ARRIVED_STATUSES)
        session.attended_percent = (
            round(100 * session.attended / len(enrolments)) if enrolments else 0
        )
    total_minutes = sum(row.minutes_learned for row in rows)
    return {
        "run": run,
        "sessions": sessions,
        "people": enrolments,
        "rows": rows,
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
