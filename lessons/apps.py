from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    """Self-paced online lessons, progress and understanding checks (issue #11)."""

    name = "lessons"
    verbose_name = _("Lessons")
