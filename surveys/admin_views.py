"""Survey reports in the Wagtail admin: an index of the surveys' courses and runs, and the
results per course and per run (``?format=csv`` downloads them).  What is hidden, and why, is
explained in ``surveys/reports.py``."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from courses.models import CoursePage, CourseRun
from lms.csv import csv_response
from surveys import reports
from surveys.models import Survey

can_view_reports = permission_required("surveys.view_survey", raise_exception=True)


@can_view_reports
def report_index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "surveys/admin/index.html",
        {"rows": reports.report_index(), "min_group": reports.MIN_GROUP},
    )


@can_view_reports
def course_report(request: HttpRequest, survey_id: int, course_id: int) -> HttpResponse:
    """Every run of a course together, with a row per run."""
    survey = get_object_or_404(Survey, pk=survey_id)
    course = get_object_or_404(CoursePage, id=course_id)  # not pk: see lessons.views._lesson
    if request.GET.get("format") == "csv":
        header, rows = reports.course_table(survey=survey, course=course)
        return csv_response(
            f"survey-{survey.pk}-course-{course.pk}.csv", header, rows, request=request
        )
    return _render(request, reports.course_report(survey=survey, course=course))


@can_view_reports
def run_report(request: HttpRequest, survey_id: int, run_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    if request.GET.get("format") == "csv":
        header, rows = reports.run_table(survey=survey, run=run)
        return csv_response(f"survey-{survey.pk}-run-{run.pk}.csv", header, rows, request=request)
    return _render(request, reports.run_report(survey=survey, run=run))


def _render(request: HttpRequest, report: reports.SurveyReport) -> HttpResponse:
    return TemplateResponse(
        request,
        "surveys/admin/report.html",
        {"report": report, "min_group": reports.MIN_GROUP, "scale_max": reports.SCALE_MAX},
    )
