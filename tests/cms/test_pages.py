"""Site pages rendered through Wagtail's router: home (ja and en), news, case studies."""

import datetime as dt

import pytest
from wagtail.models import Page

from cms.models import (
    SLOGAN,
    CaseStudyIndexPage,
    CaseStudyPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    OrganisationDirectoryPage,
    StandardPage,
)
from courses.models import CourseIndexPage
from lms.models import Field
from tests.factories import OrganisationFactory, add_page

pytestmark = pytest.mark.django_db


def test_home_page_renders_the_slogan_in_japanese(client, home_page):
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert SLOGAN == "すべての人に居場所がある、兵庫へ"
    assert f'<h1 class="hero-title" lang="ja">{SLOGAN}</h1>' in html
    assert "ようこそ" in html  # hero_text
    # No English home page yet: the switcher still offers /en/ (Wagtail serves the Japanese
    # pages there), but it is not announced as an English alternate.
    assert 'hreflang="ja" href="http://testserver/"' in html
    assert 'hreflang="en" href=' not in html
    assert '<a href="/en/" lang="en" hreflang="en">English</a>' in html
    assert response["X-Frame-Options"] == "DENY"


def test_english_home_page_is_served_at_en_with_lang_en(client, home_page, locales):
    english = home_page.copy_for_translation(locales["en"])
    english.title = "Home"
    english.hero_title = "Toward a Hyogo where everyone has a place to belong"
    english.save_revision().publish()

    response = client.get("/en/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Toward a Hyogo where everyone has a place to belong" in html
    assert SLOGAN not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert client.get("/").content.decode().count(SLOGAN) >= 1


def test_home_page_lists_latest_news_and_featured_pages(client, home_page, news_index):
    about = add_page(home_page, StandardPage(title="このプラットフォームについて", slug="about"))
    for day in range(1, 5):
        add_page(
            news_index, NewsPage(title=f"お知らせ{day}", slug=f"n{day}", date=dt.date(2026, 5, day))
        )
    home_page.featured = [("page", about)]
    home_page.save_revision().publish()

    html = client.get("/").content.decode()

    assert "このプラットフォームについて" in html
    assert "お知らせ4" in html and "お知らせ3" in html and "お知らせ2" in html
    assert "お知らせ1" not in html  # only the three newest
    assert html.index("お知らせ4") < html.index("お知らせ2")


def test_page_types_can_only_be_created_where_they_belong():
    assert set(HomePage.allowed_subpage_models()) == {
        StandardPage,
        NewsIndexPage,
        CaseStudyIndexPage,
        OrganisationDirectoryPage,
        CourseIndexPage,
    }
    assert HomePage.allowed_parent_page_models() == [Page]
    assert NewsIndexPage.allowed_subpage_models() == [NewsPage]
    assert CaseStudyIndexPage.allowed_subpage_models() == [CaseStudyPage]
    assert NewsPage.allowed_subpage_models() == []
    assert NewsPage.can_create_at(HomePage()) is False
    assert NewsPage.can_create_at(NewsIndexPage()) is True


def test_news_index_lists_news_newest_first(client, news_index):
    for title, date in [
        ("四月のお知らせ", dt.date(2026, 4, 10)),
        ("六月のお知らせ", dt.date(2026, 6, 1)),
        ("五月のお知らせ", dt.date(2026, 5, 20)),
    ]:
        add_page(
            news_index,
            NewsPage(title=title, slug=f"news-{date}", date=date, summary=f"{title}の概要"),
        )
    add_page(
        news_index,
        NewsPage(title="下書きのお知らせ", slug="draft", date=dt.date(2026, 7, 1)),
        publish=False,
    )

    response = client.get("/news/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.index("六月のお知らせ") < html.index("五月のお知らせ") < html.index("四月のお知らせ")
    )
    assert "下書きのお知らせ" not in html
    assert [p.title for p in response.context["news_page"]] == [
        "六月のお知らせ",
        "五月のお知らせ",
        "四月のお知らせ",
    ]


def test_news_page_shows_its_fields(client, news_index):
    page = NewsPage(title="防災講座のお知らせ", slug="bosai", date=dt.date(2026, 5, 1))
    page.fields = [Field.objects.get(slug="disaster-prevention")]
    add_page(news_index, page)

    html = client.get("/news/bosai/").content.decode()

    assert "防災講座のお知らせ" in html
    assert '<span class="tag">防災</span>' in html


def test_case_study_index_filters_by_field(client, case_study_index):
    org = OrganisationFactory(name="尼崎中央商店街振興組合")
    shops = CaseStudyPage(title="商店街の空き店舗を居場所に", slug="shops", organisation=org)
    shops.fields = [Field.objects.get(slug="community-development")]
    meals = CaseStudyPage(title="子ども食堂から広がる見守り", slug="meals")
    meals.fields = [Field.objects.get(slug="child-rearing")]
    add_page(case_study_index, shops)
    add_page(case_study_index, meals)

    everything = client.get("/case-studies/").content.decode()
    filtered = client.get("/case-studies/?field=child-rearing")

    assert "商店街の空き店舗を居場所に" in everything and "子ども食堂から広がる見守り" in everything
    assert "尼崎中央商店街振興組合" in everything
    html = filtered.content.decode()
    assert filtered.status_code == 200
    assert "子ども食堂から広がる見守り" in html
    assert "商店街の空き店舗を居場所に" not in html
    assert '<option value="child-rearing" selected>' in html


@pytest.mark.parametrize("value", ["no-such-field", "\x00", "child-rearing\x00", "a\x01b"])
def test_case_study_index_reports_a_bad_field_and_ignores_it(client, case_study_index, value):
    """An unknown slug, or one with NUL (which PostgreSQL refuses in a query), is a form error."""
    add_page(case_study_index, CaseStudyPage(title="子ども食堂から広がる見守り", slug="meals"))

    response = client.get("/case-studies/", {"field": value})

    assert response.status_code == 200
    assert set(response.context["filter_form"].errors) == {"field"}
    html = response.content.decode()
    assert 'class="form-error-summary"' in html
    assert 'aria-invalid="true"' in html
    assert [page.title for page in response.context["case_studies"]] == [
        "子ども食堂から広がる見守り"
    ]


def test_case_study_pagination_keeps_the_field_filter(client, case_study_index):
    field = Field.objects.get(slug="child-rearing")
    for n in range(13):
        study = CaseStudyPage(title=f"事例{n}", slug=f"case-{n}")
        study.fields = [field]
        add_page(case_study_index, study)

    response = client.get("/case-studies/", {"field": "child-rearing"})

    assert response.context["filter_query_string"] == "field=child-rearing"
    assert 'href="?field=child-rearing&amp;page=2" rel="next"' in response.content.decode()
    second = client.get("/case-studies/", {"field": "child-rearing", "page": 2})
    assert len(second.context["case_studies"]) == 1
    assert 'href="?field=child-rearing&amp;page=1" rel="prev"' in second.content.decode()


def test_unknown_url_renders_the_sites_404_page(client, home_page):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert '<html lang="ja">' in response.content.decode()


def test_language_switcher_links_to_the_real_translation_even_with_another_slug(
    client, home_page, locales
):
    about = StandardPage(title="このサイトについて", slug="kono-site")
    home_page.add_child(instance=about)
    about.save_revision().publish()
    home_en = home_page.copy_for_translation(locales["en"])
    home_en.save_revision().publish()
    about_en = about.copy_for_translation(locales["en"])
    about_en.title, about_en.slug = "About this site", "about-this-site"
    about_en.save_revision().publish()

    japanese = client.get("/kono-site/").content.decode()
    english = client.get("/en/about-this-site/").content.decode()

    assert 'href="/en/about-this-site/" lang="en"' in japanese
    assert 'href="/kono-site/" lang="ja"' in english
    assert 'hreflang="en" href="http://testserver/en/about-this-site/"' in japanese


def test_english_home_features_the_english_translations(client, home_page, locales, news_index):
    """A translated home page keeps the chooser's Japanese pages; each is swapped for its live
    English translation, and a page without one stays Japanese (and is marked so)."""
    about = add_page(home_page, StandardPage(title="このサイトについて", slug="kono-site"))
    news = add_page(news_index, NewsPage(title="防災フェア", slug="fair", date=dt.date(2026, 5, 1)))
    home_page.featured = [("page", news), ("page", about)]
    home_page.save_revision().publish()
    home_en = home_page.copy_for_translation(locales["en"])
    home_en.save_revision().publish()
    about_en = about.copy_for_translation(locales["en"])
    about_en.title, about_en.slug = "About this site", "about-this-site"
    about_en.save_revision().publish()

    response = client.get("/en/")

    featured = response.context["featured_pages"]
    assert [(page.title, page.url) for page in featured] == [
        ("防災フェア", "/news/fair/"),  # no English version: the original, in the chooser's order
        ("About this site", "/en/about-this-site/"),
    ]
    html = response.content.decode()
    assert '<li class="card" lang="ja"><h3><a href="/news/fair/">防災フェア</a>' in html
    assert '<li class="card" lang="en"><h3><a href="/en/about-this-site/">About this site' in html
    assert 'href="/kono-site/"' not in html
    japanese = client.get("/").context["featured_pages"]
    assert [page.url for page in japanese] == ["/news/fair/", "/kono-site/"]


def test_featured_pages_cost_a_bounded_number_of_queries(
    home_page, locales, django_assert_max_num_queries
):
    from cms.selectors import pages_for_featured

    pages = [
        add_page(home_page, StandardPage(title=f"ページ{n}", slug=f"page-{n}")) for n in range(5)
    ]
    for page in pages[:3]:
        page.copy_for_translation(locales["en"], copy_parents=True).save_revision().publish()
    home_page.featured = [("page", page) for page in pages]

    with django_assert_max_num_queries(4):  # pages + view restrictions + one per page type
        featured = pages_for_featured(home_page.featured, locale=locales["en"])

    assert [page.locale_id for page in featured] == [locales["en"].pk] * 3 + [locales["ja"].pk] * 2
    assert [page.language_code for page in featured] == ["en"] * 3 + ["ja"] * 2


def test_japanese_content_is_marked_lang_ja_under_en(client, home_page, news_index):
    """Without an English tree Wagtail serves the Japanese pages under /en/: the interface is
    English, the content keeps lang="ja" (WCAG 3.1.2), and so does the Japanese site name."""
    add_page(home_page, StandardPage(title="このサイトについて", slug="kono-site", intro="紹介文"))
    news = NewsPage(title="防災フェア", slug="fair", date=dt.date(2026, 5, 1))
    news.fields = [Field.objects.get(slug="disaster-prevention")]
    add_page(news_index, news)

    about = client.get("/en/kono-site/").content.decode()
    news_html = client.get("/en/news/fair/").content.decode()
    japanese = client.get("/kono-site/").content.decode()

    assert '<html lang="en">' in about
    assert '<span class="brand-name" lang="ja">' in about
    assert '<article class="container narrow" lang="ja">' in about
    assert '<article class="container narrow" lang="ja">' in news_html
    # Interface text inside Japanese content is marked with the interface language.
    assert '<p class="tags" lang="en"><span class="visually-hidden">Fields:</span>' in news_html
    assert '<span class="tag">Disaster prevention</span>' in news_html
    assert '<p class="meta" lang="en"><time datetime="2026-05-01">' in news_html
    assert '<html lang="ja">' in japanese
    assert '<article class="container narrow" lang="ja">' in japanese


def test_english_page_content_is_marked_lang_en(client, home_page, locales):
    about = add_page(home_page, StandardPage(title="このサイトについて", slug="kono-site"))
    home_page.copy_for_translation(locales["en"]).save_revision().publish()
    about_en = about.copy_for_translation(locales["en"])
    about_en.slug = "about"
    about_en.save_revision().publish()

    html = client.get("/en/about/").content.decode()

    assert '<article class="container narrow" lang="en">' in html
    assert '<span class="brand-name" lang="ja">' in html


def test_404_links_to_the_home_page_in_the_visitors_language(client, home_page, locales):
    home_page.copy_for_translation(locales["en"]).save_revision().publish()

    english = client.get("/en/no-such-page/")
    japanese = client.get("/no-such-page/")

    assert english.status_code == japanese.status_code == 404
    assert '<a class="button" href="/en/">Go to the home page</a>' in english.content.decode()
    assert '<a class="button" href="/">' in japanese.content.decode()


def test_standard_pages_belong_under_the_home_page_or_another_standard_page(home_page):
    assert StandardPage.allowed_parent_page_models() == [HomePage, StandardPage]
    assert StandardPage.can_create_at(Page.get_first_root_node()) is False
    assert StandardPage.can_create_at(home_page) is True
    assert StandardPage.can_create_at(StandardPage()) is True
    assert StandardPage.can_create_at(NewsIndexPage()) is False


def test_news_list_for_index_lists_only_live_children_newest_first(news_index, home_page):
    from cms.selectors import news_list_for_index

    other_index = add_page(home_page, NewsIndexPage(title="別のお知らせ", slug="other-news"))
    add_page(news_index, NewsPage(title="古い", slug="old", date=dt.date(2026, 4, 1)))
    add_page(news_index, NewsPage(title="新しい", slug="new", date=dt.date(2026, 6, 1)))
    add_page(
        news_index, NewsPage(title="下書き", slug="draft", date=dt.date(2026, 7, 1)), publish=False
    )
    add_page(other_index, NewsPage(title="別の", slug="elsewhere", date=dt.date(2026, 5, 1)))

    assert [page.title for page in news_list_for_index(parent=news_index)] == ["新しい", "古い"]
