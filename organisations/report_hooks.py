"""The secretariat's organisations report (issue #12, item 7): admin URL and menu.
Imported by organisations.wagtail_hooks (Wagtail loads only that module)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from lms.wagtail_hooks import PermissionMenuItem
from organisations import report_views


@hooks.register("register_admin_urls")
def register_organisations_report_url():
    return [path("organisations/report/", report_views.report_view, name="organisations_report")]


@hooks.register("register_admin_menu_item")
def register_organisations_report_menu_item():
    return PermissionMenuItem(
        _("Organisations report"),
        reverse("organisations_report"),
        icon_name="doc-full",
        order=172,
        permission="cms.view_organisation",
    )
