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
    "wagtailsnippets_courses_courserun:list",
    "wagtailsnippets_courses_venue:list",
    "wagtailsnippets_courses_enrolment:list",
    "courses_pending_requests",
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


def test_admin_refuses_to_delete_a_taxonomy_term_still_in_use(client, superuser, home_page):
    from lms.models import OrganisationGroup

    group = OrganisationGroup.objects.get(name="民間企業")  # its types still point at it
    client.force_login(superuser)

    response = client.post(
        reverse("wagtailsnippets_lms_organisationgroup:delete", args=[group.pk]), follow=True
    )

    assert response.status_code == 200
    assert OrganisationGroup.objects.filter(pk=group.pk).exists()
    assert "削除できません" in response.content.decode()


def test_admin_outgoing_email_log_is_read_only_even_for_superusers(client, superuser, home_page):
    from lms.models import OutboundEmail

    message = OutboundEmail.objects.create(
        recipient="someone@example.jp", template="t", subject="件名", body_text="本文"
    )
    client.force_login(superuser)

    edit = client.get(reverse("wagtailsnippets_lms_outboundemail:edit", args=[message.pk]))
    add = client.get(reverse("wagtailsnippets_lms_outboundemail:add"))
    inspect = client.get(reverse("wagtailsnippets_lms_outboundemail:inspect", args=[message.pk]))

    assert edit.status_code in (302, 403)
    assert add.status_code in (302, 403)
    assert inspect.status_code == 200


def test_admin_creates_a_user_with_japanese_name_fields(client, superuser, home_page):
    from lms.models import User

    client.force_login(superuser)
    form_page = client.get(reverse("wagtailusers_users:add"))
    assert form_page.status_code == 200
    assert 'name="full_name_kana"' in form_page.content.decode()
    assert 'name="first_name"' not in form_page.content.decode()

    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "counter@example.jp",
            "full_name": "窓口 花子",
            "full_name_kana": "まどぐち はなこ",
            "organisation_name": "神戸市社会福祉協議会",
            "preferred_language": "ja",
            "password1": "kobe-harbour-2026!",
            "password2": "kobe-harbour-2026!",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="counter@example.jp")
    assert (user.full_name, user.full_name_kana) == ("窓口 花子", "まどぐち はなこ")


def test_admin_user_edit_form_refuses_kanji_in_the_kana_field(client, superuser, home_page):
    person = UserFactory(full_name="兵庫 太郎", full_name_kana="ひょうご たろう")
    client.force_login(superuser)
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "email": person.email,
            "full_name": "兵庫 太郎",
            "full_name_kana": "兵庫",
            "preferred_language": "ja",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.full_name_kana == "ひょうご たろう"


@pytest.mark.parametrize("url", ["/admin/", "/django-admin/"])
def test_admin_sign_in_goes_through_the_rate_limited_site_login(client, db, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_admin_run_list_links_each_run_to_its_participants(client, superuser, home_page):
    from tests.factories import CourseRunFactory

    run = CourseRunFactory()
    client.force_login(superuser)

    response = client.get(reverse("wagtailsnippets_courses_courserun:list"))

    assert f'href="/admin/courses/runs/{run.pk}/participants/"' in response.content.decode()
