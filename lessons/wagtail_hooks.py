from django.urls import path
from wagtail import hooks

from lessons import admin_views


@hooks.register("register_admin_urls")
def register_lesson_admin_urls():
    return [
        path(
            "lessons/runs/<int:run_id>/",
            admin_views.run_progress,
            name="lessons_run_progress",
        )
    ]
