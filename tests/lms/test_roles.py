"""Role groups created after migrate, and who gets into the Wagtail admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

from lms import roles
from lms.models import OutboundEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _codenames(group_name: str) -> set[str]:
    return set(
        Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def test_role_groups_exist_after_migrate_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Content editors",
        "Coordinators",
        "Mentors",
    }
    editors, coordinators = _codenames(roles.CONTENT_EDITORS), _codenames(roles.COORDINATORS)
    assert ("wagtailadmin", "access_admin") in editors
    assert ("wagtailadmin", "access_admin") in coordinators
    assert ("cms", "change_organisation") in editors
    assert ("lms", "change_municipality") in coordinators
    assert ("lms", "view_outboundemail") in coordinators
    assert ("lms", "view_outboundemail") not in editors
    assert _codenames(roles.MENTORS) == set()


def test_content_editors_may_edit_and_publish_pages_from_the_root():
    root = Page.get_first_root_node()
    granted = set(
        GroupPagePermission.objects.filter(
            group__name=roles.CONTENT_EDITORS, page=root
        ).values_list("permission__codename", flat=True)
    )

    assert granted == {"add_page", "change_page", "publish_page", "lock_page"}
    assert not GroupPagePermission.objects.filter(group__name=roles.COORDINATORS).exists()


def test_ensure_role_groups_is_idempotent():
    before = (
        Group.objects.count(),
        GroupPagePermission.objects.count(),
        Permission.objects.count(),
    )
    editors_before = _codenames(roles.CONTENT_EDITORS)

    roles.ensure_role_groups()
    roles.ensure_role_groups()

    after = (Group.objects.count(), GroupPagePermission.objects.count(), Permission.objects.count())
    assert after == before
    assert _codenames(roles.CONTENT_EDITORS) == editors_before


@pytest.mark.parametrize("group_name", [roles.CONTENT_EDITORS, roles.COORDINATORS])
def test_admin_opens_for_content_editors_and_coordinators(client, home_page, role_user, group_name):
    client.force_login(role_user(group_name))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert b"wagtail" in response.content.lower()


@pytest.mark.parametrize("group_name", [None, roles.MENTORS])
def test_admin_redirects_supporters_and_mentors_away(client, home_page, role_user, group_name):
    person = role_user(group_name) if group_name else UserFactory()
    client.force_login(person)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_redirects_anonymous_visitors_to_login(client, home_page):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_outgoing_email_log_is_visible_to_coordinators_but_not_content_editors(
    client, home_page, role_user
):
    url = "/admin/snippets/lms/outboundemail/"
    client.force_login(role_user(roles.COORDINATORS))
    assert client.get(url).status_code == 200

    client.force_login(role_user(roles.CONTENT_EDITORS))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"  # Wagtail's "permission denied" bounce


def test_outgoing_email_inspect_view_shows_delivery_facts_not_bodies(client, db, home_page):
    message = OutboundEmail.objects.create(
        recipient="someone@example.jp",
        template="account/email/password_reset_key",
        subject="パスワードの再設定",
        body_text="http://testserver/accounts/password/reset/key/secret-token/",
        status="queued",
    )
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)

    response = client.get(f"/admin/snippets/lms/outboundemail/inspect/{message.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "someone@example.jp" in page
    assert "secret-token" not in page


def test_signed_in_person_without_admin_rights_sees_a_japanese_explanation(client, home_page):
    client.force_login(UserFactory())

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/admin/", 302)]
    assert "管理画面にアクセスする権限がありません" in response.content.decode()


def test_content_editors_can_upload_images_and_documents(client, home_page, role_user):
    editor = role_user(roles.CONTENT_EDITORS)
    client.force_login(editor)

    assert client.get("/admin/images/multiple/add/").status_code == 200
    assert client.get("/admin/documents/multiple/add/").status_code == 200


def test_content_editors_can_add_pages_under_the_home_page(client, home_page, role_user):
    editor = role_user(roles.CONTENT_EDITORS)
    client.force_login(editor)

    response = client.get(f"/admin/pages/add/cms/standardpage/{home_page.pk}/")

    assert response.status_code == 200
