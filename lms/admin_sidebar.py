"""Wagtail's admin sidebar kept per staff member, so that a staff page does not build it again.

Every page of the admin writes the sidebar's menus for the person viewing it: each menu item
asks whether the person may see it (page, collection and model permissions, three queries) and
the whole menu is packed for the browser's script.  That is about 10 ms, two thirds of an empty
admin page, on every roster, list and form staff open.  The menus change only when someone's
permissions or Wagtail profile do, so the packed menus are kept in each process's memory
(``lms.versioned``), per person and language, and written again only when one of these
changes:

- what the entry is named by, read from the request at no cost: the person (their id, name,
  address and flags) and every model permission they hold (already read by the admin's own
  access check);
- a shared version (``SIDEBAR_VERSION``, one read per admin page), bumped by any change to
  groups, permissions, page and collection permissions, collections, locales, sites, moved
  pages or Wagtail profiles (dismissed help items, avatars, preferred language).

The menus carry no address of the current page (the browser marks the active item), no CSRF
token and nothing that changes with time; entries also expire after an hour.
Wagtail's own ``sidebar_props`` tag is replaced in its tag library at start-up
(``keep_sidebar_per_person``); ``tests/lms/test_admin_sidebar.py`` checks that what is kept
is exactly what Wagtail writes.  So is its ``keyboard_shortcuts_dialog`` tag: the dialog is
the same table for everyone with the same language, kind of computer and choice, and is
written once per process for each (``kept_keyboard_shortcuts_dialog``).  And so is its
``wagtail_config`` tag, the admin's script settings (``kept_wagtail_config``): the same for
everyone with the same language but for the CSRF token and two choices of the request's.
"""

from __future__ import annotations

import hashlib
import re

from django.contrib.auth.models import Group
from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from lms.pagecache import FRAGMENT_SECONDS, FRAGMENT_STORE
from lms.versioned import SharedVersion

# Wagtail's keyboard shortcuts dialog, as its ``keyboard_shortcuts_dialog`` tag writes it.
KEYBOARD_SHORTCUTS_TEMPLATE = "wagtailadmin/shared/keyboard_shortcuts_dialog.html"

# Changes to these models' rows can change what someone's sidebar shows.
SIDEBAR_VERSION = SharedVersion(
    "staff-sidebar",
    models=(
        "auth.Group",
        "auth.Permission",
        "wagtailcore.GroupPagePermission",
        "wagtailcore.GroupCollectionPermission",
        "wagtailcore.Collection",
        "wagtailcore.Locale",
        "wagtailcore.Site",
        "wagtailusers.UserProfile",
    ),
    seconds=60 * 60,
)


def _entry_name(user) -> str:
    """Names the entry by everything of the person the sidebar shows or decides by that the
    request has already read: who they are, their flags and their model permissions."""
    person = (
        user.pk,
        user.get_username(),
        getattr(user, "first_name", ""),
        getattr(user, "email", ""),
        user.is_active,
        user.is_staff,
        user.is_superuser,
        sorted(user.get_all_permissions()),
    )
    digest = hashlib.blake2b(repr(person).encode(), digest_size=16).hexdigest()
    return f"{user.pk}|{translation.get_language()}|{digest}"


def kept_sidebar_props(context) -> SafeString:
    """Wagtail's ``sidebar_props`` tag, written once per person, language and version."""
    from wagtail.admin.templatetags.wagtailadmin_tags import sidebar_props

    user = context["request"].user
    if not user.is_authenticated:
        return sidebar_props(context)
    html = SIDEBAR_VERSION.kept(_entry_name(user), lambda: str(sidebar_props(context)))
    return mark_safe(html)  # noqa: S308 (Wagtail's own json_script output, kept)


# How Wagtail tells a Mac (its key labels: ⌘, ⌥) from other computers by the User-Agent
# (``wagtail.admin.utils.get_keyboard_key_labels_from_request``).
_MAC = re.compile(r"Mac|iPod|iPhone|iPad")


def _shortcuts_on(request) -> bool:
    """The person's choice of Wagtail's keyboard shortcuts (on unless their profile says off),
    as Wagtail reads it for the dialog and the admin's script settings."""
    profile = getattr(getattr(request, "user", None), "wagtail_userprofile", None)
    return bool(getattr(profile, "keyboard_shortcuts", True))


def kept_keyboard_shortcuts_dialog(context) -> SafeString:
    """Wagtail's keyboard shortcuts dialog (some forty shortcuts in a table, on every admin
    page), written once per process for each set of what Wagtail writes it from: the
    language, the kind of computer (its key labels), comments on or off and the person's
    choice to turn shortcuts off.  Written from Wagtail's own values and template; only the
    writing is saved (a test compares each set with Wagtail's own tag)."""
    from wagtail.admin.templatetags.wagtailadmin_tags import (
        get_comments_enabled,
        keyboard_shortcuts_dialog,
    )

    request = context.get("request")
    shortcuts_on = _shortcuts_on(request)
    mac = bool(_MAC.search(request.headers.get("User-Agent", ""))) if request else False
    key = (
        f"kbd-dialog|{translation.get_language()}|{get_script_prefix()}|{mac}|{shortcuts_on}"
        f"|{get_comments_enabled()}"
    )
    store = caches[FRAGMENT_STORE]
    html = store.get(key)
    if html is None:
        html = get_template(KEYBOARD_SHORTCUTS_TEMPLATE).render(keyboard_shortcuts_dialog(context))
        store.set(key, html, timeout=FRAGMENT_SECONDS)
    return mark_safe(html)  # noqa: S308 (Wagtail's own template, kept)


# What Wagtail's ``wagtail_config`` tag gives that belongs to the request itself; the rest is
# the same for everyone with the same language and script prefix.
_CONFIG_OF_THE_REQUEST = ("CSRF_TOKEN", "ACTIVE_CONTENT_LOCALE", "KEYBOARD_SHORTCUTS_ENABLED")


def kept_wagtail_config(context) -> dict:
    """Wagtail's ``wagtail_config`` tag (the admin's script settings on every admin page: API
    addresses, the locales, a hundred translated strings), built by Wagtail once per process
    for each language and script prefix under the sidebar's version (a locale's change bumps
    it); the CSRF token, the content locale being edited and the person's choice of keyboard
    shortcuts are filled in for each request as Wagtail fills them in."""
    from wagtail.admin.templatetags.wagtailadmin_tags import wagtail_config

    def build() -> dict:
        config = wagtail_config(context)
        return {key: value for key, value in config.items() if key not in _CONFIG_OF_THE_REQUEST}

    name = f"wagtail-config|{translation.get_language()}|{get_script_prefix()}"
    request = context["request"]
    config = {"CSRF_TOKEN": get_token(request)}
    config.update(SIDEBAR_VERSION.kept(name, build, store=FRAGMENT_STORE))
    if locale := context.get("locale"):
        config["ACTIVE_CONTENT_LOCALE"] = locale.language_code
    config["KEYBOARD_SHORTCUTS_ENABLED"] = _shortcuts_on(request)
    return config


def keep_sidebar_per_person() -> None:
    """Replace Wagtail's ``sidebar_props`` tag with ``kept_sidebar_props`` and listen to the
    changes that make kept sidebars stale.  Called once, from ``LmsConfig.ready``."""
    from django.contrib.auth import get_user_model
    from wagtail.admin.templatetags import wagtailadmin_tags
    from wagtail.signals import post_page_move

    wagtailadmin_tags.register.simple_tag(
        kept_sidebar_props, takes_context=True, name="sidebar_props"
    )
    wagtailadmin_tags.register.simple_tag(
        kept_keyboard_shortcuts_dialog, takes_context=True, name="keyboard_shortcuts_dialog"
    )
    wagtailadmin_tags.register.simple_tag(
        kept_wagtail_config, takes_context=True, name="wagtail_config"
    )
    user_model = get_user_model()
    SIDEBAR_VERSION.connect(
        relations=(
            user_model.groups.through,
            user_model.user_permissions.through,
            Group.permissions.through,
        )
    )
    post_page_move.connect(SIDEBAR_VERSION.changed, dispatch_uid="lms.admin_sidebar.moved")
