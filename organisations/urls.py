from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/apply/", views.apply, name="apply"),
    path("organisations/apply/sent/", views.applied, name="applied"),
    path("organisations/invitations/<str:token>/", views.accept, name="accept"),
    path("organisations/mine/", views.mine, name="mine"),
    # /organisations/<slug>/ is the public directory page (cms); members work one level down.
    path("organisations/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("organisations/<slug:slug>/invite/", views.invite, name="invite"),
    path("organisations/<slug:slug>/nominate/", views.nominate, name="nominate"),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/",
        views.member_update,
        name="member",
    ),
]
