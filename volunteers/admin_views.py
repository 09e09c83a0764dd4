"""Coordinators' screens in the Wagtail admin: the pipeline board and list (filters, bulk
actions), a volunteer's page (history, staff notes, hours, nominations, places in courses),
entering a paper card, waiting for contact, likely duplicates and leader candidates."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template, render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record, audit_record_many
from courses.models import CourseRun, RunStatus
from lms.forms import quick_selects
from lms.pagecache import (
    CSRF_PLACEHOLDER,
    STAFF_LIST_STORE,
    content_version,
    kept_for_request,
    with_kept_body,
    written_once,
)
from lms.selectors import staff_list_name
from lms.text import whole_number
from volunteers import selectors, services
from volunteers.forms import (
    BulkActionForm,
    CoordinatorForm,
    HoursForm,
    InviteToProgrammeForm,
    NominationForm,
    NoteForm,
    StaffEntryForm,
    StageMoveForm,
    VolunteerFilterForm,
    profile_data,
)
from volunteers.models import LikelyDuplicate, VolunteerProfile

can_view = permission_required("volunteers.view_volunteerprofile", raise_exception=True)
can_change = permission_required("volunteers.change_volunteerprofile", raise_exception=True)
can_add = permission_required("volunteers.add_volunteerprofile", raise_exception=True)
PER_PAGE = 50


def _runs_to_enrol_in():
    return (
        CourseRun.objects.filter(status=RunStatus.SCHEDULED, ends_on__gte=_today())
        .select_related("course")
        .order_by("course__kind", "starts_on", "pk")
    )


def _today():
    return timezone.localdate()


def _show_form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# Stands for the bulk-action form's fields in the kept list (they are kept apart: they list
# the runs to enrol in, which change with the course pages and the day).
BULK_FIELDS_PLACEHOLDER = uuid.uuid4().hex


@can_view
def volunteer_list(request):
    """The list below the admin frame is the same for every coordinator: it is kept in the
    process's memory, per filters, page, language and time zone, until anything it shows
    changes (``selectors.VOLUNTEER_LIST_VERSION``, ``ACCOUNTS_SHOWN_VERSION``) or an
    applicant starts waiting for contact (issue #9: coordinators filter and page it again
    and again)."""
    name = staff_list_name(
        request,
        timezone.get_current_timezone_name(),
        content_version(request),  # the places and fields, named as the filters do
    )
    body = selectors.VOLUNTEER_LIST_VERSION.kept_until(
        name, lambda: _volunteer_list_body(request), store=STAFF_LIST_STORE
    )
    return with_kept_body(
        request,
        "volunteers/admin/list.html",
        {},
        body,
        fill=lambda: {BULK_FIELDS_PLACEHOLDER: _bulk_fields_html(request)},
    )


def _volunteer_list_body(request) -> tuple[bytes, dt.datetime | None]:
    """The list as HTML (UTF-8, see ``with_kept_body``), with placeholders for the token and the bulk fields, and the moment
    time alone changes it (the count of applicants waiting for contact)."""
    form = quick_selects(VolunteerFilterForm(request.GET or None))
    # Places and fields are public content: their options are kept like the site's menu.
    choices = kept_for_request(
        request, "volunteer-filter-choices", VolunteerFilterForm.choice_lists
    )
    form.use_choices(choices)
    profiles = selectors.volunteer_list(**form.valid_filters())
    # The page's ids first (an index walk), then only those people as plain values.
    page = Paginator(profiles.values_list("pk", flat=True), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    # The rows name places and fields as the filter's options do.
    people = selectors.volunteer_rows(
        page.object_list,
        place_names={int(pk): name for pk, name in choices["municipality"] if pk},
        field_names=dict(choices["field"]),
    )
    waiting, waiting_changes_at = selectors.waiting_for_contact_count()
    body = render_to_string(
        "volunteers/admin/includes/list_body.html",
        {
            "form": form,
            "page": page,
            "people": people,
            "rows": _volunteer_rows_html(people),
            "query": form.query_string(),
            "bulk_fields": BULK_FIELDS_PLACEHOLDER,
            "csrf_token": CSRF_PLACEHOLDER,
            "waiting": waiting,
            "open_duplicates": selectors.duplicate_flags_open().count(),
        },
        request=request,  # for the language of the pagination; the token above is ours
    )
    return body.encode(), waiting_changes_at


def _bulk_fields_html(request) -> str:
    """The bulk-action form's fields as HTML, the same for every coordinator: its hundreds of
    runs to enrol in, written once and kept until the day ends or a run or course changes
    (public content, like the site's menu).  Which people are ticked is the list's part."""

    def write() -> str:
        form = quick_selects(
            BulkActionForm(profiles=VolunteerProfile.objects.none(), runs=_runs_to_enrol_in())
        )
        return render_to_string("volunteers/admin/includes/bulk_fields.html", {"form": form})

    # Safe: written by the template, escaped.
    return mark_safe(kept_for_request(request, f"volunteer-bulk-fields:{_today()}", write))


def _volunteer_rows_html(rows: list[selectors.VolunteerRow]) -> str:
    """The list's rows as HTML, each written once (``lms.pagecache.written_once``, named by
    its values): coordinators page and filter the list again and again."""
    template = get_template("volunteers/admin/includes/volunteer_row.html")

    def write(missing: list[selectors.VolunteerRow]) -> list[str]:
        return [template.render({"row": row}) for row in missing]

    # Safe: each row is a rendered (escaped) template.
    return mark_safe(written_once("volunteer-row", rows, write))


@require_POST
@can_change
def volunteer_bulk(request):
    """One action for every ticked person: move stage, enrol in a run, or write to them."""
    back = reverse("volunteers_list") + (
        "?" + request.POST["query"] if request.POST.get("query") else ""
    )
    form = BulkActionForm(
        request.POST, profiles=VolunteerProfile.objects.all(), runs=_runs_to_enrol_in()
    )
    if not form.is_valid():
        _show_form_errors(request, form)
        return redirect(back)
    people = list(form.cleaned_data["profiles"].select_related("user"))
    data = form.cleaned_data
    try:
        if data["action"] == "move":
            moved = services.volunteers_stage_move(
                profiles=people, to_stage=data["to_stage"], by=request.user, note=data["note"]
            )
            messages.success(
                request,
                ngettext("%(count)d person moved.", "%(count)d people moved.", moved)
                % {"count": moved},
            )
        elif data["action"] == "enrol":
            outcome = services.volunteers_enrol(profiles=people, run=data["run"], by=request.user)
            messages.success(
                request,
                _("Enrolled: %(enrolled)d, waiting list: %(waiting)d, not possible: %(refused)d")
                % {
                    "enrolled": outcome.get("enrolled", 0),
                    "waiting": outcome.get("waitlisted", 0) + outcome.get("offered", 0),
                    "refused": outcome.get("refused", 0) + outcome.get("pending", 0),
                },
            )
        else:
            sent = services.volunteers_message(
                profiles=people, subject=data["subject"], body=data["body"], by=request.user
            )
            messages.success(
                request, _("The message is on its way to %(count)d people.") % {"count": sent}
            )
    except services.VolunteerError as error:
        messages.error(request, str(error))
    return redirect(back)


@can_view
def volunteer_board(request):
    return TemplateResponse(
        request, "volunteers/admin/board.html", {"columns": selectors.volunteer_board()}
    )


@can_view
def volunteer_detail(request, profile_id: int):
    try:
        profile = selectors.volunteer_detail(profile_id=profile_id)
    except VolunteerProfile.DoesNotExist:
        raise Http404 from None
    show_contact = request.user.has_perm("volunteers.view_volunteer_contact")
    if show_contact:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW_CONTACT,
            subject=profile,
            detail={"screen": "volunteer"},
            request=request,
        )
    return TemplateResponse(
        request,
        "volunteers/admin/detail.html",
        {
            "profile": profile,
            "show_contact": show_contact,
            "enrolments": selectors.enrolments_of(profile.user),
            "volunteering_minutes": sum(h.minutes for h in profile.hours.all()),
            "stage_form": StageMoveForm(initial={"to_stage": profile.stage}),
            "note_form": NoteForm(),
            "hours_form": HoursForm(initial={"date": _today()}),
            "coordinator_form": CoordinatorForm(initial={"coordinator": profile.coordinator_id}),
            "nomination_form": NominationForm(),
            "runs": _runs_to_enrol_in(),
        },
    )


ACTIONS = {
    "stage": StageMoveForm,
    "note": NoteForm,
    "hours": HoursForm,
    "coordinator": CoordinatorForm,
    "nominate": NominationForm,
}


@require_POST
@can_change
def volunteer_update(request, profile_id: int, action: str):
    """The forms on a volunteer's page; each keeps what was there when refused."""
    profile = get_object_or_404(VolunteerProfile.objects.select_related("user"), pk=profile_id)
    back = redirect("volunteers_detail", profile_id=profile.pk)
    if action == "enrol":
        run = _runs_to_enrol_in().filter(pk=whole_number(request.POST.get("run")) or 0).first()
        if run is None:
            messages.error(request, _("Choose the run to enrol them in."))
            return back
        outcome = services.volunteers_enrol(profiles=[profile], run=run, by=request.user)
        if outcome.get("refused"):
            messages.error(request, _("This person cannot be enrolled in that run."))
        else:
            messages.success(request, _("Enrolled in %(run)s.") % {"run": run})
        return back
    if action not in ACTIONS:
        raise Http404
    form = ACTIONS[action](request.POST)
    if not form.is_valid():
        _show_form_errors(request, form)
        return back
    data = form.cleaned_data
    try:
        if action == "stage":
            services.volunteer_stage_move(
                profile=profile, to_stage=data["to_stage"], by=request.user, note=data["note"]
            )
        elif action == "note":
            services.volunteer_note_add(profile=profile, author=request.user, body=data["body"])
        elif action == "hours":
            services.volunteer_hours_record(profile=profile, by=request.user, **data)
        elif action == "coordinator":
            services.volunteer_coordinator_assign(
                profile=profile, coordinator=data["coordinator"], by=request.user
            )
        else:
            services.volunteer_nominate(profile=profile, by=request.user, **data)
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return back


@can_add
def volunteer_enter(request):
    """A coordinator enters a paper sign-up card for the person."""
    form = StaffEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wishes = {**data, "fields_of_interest": data["fields_of_interest"]}
        try:
            profile = services.volunteer_enter_for_person(
                full_name=data["full_name"],
                full_name_kana=data["full_name_kana"],
                email=data.get("email") or "",
                data=profile_data(data, wishes),
                entered_by=request.user,
            )
        except services.VolunteerError as error:
            form.add_error(None, str(error))
        else:
            flags = profile.duplicate_flags.count()
            if flags:
                messages.warning(
                    request,
                    _("Saved. This may be someone already registered: please check below."),
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("volunteers_detail", profile_id=profile.pk)
    return TemplateResponse(request, "volunteers/admin/enter.html", {"form": form})


@can_view
def waiting_list(request):
    return TemplateResponse(
        request,
        "volunteers/admin/waiting.html",
        {
            "profiles": selectors.waiting_for_contact_default(),
            "days": settings.VOLUNTEER_CONTACT_WITHIN_DAYS,
        },
    )


@can_view
def duplicate_list(request):
    flags = list(selectors.duplicate_flags_open())
    show_contact = request.user.has_perm("volunteers.view_volunteer_contact")
    if show_contact and flags:
        shown = {p.pk: p for flag in flags for p in (flag.profile, flag.other)}
        audit_record_many(
            actor=request.user,
            action=AuditAction.VIEW_CONTACT,
            subjects=[shown[pk] for pk in sorted(shown)],
            detail={"screen": "duplicates"},
            request=request,
        )
    return TemplateResponse(
        request,
        "volunteers/admin/duplicates.html",
        {"flags": flags, "show_contact": show_contact},
    )


@require_POST
@can_change
def duplicate_resolve(request, flag_id: int):
    """Merge (keeping the profile chosen) or mark as different people."""
    flag = get_object_or_404(
        LikelyDuplicate.objects.select_related("profile", "other"), pk=flag_id, resolution=""
    )
    if request.POST.get("decision") == "different":
        services.duplicate_dismiss(flag=flag, by=request.user)
        messages.success(request, _("Marked as different people."))
        return redirect("volunteers_duplicates")
    keep_id = whole_number(request.POST.get("keep"))
    pair = {flag.profile_id: flag.profile, flag.other_id: flag.other}
    if keep_id not in pair:
        messages.error(request, _("Choose which registration to keep."))
        return redirect("volunteers_duplicates")
    keep = pair.pop(keep_id)
    duplicate = next(iter(pair.values()))
    try:
        services.volunteers_merge(keep=keep, duplicate=duplicate, by=request.user)
    except services.VolunteerError as error:
        messages.error(request, str(error))
        return redirect("volunteers_duplicates")
    messages.success(request, _("Merged. Nothing from either registration was lost."))
    return redirect("volunteers_detail", profile_id=keep.pk)


@can_view
def leader_candidates(request):
    return TemplateResponse(
        request,
        "volunteers/admin/candidates.html",
        {
            "candidates": selectors.leader_candidates(),
            "runs": list(selectors.leader_programme_runs()),
            "criteria": {
                "months": settings.VOLUNTEER_LEADER_MONTHS_ACTIVE,
                "courses": settings.VOLUNTEER_LEADER_COURSES_COMPLETED,
                "hours": settings.VOLUNTEER_LEADER_HOURS,
            },
        },
    )


@require_POST
@can_change
def leader_invite(request, profile_id: int):
    profile = get_object_or_404(VolunteerProfile.objects.select_related("user"), pk=profile_id)
    form = InviteToProgrammeForm(request.POST, runs=selectors.leader_programme_runs())
    if not form.is_valid():
        _show_form_errors(request, form)
        return redirect("volunteers_candidates")
    run = form.cleaned_data["run"]
    try:
        services.volunteer_invite_to_programme(
            profile=profile,
            run=run,
            by=request.user,
            course_url=settings.SITE_URL + (run.course.url or ""),
        )
    except services.VolunteerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s has been invited.") % {"name": profile.user.get_full_name()}
        )
    return redirect("volunteers_candidates")
