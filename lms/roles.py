"""Role groups and their permissions.

Roles are Django groups so staff can see and adjust them in the Wagtail admin.  They are
synced after every ``migrate`` (permissions only exist then), which makes this idempotent.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

CONTENT_EDITORS = "Content editors"
COORDINATORS = "Coordinators"
MENTORS = "Mentors"

_TAXONOMY_MODELS = ["field", "profession", "organisationgroup", "organisationtype", "municipality"]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    CONTENT_EDITORS: [
        ("wagtailadmin", "access_admin"),
        *[("wagtailimages", f"{action}_image") for action in ("add", "change", "choose")],
        *[("wagtaildocs", f"{action}_document") for action in ("add", "change", "choose")],
        *[("cms", f"{action}_organisation") for action in ("add", "change", "view")],
        ("simple_translation", "submit_translation"),
    ],
    COORDINATORS: [
        ("wagtailadmin", "access_admin"),
        *[
            ("lms", f"{action}_{model}")
            for model in _TAXONOMY_MODELS
            for action in ("add", "change", "view")
        ],
        *[("cms", f"{action}_organisation") for action in ("add", "change", "view")],
        ("lms", "view_outboundemail"),
        ("cms", "change_platformoffice"),
        *[
            ("courses", f"{action}_{model}")
            for model in ("courserun", "venue")
            for action in ("add", "change", "view")
        ],
        ("courses", "view_enrolment"),
        ("courses", "change_enrolment"),
        *[("courses", f"{action}_attendance") for action in ("add", "change", "view")],
        *[
            ("certificates", f"{action}_{model}")
            for model in ("certificate", "certificatedesign")
            for action in ("add", "change", "view")
        ],
        *[
            ("volunteers", f"{action}_{model}")
            for model in ("volunteerprofile", "stagerequirement")
            for action in ("add", "change", "view")
        ],
        # Contact details of volunteers: only the coordinators who support them.
        ("volunteers", "view_volunteer_contact"),
        *[
            ("mentoring", f"{action}_{model}")
            for model in ("mentoringprogramme", "mentorprofile", "menteeprofile", "pair")
            for action in ("add", "change", "view")
        ],
        ("mentoring", "view_mentoringsession"),
        *[("surveys", f"{action}_survey") for action in ("add", "change", "view")],
        *[("organisations", f"{action}_organisationapplication") for action in ("change", "view")],
        # The members' exchange: read every post, hide posts, write notices to members.
        ("exchange", "view_post"),
        ("exchange", "moderate_post"),
        *[("exchange", f"{action}_notice") for action in ("add", "view")],
        *[
            ("lessons", f"{action}_{model}")
            for model in ("lessonprogress", "quizattempt")
            for action in ("view",)
        ],
    ],
    MENTORS: [],
}


def ensure_role_groups(sender=None, **kwargs) -> None:
    """Create the role groups and give them their permissions (and page rights for editors)."""
    if sender is not None and getattr(sender, "name", "") != "lms":
        return
    # On a fresh database lms's post_migrate comes before the other apps have created their
    # permissions, so create the ones the roles need first (create_permissions is idempotent).
    using = kwargs.get("using", DEFAULT_DB_ALIAS)
    needed = {label for perms in ROLE_PERMISSIONS.values() for label, _codename in perms}
    for app_label in sorted(needed | {"wagtailcore"}):
        create_permissions(global_apps.get_app_config(app_label), verbosity=0, using=using)
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [
            perm
            for app_label, codename in perms
            for perm in Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        ]
        group.permissions.add(*wanted)
    _grant_page_permissions()
    _grant_collection_permissions()


def _grant_collection_permissions() -> None:
    """Images and documents are permitted per collection in Wagtail, not by model permissions
    alone: content editors get them on the root collection (so on every collection)."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    if root is None:
        return
    editors = Group.objects.get(name=CONTENT_EDITORS)
    for app_label, codename in ROLE_PERMISSIONS[CONTENT_EDITORS]:
        if app_label not in {"wagtailimages", "wagtaildocs"}:
            continue
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            GroupCollectionPermission.objects.get_or_create(
                group=editors, collection=root, permission=permission
            )


def _grant_page_permissions() -> None:
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    if root is None:
        return
    editors = Group.objects.get(name=CONTENT_EDITORS)
    for codename in ("add_page", "change_page", "publish_page", "lock_page"):
        permission = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename=codename
        ).first()
        if permission:
            GroupPagePermission.objects.get_or_create(
                group=editors, page=root, permission=permission
            )
