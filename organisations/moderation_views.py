"""The secretariat's review of what organisations post (issue #12, item 3), in the Wagtail
admin: versions waiting, each with its content (or, for a live activity, what changes);
publish, or do not publish with a note the organisation sees; trust an organisation so its
posts publish directly.  Everyone who may change organisations may review them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.models import Organisation
from organisations import activity_selectors, activity_services
from organisations.activity_forms import ReviewNoteForm
from organisations.models import ActivityVersion

PERMISSION = "cms.change_organisation"
can_moderate = permission_required(PERMISSION, raise_exception=True)


@can_moderate
def moderation_queue(request):
    return TemplateResponse(
        request,
        "organisations/moderation/queue.html",
        {"reviews": activity_selectors.version_list_pending()},
    )


@require_POST
@can_moderate
def moderation_publish(request, version_id: int):
    version = get_object_or_404(ActivityVersion, pk=version_id)
    try:
        version = activity_services.activity_version_publish(version=version, by=request.user)
    except activity_services.ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("“%(title)s” is published.") % {"title": version.data.get("title", "")}
        )
    return redirect("organisations_moderation")


@require_POST
@can_moderate
def moderation_reject(request, version_id: int):
    version = get_object_or_404(ActivityVersion, pk=version_id)
    form = ReviewNoteForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("note", []):
            messages.error(request, error)
        return redirect("organisations_moderation")
    try:
        activity_services.activity_version_reject(
            version=version, by=request.user, note=form.cleaned_data["note"]
        )
    except activity_services.ActivityError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("“%(title)s” was not published; the organisation can see your note.")
            % {"title": version.data.get("title", "")},
        )
    return redirect("organisations_moderation")


@require_POST
@can_moderate
def organisation_trust(request, organisation_id: int):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    activity_services.organisation_trust(organisation=organisation)
    messages.success(
        request,
        _(
            "%(organisation)s is now trusted: its posts publish without review. "
            "Versions already waiting still need your decision."
        )
        % {"organisation": organisation.name},
    )
    return redirect("organisations_moderation")
