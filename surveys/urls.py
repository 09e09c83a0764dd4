from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("surveys/<int:invitation_id>/", views.SurveyAnswerView.as_view(), name="answer"),
    path("surveys/<int:invitation_id>/thanks/", views.SurveyThanksView.as_view(), name="thanks"),
]
