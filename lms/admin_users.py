"""Wagtail's user and group screens for our platform.

Users: 氏名 and ふりがな instead of first/last name.  Wagtail's built-in user forms require
``first_name``/``last_name``, which our model leaves empty; staff need the fields people
actually have (and see on certificates).

Groups: Wagtail's own screens, which also make the kept admin sidebars stale once a group's
page and collection permissions are saved (``lms.admin_sidebar``)."""

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import groups
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from lms.admin_sidebar import SIDEBAR_VERSION
from lms.forms import PROFILE_FIELDS, NameFieldsMixin


class StaffUserCreationForm(NameFieldsMixin, UserCreationForm):
    first_name = None
    last_name = None

    class Meta(UserCreationForm.Meta):
        fields = (set(UserCreationForm.Meta.fields) - {"first_name", "last_name"}) | set(
            PROFILE_FIELDS
        )


class StaffUserEditForm(NameFieldsMixin, UserEditForm):
    first_name = None
    last_name = None

    class Meta(UserEditForm.Meta):
        fields = (set(UserEditForm.Meta.fields) - {"first_name", "last_name"}) | set(PROFILE_FIELDS)


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


class _SidebarsStaleAfterPermissionPanels:
    """Wagtail saves the group first (a signal bumps the sidebars' version) and its page and
    collection permissions after it, with ``bulk_create``, which sends no signal: a sidebar
    built in between would be kept without them.  Bump again once they are saved."""

    def process_form(self):
        response = super().process_form()
        SIDEBAR_VERSION.changed()
        return response


class GroupCreateView(_SidebarsStaleAfterPermissionPanels, groups.CreateView):
    pass


class GroupEditView(_SidebarsStaleAfterPermissionPanels, groups.EditView):
    pass


class GroupViewSet(groups.GroupViewSet):
    add_view_class = GroupCreateView
    edit_view_class = GroupEditView
