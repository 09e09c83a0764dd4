"""Site search at /search/: Japanese words inside longer titles, width folding, bad input."""

import datetime as dt

import pytest

from cms.models import NewsPage, StandardPage
from tests.factories import ActivityFactory, OrganisationFactory, add_page

pytestmark = pytest.mark.django_db

TITLE = "地域防災リーダー養成講座"


@pytest.fixture
def bosai_page(home_page):
    return add_page(
        home_page,
        StandardPage(title=TITLE, slug="bosai-leader", intro="避難所運営を学ぶ全6回の講座です。"),
    )


def _titles(response) -> list[str]:
    pages = response.context["pages"]
    return [page.title for page in pages] if pages is not None else []


@pytest.mark.parametrize("query", ["防災", "養成講座", "リーダー", "避難所"])
def test_search_finds_a_japanese_word_inside_a_longer_title(client, bosai_page, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert _titles(response) == [TITLE]
    assert f'href="/bosai-leader/">{TITLE}</a>' in response.content.decode()


@pytest.mark.parametrize("query", ["防犯", "災防", "講座防災"])
def test_search_does_not_match_other_words(client, bosai_page, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert _titles(response) == []
    assert f">{TITLE}</a>" not in response.content.decode()


def test_search_finds_news_pages_and_skips_drafts(client, news_index):
    add_page(
        news_index, NewsPage(title="防災フェアを開催します", slug="fair", date=dt.date(2026, 5, 1))
    )
    add_page(
        news_index,
        NewsPage(title="防災訓練（下書き）", slug="draft", date=dt.date(2026, 5, 2)),
        publish=False,
    )

    response = client.get("/search/", {"q": "防災"})

    assert _titles(response) == ["防災フェアを開催します"]


def test_search_full_width_latin_finds_half_width(client, home_page):
    add_page(home_page, StandardPage(title="NPO支援セミナー", slug="npo-seminar"))

    for query in ("ＮＰＯ", "npo", "NPO"):
        assert _titles(client.get("/search/", {"q": query})) == ["NPO支援セミナー"], query


def test_search_finds_listed_organisations_but_not_hidden_ones(client, home_page, directory_page):
    listed = OrganisationFactory(name="ひょうご防災つながりネット", slug="bosai-net")
    ActivityFactory(organisation=listed, title="防災カフェ")
    OrganisationFactory(name="非公開の防災団体", is_listed=False)

    response = client.get("/search/", {"q": "防災"})

    assert response.context["organisations"] == [
        {"name": "ひょうご防災つながりネット", "url": "/organisations/bosai-net/"}
    ]
    assert (
        '<a href="/organisations/bosai-net/" lang="ja">ひょうご防災つながりネット</a>'
        in response.content.decode()
    )
    assert "非公開の防災団体" not in response.content.decode()


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "、。！"}])
def test_search_empty_query_shows_no_results(client, bosai_page, params):
    response = client.get("/search/", params)

    assert response.status_code == 200
    assert response.context["pages"] is None or _titles(response) == []
    assert response.context["organisations"] in (None, [])
    assert TITLE not in response.content.decode()


def test_search_over_long_query_gives_a_form_error(client, bosai_page):
    response = client.get("/search/", {"q": "防災" * 51})

    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert response.context["query"] == ""
    assert response.context["pages"] is None
    html = response.content.decode()
    assert 'class="form-error-summary"' in html
    assert TITLE not in html


def test_search_only_returns_pages_in_the_visitors_language(client, bosai_page, locales):
    english = bosai_page.copy_for_translation(locales["en"], copy_parents=True)
    english.save_revision().publish()  # still titled in Japanese: only the locale differs

    ja = client.get("/search/", {"q": "防災"})
    en = client.get("/en/search/", {"q": "防災"})

    assert [p.locale.language_code for p in ja.context["pages"]] == ["ja"]
    assert [p.locale.language_code for p in en.context["pages"]] == ["en"]


@pytest.mark.parametrize("query", ["\x00", "防災\x00", "防\x01災", "\x7f"])
def test_search_control_characters_are_a_form_error_not_a_query(
    client, bosai_page, query, django_assert_max_num_queries
):
    """NUL would make PostgreSQL fail the request; no control character reaches the database."""
    with django_assert_max_num_queries(0):
        from cms.forms import SearchForm

        form = SearchForm({"q": query})
        assert not form.is_valid()

    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert response.context["query"] == ""
    assert response.context["pages"] is None
    assert 'class="form-error-summary"' in response.content.decode()


def test_search_marks_organisation_names_as_japanese(client, home_page, directory_page):
    OrganisationFactory(name="ひょうご防災つながりネット", slug="bosai-net")

    html = client.get("/en/search/", {"q": "防災"}).content.decode()

    assert 'lang="ja">ひょうご防災つながりネット</a>' in html
