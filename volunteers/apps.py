from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """Resident volunteer sign-up and the incubation pipeline (issue #7)."""

    name = "volunteers"
    verbose_name = _("Volunteers")
