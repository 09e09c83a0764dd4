"""The model backend that reads permissions in one query built once (lms.backends): the same
permissions as Django's own backend gives, for every kind of person; kept in the process's
memory and read again after every change that can alter them."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from lms.admin_sidebar import SIDEBAR_VERSION
from lms.backends import ModelBackendOneQuery
from lms.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def fresh(user: User) -> User:
    """The person as a new request loads them (no permissions remembered yet)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people() -> dict[str, User]:
    editors = Group.objects.create(name="記事編集")
    editors.permissions.add(permission("access_admin"), permission("add_page"))
    readers = Group.objects.create(name="閲覧")
    readers.permissions.add(permission("view_user"), permission("add_page"))
    own_and_groups = UserFactory(full_name="兵庫 一郎")
    own_and_groups.user_permissions.add(permission("change_user"), permission("access_admin"))
    own_and_groups.groups.add(editors, readers)
    only_own = UserFactory(full_name="神戸 花子")
    only_own.user_permissions.add(permission("view_user"))
    only_groups = UserFactory(full_name="姫路 太郎")
    only_groups.groups.add(readers)
    inactive = UserFactory(full_name="明石 次郎", is_active=False)
    inactive.groups.add(editors)
    return {
        "own and groups": own_and_groups,
        "only own": only_own,
        "only groups": only_groups,
        "none": UserFactory(full_name="淡路 三郎"),
        "inactive": inactive,
        "superuser": UserFactory(full_name="管理 者", is_superuser=True),
    }


@pytest.mark.parametrize(
    "who", ["own and groups", "only own", "only groups", "none", "inactive", "superuser"]
)
def test_the_same_permissions_as_djangos_backend(people, who):
    person = people[who]
    ours = ModelBackendOneQuery().get_all_permissions(fresh(person))
    assert ours == ModelBackend().get_all_permissions(fresh(person))
    if who == "own and groups":
        assert ours == {
            "wagtailadmin.access_admin",
            "wagtailcore.add_page",
            "lms.change_user",
            "lms.view_user",
        }


def test_one_query_per_request_and_none_when_asked_again(people, django_assert_num_queries):
    person = fresh(people["own and groups"])
    with django_assert_num_queries(1):
        assert person.has_perm("wagtailadmin.access_admin")
        assert person.has_perm("lms.view_user")
        assert not person.has_perm("lms.delete_user")


def test_a_permission_taken_away_is_gone_on_the_next_request(people):
    person = people["only own"]
    assert fresh(person).has_perm("lms.view_user")
    person.user_permissions.remove(permission("view_user"))
    assert not fresh(person).has_perm("lms.view_user")


def test_kept_permissions_cost_no_query_on_the_next_request(people, django_assert_num_queries):
    person = people["own and groups"]
    assert fresh(person).has_perm("lms.change_user")
    again = fresh(person)
    with django_assert_num_queries(0):
        assert again.has_perm("lms.change_user")
        assert again.has_perm("wagtailcore.add_page")
        assert not again.has_perm("lms.delete_user")


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


# Each change, made after the person's permissions were kept, and what it must do to them.
CHANGES = {
    "group loses a permission": (
        lambda person: _group("記事編集").permissions.remove(permission("access_admin")),
        {"wagtailcore.add_page", "lms.view_user"},
    ),
    "group gains a permission": (
        lambda person: _group("閲覧").permissions.add(permission("delete_user")),
        {"wagtailcore.add_page", "lms.view_user", "lms.delete_user"},
    ),
    "person leaves a group": (
        lambda person: person.groups.remove(_group("閲覧")),
        set(),
    ),
    "person joins a group": (
        lambda person: person.groups.add(_group("記事編集")),
        {"wagtailadmin.access_admin", "wagtailcore.add_page", "lms.view_user"},
    ),
    "group deleted": (
        lambda person: _group("閲覧").delete(),
        set(),
    ),
    "person given a permission": (
        lambda person: person.user_permissions.add(permission("change_user")),
        {"wagtailcore.add_page", "lms.view_user", "lms.change_user"},
    ),
    "permission deleted": (
        lambda person: permission("view_user").delete(),
        {"wagtailcore.add_page"},
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_change_shows_on_the_next_request(people, change):
    person = people["only groups"]
    assert fresh(person).get_all_permissions() == {"wagtailcore.add_page", "lms.view_user"}

    make, expected = CHANGES[change]
    make(person)

    assert fresh(person).get_all_permissions() == expected
    assert ModelBackend().get_all_permissions(fresh(person)) == expected


def test_made_superuser_or_deactivated_shows_on_the_next_request(people):
    person = people["only groups"]
    assert not fresh(person).has_perm("lms.delete_user")

    User.objects.filter(pk=person.pk).update(is_superuser=True)  # read from the account
    assert fresh(person).has_perm("lms.delete_user")

    User.objects.filter(pk=person.pk).update(is_superuser=False, is_active=False)
    assert not fresh(person).has_perm("lms.view_user")


def test_a_change_made_by_another_process_shows_once_the_shared_version_moves(people):
    """Another process changes the rows (no signal here) and bumps the shared version."""
    person = people["only own"]
    assert fresh(person).has_perm("lms.view_user")
    User.user_permissions.through.objects.filter(user=person).delete()
    assert fresh(person).has_perm("lms.view_user")  # kept: this process heard nothing

    SIDEBAR_VERSION.bump()

    assert not fresh(person).has_perm("lms.view_user")


def test_people_never_get_each_others_permissions(people):
    for who in ("own and groups", "only own", "only groups", "none"):
        fresh(people[who]).get_all_permissions()
    for who in ("own and groups", "only own", "only groups", "none"):
        person = people[who]
        expected = ModelBackend().get_all_permissions(fresh(person))
        assert fresh(person).get_all_permissions() == expected
