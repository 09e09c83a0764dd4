"""The volunteer pipeline report in the Wagtail admin (issue #7): the funnel by municipality or
field, as a chart, a table and a CSV, and the time people spend in each stage."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.csv import csv_response
from volunteers import reports


def _group_title(group_by: str) -> str:
    return _("Municipality") if group_by == "municipality" else _("Field")


@permission_required("volunteers.view_volunteerprofile", raise_exception=True)
def pipeline_report(request: HttpRequest) -> HttpResponse:
    """How far people get in the pipeline and how long each stage takes, so coordinators see
    where people stop and which places or fields need more support.  ``?by=field`` groups by
    field of interest (anything else: by municipality); ``?format=csv`` downloads the funnel."""
    group_by = request.GET.get("by", "")
    if group_by not in reports.GROUPINGS:
        group_by = "municipality"
    funnel = reports.pipeline_funnel(group_by=group_by)
    stage_labels = [str(stage.label) for stage in funnel.stages]
    if request.GET.get("format") == "csv":
        return csv_response(
            f"volunteer-pipeline-by-{group_by}.csv",
            [_group_title(group_by), *stage_labels],
            ([row.name, *row.counts] for row in [*funnel.rows, funnel.total]),
            request=request,
        )
    applied = funnel.total.counts[0]
    bars = [
        {
            "label": label,
            "count": count,
            "percent": round(100 * count / applied) if applied else 0,
        }
        for label, count in zip(stage_labels, funnel.total.counts, strict=True)
    ]
    return TemplateResponse(
        request,
        "volunteers/admin/report.html",
        {
            "funnel": funnel,
            "group_by": group_by,
            "group_title": _group_title(group_by),
            "stage_labels": stage_labels,
            "bars": bars,
            "bar_max": max(applied, 1),
            "stage_times": reports.time_in_stage(),
            "today": timezone.localdate(),
        },
    )
