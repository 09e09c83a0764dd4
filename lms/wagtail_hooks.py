"""Staff edit the shared taxonomies and watch outgoing email from the Wagtail admin."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import DeleteView, InspectView, SnippetViewSet

from lms.models import (
    Field,
    Municipality,
    OrganisationGroup,
    OrganisationType,
    OutboundEmail,
    Profession,
    User,
)
from lms.pagecache import mark_cacheable
from lms.pageserving import view_restrictions
from lms.selectors import ACCOUNTS_SHOWN_VERSION


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


class _ViewPermissionRequired:
    """Wagtail's snippet choosers list every row, and answer any id, to whoever may open the
    admin (content editors included): for records about people, only those who may view the
    model may choose from them."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        policy = policy_registry.get_by_type(self.model_class)
        if not policy.user_has_any_permission(request.user, ["add", "change", "view"]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PersonalChooseView(_ViewPermissionRequired, chooser.ChooseView):
    pass


class PersonalChooseResultsView(_ViewPermissionRequired, chooser.ChooseResultsView):
    pass


class PersonalChosenView(_ViewPermissionRequired, chooser.SnippetChosenView):
    pass


class PersonalChosenMultipleView(_ViewPermissionRequired, chooser.SnippetChosenMultipleView):
    pass


class PersonalCreateView(_ViewPermissionRequired, chooser.SnippetCreateView):
    pass


class PersonalDataChooserViewSet(chooser.SnippetChooserViewSet):
    """The chooser of a snippet holding personal data (``chooser_viewset_class`` of its
    viewset): refused to staff without the model's view permission."""

    choose_view_class = PersonalChooseView
    choose_results_view_class = PersonalChooseResultsView
    chosen_view_class = PersonalChosenView
    chosen_multiple_view_class = PersonalChosenMultipleView
    create_view_class = PersonalCreateView


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


def _error_summary(message: OutboundEmail) -> str:
    return Truncator(message.last_error).chars(80)


class LocalTimeInspectView(InspectView):
    """Times in the site's time zone: Wagtail's inspect template formats a stored datetime as it
    is (UTC), nine hours off what the listing and everyone in Hyogo read."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime):
            return timezone.localtime(value)
        return "-" if value is None else value


class OutboundEmailViewSet(SnippetViewSet):
    """Read-mostly log of outgoing mail, so staff can see failures (status, attempts, last error)
    and when a failed message will be tried again."""

    model = OutboundEmail
    icon = "mail"
    menu_label = _("Outgoing email")
    menu_order = 900
    add_to_admin_menu = True
    list_display = [
        "recipient",
        "subject",
        "template",
        "status",
        "attempts",
        Column("last_error", label=_("last error"), accessor=_error_summary),
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "template"]
    search_fields = ["recipient", "subject"]
    inspect_view_enabled = True
    inspect_view_class = LocalTimeInspectView
    copy_view_enabled = False
    chooser_viewset_class = PersonalDataChooserViewSet

    # Delivery facts only: bodies may hold one-time links until they are sent.
    inspect_view_fields = [
        "recipient",
        "template",
        "language",
        "subject",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]


register_snippet(TaxonomyGroup)
register_permission_policy(OutboundEmail, ReadOnlyPermissionPolicy(OutboundEmail))
register_snippet(OutboundEmailViewSet)


@hooks.register("before_serve_page")
def keep_public_page(page, request, serve_args, serve_kwargs):
    """A page anyone may see is the same for every anonymous visitor: keep it (lms.pagecache).

    Pages with view restrictions (password, sign-in, groups) are never kept: a visitor who
    passed the restriction must not hand the page to the next one."""
    if getattr(request, "_public_page_key", None) and not view_restrictions(request, page).exists():
        mark_cacheable(request)


@hooks.register("after_bulk_action")
def accounts_changed_in_bulk(request, action_type, objects, action):
    """Wagtail's bulk actions on accounts (turning them on or off) update them without
    signals: the staff lists kept whole (``ACCOUNTS_SHOWN_VERSION``) are made stale here."""
    if getattr(action, "model", None) is User:
        ACCOUNTS_SHOWN_VERSION.changed()
