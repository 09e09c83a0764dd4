from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Training courses, runs, sessions, enrolment, attendance and certificates (issues #3-#6)."""

    name = "courses"
    verbose_name = _("Courses")
