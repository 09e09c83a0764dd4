"""The secretariat reviews applications to join: approve, ask for more information, decline."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations import selectors, services
from organisations.forms import DecisionForm
from organisations.models import OrganisationApplication

can_review = permission_required(
    "organisations.change_organisationapplication", raise_exception=True
)


@can_review
def application_list(request):
    return TemplateResponse(
        request,
        "organisations/admin/applications.html",
        {"applications": selectors.applications_open(), "form": DecisionForm()},
    )


@require_POST
@can_review
def application_decide(request, application_id: int):
    application = get_object_or_404(OrganisationApplication, pk=application_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("organisations_applications")
    message = form.cleaned_data["message"]
    try:
        decision = form.cleaned_data["decision"]
        if decision == "approve":
            organisation = services.application_approve(application=application, by=request.user)
            messages.success(
                request,
                _("%(name)s is now in the directory; its contact person is invited as admin.")
                % {"name": organisation.name},
            )
        elif decision == "ask":
            services.application_ask(application=application, by=request.user, question=message)
            messages.success(request, _("Your question has been sent."))
        else:
            services.application_decline(application=application, by=request.user, reason=message)
            messages.success(request, _("Declined; the organisation has been told why."))
    except services.OrganisationError as error:
        messages.error(request, str(error))
    return redirect("organisations_applications")
