"""Wagtail's user screens for our user model: 氏名 and ふりがな instead of first/last name.

Wagtail's built-in user forms require ``first_name``/``last_name``, which our model leaves
empty; staff need the fields people actually have (and see on certificates)."""

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

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
