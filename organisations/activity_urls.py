"""Residents find activities; organisation admins edit theirs (issue #12, item 3)."""

from django.urls import path

from organisations import activity_views

app_name = "activities"

urlpatterns = [
    path("activities/", activity_views.finder, name="finder"),
    path(
        "organisations/<slug:slug>/activities/",
        activity_views.organisation_activities,
        name="organisation",
    ),
    path(
        "organisations/<slug:slug>/activities/new/",
        activity_views.activity_create,
        name="create",
    ),
    path(
        "organisations/<slug:slug>/activities/<int:activity_id>/edit/",
        activity_views.activity_edit,
        name="edit",
    ),
    path("organisations/<slug:slug>/profile/", activity_views.profile_edit, name="profile"),
]
