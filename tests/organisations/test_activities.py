"""Organisations manage their own activities and profile; the secretariat reviews posts of
organisations not yet trusted; residents find activities at /activities/ (issue #12, item 3)."""

import threading
from urllib.parse import quote_plus

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from cms.models import Activity, Organisation
from cms.selectors import organisation_list_listed
from lms import roles
from lms.models import Field, Municipality
from organisations import activity_services
from organisations.models import ActivityVersion, MemberRole, Membership
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = ActivityVersion.Status
FINDER = "/activities/"
QUEUE = "/admin/organisations/moderation/"


def new_url(org) -> str:
    return f"/organisations/{org.slug}/activities/new/"


def edit_url(org, activity) -> str:
    return f"/organisations/{org.slug}/activities/{activity.pk}/edit/"


def profile_url(org) -> str:
    return f"/organisations/{org.slug}/profile/"


def publish_url(version) -> str:
    return f"/admin/organisations/moderation/{version.pk}/publish/"


def reject_url(version) -> str:
    return f"/admin/organisations/moderation/{version.pk}/reject/"


@pytest.fixture
def kobe():
    return Municipality.objects.get(name="神戸市", parent__isnull=True)


@pytest.fixture
def chuo(kobe):
    return Municipality.objects.get(name="中央区", parent=kobe)


@pytest.fixture
def himeji():
    return Municipality.objects.get(code="282014")


@pytest.fixture
def org_a():
    return OrganisationFactory(name="神戸こども食堂ネット", slug="kobe-kodomo")


@pytest.fixture
def org_b():
    return OrganisationFactory(name="姫路ふれあいの会", slug="himeji-fureai")


def member_of(org, role=MemberRole.ADMIN, **kwargs):
    person = UserFactory(**kwargs)
    Membership.objects.create(organisation=org, user=person, role=role)
    return person


@pytest.fixture
def admin_a(org_a):
    return member_of(org_a, full_name="髙橋 﨑子")


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, full_name="事務局 調整")


def activity_post(chuo, **overrides) -> dict:
    data = {
        "title": "こども食堂「ひだまり」",
        "description": "子どもも大人も一緒に夕ご飯を食べます。\n初めての方も歓迎です。",
        "place": "中央区民センター 2階",
        "municipality": str(chuo.pk),
        "weekdays": ["2", "6"],
        "schedule": "毎週火・土曜日 17:00〜19:00",
        "audience": "子どもと保護者、地域の方",
        "cost": "子ども無料・大人300円",
        "accessibility": "車いすで入れます（エレベーターあり）",
        "contact": "078-000-0000（担当：﨑山）",
    }
    data.update(overrides)
    return data


def finder_titles(client, **params) -> list[str]:
    response = client.get(FINDER, params)
    assert response.status_code == 200
    return [activity.title for activity in response.context["page_obj"]]


# --- Who may edit -----------------------------------------------------------------------------


def test_admin_of_one_organisation_cannot_edit_another_organisations_profile_or_activities(
    client, org_a, org_b, admin_a, chuo
):
    theirs = ActivityFactory(organisation=org_b, title="姫路の茶話会")
    client.force_login(admin_a)

    for url in (new_url(org_b), edit_url(org_b, theirs), profile_url(org_b)):
        assert client.get(url).status_code == 404
    assert client.post(new_url(org_b), activity_post(chuo)).status_code == 404
    assert client.post(edit_url(org_b, theirs), activity_post(chuo)).status_code == 404
    assert client.post(profile_url(org_b), {"description": "乗っ取り"}).status_code == 404

    theirs.refresh_from_db()
    org_b.refresh_from_db()
    assert theirs.title == "姫路の茶話会"
    assert org_b.description != "乗っ取り"
    assert org_b.activities.count() == 1
    assert not ActivityVersion.objects.exists()


def test_a_tampered_activity_id_of_another_organisation_is_not_found(
    client, org_a, org_b, admin_a, chuo
):
    """Admin of A, A's slug in the URL, but B's activity id: still "not found"."""
    theirs = ActivityFactory(organisation=org_b, title="姫路の茶話会")
    client.force_login(admin_a)

    assert client.get(edit_url(org_a, theirs)).status_code == 404
    response = client.post(edit_url(org_a, theirs), activity_post(chuo, title="書き換え"))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "姫路の茶話会"
    assert not ActivityVersion.objects.exists()


def test_a_plain_member_cannot_edit_their_own_organisation(client, org_a, chuo):
    mine = ActivityFactory(organisation=org_a)
    member = member_of(org_a, role=MemberRole.MEMBER)
    client.force_login(member)

    for url in (new_url(org_a), edit_url(org_a, mine), profile_url(org_a)):
        assert client.get(url).status_code == 404
        assert client.post(url, activity_post(chuo)).status_code == 404
    assert not ActivityVersion.objects.exists()
    assert org_a.activities.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, org_a):
    response = client.get(new_url(org_a))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_members_see_the_activities_page_without_edit_links(client, org_a):
    ActivityFactory(organisation=org_a, title="ふれあい喫茶")
    client.force_login(member_of(org_a, role=MemberRole.MEMBER))

    response = client.get(f"/organisations/{org_a.slug}/activities/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "ふれあい喫茶" in html
    assert new_url(org_a) not in html
    assert "/edit/" not in html


# --- Saving, versions and moderation ------------------------------------------------------------


def test_a_new_activity_of_an_untrusted_organisation_waits_for_staff_before_it_is_public(
    client, org_a, admin_a, coordinator, chuo
):
    client.force_login(admin_a)
    response = client.post(new_url(org_a), activity_post(chuo))

    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{org_a.slug}/activities/"
    activity = Activity.objects.get(organisation=org_a)
    assert activity.title == "こども食堂「ひだまり」"
    assert activity.weekdays == "2,6"
    assert activity.is_published is False
    version = ActivityVersion.objects.get()
    assert version.status == Status.PENDING
    assert version.activity == activity
    assert version.organisation == org_a
    assert version.edited_by == admin_a
    assert version.data["title"] == "こども食堂「ひだまり」"
    assert version.data["municipality"] == chuo.pk
    assert version.data["weekdays"] == "2,6"
    assert version.data["cost"] == "子ども無料・大人300円"
    # Hidden everywhere residents look.
    assert finder_titles(client) == []
    assert list(organisation_list_listed().get(pk=org_a.pk).activities.all()) == []

    client.force_login(coordinator)
    queue = client.get(QUEUE)
    assert queue.status_code == 200
    assert "こども食堂「ひだまり」" in queue.content.decode()
    assert client.post(publish_url(version)).status_code == 302

    activity.refresh_from_db()
    version.refresh_from_db()
    assert activity.is_published is True
    assert version.status == Status.PUBLISHED
    assert version.reviewed_by == coordinator
    assert version.reviewed_at is not None
    client.logout()
    assert finder_titles(client) == ["こども食堂「ひだまり」"]


def test_an_edit_of_a_published_activity_stays_on_the_old_content_until_staff_publish_it(
    client, org_a, admin_a, coordinator, chuo
):
    live = ActivityFactory(
        organisation=org_a, title="ふれあいサロン", schedule="毎月第2水曜日", municipality=chuo
    )
    client.force_login(admin_a)

    response = client.post(edit_url(org_a, live), activity_post(chuo, title="ふれあいサロン（新）"))

    assert response.status_code == 302
    live.refresh_from_db()
    assert live.title == "ふれあいサロン"
    assert live.schedule == "毎月第2水曜日"
    assert live.is_published is True
    version = ActivityVersion.objects.get(activity=live)
    assert version.status == Status.PENDING
    assert version.data["title"] == "ふれあいサロン（新）"
    assert finder_titles(client) == ["ふれあいサロン"]
    # Opening the form again continues from the waiting change.
    form_page = client.get(edit_url(org_a, live))
    assert form_page.context["form"].initial["title"] == "ふれあいサロン（新）"
    assert form_page.context["waiting"] == version

    client.force_login(coordinator)
    queue = client.get(QUEUE).content.decode()
    assert "ふれあいサロン（新）" in queue
    assert "毎月第2水曜日" in queue  # what it says now, beside what is proposed
    client.post(publish_url(version))

    live.refresh_from_db()
    assert live.title == "ふれあいサロン（新）"
    assert live.schedule == "毎週火・土曜日 17:00〜19:00"
    assert live.weekdays == "2,6"
    assert finder_titles(client) == ["ふれあいサロン（新）"]


def test_a_trusted_organisation_publishes_directly(client, org_a, admin_a, chuo):
    Organisation.objects.filter(pk=org_a.pk).update(trusted=True)
    client.force_login(admin_a)

    client.post(new_url(org_a), activity_post(chuo))
    activity = Activity.objects.get(organisation=org_a)
    assert activity.is_published is True
    assert ActivityVersion.objects.get().status == Status.PUBLISHED

    client.post(edit_url(org_a, activity), activity_post(chuo, cost="無料"))
    activity.refresh_from_db()
    assert activity.cost == "無料"
    assert list(ActivityVersion.objects.values_list("status", flat=True)) == [
        Status.PUBLISHED,
        Status.PUBLISHED,
    ]
    assert finder_titles(client) == ["こども食堂「ひだまり」"]


def test_every_save_is_a_version_and_a_newer_save_replaces_the_one_waiting(
    client, org_a, admin_a, chuo
):
    client.force_login(admin_a)
    client.post(new_url(org_a), activity_post(chuo))
    activity = Activity.objects.get()
    client.post(edit_url(org_a, activity), activity_post(chuo, title="こども食堂「ひだまり」第2版"))

    versions = list(ActivityVersion.objects.order_by("pk"))
    assert [v.data["title"] for v in versions] == [
        "こども食堂「ひだまり」",
        "こども食堂「ひだまり」第2版",
    ]
    assert [v.status for v in versions] == [Status.REJECTED, Status.PENDING]
    assert versions[0].reviewed_by is None  # replaced, nobody declined it
    activity.refresh_from_db()
    assert activity.title == "こども食堂「ひだまり」第2版"  # not public yet, so the row follows
    assert activity.is_published is False


def test_not_publishing_keeps_the_activity_and_shows_the_note_to_the_organisation(
    client, org_a, admin_a, coordinator, chuo
):
    live = ActivityFactory(organisation=org_a, title="ふれあいサロン", municipality=chuo)
    client.force_login(admin_a)
    client.post(new_url(org_a), activity_post(chuo))
    client.post(edit_url(org_a, live), activity_post(chuo, title="ふれあいサロン（改）"))
    new_version = ActivityVersion.objects.get(activity__title="こども食堂「ひだまり」")
    edit_version = ActivityVersion.objects.get(activity=live)

    client.force_login(coordinator)
    note = "写真の掲載について、ご本人の同意を確認してください。"
    client.post(reject_url(new_version), {"note": note})
    client.post(reject_url(edit_version), {"note": "開催日を確認させてください。"})

    new_version.refresh_from_db()
    assert new_version.status == Status.REJECTED
    assert new_version.review_note == note
    assert new_version.reviewed_by == coordinator
    assert new_version.activity.is_published is False
    live.refresh_from_db()
    assert live.title == "ふれあいサロン"
    assert live.is_published is True

    html = render_to_string(
        "organisations/includes/dashboard_activities.html",
        {"organisation": org_a, "membership": None, "is_admin": True},
    )
    assert note in html
    assert "開催日を確認させてください。" in html
    assert html.count('data-status="rejected"') == 2
    assert edit_url(org_a, live) in html
    # The same on the organisation's activities page, for any member.
    client.force_login(member_of(org_a, role=MemberRole.MEMBER))
    assert note in client.get(f"/organisations/{org_a.slug}/activities/").content.decode()


def test_the_dashboard_include_shows_each_activitys_latest_state_in_two_queries(
    org_a, admin_a, chuo, django_assert_num_queries
):
    waiting = ActivityFactory(organisation=org_a, title="待っている場", is_published=False)
    ActivityVersion.objects.create(
        activity=waiting, organisation=org_a, data={"title": "待っている場"}, status="pending"
    )
    published = ActivityFactory(organisation=org_a, title="公開中の場")
    old = ActivityVersion.objects.create(
        activity=published, organisation=org_a, data={}, status="rejected", review_note="古い指摘"
    )
    ActivityVersion.objects.create(
        activity=published, organisation=org_a, data={}, status="published"
    )
    assert old.pk  # an older decision is not the state any more

    with django_assert_num_queries(2):
        html = render_to_string(
            "organisations/includes/dashboard_activities.html",
            {"organisation": org_a, "is_admin": False},
        )

    assert html.count('data-status="pending"') == 1
    assert "古い指摘" not in html
    assert "公開中の場" in html and "待っている場" in html
    assert new_url(org_a) not in html


def test_not_publishing_needs_a_note(client, org_a, admin_a, coordinator, chuo):
    client.force_login(admin_a)
    client.post(new_url(org_a), activity_post(chuo))
    version = ActivityVersion.objects.get()
    client.force_login(coordinator)

    response = client.post(reject_url(version), {"note": "   "})

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)][-1] == "error"
    version.refresh_from_db()
    assert version.status == Status.PENDING
    assert version.review_note == ""


def test_a_version_is_applied_once_even_if_two_people_publish_it(org_a, coordinator, chuo):
    live = ActivityFactory(organisation=org_a, title="ふれあいサロン", municipality=chuo)
    admin = member_of(org_a)
    version = activity_services.activity_submit(
        organisation=org_a,
        activity=live,
        by=admin,
        data={"title": "ふれあいサロン（新）", "municipality": chuo.pk, "weekdays": "3"},
    )
    other = UserFactory()

    activity_services.activity_version_publish(version=version, by=coordinator)
    with pytest.raises(activity_services.ActivityError):
        activity_services.activity_version_publish(version=version, by=other)
    with pytest.raises(activity_services.ActivityError):
        activity_services.activity_version_reject(version=version, by=other, note="遅すぎた")

    version.refresh_from_db()
    assert version.status == Status.PUBLISHED
    assert version.reviewed_by == coordinator
    live.refresh_from_db()
    assert live.title == "ふれあいサロン（新）"


def test_staff_can_trust_an_organisation_so_its_next_posts_publish_directly(
    client, org_a, admin_a, coordinator, chuo
):
    client.force_login(coordinator)
    response = client.post(f"/admin/organisations/moderation/trust/{org_a.pk}/")

    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.trusted is True
    client.force_login(admin_a)
    client.post(new_url(org_a), activity_post(chuo))
    assert Activity.objects.get(organisation=org_a).is_published is True


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"weekdays": ["2", "8"]}, "weekdays", "Please choose days from Monday to Sunday."),
        ({"description": "あ" * 10_000}, "description", "you wrote 10000"),
        ({"title": ""}, "title", ""),
        ({"title": "サロン\u202e"}, "title", "characters that cannot be used"),
        ({"municipality": "999999"}, "municipality", ""),
        (
            {"municipality": "", "is_online": ""},
            "municipality",
            "Please choose the municipality",
        ),
    ],
)
def test_bad_activity_input_is_explained_and_changes_nothing(
    client, org_a, admin_a, chuo, overrides, field, message
):
    client.force_login(admin_a)

    response = client.post("/en" + new_url(org_a), activity_post(chuo, **overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not Activity.objects.exists()
    assert not ActivityVersion.objects.exists()


def test_the_service_refuses_an_unknown_weekday_and_an_overlong_description(org_a, chuo):
    admin = member_of(org_a)
    for data in (
        {"title": "サロン", "municipality": chuo.pk, "weekdays": "0,8"},
        {"title": "サロン", "municipality": chuo.pk, "description": "あ" * 10_000},
    ):
        with pytest.raises(activity_services.ActivityError):
            activity_services.activity_submit(organisation=org_a, data=data, by=admin)
    assert not Activity.objects.exists()
    assert not ActivityVersion.objects.exists()


# --- Profile ----------------------------------------------------------------------------------


def test_an_admin_edits_the_directory_profile_but_not_name_trust_or_listing(
    client, org_a, admin_a, himeji, kobe
):
    child_rearing = Field.objects.get(slug="child-rearing")
    client.force_login(admin_a)
    assert client.get(profile_url(org_a)).status_code == 200

    response = client.post(
        profile_url(org_a),
        {
            "description": "神戸市内で子ども食堂を運営しています。",
            "address": "神戸市中央区雲井通5丁目",
            "website": "https://kodomo.example.jp/",
            "public_email": "info@kodomo.example.jp",
            "public_phone": "078-111-2222",
            "fields": [str(child_rearing.pk)],
            "municipalities_served": [str(kobe.pk), str(himeji.pk)],
            # Not on the form: ignored.
            "name": "別の名前",
            "slug": "other",
            "trusted": "on",
            "is_listed": "",
        },
    )

    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.description == "神戸市内で子ども食堂を運営しています。"
    assert org_a.public_phone == "078-111-2222"
    assert list(org_a.fields.all()) == [child_rearing]
    assert set(org_a.municipalities_served.all()) == {kobe, himeji}
    assert org_a.name == "神戸こども食堂ネット"
    assert org_a.slug == "kobe-kodomo"
    assert org_a.trusted is False
    assert org_a.is_listed is True
    version = ActivityVersion.objects.get()
    assert version.activity is None
    assert version.status == Status.PUBLISHED
    assert version.edited_by == admin_a
    assert version.data["kind"] == "profile"
    assert version.data["municipalities_served"] == sorted([kobe.pk, himeji.pk])


def test_a_bad_profile_is_explained_and_changes_nothing(client, org_a, admin_a):
    before = org_a.description
    client.force_login(admin_a)

    response = client.post(
        "/en" + profile_url(org_a), {"description": "あ" * 10_000, "website": "not a url"}
    )

    assert response.status_code == 200
    assert "you wrote 10000" in " ".join(response.context["form"].errors["description"])
    assert "website" in response.context["form"].errors
    org_a.refresh_from_db()
    assert org_a.description == before
    assert not ActivityVersion.objects.exists()


# --- The residents' finder --------------------------------------------------------------------


@pytest.fixture
def activities(org_a, org_b, chuo, kobe, himeji):
    """Activities in a Kobe ward, Kobe itself and Himeji, plus some residents must not see."""
    org_a.fields.set([Field.objects.get(slug="child-rearing")])
    org_a.save()
    org_b.fields.set([Field.objects.get(slug="hikikomori")])
    org_b.save()
    made = {
        "ward": ActivityFactory(
            organisation=org_a,
            title="こども食堂「ひだまり」",
            place="中央区民センター",
            municipality=chuo,
            weekdays="2,6",
            audience="子どもと保護者",
        ),
        "city": ActivityFactory(
            organisation=org_a,
            title="神戸まちカフェ",
            municipality=kobe,
            weekdays="3",
            audience="どなたでも（高齢の方歓迎）",
        ),
        "himeji": ActivityFactory(
            organisation=org_b,
            title="家族のつどい",
            municipality=himeji,
            weekdays="7",
            audience="ひきこもりの方のご家族",
        ),
    }
    ActivityFactory(organisation=org_a, title="審査待ちの場", municipality=chuo, is_published=False)
    hidden_org = OrganisationFactory(slug="unlisted", is_listed=False)
    ActivityFactory(organisation=hidden_org, title="非公開団体の場", municipality=chuo)
    return made


def test_the_finder_shows_published_activities_of_listed_organisations(client, activities):
    assert sorted(finder_titles(client)) == sorted(a.title for a in activities.values())


def test_the_finder_filters_by_municipality_including_its_wards(
    client, activities, kobe, chuo, himeji
):
    assert sorted(finder_titles(client, municipality=kobe.pk)) == sorted(
        ["こども食堂「ひだまり」", "神戸まちカフェ"]
    )
    assert finder_titles(client, municipality=chuo.pk) == ["こども食堂「ひだまり」"]
    assert finder_titles(client, municipality=himeji.pk) == ["家族のつどい"]


def test_the_finder_filters_by_field_day_audience_and_keyword(client, activities):
    assert finder_titles(client, field="hikikomori") == ["家族のつどい"]
    assert finder_titles(client, day="6") == ["こども食堂「ひだまり」"]
    assert finder_titles(client, day="3") == ["神戸まちカフェ"]
    assert finder_titles(client, day="1") == []
    assert finder_titles(client, audience="高齢") == ["神戸まちカフェ"]
    assert finder_titles(client, q="つどい") == ["家族のつどい"]
    assert finder_titles(client, field="child-rearing", day="2") == ["こども食堂「ひだまり」"]


def test_an_unknown_filter_value_is_reported_and_ignored(client, activities):
    response = client.get(FINDER, {"day": "9", "field": "child-rearing"})

    assert response.status_code == 200
    assert "day" in response.context["form"].errors
    assert sorted(a.title for a in response.context["page_obj"]) == sorted(
        ["こども食堂「ひだまり」", "神戸まちカフェ"]
    )


def test_finder_cards_say_what_when_where_and_link_a_map(client, org_a, chuo):
    ActivityFactory(
        organisation=org_a,
        title="こども食堂「ひだまり」",
        place="中央区民センター 2階",
        municipality=chuo,
        weekdays="2,6",
        schedule="17:00〜19:00",
        cost="子ども無料",
        accessibility="車いす可",
        contact="078-000-0000",
    )

    response = client.get(FINDER, {"municipality": chuo.pk})
    html = response.content.decode()

    assert 'role="status"' in html
    for text in (
        "こども食堂「ひだまり」",
        "17:00〜19:00",
        "子ども無料",
        "車いす可",
        "078-000-0000",
    ):
        assert text in html
    assert "火曜日" in html and "土曜日" in html  # the days, in the visitor's language
    query = quote_plus(f"中央区民センター 2階 {chuo.display_name}")
    assert f"https://www.google.com/maps/search/?api=1&amp;query={query}" in html
    assert 'target="_blank"' not in html
    assert "Googleマップ" in html


def test_the_finder_paginates(client, org_a, chuo):
    for number in range(25):
        ActivityFactory(organisation=org_a, title=f"サロン{number:02d}", municipality=chuo)

    first = client.get(FINDER)
    second = client.get(FINDER, {"page": 2})

    assert len(first.context["page_obj"]) == 20
    assert len(second.context["page_obj"]) == 5
    assert "page=2" in first.content.decode()


def test_the_finder_runs_the_same_queries_for_3_or_30_activities(
    client, org_a, chuo, django_assert_max_num_queries
):
    """Each card needs its organisation and municipality (with the ward's city): fetched with
    the activities, never one query per card."""
    org_a.fields.set([Field.objects.get(slug="child-rearing")])
    org_a.save()

    def fill(count):
        for number in range(Activity.objects.count(), count):
            ActivityFactory(
                organisation=OrganisationFactory() if number % 2 else org_a,
                title=f"つながりの場{number}",
                place="公民館",
                municipality=chuo,
                weekdays="1,5",
            )

    params = {"municipality": chuo.pk, "day": "1"}
    fill(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(FINDER, params).status_code == 200
    fill(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(FINDER, params)
    assert len(response.context["page_obj"]) == 20


# --- Staff permission -------------------------------------------------------------------------


def test_people_without_the_permission_get_no_moderation(client, org_a, admin_a, chuo):
    client.force_login(admin_a)
    client.post(new_url(org_a), activity_post(chuo))
    version = ActivityVersion.objects.get()

    # A plain user is sent to sign in.
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    # Someone in the admin without "change organisation" is sent back to the dashboard.
    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    for response in (
        client.get(QUEUE),
        client.post(publish_url(version)),
        client.post(reject_url(version), {"note": "だめ"}),
        client.post(f"/admin/organisations/moderation/trust/{org_a.pk}/"),
    ):
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
    assert QUEUE not in client.get("/admin/").content.decode()

    version.refresh_from_db()
    org_a.refresh_from_db()
    assert version.status == Status.PENDING
    assert org_a.trusted is False
    assert Activity.objects.get().is_published is False


@pytest.mark.parametrize("role", [roles.COORDINATORS, roles.CONTENT_EDITORS])
def test_coordinators_and_content_editors_review(client, role_user, role):
    client.force_login(role_user(role))

    assert client.get(QUEUE).status_code == 200
    assert QUEUE in client.get("/admin/").content.decode()  # the menu item


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("second", ["publish", "reject"])
def test_two_staff_deciding_at_once_decide_once(org_a, chuo, second):
    """Both threads lock the activity's row before re-reading the version: one decides, the
    other is told it has already been dealt with, and the activity shows the winner's outcome."""
    live = ActivityFactory(organisation=org_a, title="ふれあいサロン", municipality=chuo)
    version = activity_services.activity_submit(
        organisation=org_a,
        activity=live,
        by=member_of(org_a),
        data={"title": "ふれあいサロン（新）", "municipality": chuo.pk, "weekdays": "3"},
    )
    staff = [UserFactory(), UserFactory()]
    calls = [
        lambda: activity_services.activity_version_publish(version=version, by=staff[0]),
        (
            (lambda: activity_services.activity_version_publish(version=version, by=staff[1]))
            if second == "publish"
            else (
                lambda: activity_services.activity_version_reject(
                    version=version, by=staff[1], note="同時の判断"
                )
            )
        ),
    ]
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def work(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decided = [o for o in outcomes if isinstance(o, ActivityVersion)]
    refused = [o for o in outcomes if isinstance(o, activity_services.ActivityError)]
    assert (len(decided), len(refused)) == (1, 1), outcomes
    version.refresh_from_db()
    live.refresh_from_db()
    assert version.status == decided[0].status
    assert version.reviewed_by == decided[0].reviewed_by
    if version.status == Status.PUBLISHED:
        assert live.title == "ふれあいサロン（新）"
    else:
        assert live.title == "ふれあいサロン"
    assert live.is_published is True
