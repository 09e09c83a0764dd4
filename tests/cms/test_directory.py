"""The organisation directory (参加団体): filters, hidden organisations, detail pages."""

import pytest
from django.utils import translation

from lms.models import Field, Municipality, OrganisationType
from tests.factories import ActivityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

URL = "/organisations/"


@pytest.fixture
def organisations(directory_page):
    """Three listed organisations in different groups, fields and places, and a hidden one."""
    kobe_chuo = Municipality.objects.get(code="281107")
    shakyo = OrganisationFactory(
        name="神戸市中央区社会福祉協議会",
        name_kana="こうべしちゅうおうくしゃかいふくしきょうぎかい",
        slug="kobe-chuo-shakyo",
        organisation_type=OrganisationType.objects.get(name="社会福祉協議会"),
        municipality=kobe_chuo,
        description="地域の見守り活動やサロン運営を行っています。",
    )
    shakyo.fields.set([Field.objects.get(slug="inclusive-community")])
    shakyo.save()
    ActivityFactory(
        organisation=shakyo,
        title="ふれあい・いきいきサロン",
        schedule="毎月第2・第4水曜日 13:30〜15:00",
        place="地域福祉センター",
        audience="どなたでも",
        municipality=kobe_chuo,
    )
    shotengai = OrganisationFactory(
        name="尼崎中央商店街振興組合",
        name_kana="あまがさきちゅうおうしょうてんがいしんこうくみあい",
        slug="amagasaki-shotengai",
        organisation_type=OrganisationType.objects.get(name="商店街"),
        municipality=Municipality.objects.get(code="282022"),
        description="空き店舗を活用した交流スペースです。",
    )
    shotengai.fields.set([Field.objects.get(slug="community-development")])
    shotengai.save()
    bosai = OrganisationFactory(
        name="ひょうご防災つながりネット",
        name_kana="ひょうごぼうさいつながりねっと",
        slug="hyogo-bosai",
        municipality=Municipality.objects.get(code="282014"),
        description="ご近所づきあいづくりをしています。",
    )
    bosai.fields.set([Field.objects.get(slug="disaster-prevention")])
    bosai.save()
    ActivityFactory(organisation=bosai, title="地域防災リーダー養成講座")
    hidden = OrganisationFactory(name="非公開の団体", slug="hidden-org", is_listed=False)
    return {"shakyo": shakyo, "shotengai": shotengai, "bosai": bosai, "hidden": hidden}


def _names(response) -> list[str]:
    return [org.name for org in response.context["organisations"]]


def test_directory_lists_listed_organisations_by_kana(client, organisations):
    response = client.get(URL)

    assert response.status_code == 200
    assert _names(response) == [
        "尼崎中央商店街振興組合",
        "神戸市中央区社会福祉協議会",
        "ひょうご防災つながりネット",
    ]
    html = response.content.decode()
    assert "当事者支援を行う民間団体 ・ 社会福祉協議会 ・ 神戸市 中央区" in html
    assert 'href="/organisations/kobe-chuo-shakyo/"' in html


def test_directory_filters_by_group(client, organisations):
    response = client.get(URL, {"group": "private-companies"})

    assert _names(response) == ["尼崎中央商店街振興組合"]


def test_directory_filters_by_field(client, organisations):
    response = client.get(URL, {"field": "disaster-prevention"})

    assert _names(response) == ["ひょうご防災つながりネット"]


def test_directory_filter_by_kobe_finds_organisations_in_its_wards(client, organisations):
    kobe = Municipality.objects.get(code="281000")

    response = client.get(URL, {"municipality": kobe.pk})

    assert _names(response) == ["神戸市中央区社会福祉協議会"]
    himeji = Municipality.objects.get(code="282014")
    assert _names(client.get(URL, {"municipality": himeji.pk})) == ["ひょうご防災つながりネット"]


def test_directory_filters_by_keyword_in_name_description_or_activity(client, organisations):
    assert _names(client.get(URL, {"q": "商店街"})) == ["尼崎中央商店街振興組合"]
    assert _names(client.get(URL, {"q": "見守り"})) == ["神戸市中央区社会福祉協議会"]
    assert _names(client.get(URL, {"q": "養成講座"})) == ["ひょうご防災つながりネット"]
    assert _names(client.get(URL, {"q": "非公開"})) == []


def test_directory_combines_filters(client, organisations):
    response = client.get(
        URL, {"group": "private-support", "field": "inclusive-community", "q": "サロン"}
    )

    assert _names(response) == ["神戸市中央区社会福祉協議会"]
    assert (
        _names(client.get(URL, {"group": "private-companies", "field": "disaster-prevention"}))
        == []
    )


@pytest.mark.parametrize(
    "params",
    [
        {"group": "no-such-group"},
        {"field": "../../etc/passwd"},
        {"municipality": "abc"},
        {"municipality": "99999999"},
        {"q": "あ" * 101},
        {"page": "not-a-number"},
    ],
)
def test_directory_invalid_filters_show_an_error_and_do_not_crash(client, organisations, params):
    response = client.get(URL, params)

    assert response.status_code == 200
    form = response.context["filter_form"]
    if "page" in params:
        assert not form.errors
    else:
        assert set(form.errors) == set(params)
        assert 'class="form-error-summary"' in response.content.decode()
    assert len(_names(response)) == 3  # the bad filter is ignored, nothing is hidden


def test_directory_offers_kobes_wards_right_after_kobe(client, organisations):
    kobe = Municipality.objects.get(code="281000")
    chuo = Municipality.objects.get(code="281107")

    response = client.get(URL, {"municipality": chuo.pk})

    assert not response.context["filter_form"].errors
    assert _names(response) == ["神戸市中央区社会福祉協議会"]
    assert (
        _names(client.get(URL, {"municipality": Municipality.objects.get(code="281018").pk})) == []
    )
    options = [
        label for _value, label in response.context["filter_form"].fields["municipality"].choices
    ]
    wards = list(Municipality.objects.filter(parent=kobe).order_by("sort_order", "code"))
    start = options.index("神戸市")
    assert options[start + 1 : start + 1 + len(wards)] == [f"神戸市 {w.name}" for w in wards]
    assert "神戸市 中央区" in options and options[start + len(wards) + 1] == "姫路市"
    assert f'<option value="{chuo.pk}" selected>神戸市 中央区</option>' in response.content.decode()


def test_directory_ward_options_cost_no_query_per_ward(organisations, django_assert_num_queries):
    from cms.forms import DirectoryFilterForm

    form = DirectoryFilterForm()
    with django_assert_num_queries(1):
        labels = [label for _value, label in form.fields["municipality"].choices]
    assert "神戸市 中央区" in labels


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"group": "no-such-group"}, ["ひょうご防災つながりネット"]),
        ({"municipality": "abc"}, ["ひょうご防災つながりネット"]),
        ({"q": "\x00"}, ["ひょうご防災つながりネット"]),
    ],
)
def test_directory_applies_the_valid_filters_when_another_is_invalid(
    client, organisations, bad, expected
):
    response = client.get(URL, {"field": "disaster-prevention", **bad})

    assert set(response.context["filter_form"].errors) == set(bad)
    assert _names(response) == expected
    assert 'class="form-error-summary"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "見守り\x00"},
        {"q": "a\x07b"},
        {"field": "\x00"},
        {"group": "\x00"},
        {"municipality": "\x00"},
    ],
)
def test_directory_control_characters_are_a_form_error_not_a_query(
    client, organisations, params, django_assert_max_num_queries
):
    """NUL in a query string would make PostgreSQL fail the request; it never gets that far."""
    response = client.get(URL, params)

    assert response.status_code == 200
    errors = response.context["filter_form"].errors
    assert set(errors) == set(params)
    assert len(_names(response)) == 3
    assert 'class="form-error-summary"' in response.content.decode()
    if "q" in params:
        with translation.override("en"):
            assert errors["q"][0] == "Remove the invisible control characters from this text."


def test_directory_pagination_keeps_the_valid_filters_only(client, directory_page):
    for n in range(21):
        OrganisationFactory(name=f"防災団体{n:02}", name_kana=f"ぼうさい{n:02}")

    response = client.get(URL, {"q": "防災", "group": "no-such-group", "page": "1"})

    assert response.context["filter_query_string"] == "q=%E9%98%B2%E7%81%BD"
    assert 'href="?q=%E9%98%B2%E7%81%BD&amp;page=2" rel="next"' in response.content.decode()


def test_unlisted_organisation_is_hidden_and_its_detail_url_404s(client, organisations):
    listing = client.get(URL).content.decode()

    assert "非公開の団体" not in listing
    assert client.get(f"{URL}hidden-org/").status_code == 404
    assert client.get(f"{URL}no-such-org/").status_code == 404


def test_organisation_detail_shows_its_facts_and_activities(client, organisations):
    response = client.get(f"{URL}kobe-chuo-shakyo/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 lang="ja">神戸市中央区社会福祉協議会</h1>' in html
    assert "当事者支援を行う民間団体" in html
    assert "神戸市 中央区" in html
    assert '<span class="tag">地域共生社会</span>' in html
    assert '<h3 lang="ja">ふれあい・いきいきサロン</h3>' in html
    assert "毎月第2・第4水曜日 13:30〜15:00" in html
    assert '<span lang="ja">地域福祉センター</span>（神戸市 中央区）' in html
    assert "どなたでも" in html


def test_organisation_detail_without_activities_says_so(client, organisations):
    with translation.override("ja"):
        expected = translation.gettext("This organisation has not listed any activities yet.")

    response = client.get(f"{URL}amagasaki-shotengai/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "activity-list" not in html
    assert expected in html  # in Japanese once the catalogue is compiled


def test_organisation_data_is_marked_japanese_under_en(client, organisations):
    """Organisations are described in Japanese only: under /en/ their names, descriptions and
    activities carry lang="ja", while the interface and taxonomy names are English."""
    listing = client.get(f"/en{URL}").content.decode()
    detail = client.get(f"/en{URL}kobe-chuo-shakyo/").content.decode()

    assert '<html lang="en">' in listing
    assert '<h2 class="card-title" lang="ja"><a href="/organisations/kobe-chuo-shakyo/">' in listing
    assert '<p lang="ja">地域の見守り活動やサロン運営を行っています。</p>' in listing
    assert '<h1 lang="ja">神戸市中央区社会福祉協議会</h1>' in detail
    assert '<div class="description" lang="ja">' in detail
    assert '<h3 lang="ja">ふれあい・いきいきサロン</h3>' in detail
    assert '<dd lang="ja">毎月第2・第4水曜日 13:30〜15:00</dd>' in detail
    assert '<dd lang="ja">どなたでも</dd>' in detail


def test_activity_municipality_uses_the_languages_own_parentheses(client, organisations):
    japanese = client.get(f"{URL}kobe-chuo-shakyo/").content.decode()
    english = client.get(f"/en{URL}kobe-chuo-shakyo/").content.decode()

    assert '<span lang="ja">地域福祉センター</span>（神戸市 中央区）</dd>' in japanese
    assert '<span lang="ja">地域福祉センター</span> (Kobe Chuo)</dd>' in english
    assert "（" not in english.split("<main", 1)[1].split("</main>", 1)[0]


def test_organisation_detail_shows_days_cost_access_and_a_map_but_not_unpublished_activities(
    client, organisations
):
    from cms.models import Activity, Organisation

    organisation = Organisation.objects.get(slug="kobe-chuo-shakyo")
    Activity.objects.filter(organisation=organisation).update(
        weekdays="3", cost="無料", accessibility="段差なし", contact="078-000-0000"
    )
    Activity.objects.create(
        organisation=organisation, title="準備中の子ども食堂", is_published=False, sort_order=9
    )

    html = client.get(f"{URL}kobe-chuo-shakyo/").content.decode()

    assert "水曜日" in html and "無料" in html and "段差なし" in html and "078-000-0000" in html
    assert "https://www.google.com/maps/search/?api=1&amp;query=" in html
    assert "準備中の子ども食堂" not in html
