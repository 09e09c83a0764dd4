"""Staff edit the shared taxonomies and watch outgoing email from the Wagtail admin."""

from django.contrib import messages
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet

from lms.models import (
    Field,
    Municipality,
    OrganisationGroup,
    OrganisationType,
    OutboundEmail,
    Profession,
)


class PermissionMenuItem(MenuItem):
    """A menu item shown only to people with ``permission`` (the page would answer 403)."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class ProtectedDeleteView(DeleteView):
    """Deleting a term that is still in use is refused with a message instead of an error page."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            messages.error(
                self.request,
                _(
                    "“%(object)s” is still in use, so it cannot be deleted. Reassign what uses it first."
                )
                % {"object": self.object},
            )
            return redirect(self.get_success_url())


class TaxonomyViewSet(SnippetViewSet):
    delete_view_class = ProtectedDeleteView


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Records written only by the platform itself: staff may look, nobody may add or edit."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete", "publish", "lock", "unlock"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class FieldViewSet(TaxonomyViewSet):
    model = Field
    icon = "tag"
    list_display = ["name", "name_en", "slug", "sort_order"]
    search_fields = ["name", "name_en"]


class ProfessionViewSet(TaxonomyViewSet):
    model = Profession
    icon = "user"
    list_display = ["name", "name_en", "sort_order"]
    search_fields = ["name", "name_en"]


class OrganisationGroupViewSet(TaxonomyViewSet):
    model = OrganisationGroup
    icon = "group"
    list_display = ["name", "name_en", "sort_order"]


class OrganisationTypeViewSet(TaxonomyViewSet):
    model = OrganisationType
    icon = "group"
    list_display = ["name", "group", "sort_order"]
    list_filter = ["group"]


class MunicipalityViewSet(TaxonomyViewSet):
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
    copy_view_enabled = False

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
register_permission_policy(OutboundEmail, ReadOnlyPermissionPolicy(OutboundEmail))
register_snippet(OutboundEmailViewSet)
