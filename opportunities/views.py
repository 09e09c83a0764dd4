"""Volunteer opportunities: the public board and one opportunity (apply in one tap), the
volunteer's own applications and hours, and the organisation admins' pages (post, edit,
review applicants, confirm hours).  Admin pages answer "not found" to anyone who is not an
admin of that organisation, and objects are looked up within that organisation, so another
organisation's ids are "not found" too."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.pagecache import cache_public_page
from opportunities import selectors, services
from opportunities.forms import (
    ApplyForm,
    DecisionForm,
    HoursLogForm,
    HoursReviewForm,
    OpportunityForm,
)
from opportunities.models import (
    ApplicationStatus,
    HoursLog,
    Opportunity,
    OpportunityApplication,
)
from organisations.selectors import organisation_for_admin

# Volunteers ------------------------------------------------------------------------------------


@cache_public_page
def board(request):
    """Every open opportunity; for a signed-in volunteer, those matching them first."""
    return TemplateResponse(
        request,
        "opportunities/list.html",
        {"board": selectors.opportunity_board(user=request.user)},
    )


@cache_public_page
def detail(request, pk: int):
    opportunity, profile = selectors.opportunity_for_page(pk=pk, user=request.user)
    return TemplateResponse(
        request,
        "opportunities/detail.html",
        {"opportunity": opportunity, "profile": profile, "apply_form": ApplyForm()},
    )


@require_POST
@login_required
def apply(request, pk: int):
    opportunity = get_object_or_404(Opportunity, pk=pk, organisation__is_listed=True)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["message"][0])
        return redirect("opportunities:detail", pk=opportunity.pk)
    try:
        services.application_submit(
            opportunity=opportunity, user=request.user, message=form.cleaned_data["message"]
        )
    except services.OpportunityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you: you have applied. %(organisation)s will let you know by email.")
            % {"organisation": opportunity.organisation.name},
        )
    return redirect("opportunities:detail", pk=opportunity.pk)


def _my_application(request, application_id: int) -> OpportunityApplication:
    return get_object_or_404(
        OpportunityApplication.objects.select_related("opportunity__organisation"),
        pk=application_id,
        user=request.user,
    )


@login_required
def mine(request, log_form: HoursLogForm | None = None, log_for: int | None = None):
    applications = selectors.my_applications(user=request.user)
    for application in applications:
        if application.status == ApplicationStatus.ACCEPTED:
            application.log_form = (
                log_form if log_for == application.pk else HoursLogForm(prefix_id=application.pk)
            )
    return TemplateResponse(
        request,
        "opportunities/mine.html",
        {"applications": applications},
        status=400 if log_form is not None else 200,
    )


@require_POST
@login_required
def log_hours(request, application_id: int):
    application = _my_application(request, application_id)
    form = HoursLogForm(request.POST, prefix_id=application.pk)
    if not form.is_valid():
        return mine(request, log_form=form, log_for=application.pk)
    try:
        services.hours_log(
            application=application,
            date=form.cleaned_data["date"],
            minutes=form.cleaned_data["minutes"],
            what=form.cleaned_data["what"],
        )
    except (services.OpportunityError, ValidationError) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Your hours are logged. The organisation will confirm them."))
    return redirect("opportunities:mine")


@require_POST
@login_required
def withdraw(request, application_id: int):
    application = _my_application(request, application_id)
    try:
        services.application_withdraw(application=application)
    except services.OpportunityError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("opportunities:mine")


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# Organisation admins ---------------------------------------------------------------------------


@login_required
def opportunity_new(request, slug: str):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    form = OpportunityForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(
                organisation=organisation, by=request.user, data=form.opportunity_data()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your opportunity is posted."))
            return redirect("opportunities:applicants", slug=organisation.slug, pk=opportunity.pk)
    return TemplateResponse(
        request,
        "opportunities/form.html",
        {"form": form, "organisation": organisation, "opportunity": None},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def opportunity_edit(request, slug: str, pk: int):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    opportunity = selectors.opportunity_for_admin(organisation=organisation, pk=pk)
    form = OpportunityForm(request.POST or None, organisation=organisation, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(opportunity=opportunity, data=form.opportunity_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("opportunities:applicants", slug=organisation.slug, pk=opportunity.pk)
    return TemplateResponse(
        request,
        "opportunities/form.html",
        {"form": form, "organisation": organisation, "opportunity": opportunity},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def applicants(request, slug: str, pk: int):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    opportunity = selectors.opportunity_for_admin(organisation=organisation, pk=pk)
    applications = selectors.applicants_for(opportunity=opportunity)
    accepted = sum(a.status == ApplicationStatus.ACCEPTED for a in applications)
    return TemplateResponse(
        request,
        "opportunities/applicants.html",
        {
            "organisation": organisation,
            "opportunity": opportunity,
            "applications": applications,
            "accepted_count": accepted,
            "places_filled": accepted >= opportunity.places,
        },
    )


@require_POST
@login_required
def decide(request, slug: str, application_id: int):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    application = get_object_or_404(
        OpportunityApplication.objects.select_related("user", "opportunity"),
        pk=application_id,
        opportunity__organisation=organisation,
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept, decline or put on the waiting list."))
    else:
        try:
            services.application_decide(
                application=application,
                decision=form.cleaned_data["decision"],
                by=request.user,
                note=form.cleaned_data["note"],
                beyond_places=form.cleaned_data["beyond_places"],
            )
        except services.OpportunityError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(person)s: %(decision)s. They have been told by email.")
                % {
                    "person": application.user.get_full_name(),
                    "decision": ApplicationStatus(form.cleaned_data["decision"]).label,
                },
            )
    return redirect(
        "opportunities:applicants", slug=organisation.slug, pk=application.opportunity_id
    )


@require_POST
@login_required
def review_hours(request, slug: str, log_id: int):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    log = get_object_or_404(
        HoursLog.objects.select_related("application"),
        pk=log_id,
        application__opportunity__organisation=organisation,
    )
    form = HoursReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to confirm the hours or not."))
    else:
        try:
            if form.cleaned_data["action"] == "confirm":
                services.hours_confirm(log=log, by=request.user)
                messages.success(request, _("The hours are confirmed."))
            else:
                services.hours_decline(log=log, by=request.user, note=form.cleaned_data["note"])
                messages.success(request, _("The hours are marked as not confirmed."))
        except services.OpportunityError as error:
            messages.error(request, str(error))
    return redirect(
        "opportunities:applicants", slug=organisation.slug, pk=log.application.opportunity_id
    )
