"""Read-side reports on mentoring (issue #8, item 8): sessions and hours per pair and per
programme, pairs by status, and how heavy mentors find the work week by week.  Everything is
aggregated in SQL, so each report costs a fixed number of queries whatever the number of
pairs, sessions or weeks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from mentoring.models import MentoringProgramme, MentoringSession, Pair, PairStatus

TREND_WEEKS = 12

# The order pairs are listed in: those under way first, drafts next, ended ones last.
_STATUS_ORDER = [PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.PROPOSED, PairStatus.ENDED]


def _hours(minutes: int | None) -> float:
    """Minutes as hours, to a tenth of an hour."""
    return round((minutes or 0) / 60, 1)


def iso_week(day: dt.date) -> str:
    """The ISO week a day falls in, e.g. ``2026-W48``."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class PairRow:
    pair_id: int
    mentor_name: str
    mentee_name: str
    status: str
    status_label: str
    sessions: int
    hours: float
    confirmed: int  # sessions the mentee confirmed
    last_session_on: dt.date | None


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class LoadWeek:
    """One ISO week: the average of the loads mentors reported (1–4) for the programme's
    sessions dated in it, and how many sessions reported one (``None`` average if none)."""

    week: str
    starts_on: dt.date
    average: float | None
    reported: int


@dataclass(frozen=True)
class ProgrammeReport:
    programme: MentoringProgramme
    as_of: dt.date
    pairs: list[PairRow]
    total_sessions: int
    total_hours: float
    total_pairs: int
    by_status: list[StatusCount]
    load_trend: list[LoadWeek]


@dataclass(frozen=True)
class ProgrammeOverview:
    programme: MentoringProgramme
    by_status: list[StatusCount]
    total_pairs: int
    total_sessions: int
    total_hours: float


def _by_status(counts: dict[str, int]) -> list[StatusCount]:
    """Every status, in the order they are declared, with 0 where there is none."""
    return [
        StatusCount(status=status.value, label=str(status.label), count=counts.get(status, 0))
        for status in PairStatus
    ]


def _status_rank() -> Case:
    return Case(
        *[When(status=status, then=Value(i)) for i, status in enumerate(_STATUS_ORDER)],
        default=Value(len(_STATUS_ORDER)),
        output_field=IntegerField(),
    )


def _pair_rows(programme: MentoringProgramme) -> list[tuple[PairRow, int]]:
    """Each pair with its session figures (and its minutes, for exact totals): one query."""
    pairs = (
        Pair.objects.filter(programme=programme)
        .select_related("mentor", "mentee")
        .annotate(
            session_count=Count("sessions"),
            minutes=Sum("sessions__duration_minutes"),
            confirmed_count=Count(
                "sessions", filter=Q(sessions__confirmed_by_mentee_at__isnull=False)
            ),
            last_session_on=Max("sessions__date"),
            status_rank=_status_rank(),
        )
        .order_by("status_rank", "mentor__full_name_kana", "mentee__full_name_kana", "pk")
    )
    return [
        (
            PairRow(
                pair_id=pair.pk,
                mentor_name=pair.mentor.get_full_name(),
                mentee_name=pair.mentee.get_full_name(),
                status=pair.status,
                status_label=str(pair.get_status_display()),
                sessions=pair.session_count,
                hours=_hours(pair.minutes),
                confirmed=pair.confirmed_count,
                last_session_on=pair.last_session_on,
            ),
            pair.minutes or 0,
        )
        for pair in pairs
    ]


def load_trend(
    *, programme: MentoringProgramme, today: dt.date, weeks: int = TREND_WEEKS
) -> list[LoadWeek]:
    """The last ``weeks`` ISO weeks up to ``today`` (this week included), oldest first: one
    query grouping the sessions by the Monday of their week."""
    this_monday = today - dt.timedelta(days=today.weekday())
    first_monday = this_monday - dt.timedelta(weeks=weeks - 1)
    rows = (
        MentoringSession.objects.filter(
            pair__programme=programme,
            date__gte=first_monday,
            date__lt=this_monday + dt.timedelta(weeks=1),
            mentor_load__isnull=False,
        )
        .annotate(monday=TruncWeek("date"))
        .values("monday")
        .annotate(total=Sum("mentor_load"), reported=Count("mentor_load"))
        .order_by()
    )
    found: dict[dt.date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for row in rows:
        monday = row["monday"]
        if isinstance(monday, dt.datetime):  # some backends return a datetime
            monday = monday.date()
        total, reported = found[monday]
        found[monday] = (total + row["total"], reported + row["reported"])
    trend = []
    for i in range(weeks):
        monday = first_monday + dt.timedelta(weeks=i)
        total, reported = found.get(monday, (0, 0))
        trend.append(
            LoadWeek(
                week=iso_week(monday),
                starts_on=monday,
                average=round(total / reported, 1) if reported else None,
                reported=reported,
            )
        )
    return trend


def programme_report(
    *, programme: MentoringProgramme, now: dt.datetime | None = None
) -> ProgrammeReport:
    """Sessions, hours and confirmations per pair with the programme's totals, pairs by status
    (every status, even with none) and the weekly load trend.  Two queries."""
    today = timezone.localdate(now or timezone.now())
    rows = _pair_rows(programme)
    counts: dict[str, int] = defaultdict(int)
    for row, _minutes in rows:
        counts[row.status] += 1
    return ProgrammeReport(
        programme=programme,
        as_of=today,
        pairs=[row for row, _minutes in rows],
        total_sessions=sum(row.sessions for row, _minutes in rows),
        total_hours=_hours(sum(minutes for _row, minutes in rows)),
        total_pairs=len(rows),
        by_status=_by_status(counts),
        load_trend=load_trend(programme=programme, today=today),
    )


def programmes_overview() -> list[ProgrammeOverview]:
    """Every active programme with its pairs by status and its sessions and hours, for the
    reports' index page.  Three queries."""
    programmes = list(MentoringProgramme.objects.filter(is_active=True).order_by("title", "pk"))
    ids = [programme.pk for programme in programmes]
    status_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Pair.objects.filter(programme_id__in=ids)
        .values("programme_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        status_counts[row["programme_id"]][row["status"]] = row["n"]
    sessions = {
        row["pair__programme_id"]: row
        for row in MentoringSession.objects.filter(pair__programme_id__in=ids)
        .values("pair__programme_id")
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    }
    overview = []
    for programme in programmes:
        counts = status_counts.get(programme.pk, {})
        done = sessions.get(programme.pk, {})
        overview.append(
            ProgrammeOverview(
                programme=programme,
                by_status=_by_status(counts),
                total_pairs=sum(counts.values()),
                total_sessions=done.get("n", 0),
                total_hours=_hours(done.get("minutes")),
            )
        )
    return overview
