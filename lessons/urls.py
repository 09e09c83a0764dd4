from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("lessons/<int:lesson_id>/done/", views.lesson_done, name="done"),
    path("lessons/<int:lesson_id>/video-ended/", views.video_ended, name="video_ended"),
    path("lessons/<int:lesson_id>/check/", views.quiz_submit, name="quiz"),
]
