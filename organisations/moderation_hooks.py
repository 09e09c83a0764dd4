"""Activity moderation in the Wagtail admin (issue #12, item 3).  Wagtail loads hooks only
from ``wagtail_hooks`` modules, so ``organisations/wagtail_hooks.py`` imports this one."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from lms.wagtail_hooks import PermissionMenuItem
from organisations import moderation_views


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path(
            "organisations/moderation/",
            moderation_views.moderation_queue,
            name="organisations_moderation",
        ),
        path(
            "organisations/moderation/<int:version_id>/publish/",
            moderation_views.moderation_publish,
            name="organisations_moderation_publish",
        ),
        path(
            "organisations/moderation/<int:version_id>/reject/",
            moderation_views.moderation_reject,
            name="organisations_moderation_reject",
        ),
        path(
            "organisations/moderation/trust/<int:organisation_id>/",
            moderation_views.organisation_trust,
            name="organisations_moderation_trust",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return PermissionMenuItem(
        _("Activities to review"),
        reverse("organisations_moderation"),
        icon_name="tasks",
        order=171,
        permission=moderation_views.PERMISSION,
    )
