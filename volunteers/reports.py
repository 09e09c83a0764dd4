"""Read-side reports on the volunteer pipeline (issue #7): how far people got, by municipality
or field, and how long they stay in each stage.  Pure queries, a fixed number of them
whatever the number of people, so the report stays fast as the pipeline grows."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lead
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import Field, Municipality
from volunteers.models import PIPELINE, Stage, StageChange, VolunteerProfile

GROUPINGS = ("municipality", "field")

# The stages whose time is reported: the pipeline and a pause; "withdrawn" is an end, not a stay.
TIMED_STAGES = [*PIPELINE, Stage.PAUSED]

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class FunnelRow:
    """One group of people: how many reached each PIPELINE stage (counts follow PIPELINE)."""

    name: str
    counts: list[int]


@dataclass(frozen=True)
class Funnel:
    group_by: str
    stages: list[Stage]
    rows: list[FunnelRow]
    total: FunnelRow


@dataclass(frozen=True)
class StageTime:
    """Days spent at one stage: stays that ended, and the stays still going on."""

    stage: Stage
    completed: int
    median_days: float | None
    average_days: float | None
    still_there: int
    still_there_median_days: float | None


def _furthest_rank() -> Subquery:
    """The index in PIPELINE of the furthest stage in the person's history: reaching a stage
    counts as having passed the earlier ones, even when staff skipped one."""
    rank = Case(
        *[When(to_stage=stage, then=Value(i)) for i, stage in enumerate(PIPELINE)],
        output_field=IntegerField(),
    )
    return Subquery(
        StageChange.objects.filter(profile=OuterRef("pk"), to_stage__in=PIPELINE)
        .annotate(rank=rank)
        .order_by("-rank")
        .values("rank")[:1],
        output_field=IntegerField(),
    )


def _reached_counts() -> dict[str, Count]:
    # distinct: the field grouping joins the fields table, one row per person and field.
    return {
        f"reached_{i}": Count("pk", distinct=True, filter=Q(furthest__gte=i))
        for i in range(len(PIPELINE))
    }


def pipeline_funnel(*, group_by: str) -> Funnel:
    """For each municipality (Kobe's wards counted under 神戸市) or each field of interest,
    how many people ever reached each PIPELINE stage, and a total row.  Withdrawn and paused
    people count for the stages they reached.  With ``group_by="field"`` a person counts in
    each of their fields (people who gave none under their own group), so the groups can add
    up to more than the total, which counts each person once.  Three queries."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    people = VolunteerProfile.objects.order_by().annotate(furthest=_furthest_rank())
    group = (
        Coalesce("municipality__parent_id", "municipality_id")
        if group_by == "municipality"
        else F("fields")
    )
    counts = _reached_counts()
    grouped = {
        row["group"]: [row[name] for name in counts]
        for row in people.annotate(group=group).values("group").annotate(**counts).order_by()
    }
    total = people.aggregate(**counts)

    rows = []
    model = Municipality if group_by == "municipality" else Field
    for item in model.objects.filter(pk__in=[key for key in grouped if key is not None]):
        rows.append(FunnelRow(name=str(item), counts=grouped[item.pk]))
    if None in grouped:  # only fields can be missing: a municipality is required
        rows.append(FunnelRow(name=_("No field given"), counts=grouped[None]))
    return Funnel(
        group_by=group_by,
        stages=list(PIPELINE),
        rows=rows,
        total=FunnelRow(name=_("Total"), counts=[total.get(name) or 0 for name in counts]),
    )


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / _SECONDS_PER_DAY


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def time_in_stage(*, now: dt.datetime | None = None) -> list[StageTime]:
    """How long people stay at each stage, from consecutive rows of each person's history:
    a stay ends when the next change is made.  The current stay has no end yet, so it is
    counted apart ("still there", days so far), not mixed into the finished stays.  One
    query with a window function, then one pass over its rows."""
    now = now or timezone.now()
    next_change = Window(
        expression=Lead("changed_at"),
        partition_by=[F("profile_id")],
        order_by=[F("changed_at").asc(), F("pk").asc()],
    )
    finished: dict[str, list[float]] = defaultdict(list)
    ongoing: dict[str, list[float]] = defaultdict(list)
    rows = (
        StageChange.objects.annotate(ended_at=next_change)
        .values_list("to_stage", "changed_at", "ended_at")
        .order_by()
    )
    for stage, started_at, ended_at in rows.iterator(chunk_size=2000):
        if ended_at is None:
            ongoing[stage].append(max(_days(now - started_at), 0.0))
        else:
            finished[stage].append(_days(ended_at - started_at))
    return [
        StageTime(
            stage=stage,
            completed=len(finished[stage]),
            median_days=_median(finished[stage]),
            average_days=(round(statistics.fmean(finished[stage]), 1) if finished[stage] else None),
            still_there=len(ongoing[stage]),
            still_there_median_days=_median(ongoing[stage]),
        )
        for stage in TIMED_STAGES
    ]
