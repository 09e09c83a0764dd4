"""Staff pages for training in the Wagtail admin: enrolment requests, each run's participants
(numbers, filters, CSV, add, move, message) and its breakout groups."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template, render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from courses import selectors, services
from courses.forms import (
    BreakoutGenerateForm,
    ParticipantFilterForm,
    ParticipantMessageForm,
    ReflectionFeedbackForm,
    WalkInForm,
)
from courses.models import (
    SEAT_STATUSES,
    AttendanceStatus,
    CompletionState,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
)
from lms.csv import csv_response
from lms.models import User
from lms.pagecache import (
    CSRF_PLACEHOLDER,
    end_of_day,
    kept_while_unchanged,
    with_kept_body,
    written_once,
)
from lms.text import whole_number

can_decide = permission_required("courses.change_enrolment", raise_exception=True)


@can_decide
def pending_requests(request):
    requests_ = (
        Enrolment.objects.filter(status=EnrolmentStatus.PENDING)
        .select_related("user__profession", "user__municipality__parent", "run__course")
        .order_by("created_at", "pk")
    )
    return TemplateResponse(
        request, "courses/admin/pending_requests.html", {"enrolments": requests_}
    )


@require_POST
@can_decide
def approve_request(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    try:
        enrolment = services.enrolment_approve(enrolment=enrolment)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s")
            % {"name": enrolment.user.get_full_name(), "status": enrolment.get_status_display()},
        )
    return redirect("courses_pending_requests")


@require_POST
@can_decide
def reject_request(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    try:
        services.enrolment_reject(enrolment=enrolment, reason=request.POST.get("reason", ""))
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(name)s was told the reason.") % {"name": enrolment.user.get_full_name()}
        )
    return redirect("courses_pending_requests")


PARTICIPANT_CSV_COLUMNS = [
    (gettext_lazy("Full name"), lambda e: e.user.full_name),
    (gettext_lazy("Full name in kana"), lambda e: e.user.full_name_kana),
    (gettext_lazy("Email"), lambda e: e.user.email),
    (gettext_lazy("Profession"), lambda e: e.user.profession.name if e.user.profession else ""),
    (gettext_lazy("Organisation"), lambda e: e.user.organisation_name),
    (
        gettext_lazy("Kind of organisation"),
        lambda e: e.user.organisation_group.name if e.user.organisation_group else "",
    ),
    (gettext_lazy("Municipality"), lambda e: str(e.user.municipality or "")),
    (gettext_lazy("Status"), lambda e: e.get_status_display()),
    (gettext_lazy("Reserved seat"), lambda e: e.seat_pool.name if e.seat_pool else ""),
    (gettext_lazy("Breakout group"), lambda e: e.breakout_group or ""),
    (
        gettext_lazy("Applied"),
        lambda e: timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
    ),
]


@permission_required("courses.view_enrolment", raise_exception=True)
def run_participants(request, run_id: int):
    """Per run: who is in it, filtered by status, profession and municipality; CSV on request."""
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    form = ParticipantFilterForm(request.GET or None)
    filters = form.valid_filters()
    participants = selectors.participant_list_for_run(run=run, **filters)
    if request.GET.get("format") == "csv":
        return _participants_csv(request, run, participants)
    return TemplateResponse(
        request,
        "courses/admin/run_participants.html",
        {
            "run": run,
            "form": form,
            "participants": participants,
            "numbers": selectors.run_numbers(run=run),
            "csv_query": form.query_string(),
            "message_form": ParticipantMessageForm(),
            "other_runs": selectors.run_list_to_move_to(run=run),
        },
    )


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def add_participant(request, run_id: int):
    """Staff add a registered person to a run (a seat if free, else the waiting list)."""
    run = get_object_or_404(CourseRun, pk=run_id)
    # Checked as an address first: the lookup refuses text that is no address (a NUL on
    # PostgreSQL, 100,000 characters on SQLite) with a server error.
    form = WalkInForm(request.POST)
    person = (
        User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if form.is_valid()
        else None
    )
    if person is None:
        messages.error(request, _("Nobody is registered with that email address."))
        return redirect("courses_run_participants", run_id=run.pk)
    try:
        enrolment = services.enrolment_create(run=run, user=person, by_staff=True)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s")
            % {"name": person.get_full_name(), "status": enrolment.get_status_display()},
        )
    return redirect("courses_run_participants", run_id=run.pk)


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def move_participant(request, enrolment_id: int):
    """Staff move a person to another run of the same course."""
    enrolment = get_object_or_404(Enrolment.objects.select_related("run"), pk=enrolment_id)
    to_run_id = whole_number(request.POST.get("to_run"))
    to_run = (
        CourseRun.objects.filter(pk=to_run_id, course_id=enrolment.run.course_id).first()
        if to_run_id is not None
        else None
    )
    if to_run is None:
        messages.error(request, _("Choose another scheduled run to move the person to."))
        return redirect("courses_run_participants", run_id=enrolment.run_id)
    try:
        moved = services.enrolment_move(enrolment=enrolment, to_run=to_run)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s moved to %(run)s: %(status)s")
            % {
                "name": moved.user.get_full_name(),
                "run": to_run.title,
                "status": moved.get_status_display(),
            },
        )
    return redirect("courses_run_participants", run_id=enrolment.run_id)


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def message_participants(request, run_id: int):
    run = get_object_or_404(CourseRun, pk=run_id)
    form = ParticipantMessageForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("courses_run_participants", run_id=run.pk)
    statuses = (
        SEAT_STATUSES if form.cleaned_data["audience"] == "seats" else [EnrolmentStatus.WAITLISTED]
    )
    try:
        sent = services.run_message_participants(
            run=run,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            statuses=statuses,
        )
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The message is on its way to %(count)d people.") % {"count": sent}
        )
    return redirect("courses_run_participants", run_id=run.pk)


@permission_required("courses.view_enrolment", raise_exception=True)
def run_breakouts(request, run_id: int):
    """Breakout groups of a run: make them, see how mixed each is, move people, print."""
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    return TemplateResponse(
        request,
        "courses/admin/run_breakouts.html",
        {
            "run": run,
            "form": BreakoutGenerateForm(),
            "breakouts": selectors.breakout_groups_for_run(run=run),
        },
    )


@permission_required("courses.view_enrolment", raise_exception=True)
def run_breakouts_print(request, run_id: int):
    """The groups on paper (A4), for the facilitators' table and the wall."""
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    return TemplateResponse(
        request,
        "courses/admin/run_breakouts_print.html",
        {"run": run, "breakouts": selectors.breakout_groups_for_run(run=run)},
    )


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def generate_breakouts(request, run_id: int):
    run = get_object_or_404(CourseRun, pk=run_id)
    form = BreakoutGenerateForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("group_size", []):
            messages.error(request, error)
        return redirect("courses_run_breakouts", run_id=run.pk)
    try:
        count = services.breakout_groups_generate(
            run=run, group_size=form.cleaned_data["group_size"]
        )
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(count)d groups made.") % {"count": count})
    return redirect("courses_run_breakouts", run_id=run.pk)


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def assign_breakouts(request, run_id: int):
    """Save the group numbers staff changed by hand (fields ``group-<enrolment id>``)."""
    run = get_object_or_404(CourseRun, pk=run_id)
    assignments: dict[int, int | None] = {}
    for name, value in request.POST.items():
        if not name.startswith("group-"):
            continue
        key, number = whole_number(name.removeprefix("group-")), whole_number(value)
        if key is None or (value.strip() and number is None):
            messages.error(request, _("Group numbers must be whole numbers."))
            return redirect("courses_run_breakouts", run_id=run.pk)
        assignments[key] = number
    try:
        changed = services.breakout_groups_assign(run=run, assignments=assignments)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved: %(count)d people changed group.") % {"count": changed})
    return redirect("courses_run_breakouts", run_id=run.pk)


def _participants_csv(request, run: CourseRun, participants) -> HttpResponse:
    return csv_response(
        f"participants-run-{run.pk}.csv",
        [str(title) for title, _value in PARTICIPANT_CSV_COLUMNS],
        (
            [value(enrolment) for _title, value in PARTICIPANT_CSV_COLUMNS]
            for enrolment in participants
        ),
        request=request,
    )


# --- Attendance reports, sign-off and follow-up (issue #4) ---------------------------------------

can_view_attendance = permission_required("courses.view_attendance", raise_exception=True)


@can_view_attendance
def run_attendance(request, run_id: int):
    """Per run: the attendance matrix (people × sessions), counts and a chart per session,
    completion, learning hours; roster and check-in screen links per session; CSV.  The page
    below the admin frame is kept while nothing it shows changed (``matrix_fingerprint``,
    checked after a write of a seat or a record: ``sheets_written``)."""
    if request.GET.get("format") == "csv":
        run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
        return _attendance_csv(request, selectors.attendance_matrix_for_run(run=run))

    def build() -> tuple[tuple[str, bytes], dt.datetime]:
        run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
        now = timezone.now()
        report = selectors.attendance_matrix_for_run(run=run, now=now)
        report["course_completion"] = selectors.completion_rate_for_course(course_id=run.course_id)
        report["rows_html"] = _matrix_rows_html(report["rows"])
        report["csrf_token"] = CSRF_PLACEHOLDER  # above the request's own
        body = render_to_string(
            "courses/admin/includes/run_attendance_body.html", report, request=request
        ).encode()
        # Time alone changes it when a session ends (completion) and when the day does (the
        # course's finished runs).
        ends = [s.ends_at for s in report["sessions"] if s.ends_at > now]
        return (str(run), body), min([*ends, end_of_day(now)])

    name = f"matrix:{run_id}:{timezone.get_current_timezone_name()}"
    title, body = kept_while_unchanged(
        request,
        name,
        lambda: selectors.matrix_fingerprint(request, run_id),
        build,
        writes=selectors.sheets_written(),
    )
    return with_kept_body(request, "courses/admin/run_attendance.html", {"title": title}, body)


def _matrix_rows_html(rows: list[selectors.MatrixRow]) -> str:
    """The matrix's lines as HTML, each written once (``lms.pagecache.written_once``, named by
    its values): a mark or a check-in writes one line again, not three hundred.  A cell
    depends only on its status, so each kind of cell is rendered once per write.  Sign-off
    forms carry ``CSRF_PLACEHOLDER``."""
    labels = dict(AttendanceStatus.choices)
    template = get_template("courses/admin/includes/matrix_row.html")

    def write(missing: list[selectors.MatrixRow]) -> list[str]:
        cells = {
            status: render_to_string(
                "courses/admin/includes/attendance_cell.html",
                {"cell": status, "label": labels.get(status, "")},
            )
            for status in {status for row in missing for status in row.statuses}
        }
        return [
            template.render(
                {
                    "row": row,
                    # Safe: each piece is a rendered (escaped) template.
                    "cells": mark_safe("".join(cells[s] for s in row.statuses)),
                    "csrf_token": CSRF_PLACEHOLDER,  # the request's own on the page
                }
            )
            for row in missing
        ]

    # Safe: each line is a rendered (escaped) template.
    return mark_safe(written_once("matrix-row", rows, write))


def _attendance_csv(request, report: dict) -> HttpResponse:
    sessions = report["sessions"]
    header = [
        str(_("Full name")),
        str(_("Full name in kana")),
        str(_("Profession")),
        str(_("Organisation")),
        *[f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} {s.title}" for s in sessions],
        str(_("Learning minutes")),
        str(_("Completion")),
    ]
    labels = {"": "", **dict(AttendanceStatus.choices)}
    rows = (
        [
            person.full_name,
            person.full_name_kana,
            person.profession,
            person.organisation_name,
            *[labels[status] for status in row.statuses],
            row.minutes_learned,
            CompletionState(row.state).label,
        ]
        for person, row in zip(report["people"], report["rows"], strict=True)
    )
    return csv_response(f"attendance-run-{report['run'].pk}.csv", header, rows, request=request)


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def sign_off(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment.objects.select_related("user"), pk=enrolment_id)
    try:
        services.enrolment_sign_off(enrolment=enrolment, by=request.user)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(name)s: completion confirmed.") % {"name": enrolment.user.get_full_name()}
        )
    return redirect("courses_run_attendance", run_id=enrolment.run_id)


@can_view_attendance
def completion_follow_up(request):
    """People for whom completion is no longer possible, with later runs to offer: a list for
    a gentle call from the coordinator, not a warning email."""
    return TemplateResponse(
        request,
        "courses/admin/completion_follow_up.html",
        {"enrolments": selectors.completion_follow_up_list()},
    )


@can_view_attendance
def sessions_today(request):
    """Coordinators arriving at a venue: today's sessions with their roster and QR screen."""
    return TemplateResponse(
        request,
        "courses/admin/sessions_today.html",
        {"sessions": selectors.session_list_for_day(day=timezone.localdate())},
    )


@permission_required("courses.change_attendance", raise_exception=True)
def session_roster(request, session_id: int):
    """The roster inside the Wagtail admin (the same one as the phone page on the site)."""
    from courses.attendance_views import roster_response

    return roster_response(
        request,
        session_id,
        reverse("courses_session_roster", args=[session_id]),
        "courses/admin/session_roster.html",
        in_admin=True,
    )


# --- Reflection sheets (issue #11) ---------------------------------------------------------------


@permission_required("courses.view_enrolment", raise_exception=True)
def run_reflections(request, run_id: int):
    """The run's reflection sheets as sent, each with the staff's feedback (or a form for it)."""
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    return TemplateResponse(
        request,
        "courses/admin/run_reflections.html",
        {
            "run": run,
            "enrolments": selectors.reflections_for_run(run=run),
            "form": ReflectionFeedbackForm(),
        },
    )


@require_POST
@permission_required("courses.change_enrolment", raise_exception=True)
def reflection_feedback(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id)
    form = ReflectionFeedbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.reflection_feedback_give(
                enrolment=enrolment, by=request.user, text=form.cleaned_data["feedback"]
            )
        except services.EnrolmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The feedback has been sent."))
    return redirect("courses_run_reflections", run_id=enrolment.run_id)
