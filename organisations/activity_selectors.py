"""Read-side queries for activities (issue #12, item 3): the residents' finder, an
organisation admin's activity, and the secretariat's review queue.  Each list is fetched with
its relations in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cms.models import Activity, Organisation
from lms.models import Field, Municipality
from organisations.activity_forms import (
    ACTIVITY_FIELDS,
    activity_field_labels,
    activity_values,
    weekday_labels,
)
from organisations.models import ActivityVersion

GOOGLE_MAPS_SEARCH = "https://www.google.com/maps/search/"


def activity_list_public(
    *,
    municipality: Municipality | None = None,
    field: Field | None = None,
    day: str = "",
    audience: str = "",
    q: str = "",
) -> QuerySet[Activity]:
    """Published activities of listed organisations, filtered.  Choosing a city also finds
    activities in its wards; ``field`` is one of the organisation's fields; ``day`` an ISO
    weekday number ("1" = Monday); ``audience`` a word in "who it is for"."""
    activities = Activity.objects.filter(
        is_published=True, organisation__is_listed=True
    ).select_related("organisation", "municipality__parent")
    if municipality:
        activities = activities.filter(
            Q(municipality=municipality) | Q(municipality__parent=municipality)
        )
    if field:
        activities = activities.filter(organisation__fields=field)
    if day:
        # Stored as single digits joined by commas ("2,6"), so a digit matches only its day.
        activities = activities.filter(weekdays__contains=day)
    if audience:
        activities = activities.filter(audience__icontains=audience)
    if q:
        activities = activities.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(place__icontains=q)
            | Q(schedule__icontains=q)
            | Q(audience__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    return activities.order_by("organisation__name_kana", "organisation__name", "sort_order", "pk")


def activity_map_url(activity: Activity) -> str:
    """A Google Maps search for the activity's place and municipality ("" when it has
    neither, e.g. online only).  Needs ``municipality__parent`` loaded for wards."""
    parts = [activity.place, activity.municipality.display_name if activity.municipality else ""]
    query = " ".join(part for part in parts if part)
    if not query:
        return ""
    return f"{GOOGLE_MAPS_SEARCH}?{urlencode({'api': '1', 'query': query})}"


def activity_get_for_organisation(*, organisation: Organisation, activity_id: int) -> Activity:
    """``organisation``'s activity, or "not found" (also for another organisation's id)."""
    activity = (
        Activity.objects.filter(pk=activity_id, organisation=organisation)
        .select_related("municipality__parent")
        .first()
    )
    if activity is None:
        raise Http404
    return activity


def activity_version_waiting(*, activity: Activity) -> ActivityVersion | None:
    """The version of ``activity`` waiting for review, if any."""
    return (
        activity.versions.filter(status=ActivityVersion.Status.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass
class VersionReview:
    """A waiting version as staff see it: the whole content of a new activity, or for a change
    to a live activity only what changes (``rows``: label, now, proposed)."""

    version: ActivityVersion
    is_change: bool
    rows: list[tuple[str, str, str]]


def _display(name: str, value, municipalities: dict[int, Municipality]) -> str:
    if name == "municipality":
        municipality = municipalities.get(value)
        return municipality.display_name if municipality else ""
    if name == "is_online":
        return _("Yes") if value else _("No")
    if name == "weekdays":
        return "、".join(weekday_labels(value or ""))
    return str(value or "")


def version_list_pending() -> list[VersionReview]:
    """Activity versions waiting for review, oldest first, each with what it would show.
    Three queries whatever the number of versions."""
    versions = list(
        ActivityVersion.objects.filter(
            status=ActivityVersion.Status.PENDING, activity__isnull=False
        )
        .select_related("activity", "organisation", "edited_by")
        .order_by("created_at", "pk")
    )
    municipality_ids = {v.data.get("municipality") for v in versions} | {
        v.activity.municipality_id for v in versions
    }
    municipalities = Municipality.objects.select_related("parent").in_bulk(
        [pk for pk in municipality_ids if pk]
    )
    labels = activity_field_labels()
    reviews = []
    for version in versions:
        activity = version.activity
        current = activity_values(activity)
        review = VersionReview(version=version, is_change=activity.is_published, rows=[])
        for name in ACTIVITY_FIELDS:
            proposed = _display(name, version.data.get(name), municipalities)
            now = _display(name, current[name], municipalities)
            if review.is_change and proposed == now:
                continue
            if not review.is_change and not proposed:
                continue
            review.rows.append((str(labels[name]), now if review.is_change else "", proposed))
        reviews.append(review)
    return reviews
