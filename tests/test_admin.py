"""Staff reach every admin screen of the platform's own models, in Japanese."""

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory, UserFactory

ADMIN_LIST_URLS = [
    "wagtailsnippets_cms_organisation:list",
    "wagtailsnippets_lms_field:list",
    "wagtailsnippets_lms_profession:list",
    "wagtailsnippets_lms_organisationgroup:list",
    "wagtailsnippets_lms_organisationtype:list",
    "wagtailsnippets_lms_municipality:list",
    "wagtailsnippets_lms_outboundemail:list",
]


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("url_name", ADMIN_LIST_URLS)
def test_admin_list_pages_render_for_staff(client, superuser, home_page, url_name):
    client.force_login(superuser)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert '<html lang="ja"' in response.content.decode()


def test_admin_organisation_edit_form_shows_activities(client, superuser, home_page):
    activity = ActivityFactory(title="みんなの食堂")
    client.force_login(superuser)
    response = client.get(
        reverse("wagtailsnippets_cms_organisation:edit", args=[activity.organisation.pk])
    )
    assert response.status_code == 200
    assert "みんなの食堂" in response.content.decode()


def test_admin_municipality_list_shows_kobe_wards(client, superuser, home_page):
    client.force_login(superuser)
    response = client.get(reverse("wagtailsnippets_lms_municipality:list") + "?q=中央区")
    assert response.status_code == 200
    assert "中央区" in response.content.decode()


def test_admin_page_explorer_renders_home(client, superuser, home_page):
    client.force_login(superuser)
    response = client.get(reverse("wagtailadmin_explore", args=[home_page.pk]))
    assert response.status_code == 200
