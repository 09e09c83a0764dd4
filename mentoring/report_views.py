"""Mentoring reports in the Wagtail admin (issue #8, item 8): an index of the active
programmes, and per programme sessions and hours per pair (also as CSV), pairs by status and
the weekly trend of the load mentors report, as a chart and a table."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lms.csv import csv_response
from mentoring import reports
from mentoring.models import MentoringProgramme, PairStatus

LOAD_SCALE_MAX = 4  # the mentor's own load: 1 (light) to 4 (too heavy)

can_view_reports = permission_required("mentoring.view_pair", raise_exception=True)


def _csv_columns() -> list[str]:
    return [
        _("Mentor"),
        _("Mentee"),
        _("Status"),
        pgettext("mentoring", "Sessions"),
        _("Hours"),
        _("Sessions confirmed by the mentee"),
        _("Last session"),
    ]


@can_view_reports
def reports_index(request: HttpRequest) -> HttpResponse:
    """The active programmes with their pairs by status, sessions and hours."""
    # One template for both pages: the index is the one without a programme.
    return TemplateResponse(
        request,
        "mentoring/admin/report.html",
        {
            "overview": reports.programmes_overview(),
            "status_labels": [str(status.label) for status in PairStatus],
        },
    )


@can_view_reports
def programme_report_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    """One programme's report; ``?format=csv`` downloads the per-pair table."""
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    report = reports.programme_report(programme=programme)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"mentoring-programme-{programme.pk}.csv",
            _csv_columns(),
            (
                [
                    row.mentor_name,
                    row.mentee_name,
                    row.status_label,
                    row.sessions,
                    row.hours,
                    row.confirmed,
                    row.last_session_on.isoformat() if row.last_session_on else "",
                ]
                for row in report.pairs
            ),
            request=request,
        )
    bars = [
        {
            "week": week,
            # A plain decimal point for the <progress> value, whatever the language.
            "value": f"{week.average:.1f}" if week.average is not None else "0",
            "percent": round(100 * week.average / LOAD_SCALE_MAX) if week.average else 0,
        }
        for week in report.load_trend
    ]
    return TemplateResponse(
        request,
        "mentoring/admin/report.html",
        {
            "report": report,
            "programme": programme,
            "bars": bars,
            "load_max": LOAD_SCALE_MAX,
        },
    )
