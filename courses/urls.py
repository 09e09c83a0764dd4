from django.urls import path

from courses import attendance_views, views

app_name = "courses"

urlpatterns = [
    path("learning/", views.MyLearningView.as_view(), name="my_learning"),
    path("runs/<int:run_id>/enrol/", views.EnrolView.as_view(), name="enrol"),
    path("enrolments/<int:enrolment_id>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("enrolments/<int:enrolment_id>/accept/", views.OfferAcceptView.as_view(), name="accept"),
    path(
        "enrolments/<int:enrolment_id>/decline/",
        views.OfferDeclineView.as_view(),
        name="decline",
    ),
    path(
        "enrolments/<int:enrolment_id>/reflection/",
        views.ReflectionView.as_view(),
        name="reflection",
    ),
    # Calendars
    path("sessions/<int:session_id>/calendar.ics", views.session_calendar, name="session_ics"),
    path("sessions/<int:session_id>/google/", views.session_google, name="session_google"),
    path("runs/<int:run_id>/calendar.ics", views.run_calendar, name="run_ics"),
    # Attendance: participants
    path("check-in/", attendance_views.check_in_code, name="check_in_code"),
    path("check-in/signed-in/", attendance_views.check_in_pending, name="check_in_pending"),
    path(
        "check-in/<int:session_id>/<int:window>/<str:token>/",
        attendance_views.check_in_qr,
        name="check_in_qr",
    ),
    path("sessions/<int:session_id>/join/", attendance_views.online_join, name="online_join"),
    path("sessions/<int:session_id>/code/", attendance_views.online_code, name="online_code"),
    path("sessions/<int:session_id>/apology/", attendance_views.apology, name="apology"),
    # Attendance: staff
    path("sessions/<int:session_id>/roster/", attendance_views.roster, name="roster"),
    path(
        "sessions/<int:session_id>/roster/mark/", attendance_views.roster_mark, name="roster_mark"
    ),
    path(
        "sessions/<int:session_id>/roster/rest-absent/",
        attendance_views.roster_rest_absent,
        name="roster_rest_absent",
    ),
    path(
        "sessions/<int:session_id>/roster/walk-in/",
        attendance_views.roster_walk_in,
        name="roster_walk_in",
    ),
    path(
        "sessions/<int:session_id>/roster/live/", attendance_views.roster_live, name="roster_live"
    ),
    path(
        "sessions/<int:session_id>/check-in-screen/",
        attendance_views.check_in_screen,
        name="check_in_screen",
    ),
    path(
        "sessions/<int:session_id>/check-in-screen/code/",
        attendance_views.check_in_screen_code,
        name="check_in_screen_code",
    ),
]
