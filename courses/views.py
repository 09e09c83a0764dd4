"""Participant actions on enrolment.  Each view checks the request, calls one service and turns
a domain error into a message; the rules live in courses.services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from courses import selectors, services
from courses.forms import ReflectionForm
from courses.models import CourseRun, Enrolment, EnrolmentStatus
from lms.calendar import calendar_bytes, calendar_organizer, google_calendar_link, ics_response
from lms.csp import allow_form_targets
from lms.pagecache import with_kept_body

SUCCESS_MESSAGES = {
    EnrolmentStatus.ENROLLED: gettext_lazy("You are enrolled. The sessions are on My learning."),
    EnrolmentStatus.WAITLISTED: gettext_lazy(
        "This run is full, so you are on the waiting list. We will email you if a seat frees up."
    ),
    EnrolmentStatus.PENDING: gettext_lazy(
        "Your request has been sent. The organisers will let you know."
    ),
}


def _back(request, fallback: str):
    """Back to the page the form was on (the hidden ``next``), if it is a path on this site.
    Not ``redirect(target)``: that takes a tampered "abc" for a view name and fails."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(fallback)


class EnrolView(LoginRequiredMixin, View):
    def post(self, request, run_id: int):
        run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
        try:
            enrolment = services.enrolment_create(run=run, user=request.user)
        except services.EnrolmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, str(SUCCESS_MESSAGES[enrolment.status]))
        return _back(request, run.course.url or "courses:my_learning")


class _OwnEnrolmentView(LoginRequiredMixin, View):
    """Acts on one of the signed-in person's own enrolments; anyone else's is a 404."""

    def get_enrolment(self, request, enrolment_id: int) -> Enrolment:
        return get_object_or_404(Enrolment, pk=enrolment_id, user=request.user)


class CancelView(_OwnEnrolmentView):
    def post(self, request, enrolment_id: int):
        enrolment = self.get_enrolment(request, enrolment_id)
        try:
            services.enrolment_cancel(enrolment=enrolment)
        except services.EnrolmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your place has been cancelled."))
        return _back(request, "courses:my_learning")


class OfferAcceptView(_OwnEnrolmentView):
    def post(self, request, enrolment_id: int):
        enrolment = self.get_enrolment(request, enrolment_id)
        try:
            services.offer_accept(enrolment=enrolment, user=request.user)
        except services.EnrolmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The seat is yours. You are enrolled."))
        return redirect("courses:my_learning")


class OfferDeclineView(_OwnEnrolmentView):
    def post(self, request, enrolment_id: int):
        enrolment = self.get_enrolment(request, enrolment_id)
        try:
            services.offer_decline(enrolment=enrolment, user=request.user)
        except services.EnrolmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("You declined the seat. It goes to the next person."))
        return redirect("courses:my_learning")


class MyLearningView(LoginRequiredMixin, View):
    def get(self, request):
        page = selectors.my_learning_page(request)
        response = with_kept_body(request, "courses/my_learning.html", {"view": self}, page.body)
        # "Join online" posts to us and is redirected to the meeting: allow those hosts only.
        allow_form_targets(response, page.form_targets)
        return response


class ReflectionView(_OwnEnrolmentView):
    """The reflection sheet (振り返り) a course may require for completion, with the staff's
    feedback once given."""

    template_name = "courses/reflection.html"

    def questions(self, enrolment) -> list[str]:
        return [block.value for block in enrolment.run.course.reflection_questions]

    def get(self, request, enrolment_id: int, form=None):
        enrolment = self.get_enrolment(request, enrolment_id)
        questions = self.questions(enrolment)
        if form is None:
            previous = {
                f"answer_{n}": item.get("answer", "")
                for n, item in enumerate(enrolment.reflection_answers or [])
            }
            form = ReflectionForm(
                initial={"text": enrolment.reflection, **previous}, questions=questions
            )
        return TemplateResponse(request, self.template_name, {"form": form, "enrolment": enrolment})

    def post(self, request, enrolment_id: int):
        enrolment = self.get_enrolment(request, enrolment_id)
        form = ReflectionForm(request.POST, questions=self.questions(enrolment))
        if form.is_valid():
            try:
                services.reflection_submit(
                    enrolment=enrolment,
                    text=form.cleaned_data.get("text", ""),
                    answers=form.answers() if form.questions else None,
                )
            except services.EnrolmentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you. Your reflection has been sent."))
                return redirect("courses:my_learning")
        return self.get(request, enrolment_id, form=form)


# --- Calendar downloads (issue #6) --------------------------------------------------------------


def session_calendar(request, session_id: int):
    """One session as .ics; the meeting link only for people with a seat."""
    sessions = selectors.sessions_for_calendar(session_ids=[session_id])
    if not sessions or not sessions[0].run.course.live:
        raise Http404
    session = sessions[0]
    mine = selectors.has_seat(user=request.user, run_id=session.run_id)
    event = selectors.session_calendar_event(session, for_participant=mine)
    return ics_response(
        calendar_bytes([event], organizer=calendar_organizer()), f"session-{session.pk}.ics"
    )


def run_calendar(request, run_id: int):
    """Every session of a run as one .ics."""
    run = get_object_or_404(
        CourseRun.objects.select_related("course"), pk=run_id, course__live=True
    )
    mine = selectors.has_seat(user=request.user, run_id=run.pk)
    events = [
        selectors.session_calendar_event(session, for_participant=mine)
        for session in selectors.sessions_for_calendar(run=run)
    ]
    return ics_response(
        calendar_bytes(
            events, name=f"{run.course.title} {run.title}", organizer=calendar_organizer()
        ),
        f"run-{run.pk}.ics",
    )


def session_google(request, session_id: int):
    """ "Add to Google Calendar" for one session (no meeting link: the URL is visible to Google)."""
    sessions = selectors.sessions_for_calendar(session_ids=[session_id])
    if not sessions or not sessions[0].run.course.live:
        raise Http404
    event = selectors.session_calendar_event(sessions[0], for_participant=False)
    return redirect(google_calendar_link(event))
