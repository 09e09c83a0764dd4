"""The members' exchange in the Wagtail admin: the secretariat's list of recent posts."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from exchange import admin_views
from exchange.selectors import MODERATE_PERMISSION
from lms.wagtail_hooks import PermissionMenuItem


@hooks.register("register_admin_urls")
def register_exchange_admin_urls():
    return [
        path("exchange/posts/", admin_views.post_list, name="exchange_admin_posts"),
        path(
            "exchange/posts/<int:pk>/hide/", admin_views.post_hide, name="exchange_admin_post_hide"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_exchange_menu_item():
    return PermissionMenuItem(
        _("Members' exchange"),
        reverse("exchange_admin_posts"),
        icon_name="group",
        order=173,
        permission=MODERATE_PERMISSION,
    )
