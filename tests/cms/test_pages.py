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
from lms.models import Field
from tests.factories import OrganisationFactory, add_page

pytestmark = pytest.mark.django_db


def test_home_page_renders_the_slogan_in_japanese(client, home_page):
    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert SLOGAN == "すべての人に居場所がある、兵庫へ"
    assert f'<h1 class="hero-title">{SLOGAN}</h1>' in html
    assert "ようこそ" in html  # hero_text
    assert 'hreflang="en" href="http://testserver/en/"' in html
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
    assert f'<h1 class="hero-title">{SLOGAN}</h1>' not in html
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
    unknown = client.get("/case-studies/?field=no-such-field")

    assert "商店街の空き店舗を居場所に" in everything and "子ども食堂から広がる見守り" in everything
    assert "尼崎中央商店街振興組合" in everything
    html = filtered.content.decode()
    assert filtered.status_code == 200
    assert "子ども食堂から広がる見守り" in html
    assert "商店街の空き店舗を居場所に" not in html
    assert '<option value="child-rearing" selected>' in html
    assert unknown.status_code == 200
    assert list(unknown.context["case_studies"]) == []


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
