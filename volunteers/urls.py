from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("volunteer/", views.VolunteerHomeView.as_view(), name="home"),
    path("volunteer/join/", views.SignUpView.as_view(), name="signup"),
    path("volunteer/join/<int:step>/", views.SignUpView.as_view(), name="signup_step"),
    path("volunteer/join/sent/", views.SignUpSentView.as_view(), name="signup_sent"),
]
