"""The language switcher and hreflang alternates: real translations, else that language's home."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from cms.models import StandardPage
from tests.factories import OrganisationFactory, add_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_en(home_page, locales):
    english = home_page.copy_for_translation(locales["en"])
    english.title = "Home"
    english.save_revision().publish()
    return english


@pytest.fixture
def about(home_page):
    return add_page(home_page, StandardPage(title="このサイトについて", slug="kono-site"))


def _switcher(html: str) -> str:
    return html.split('<nav class="lang-switch"', 1)[1].split("</nav>", 1)[0]


def test_page_without_a_translation_links_to_the_other_languages_home(client, about, home_en):
    """/en/kono-site/ does not exist once there is an English tree, so the switcher must not
    send people there; the English home page is the nearest real page."""
    assert client.get("/en/kono-site/").status_code == 404

    html = client.get("/kono-site/").content.decode()

    assert '<a href="/en/" lang="en" hreflang="en">English</a>' in _switcher(html)
    assert "/en/kono-site/" not in html
    assert 'hreflang="ja" href="http://testserver/kono-site/"' in html
    assert '<link rel="alternate" hreflang="en"' not in html  # no English version of this page


def test_english_only_page_links_to_the_japanese_home(client, home_en):
    english_only = add_page(home_en, StandardPage(title="For visitors", slug="for-visitors"))
    assert english_only.url == "/en/for-visitors/"

    html = client.get("/en/for-visitors/").content.decode()

    assert '<a href="/" lang="ja" hreflang="ja">日本語</a>' in _switcher(html)
    assert 'hreflang="en" href="http://testserver/en/for-visitors/"' in html
    assert '<link rel="alternate" hreflang="ja"' not in html


def test_translated_page_is_an_alternate_in_both_languages(client, about, home_en, locales):
    about_en = about.copy_for_translation(locales["en"])
    about_en.title, about_en.slug = "About this site", "about-this-site"
    about_en.save_revision().publish()

    html = client.get("/kono-site/").content.decode()

    assert 'href="/en/about-this-site/" lang="en"' in _switcher(html)
    assert 'hreflang="ja" href="http://testserver/kono-site/"' in html
    assert 'hreflang="en" href="http://testserver/en/about-this-site/"' in html


def test_draft_translation_is_not_linked(client, about, home_en, locales):
    about_en = about.copy_for_translation(locales["en"])
    about_en.slug = "about-this-site"
    about_en.save_revision()  # never published: the English page is a draft

    html = client.get("/kono-site/").content.decode()

    assert '<a href="/en/" lang="en" hreflang="en">English</a>' in _switcher(html)
    assert "about-this-site" not in html


def test_without_an_english_tree_the_page_is_served_under_en(client, about):
    """Where a language has no home page, Wagtail serves the original pages under its prefix,
    so the switcher links to the page itself there (it is not an English alternate)."""
    html = client.get("/kono-site/").content.decode()

    assert '<a href="/en/kono-site/" lang="en" hreflang="en">English</a>' in _switcher(html)
    assert client.get("/en/kono-site/").status_code == 200
    assert '<link rel="alternate" hreflang="en"' not in html


def test_routable_sub_path_is_kept_in_the_translated_directory(
    client, directory_page, home_en, locales
):
    directory_en = directory_page.copy_for_translation(locales["en"])
    directory_en.title = "Participating organisations"
    directory_en.save_revision().publish()
    OrganisationFactory(slug="bosai-net")

    html = client.get("/organisations/bosai-net/").content.decode()

    assert 'href="/en/organisations/bosai-net/" lang="en"' in _switcher(html)
    assert 'hreflang="en" href="http://testserver/en/organisations/bosai-net/"' in html


def test_views_that_are_not_pages_link_to_the_same_view_in_each_language(client, home_page):
    html = client.get("/search/?q=%E9%98%B2%E7%81%BD").content.decode()

    assert 'href="/en/search/?q=%E9%98%B2%E7%81%BD" lang="en"' in _switcher(html)
    assert '<link rel="alternate" hreflang="en"' in html


def _render_links(page, path: str) -> tuple[list[dict], int]:
    request = RequestFactory().get(path)
    Site.find_for_request(request)  # the site is looked up (and cached) once per request anyway
    template = Template("{% load language_tags %}{% language_links as links %}")
    context = Context({"request": request, "page": page})
    with CaptureQueriesContext(connection) as queries:
        template.render(context)
    return context["links"], len(queries)


def test_language_links_cost_one_query_whatever_the_fallback(about, home_en, locales):
    """One query fetches the page's translations and the site root's together; the URLs come
    from Wagtail's per-request cache of site root paths (warmed here by the first call)."""
    _render_links(about, "/kono-site/")
    links, queries = _render_links(about, "/kono-site/")
    assert [(link["code"], link["url"], link["alternate"]) for link in links] == [
        ("ja", "/kono-site/", True),
        ("en", "/en/", False),
    ]
    about_en = about.copy_for_translation(locales["en"])
    about_en.slug = "about-this-site"
    about_en.save_revision().publish()

    translated, queries_translated = _render_links(about, "/kono-site/")

    assert [link["url"] for link in translated] == ["/kono-site/", "/en/about-this-site/"]
    assert queries == queries_translated == 1
