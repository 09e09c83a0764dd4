from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    """Mentor-mentee pairs, matching and session logs (issue #8)."""

    name = "mentoring"
    verbose_name = _("Mentoring")
