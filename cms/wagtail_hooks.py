from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Organisation


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "organisation_type", "municipality", "is_listed"]
    list_filter = ["is_listed", "organisation_type__group"]
    search_fields = ["name", "name_kana"]


register_snippet(OrganisationViewSet)
