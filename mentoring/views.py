"""Mentors' and mentees' own pages: a person sees only the pairs they are in.  Anyone else
asking for a pair, a meeting or a session gets "not found"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.selectors import reflections_of_mentee
from lms.calendar import calendar_bytes, ics_response
from mentoring import selectors, services
from mentoring.forms import ChangeRequestForm, MeetingForm, SessionLogForm
from mentoring.models import Meeting, MentoringSession, PairStatus


@login_required
def home(request):
    return TemplateResponse(
        request, "mentoring/home.html", selectors.my_mentoring(user=request.user)
    )


def _mentor_pair(request, pair_id: int):
    pair = selectors.pair_for_person(pair_id=pair_id, user=request.user)
    if pair.mentor_id != request.user.pk:
        raise Http404
    return pair


@login_required
def pair_detail(request, pair_id: int):
    """The pair's page: the mentor sees the logs with notes; the mentee sees the sessions and
    next steps, never the notes or the mentor's load."""
    pair = selectors.pair_for_person(pair_id=pair_id, user=request.user)
    is_mentor = pair.mentor_id == request.user.pk
    return TemplateResponse(
        request,
        "mentoring/pair.html",
        {
            "pair": pair,
            "is_mentor": is_mentor,
            # A mentor reads the reflections of a mentee they are accompanying (issue #11).
            "reflections": reflections_of_mentee(user=pair.mentee)
            if is_mentor and pair.status in (PairStatus.ACTIVE, PairStatus.PAUSED)
            else [],
            "sessions": list(pair.sessions.order_by("-date", "-pk")),
            "meetings": list(
                pair.meetings.filter(cancelled=False, ends_at__gte=timezone.now()).order_by(
                    "starts_at"
                )
            ),
        },
    )


@login_required
def session_log(request, pair_id: int):
    """The mentor's log on a phone, in under a minute; optionally the next meeting, which sends
    both people a calendar invite."""
    pair = _mentor_pair(request, pair_id)
    if pair.status != PairStatus.ACTIVE:
        messages.error(request, _("Sessions can be logged only for an active pair."))
        return redirect("mentoring:pair", pair_id=pair.pk)
    form = SessionLogForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            # The log and the next meeting together or not at all (a refused meeting must not
            # leave the log saved behind an error message).
            with transaction.atomic():
                services.session_log(pair=pair, by=request.user, data=form.session_data())
                if form.cleaned_data.get("next_starts_at"):
                    services.meeting_schedule(
                        pair=pair,
                        by=request.user,
                        starts_at=form.cleaned_data["next_starts_at"],
                        minutes=form.cleaned_data["next_minutes"],
                        mode=form.cleaned_data["next_mode"],
                        place=form.cleaned_data["next_place"],
                    )
        except services.MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Saved. The invitation has been sent to both of you.")
                if form.cleaned_data.get("next_starts_at")
                else _("Saved."),
            )
            return redirect("mentoring:pair", pair_id=pair.pk)
    return TemplateResponse(request, "mentoring/log.html", {"pair": pair, "form": form})


@login_required
def meeting_new(request, pair_id: int):
    pair = _mentor_pair(request, pair_id)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_schedule(
                pair=pair,
                by=request.user,
                starts_at=form.cleaned_data["next_starts_at"],
                minutes=form.cleaned_data["next_minutes"],
                mode=form.cleaned_data["next_mode"],
                place=form.cleaned_data["next_place"],
            )
        except services.MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The invitation has been sent to both of you."))
            return redirect("mentoring:pair", pair_id=pair.pk)
    return TemplateResponse(request, "mentoring/meeting.html", {"pair": pair, "form": form})


def _own_meeting(request, meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.select_related("pair__mentor", "pair__mentee").filter(pk=meeting_id).first()
    )
    if meeting is None or request.user.pk not in (meeting.pair.mentor_id, meeting.pair.mentee_id):
        raise Http404
    return meeting


@require_POST
@login_required
def meeting_cancel(request, meeting_id: int):
    meeting = _own_meeting(request, meeting_id)
    services.meeting_cancel(meeting=meeting, by=request.user)
    messages.success(request, _("The meeting is cancelled; both of you have been told."))
    return redirect("mentoring:pair", pair_id=meeting.pair_id)


@login_required
def meeting_calendar(request, meeting_id: int):
    meeting = _own_meeting(request, meeting_id)
    return ics_response(
        calendar_bytes([services.meeting_event(meeting)]), f"mentoring-{meeting.pk}.ics"
    )


@require_POST
@login_required
def session_confirm(request, session_id: int):
    session = (
        MentoringSession.objects.select_related("pair")
        .filter(pk=session_id, pair__mentee=request.user)
        .first()
    )
    if session is None:
        raise Http404
    services.session_confirm(session=session, by=request.user)
    messages.success(request, _("Thank you. The session is confirmed."))
    return redirect("mentoring:home")


@login_required
def change_request(request, pair_id: int):
    pair = selectors.pair_for_person(pair_id=pair_id, user=request.user)
    if pair.mentee_id != request.user.pk:
        raise Http404
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request(pair=pair, by=request.user, reason=form.cleaned_data["reason"])
        except services.MentoringError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request, _("Your request has been sent to the coordinators. They will contact you.")
            )
            return redirect("mentoring:home")
    return TemplateResponse(request, "mentoring/change.html", {"pair": pair, "form": form})
