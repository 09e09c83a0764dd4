"""/sitemap.xml (wagtail.contrib.sitemaps): every live public page, in both languages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import StandardPage
from tests.factories import add_page

pytestmark = pytest.mark.django_db


def test_sitemap_lists_live_pages_in_both_languages(client, home_page, locales):
    about = add_page(home_page, StandardPage(title="このサイトについて", slug="kono-site"))
    add_page(home_page, StandardPage(title="下書き", slug="draft"), publish=False)
    home_page.copy_for_translation(locales["en"]).save_revision().publish()
    about_en = about.copy_for_translation(locales["en"])
    about_en.slug = "about"
    about_en.save_revision().publish()

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    for url in ("/", "/kono-site/", "/en/", "/en/about/"):
        assert f"<loc>http://localhost{url}</loc>" in xml
    assert "/draft/" not in xml
    assert "<lastmod>" in xml


def test_sitemap_is_not_language_prefixed(client, home_page):
    assert client.get("/en/sitemap.xml").status_code == 404


def test_sitemap_query_count_does_not_grow_with_pages(
    client, home_page, django_assert_max_num_queries
):
    for n in range(3):
        add_page(home_page, StandardPage(title=f"ページ{n}", slug=f"page-{n}"))
    client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as few:
        client.get("/sitemap.xml")
    for n in range(3, 13):
        add_page(home_page, StandardPage(title=f"ページ{n}", slug=f"page-{n}"))

    with django_assert_max_num_queries(len(few)):
        response = client.get("/sitemap.xml")
    assert response.content.decode().count("<loc>") == 14
