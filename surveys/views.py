"""The participant's survey pages: the form for their own invitation and the thank-you page.
Anyone else asking for an invitation gets "not found"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View

from surveys import selectors, services
from surveys.forms import SurveyAnswerForm
from surveys.models import SurveyInvitation


def _own_invitation(request, invitation_id: int) -> SurveyInvitation:
    invitation = selectors.invitation_get_for_user(invitation_id=invitation_id, user=request.user)
    if invitation is None:
        raise Http404
    return invitation


class SurveyAnswerView(LoginRequiredMixin, View):
    """GET shows the questions; POST records the answers once (a second time is refused with
    a message and changes nothing)."""

    template_name = "surveys/answer.html"

    def get(self, request, invitation_id: int):
        invitation = _own_invitation(request, invitation_id)
        if invitation.answered_at:
            return redirect("surveys:thanks", invitation_id=invitation.pk)
        return self.render(invitation, self.make_form(invitation))

    def post(self, request, invitation_id: int):
        invitation = _own_invitation(request, invitation_id)
        if invitation.answered_at:
            messages.info(request, str(services.ALREADY_ANSWERED))
            return redirect("surveys:thanks", invitation_id=invitation.pk)
        form = self.make_form(invitation, request.POST)
        if not form.is_valid():
            return self.render(invitation, form)
        try:
            services.response_submit(invitation=invitation, answers=form.answers())
        except services.SurveyAnswersInvalid as invalid:
            form.add_service_errors(invalid)
            return self.render(invitation, form)
        except services.SurveyError as error:  # answered meanwhile, e.g. in another tab
            messages.info(request, str(error))
            return redirect("surveys:thanks", invitation_id=invitation.pk)
        messages.success(request, _("Thank you. Your answers have been sent."))
        return redirect("surveys:thanks", invitation_id=invitation.pk)

    def make_form(self, invitation: SurveyInvitation, data=None) -> SurveyAnswerForm:
        questions = selectors.question_list_for_survey(survey_id=invitation.survey_id)
        return SurveyAnswerForm(data, questions=questions)

    def render(self, invitation: SurveyInvitation, form: SurveyAnswerForm):
        return TemplateResponse(
            self.request,
            self.template_name,
            {"invitation": invitation, "survey": invitation.survey, "form": form},
        )


class SurveyThanksView(LoginRequiredMixin, View):
    def get(self, request, invitation_id: int):
        invitation = _own_invitation(request, invitation_id)
        if not invitation.answered_at:
            return redirect("surveys:answer", invitation_id=invitation.pk)
        return TemplateResponse(request, "surveys/thanks.html", {"invitation": invitation})
