"""The coordinators' volunteer list reads its page of people as plain values and writes each
row once (issue #9): what it shows is what the people's records say, in both languages, and
every change to a row shows on the next visit."""

import pytest
from django.utils import translation
from wagtail.users.models import UserProfile

from lms import roles
from lms.models import Field, Municipality, User
from tests.html import rows_written, without_csrf_tokens
from tests.volunteers.test_coordinators import KOBE_NADA, person
from volunteers import admin_views, selectors, services
from volunteers.models import Stage, VolunteerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True, full_name="調整 役子")


@pytest.fixture
def written(monkeypatch):
    """The rows written by the row template during the test, by profile."""
    return rows_written(monkeypatch, admin_views, lambda context: context["row"].profile_id)


def _list(client, query: str = "") -> str:
    page = client.get(f"/admin/volunteers/{query}")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_row_shows_the_persons_record(client, coordinator, language):
    fields = list(Field.objects.order_by("sort_order", "name")[:2])
    nada = Municipality.objects.get(code=KOBE_NADA)
    profile = person(
        "灘 一郎",
        "なだ いちろう",
        "nada@example.jp",
        municipality=nada,
        fields=fields,
        weekdays=True,
        evenings=True,
    )
    services.volunteer_coordinator_assign(profile=profile, coordinator=coordinator, by=coordinator)
    UserProfile.objects.update_or_create(
        user=coordinator, defaults={"preferred_language": language}
    )
    client.force_login(coordinator)

    html = _list(client)

    with translation.override(language):
        profile = VolunteerProfile.objects.get(pk=profile.pk)
        [row] = selectors.volunteer_rows([profile.pk])
        assert row.name == "灘 一郎" and row.name_kana == "なだ いちろう"
        assert row.stage == str(profile.get_stage_display())
        assert row.municipality == str(profile.municipality)  # "神戸市 灘区"
        assert row.fields == "、".join(str(field) for field in fields)
        assert row.availability == "、".join(profile.availability_labels)
        assert row.coordinator == "調整 役子"
    for shown in (row.municipality, row.fields, row.stage, "調整 役子"):
        assert shown in html
    if language == "ja":
        assert "神戸市 灘区" in html


def test_rows_are_written_once_and_a_change_writes_its_row_again(client, coordinator, written):
    first = person("山田 一", "やまだ はじめ", "one@example.jp")
    second = person("山田 二", "やまだ じろう", "two@example.jp")
    client.force_login(coordinator)
    html = _list(client)
    assert sorted(written) == sorted([first.pk, second.pk])
    assert without_csrf_tokens(_list(client)) == without_csrf_tokens(html)
    assert len(written) == 2  # nothing written again

    User.objects.filter(pk=first.user_id).update(full_name="山田 一子")  # no signal
    services.volunteer_stage_move(profile=second, to_stage=Stage.CONTACTED, by=coordinator)
    html = _list(client)

    assert "山田 一子" in html and "山田 一<" not in html
    assert written[2:] and sorted(written[2:]) == sorted([first.pk, second.pk])
    assert str(Stage.CONTACTED.label) in html


def test_the_page_lists_its_people_in_the_lists_order(client, coordinator, monkeypatch):
    monkeypatch.setattr(admin_views, "PER_PAGE", 2)
    people = [person(f"順番 {n}", "じゅんばん", f"order{n}@example.jp") for n in range(3)]
    client.force_login(coordinator)

    first_page = _list(client)
    second_page = _list(client, "?page=2")

    newest_first = [p.user.full_name for p in reversed(people)]
    assert first_page.index(newest_first[0]) < first_page.index(newest_first[1])
    assert newest_first[2] in second_page and newest_first[0] not in second_page
    assert "Nobody matches" not in second_page


@pytest.mark.usefixtures("page_cache_on")
def test_places_fields_and_runs_are_kept_until_they_change(
    client, coordinator, django_capture_on_commit_callbacks
):
    """The selects' options are public content, kept like the site's menu: a second visit
    reads none of them, and a run added or a place renamed shows on the next one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CourseRunFactory

    person("山田 一", "やまだ はじめ", "one@example.jp")
    client.force_login(coordinator)
    first = _list(client)
    with CaptureQueriesContext(connection) as second:
        assert without_csrf_tokens(_list(client)) == without_csrf_tokens(first)
    read = " ".join(query["sql"] for query in second.captured_queries)
    for table in ("lms_field", "lms_municipality", "courses_courserun"):
        assert f'FROM "{table}"' not in read

    with django_capture_on_commit_callbacks(execute=True):
        run = CourseRunFactory(title="臨時の開催回")
    with django_capture_on_commit_callbacks(execute=True):
        Municipality.objects.filter(code=KOBE_NADA).update(name="灘区（新）")
        Municipality.objects.get(code=KOBE_NADA).save()  # a save, as an editor's would be
    html = _list(client)
    assert f'<option value="{run.pk}">' in html and "臨時の開催回" in html
    assert "神戸市 灘区（新）" in html


@pytest.mark.usefixtures("page_cache_on")
def test_each_staff_member_gets_places_and_fields_in_their_own_language(client, role_user):
    """The admin writes in each staff member's language, whatever the address asks for: what
    one keeps in English is never shown to a colleague who reads Japanese."""
    nada = Municipality.objects.get(code=KOBE_NADA)
    field = Field.objects.order_by("sort_order", "name").first()
    person("灘 一郎", "なだ いちろう", "nada@example.jp", municipality=nada, fields=[field])
    english = role_user(roles.COORDINATORS, is_staff=True, full_name="English Reader")
    UserProfile.objects.update_or_create(user=english, defaults={"preferred_language": "en"})
    japanese = role_user(roles.COORDINATORS, is_staff=True, full_name="日本語 読子")
    with translation.override("en"):
        in_english = (str(nada), str(field))
    in_japanese = (str(nada), str(field))
    assert in_english != in_japanese

    client.force_login(english)
    english_page = _list(client)
    client.force_login(japanese)
    japanese_page = _list(client)

    assert all(name in english_page for name in in_english)
    assert all(name in japanese_page for name in in_japanese)
    assert in_english[0] not in japanese_page


def test_the_coordinator_select_names_staff_as_their_accounts_do(client, coordinator, role_user):
    """Staff are read as plain values (``User.NAME_FIELDS``): a name, else the email; a
    chosen coordinator still filters the list."""
    unnamed = role_user(roles.COORDINATORS, is_staff=True, full_name="", email="staff@example.jp")
    person("灘 一郎", "なだ いちろう", "a@example.jp")  # nobody's
    client.force_login(coordinator)

    html = _list(client, f"?coordinator={unnamed.pk}")

    select = html[
        html.index('name="coordinator"') : html.index("</select>", html.index('name="coordinator"'))
    ]
    assert f'<option value="{coordinator.pk}">調整 役子</option>' in select
    assert f'<option value="{unnamed.pk}" selected>staff@example.jp</option>' in select
    assert "条件に合う受講者はいません。" in html  # the filter was applied
    assert "灘 一郎" in _list(client)
