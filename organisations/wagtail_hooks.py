from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from lms.wagtail_hooks import PermissionMenuItem
from organisations import (
    admin_views,
    moderation_hooks,  # noqa: F401  (activity moderation, its own hooks)
    report_hooks,  # noqa: F401  (the secretariat's report, its own hooks)
)


@hooks.register("register_admin_urls")
def register_organisation_admin_urls():
    return [
        path(
            "organisations/applications/",
            admin_views.application_list,
            name="organisations_applications",
        ),
        path(
            "organisations/applications/<int:application_id>/",
            admin_views.application_decide,
            name="organisations_application_decide",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_applications_menu_item():
    return PermissionMenuItem(
        _("Applications to join"),
        reverse("organisations_applications"),
        icon_name="form",
        order=170,
        permission="organisations.change_organisationapplication",
    )
