"""Authentication backends."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from lms.statements import IdStatement


def _permissions_of(alias: str, person: int) -> QuerySet:
    """The permissions given to the person and to their groups, as "app_label", "codename"."""
    user_model = get_user_model()
    own = user_model.user_permissions.through.objects.filter(user_id=person)
    groups = user_model.groups.through.objects.filter(user_id=person)
    grouped = Group.permissions.through.objects.filter(group_id__in=groups.values("group_id"))
    return (
        Permission.objects.using(alias)
        .filter(Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id")))
        .values_list("content_type__app_label", "codename")
        .order_by()
    )


PERMISSIONS = IdStatement(_permissions_of)
PERSON = IdStatement(
    lambda alias, person: get_user_model()._default_manager.using(alias).filter(pk=person)
)
# Each process's memory store of everyone's permissions and staff's Wagtail profiles
# (``ModelBackendOneQuery``).
PERMISSIONS_STORE = "permissions"


class ModelBackendOneQuery(ModelBackend):
    """Django's model backend, reading a person's own and their groups' permissions in one
    query built once (``lms.statements``) instead of two built each time, and keeping them in
    the process's memory (``PERMISSIONS_STORE``) until a group, a permission or someone's
    groups or permissions change.  Every signed-in page asks (Wagtail's user bar asks whether
    the person may open the admin); a kept set costs no query.

    The kept sets are named by the person and whether they are a superuser, and kept under the
    staff sidebar's shared version (``lms.admin_sidebar.SIDEBAR_VERSION``): every save or
    delete of a group or permission, and every change to who is in a group or holds a
    permission, bumps it, in every process, before the request that made the change ends.
    Whether the person is active is read from their account on each request, as before."""

    def get_user(self, user_id):
        """The signed-in person, read with a statement built once (every signed-in request
        reads them), as Django's backend reads them."""
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = PERSON.instance(pk, model=user_model)
        if user is None or not self.user_can_authenticate(user):
            return None
        if user.is_staff:
            _attach_kept_wagtail_profile(user)
        return user

    def get_all_permissions(self, user_obj, obj=None) -> frozenset[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return frozenset()
        if not hasattr(user_obj, "_perm_cache"):
            from lms.admin_sidebar import SIDEBAR_VERSION

            user_obj._perm_cache = SIDEBAR_VERSION.kept(
                f"permissions|{user_obj.pk}|{user_obj.is_superuser}",
                lambda: self._read_permissions(user_obj),
                store=PERMISSIONS_STORE,
            )
        return user_obj._perm_cache

    def _read_permissions(self, user_obj) -> frozenset[str]:
        if user_obj.is_superuser:
            return frozenset(super().get_all_permissions(user_obj))
        return frozenset(
            f"{app_label}.{codename}"
            for app_label, codename in PERMISSIONS.rows(user_obj.pk, model=Permission)
        )


def _attach_kept_wagtail_profile(user) -> None:
    """Every page of Wagtail's admin reads the staff member's Wagtail profile (their admin
    language, time zone, theme, shortcuts): it is kept in the process's memory under the
    sidebar's version, which every save or delete of a profile bumps, and given to the person
    as ``select_related`` would give it (None: they have none)."""
    from wagtail.users.models import UserProfile

    from lms.admin_sidebar import SIDEBAR_VERSION

    profile = SIDEBAR_VERSION.kept(
        f"wagtail-profile|{user.pk}",
        lambda: UserProfile.objects.filter(user_id=user.pk).first(),
        store=PERMISSIONS_STORE,
    )
    type(user)._meta.get_field("wagtail_userprofile").set_cached_value(user, profile)
    if profile is not None:
        UserProfile._meta.get_field("user").set_cached_value(profile, user)
