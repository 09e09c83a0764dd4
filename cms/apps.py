from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """Site content: home, standard pages, news, case studies and the organisation directory."""

    name = "cms"
    verbose_name = _("Site content")
