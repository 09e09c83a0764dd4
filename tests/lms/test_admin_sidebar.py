"""Wagtail's admin sidebar kept per staff member (lms.admin_sidebar): what is served is exactly
what Wagtail writes, for each person and language, and every change that alters it shows on the
next page.  Its keyboard shortcuts dialog, written once per set of values, is Wagtail's too."""

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.admin.templatetags.wagtailadmin_tags import sidebar_props as written_by_wagtail
from wagtail.models import GroupCollectionPermission, GroupPagePermission, Page
from wagtail.users.models import UserProfile

from lms import admin_sidebar, roles
from lms.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIDEBAR = re.compile(
    r'<script id="wagtail-sidebar-props" type="application/json">.*?</script>', re.S
)
PAGE = "/admin/"
TODAY = "/admin/courses/today/"  # a page of ours that reads no permissions of its own


def _served(client, page: str = PAGE) -> str:
    response = client.get(page)
    assert response.status_code == 200
    return SIDEBAR.search(response.content.decode()).group(0)


def _fresh(person: User, language: str) -> str:
    """The sidebar as Wagtail itself writes it, from the database as it is now."""
    request = RequestFactory().get(PAGE)
    request.user = User.objects.get(pk=person.pk)  # nothing of the person read before
    with translation.override(language):
        return str(written_by_wagtail({"request": request}))


def _labels(sidebar_html: str) -> set[str]:
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("label"), str):
                found.add(value["label"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(json.loads(re.sub(r"^<script[^>]*>|</script>$", "", sidebar_html)))
    return found


def _staff(*groups: str, **fields) -> User:
    person = UserFactory(is_staff=True, **fields)
    person.groups.add(*Group.objects.filter(name__in=groups))
    return person


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("who", ["coordinator", "content editor", "superuser"])
def test_the_kept_sidebar_is_what_wagtail_writes(client, who, language):
    if who == "superuser":
        person = UserFactory(is_staff=True, is_superuser=True)
    else:
        person = _staff(roles.COORDINATORS if who == "coordinator" else roles.CONTENT_EDITORS)
    UserProfile.objects.update_or_create(user=person, defaults={"preferred_language": language})
    client.force_login(person)

    written, kept = _served(client), _served(client)

    assert written == kept == _fresh(person, language)


def test_a_second_page_reads_nothing_for_the_menus(client):
    person = _staff(roles.COORDINATORS)
    client.force_login(person)

    with CaptureQueriesContext(connection) as first:
        _served(client, TODAY)
    with CaptureQueriesContext(connection) as second:
        _served(client, TODAY)

    def menu_reads(queries):
        return [
            q["sql"]
            for q in queries.captured_queries
            if "wagtailcore_groupcollectionpermission" in q["sql"]
            or "wagtailcore_grouppagepermission" in q["sql"]
        ]

    assert menu_reads(first)
    assert not menu_reads(second)
    assert len(second.captured_queries) < len(first.captured_queries)


def test_people_never_get_each_others_sidebar(client):
    coordinator, editor = _staff(roles.COORDINATORS), _staff(roles.CONTENT_EDITORS)
    client.force_login(coordinator)
    coordinators_sidebar = _served(client)
    client.force_login(editor)
    editors_sidebar = _served(client)

    assert coordinators_sidebar != editors_sidebar
    assert editors_sidebar == _fresh(editor, "ja")
    client.force_login(coordinator)
    assert _served(client) == coordinators_sidebar == _fresh(coordinator, "ja")


def _join_coordinators(person):
    person.groups.add(Group.objects.get(name=roles.COORDINATORS))


def _leave_editors(person):
    person.groups.remove(Group.objects.get(name=roles.CONTENT_EDITORS))


def _group_gains_a_permission(person):
    Group.objects.get(name=roles.CONTENT_EDITORS).permissions.add(
        Permission.objects.get(content_type__app_label="courses", codename="view_attendance")
    )


def _person_gains_a_permission(person):
    person.user_permissions.add(
        Permission.objects.get(content_type__app_label="courses", codename="change_enrolment")
    )


def _editors_lose_page_permissions(person):
    GroupPagePermission.objects.filter(group__name=roles.CONTENT_EDITORS).delete()


def _editors_lose_collection_permissions(person):
    GroupCollectionPermission.objects.filter(group__name=roles.CONTENT_EDITORS).delete()


def _renamed(person):
    User.objects.filter(pk=person.pk).update(first_name="髙橋")


def _help_item_dismissed(person):
    profile = UserProfile.get_for_user(person)
    profile.dismissibles = {"help": True, "editor-guide": True}
    profile.save()


def _prefers_english(person):
    profile = UserProfile.get_for_user(person)
    profile.preferred_language = "en"
    profile.save()


@pytest.mark.parametrize(
    "change",
    [
        _join_coordinators,
        _leave_editors,
        _group_gains_a_permission,
        _person_gains_a_permission,
        _editors_lose_page_permissions,
        _editors_lose_collection_permissions,
        _renamed,
        _help_item_dismissed,
        _prefers_english,
    ],
)
def test_each_change_shows_on_the_next_page(client, change):
    person = _staff(roles.CONTENT_EDITORS)
    # Into the admin by a permission of their own, so that leaving the group keeps them there.
    person.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(person)
    before = _served(client)

    change(person)
    after = _served(client)

    language = UserProfile.get_for_user(person).preferred_language or "ja"
    assert after != before
    assert after == _fresh(person, language)


def test_a_permission_given_adds_its_menu_item(client):
    person = _staff(roles.CONTENT_EDITORS)
    client.force_login(person)
    assert "今日の研修" not in _labels(_served(client))

    _group_gains_a_permission(person)

    assert "今日の研修" in _labels(_served(client))


def test_the_version_is_bumped_at_the_change_and_again_when_it_commits(
    django_capture_on_commit_callbacks,
):
    person = _staff()
    version = admin_sidebar.SIDEBAR_VERSION
    start = version.current()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person.groups.add(Group.objects.get(name=roles.COORDINATORS))
        at_change = version.current()

    assert start != at_change != version.current()
    assert callbacks == [version.bump]


def test_page_permissions_saved_in_wagtails_group_editor_show_on_the_next_page(client, monkeypatch):
    """Wagtail saves a group's page permissions after the group, without a signal: a sidebar
    built in between (another staff member's request) must not be kept after them."""
    from django.urls import reverse
    from wagtail.users.forms import BaseGroupPagePermissionFormSet

    from tests.admin_forms import browser_form_data

    person = _staff(roles.COORDINATORS)
    group = Group.objects.get(name=roles.COORDINATORS)
    url = reverse("wagtailusers_groups:edit", args=[group.pk])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = browser_form_data(client.get(url).content.decode(), action=url)
    rows = int(data["page_permissions-TOTAL_FORMS"])
    data["page_permissions-TOTAL_FORMS"] = str(rows + 1)
    data[f"page_permissions-{rows}-page"] = str(Page.get_first_root_node().pk)
    data[f"page_permissions-{rows}-permissions"] = ["add_page", "change_page"]
    save_rows = BaseGroupPagePermissionFormSet.save

    def save_with_a_request_in_between(formset):
        request = RequestFactory().get(PAGE)
        request.user = User.objects.get(pk=person.pk)
        admin_sidebar.kept_sidebar_props({"request": request})  # kept without the new rows
        return save_rows(formset)

    monkeypatch.setattr(BaseGroupPagePermissionFormSet, "save", save_with_a_request_in_between)
    answer = client.post(url, data)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert GroupPagePermission.objects.filter(group=group).count() == 2
    client.force_login(person)
    assert _served(client) == _fresh(person, "ja")


# --- Wagtail's keyboard shortcuts dialog, written once per set of values ----------------------


def _dialog_by_wagtail(person: User, language: str, user_agent: str) -> str:
    """The dialog as Wagtail's own inclusion tag writes it, from its function and template."""
    from django.template import RequestContext, engines
    from django.template.library import InclusionNode
    from wagtail.admin.templatetags import wagtailadmin_tags

    request = RequestFactory().get(PAGE, HTTP_USER_AGENT=user_agent)
    request.user = User.objects.get(pk=person.pk)
    node = InclusionNode(
        wagtailadmin_tags.keyboard_shortcuts_dialog,
        takes_context=True,
        args=[],
        kwargs={},
        filename=admin_sidebar.KEYBOARD_SHORTCUTS_TEMPLATE,
    )
    context = RequestContext(request, {"request": request})
    context.template = engines["django"].from_string("").template
    with translation.override(language):
        return node.render(context)


def _kept_dialog(person: User, language: str, user_agent: str) -> str:
    request = RequestFactory().get(PAGE, HTTP_USER_AGENT=user_agent)
    request.user = User.objects.get(pk=person.pk)
    with translation.override(language):
        return str(admin_sidebar.kept_keyboard_shortcuts_dialog({"request": request}))


MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("user_agent", [MAC, WINDOWS])
@pytest.mark.parametrize("shortcuts_on", [True, False])
def test_the_kept_shortcuts_dialog_is_what_wagtail_writes(language, user_agent, shortcuts_on):
    person = _staff(roles.COORDINATORS)
    UserProfile.objects.create(user=person, keyboard_shortcuts=shortcuts_on)

    written = _kept_dialog(person, language, user_agent)
    kept = _kept_dialog(person, language, user_agent)

    assert written == kept == _dialog_by_wagtail(person, language, user_agent)
    assert 'id="keyboard-shortcuts-dialog"' in written
    assert ("⌘" in written) is (user_agent == MAC)
    assert ("Keyboard shortcuts are currently disabled" in written) is not shortcuts_on


@pytest.fixture
def dialogs_written(monkeypatch) -> list:
    """The templates ``lms.admin_sidebar`` writes from now on."""
    written = []
    real = admin_sidebar.get_template

    def counting(name):
        written.append(name)
        return real(name)

    monkeypatch.setattr(admin_sidebar, "get_template", counting)
    return written


def test_the_dialog_is_written_once_and_people_get_their_own(client, dialogs_written):
    on, off = _staff(roles.COORDINATORS), _staff(roles.COORDINATORS)
    UserProfile.objects.create(user=off, keyboard_shortcuts=False)
    client.force_login(on)
    first, second = client.get(TODAY).content.decode(), client.get(TODAY).content.decode()
    client.force_login(off)
    theirs = client.get(TODAY).content.decode()

    assert dialogs_written == [admin_sidebar.KEYBOARD_SHORTCUTS_TEMPLATE] * 2  # one per set
    assert (
        '<div id="keyboard-shortcuts-dialog"' in first
        and "Keyboard shortcuts are currently disabled" not in second
    )
    assert "Keyboard shortcuts are currently disabled" in theirs


def test_each_language_and_kind_of_computer_gets_its_own_dialog(dialogs_written):
    """One after another in one process: each set of values is written once and served to
    nobody else."""
    person = _staff(roles.COORDINATORS)
    combinations = [(language, agent) for language in ("ja", "en") for agent in (MAC, WINDOWS)]
    for language, agent in combinations * 2:
        assert _kept_dialog(person, language, agent) == _dialog_by_wagtail(person, language, agent)

    assert len(dialogs_written) == len(combinations)


CONFIG = re.compile(r'<script id="wagtail-config" type="application/json">(.*?)</script>', re.S)


def _config_served(client, page: str = TODAY) -> dict:
    response = client.get(page)
    assert response.status_code == 200
    return json.loads(CONFIG.search(response.content.decode()).group(1))


def _config_by_wagtail(request, language: str, **context) -> dict:
    from wagtail.admin.templatetags.wagtailadmin_tags import wagtail_config

    with translation.override(language):
        return json.loads(json.dumps(wagtail_config({"request": request, **context})))


def _without_token(config: dict) -> dict:
    """The config but its CSRF token (masked afresh each time it is asked for)."""
    assert len(config["CSRF_TOKEN"]) == 64
    return {key: value for key, value in config.items() if key != "CSRF_TOKEN"}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("shortcuts_on", [True, False, None])
def test_the_kept_admin_config_is_what_wagtail_gives(language, shortcuts_on):
    from wagtail.models import Locale

    person = _staff(roles.COORDINATORS)
    if shortcuts_on is not None:
        UserProfile.objects.create(user=person, keyboard_shortcuts=shortcuts_on)
    request = RequestFactory().get(PAGE)
    request.user = User.objects.get(pk=person.pk)
    english = Locale.objects.get_or_create(language_code="en")[0]
    for context in ({}, {"locale": english}, {}):  # written, then kept (the second time too)
        with translation.override(language):
            config = admin_sidebar.kept_wagtail_config({"request": request, **context})
        kept = json.loads(json.dumps(config))
        assert _without_token(kept) == _without_token(
            _config_by_wagtail(request, language, **context)
        )
    assert kept["KEYBOARD_SHORTCUTS_ENABLED"] is (shortcuts_on is not False)
    assert len(kept["LOCALES"]) == Locale.objects.count()


def test_the_admin_config_is_built_once_and_everyone_gets_their_own_token(client, monkeypatch):
    from wagtail.admin.templatetags import wagtailadmin_tags

    built = []
    real = wagtailadmin_tags.wagtail_config
    monkeypatch.setattr(
        wagtailadmin_tags, "wagtail_config", lambda context: built.append(1) or real(context)
    )
    one, other = _staff(roles.COORDINATORS), _staff(roles.COORDINATORS)
    client.force_login(one)
    first, second = _config_served(client), _config_served(client)
    other_client = Client()
    other_client.force_login(other)
    theirs = _config_served(other_client)

    assert len(built) == 1
    assert _without_token(first) == _without_token(second) == _without_token(theirs)
    assert first["CSRF_TOKEN"] != theirs["CSRF_TOKEN"]
    assert client.cookies["csrftoken"].value != other_client.cookies["csrftoken"].value


def test_a_locale_removed_leaves_the_admin_config_on_the_next_page(client):
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="en")
    client.force_login(_staff(roles.COORDINATORS))
    assert {locale["code"] for locale in _config_served(client)["LOCALES"]} == {"ja", "en"}

    Locale.objects.filter(language_code="en").delete()

    assert {locale["code"] for locale in _config_served(client)["LOCALES"]} == {"ja"}


def _admin_language(client) -> str:
    html = client.get(TODAY).content.decode()
    return re.search(r'<html[^>]* lang="([^"]+)"', html).group(1)


def test_a_staff_members_wagtail_profile_is_kept_and_each_change_shows(client):
    person, other = _staff(roles.COORDINATORS), _staff(roles.COORDINATORS)
    UserProfile.objects.create(user=other, preferred_language="en")
    client.force_login(person)
    assert _admin_language(client) == "ja"
    with CaptureQueriesContext(connection) as queries:
        client.get(TODAY)
    assert not [q for q in queries.captured_queries if "wagtailusers_userprofile" in q["sql"]]

    profile = UserProfile.objects.create(user=person, preferred_language="en")  # created
    assert _admin_language(client) == "en"
    profile.preferred_language = "ja"  # changed
    profile.save()
    assert _admin_language(client) == "ja"
    profile.preferred_language = "en"
    profile.save()
    assert _admin_language(client) == "en"
    profile.delete()  # deleted
    assert _admin_language(client) == "ja"

    client.force_login(other)  # and never someone else's
    assert _admin_language(client) == "en"


def test_the_kept_profile_is_the_one_wagtail_reads():
    person = _staff(roles.COORDINATORS)
    UserProfile.objects.create(user=person, preferred_language="en", keyboard_shortcuts=False)
    from lms.backends import ModelBackendOneQuery

    for _ in range(2):  # read, then kept
        user = ModelBackendOneQuery().get_user(person.pk)
        with CaptureQueriesContext(connection) as queries:
            profile = user.wagtail_userprofile
            assert profile.user is user
        assert queries.captured_queries == []
        expected = UserProfile.objects.get(user=person)
        fields = [field.attname for field in UserProfile._meta.concrete_fields]
        assert [getattr(profile, f) for f in fields] == [getattr(expected, f) for f in fields]

    learner = UserFactory()  # not staff: read as Django reads it
    assert not hasattr(ModelBackendOneQuery().get_user(learner.pk), "wagtail_userprofile")
