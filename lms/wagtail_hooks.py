"""Staff edit the shared taxonomies and watch outgoing email from the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.models import (
    Field,
    Municipality,
    OrganisationGroup,
    OrganisationType,
    OutboundEmail,
    Profession,
)


class FieldViewSet(SnippetViewSet):
    model = Field
    icon = "tag"
    list_display = ["name", "name_en", "slug", "sort_order"]
    search_fields = ["name", "name_en"]


class ProfessionViewSet(SnippetViewSet):
    model = Profession
    icon = "user"
    list_display = ["name", "name_en", "sort_order"]
    search_fields = ["name", "name_en"]


class OrganisationGroupViewSet(SnippetViewSet):
    model = OrganisationGroup
    icon = "group"
    list_display = ["name", "name_en", "sort_order"]


class OrganisationTypeViewSet(SnippetViewSet):
    model = OrganisationType
    icon = "group"
    list_display = ["name", "group", "sort_order"]
    list_filter = ["group"]


class MunicipalityViewSet(SnippetViewSet):
    model = Municipality
    icon = "site"
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "name_kana", "name_en", "code"]


class TaxonomyGroup(ViewSetGroup):
    menu_label = _("Taxonomies")
    menu_icon = "tag"
    menu_order = 300
    items = (
        FieldViewSet,
        ProfessionViewSet,
        OrganisationGroupViewSet,
        OrganisationTypeViewSet,
        MunicipalityViewSet,
    )


class OutboundEmailViewSet(SnippetViewSet):
    """Read-mostly log of outgoing mail, so staff can see failures (status, attempts, last error)."""

    model = OutboundEmail
    icon = "mail"
    menu_label = _("Outgoing email")
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["recipient", "subject", "template", "status", "attempts", "created_at"]
    list_filter = ["status", "template"]
    search_fields = ["recipient", "subject"]
    inspect_view_enabled = True
    # Delivery facts only: bodies may hold one-time links until they are sent.
    inspect_view_fields = [
        "recipient",
        "template",
        "language",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]


register_snippet(TaxonomyGroup)
register_snippet(OutboundEmailViewSet)
