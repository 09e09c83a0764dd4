"""Activities (issue #12, item 3): residents find them at /activities/ (no sign-in);
organisation admins add and edit their own and their directory profile.  The organisation
pages answer "not found" to anyone who is not an admin of that organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from lms.pagecache import cache_public_page
from organisations import activity_selectors, activity_services
from organisations.activity_forms import (
    ActivityFilterForm,
    ActivityForm,
    ProfileForm,
    activity_initial,
    activity_values,
    weekday_labels,
)
from organisations.models import MemberRole
from organisations.selectors import organisation_for_admin, organisation_for_member

PER_PAGE = 20


@cache_public_page
def finder(request):
    """つながりづくりの場を探す: published activities by municipality, field, day and audience."""
    form = ActivityFilterForm(request.GET or None)
    activities = activity_selectors.activity_list_public(**form.valid_filters())
    page = Paginator(activities, PER_PAGE).get_page(request.GET.get("page"))
    for activity in page:
        activity.map_url = activity_selectors.activity_map_url(activity)
        activity.day_names = weekday_labels(activity.weekdays)
    return TemplateResponse(
        request,
        "organisations/activities/finder.html",
        {"form": form, "page_obj": page, "query_string": form.query_string()},
    )


@login_required
def organisation_activities(request, slug: str):
    """The organisation's activities and their review status, for its members."""
    organisation, membership = organisation_for_member(user=request.user, slug=slug)
    return TemplateResponse(
        request,
        "organisations/activities/list.html",
        {
            "organisation": organisation,
            "membership": membership,
            "is_admin": membership.role == MemberRole.ADMIN,
        },
    )


def _saved_message(request, version) -> None:
    if version.status == version.Status.PUBLISHED:
        messages.success(request, _("Saved and published."))
    elif version.activity.is_published:
        messages.success(
            request,
            _(
                "Saved. The secretariat will review your changes; until then residents see "
                "the published version."
            ),
        )
    else:
        messages.success(
            request,
            _("Saved. Residents will see the activity once the secretariat has reviewed it."),
        )


def _activity_form(request, organisation, activity=None):
    """Add (``activity=None``) or edit an activity: one page for both."""
    waiting = activity_selectors.activity_version_waiting(activity=activity) if activity else None
    if request.method == "POST":
        form = ActivityForm(request.POST)
        if form.is_valid():
            try:
                version = activity_services.activity_submit(
                    organisation=organisation,
                    activity=activity,
                    data=form.activity_data(),
                    by=request.user,
                )
            except activity_services.ActivityError as error:
                form.add_error(None, str(error))
            else:
                _saved_message(request, version)
                return redirect("activities:organisation", slug=organisation.slug)
    else:
        # Continue from the change waiting for review, if there is one.
        source = waiting.data if waiting else (activity_values(activity) if activity else {})
        form = ActivityForm(initial=activity_initial(source) if source else None)
    return TemplateResponse(
        request,
        "organisations/activities/form.html",
        {
            "form": form,
            "organisation": organisation,
            "activity": activity,
            "waiting": waiting,
        },
    )


@login_required
def activity_create(request, slug: str):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    return _activity_form(request, organisation)


@login_required
def activity_edit(request, slug: str, activity_id: int):
    organisation = organisation_for_admin(user=request.user, slug=slug)
    activity = activity_selectors.activity_get_for_organisation(
        organisation=organisation, activity_id=activity_id
    )
    return _activity_form(request, organisation, activity)


@login_required
def profile_edit(request, slug: str):
    """The organisation's directory profile; applied at once (and recorded as a version)."""
    organisation = organisation_for_admin(user=request.user, slug=slug)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                activity_services.organisation_profile_update(
                    organisation=organisation, data=form.profile_data(), by=request.user
                )
            except activity_services.ActivityError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("activities:organisation", slug=organisation.slug)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(organisation))
    return TemplateResponse(
        request,
        "organisations/activities/profile_form.html",
        {"form": form, "organisation": organisation},
    )
