from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("mentoring/", views.home, name="home"),
    path("mentoring/pairs/<int:pair_id>/", views.pair_detail, name="pair"),
    path("mentoring/pairs/<int:pair_id>/log/", views.session_log, name="log"),
    path("mentoring/pairs/<int:pair_id>/meeting/", views.meeting_new, name="meeting_new"),
    path("mentoring/pairs/<int:pair_id>/change/", views.change_request, name="change"),
    path(
        "mentoring/meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"
    ),
    path(
        "mentoring/meetings/<int:meeting_id>/calendar.ics",
        views.meeting_calendar,
        name="meeting_ics",
    ),
    path("mentoring/sessions/<int:session_id>/confirm/", views.session_confirm, name="confirm"),
]
