"""The audit log under Reports in the Wagtail admin, for people with ``audit.view_auditevent``
(superusers; no role group has it)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from audit import admin_views
from lms.wagtail_hooks import PermissionMenuItem


@hooks.register("register_admin_urls")
def register_audit_admin_urls():
    return [path("audit-log/", admin_views.event_list, name="audit_events")]


@hooks.register("register_reports_menu_item")
def register_audit_menu_item():
    return PermissionMenuItem(
        _("Audit log"),
        reverse("audit_events"),
        name="audit-log",
        icon_name="history",
        order=1050,
        permission="audit.view_auditevent",
    )
