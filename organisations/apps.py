from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    """Partner organisations (issue #12): joining the platform, members and roles, their own
    profile and activities, moderated and versioned."""

    name = "organisations"
    verbose_name = _("Partner organisations")
