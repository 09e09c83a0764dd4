from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("opportunities/", views.board, name="list"),
    path("opportunities/mine/", views.mine, name="mine"),
    path("opportunities/mine/<int:application_id>/hours/", views.log_hours, name="log_hours"),
    path("opportunities/mine/<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("opportunities/<int:pk>/", views.detail, name="detail"),
    path("opportunities/<int:pk>/apply/", views.apply, name="apply"),
    path("organisations/<slug:slug>/opportunities/new/", views.opportunity_new, name="new"),
    path(
        "organisations/<slug:slug>/opportunities/<int:pk>/edit/",
        views.opportunity_edit,
        name="edit",
    ),
    path(
        "organisations/<slug:slug>/opportunities/<int:pk>/applicants/",
        views.applicants,
        name="applicants",
    ),
    path(
        "organisations/<slug:slug>/applications/<int:application_id>/decide/",
        views.decide,
        name="decide",
    ),
    path(
        "organisations/<slug:slug>/hours/<int:log_id>/review/",
        views.review_hours,
        name="review_hours",
    ),
]
