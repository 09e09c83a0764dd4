"""The model backend that reads permissions in one query built once (lms.backends): the same
permissions as Django's own backend gives, for every kind of person."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

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
