"""Public application to join, accepting an invitation, and the organisation's dashboard with
its members.  Members' pages answer "not found" to anyone who is not a member."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms import ratelimit
from organisations import selectors, services
from organisations.forms import ApplicationForm, InvitationForm, NominationForm
from organisations.models import MemberRole, Membership

APPLICATIONS_PER_HOUR = 5
APPLICATIONS = ratelimit.HourlySuccessLimit("organisation-apply")


def apply(request):
    """参加申込: no account needed; the contact person is invited as admin once approved."""
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        if form.is_bot():
            messages.error(request, _("We could not accept this form. Please try again."))
            return redirect("organisations:apply")
        if APPLICATIONS.reached(request, per_hour=APPLICATIONS_PER_HOUR):
            form.add_error(
                None, _("Too many applications from your connection. Please try again later.")
            )
        elif form.is_valid():
            try:
                application = services.application_submit(data=form.application_data())
            except services.OrganisationError as error:
                form.add_error(None, str(error))
            else:
                APPLICATIONS.record(request)
                request.session["organisation_application"] = application.pk
                return redirect("organisations:applied")
    return TemplateResponse(
        request,
        "organisations/apply.html",
        {"form": form, "terms_version": settings.PLATFORM_TERMS_VERSION},
    )


def applied(request):
    from organisations.models import OrganisationApplication

    application = OrganisationApplication.objects.filter(
        pk=request.session.get("organisation_application") or 0
    ).first()
    if application is None:
        return redirect("organisations:apply")
    return TemplateResponse(request, "organisations/applied.html", {"application": application})


@login_required
def accept(request, token: str):
    invitation = services.invitation_for_token(token)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except services.OrganisationError as error:
            messages.error(request, str(error))
            return redirect("organisations:mine")
        messages.success(
            request,
            _("You are now a member of %(organisation)s.")
            % {"organisation": membership.organisation},
        )
        return redirect("organisations:dashboard", slug=membership.organisation.slug)
    return TemplateResponse(
        request, "organisations/accept.html", {"invitation": invitation, "token": token}
    )


@login_required
def mine(request):
    return TemplateResponse(
        request,
        "organisations/mine.html",
        {"memberships": list(selectors.my_organisations(user=request.user))},
    )


@login_required
def dashboard(request, slug: str):
    organisation, membership = selectors.organisation_for_member(user=request.user, slug=slug)
    is_admin = membership.role == MemberRole.ADMIN
    return TemplateResponse(
        request,
        "organisations/dashboard.html",
        {
            "organisation": organisation,
            "membership": membership,
            "is_admin": is_admin,
            "members": list(selectors.members_of(organisation=organisation)),
            "invitations": list(organisation.invitations.filter(accepted_at__isnull=True))
            if is_admin
            else [],
            "invitation_form": InvitationForm(),
            "nomination_form": NominationForm(),
            "roles": MemberRole.choices,
        },
    )


@require_POST
@login_required
def invite(request, slug: str):
    organisation = selectors.organisation_for_admin(user=request.user, slug=slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check the email address."))
    else:
        try:
            services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The invitation has been sent."))
    return redirect("organisations:dashboard", slug=organisation.slug)


@require_POST
@login_required
def member_update(request, slug: str, membership_id: int):
    """Change a member's role or remove them (admins only, never the last admin)."""
    organisation = selectors.organisation_for_admin(user=request.user, slug=slug)
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    try:
        if request.POST.get("action") == "remove":
            services.member_remove(membership=membership, by=request.user)
            messages.success(request, _("Removed."))
        elif request.POST.get("role") in MemberRole.values:
            services.member_set_role(
                membership=membership, role=request.POST["role"], by=request.user
            )
            messages.success(request, _("Saved."))
    except services.OrganisationError as error:
        messages.error(request, str(error))
    if membership.user_id == request.user.pk and request.POST.get("action") == "remove":
        return redirect("organisations:mine")
    return redirect("organisations:dashboard", slug=organisation.slug)


@require_POST
@login_required
def nominate(request, slug: str):
    organisation = selectors.organisation_for_admin(user=request.user, slug=slug)
    form = NominationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.organisation_nominate(
                organisation=organisation,
                by=request.user,
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
            )
        except services.OrganisationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you. The secretariat will see the nomination."))
    return redirect("organisations:dashboard", slug=organisation.slug)
