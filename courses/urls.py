from django.urls import path

from courses import views

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
]
