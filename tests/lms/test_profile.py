"""/profile/: a person edits their own 氏名, ふりがな, profession and municipality."""

import pytest

from lms.models import Municipality, Profession, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _profile_data(**overrides) -> dict:
    return {
        "full_name": "神戸 一郎",
        "full_name_kana": "こうべ いちろう",
        "profession": "",
        "organisation_name": "",
        "municipality": "",
        "preferred_language": "ja",
        **overrides,
    }


def test_profile_requires_login(client, home_page):
    response = client.get("/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/profile/"
    assert client.post("/profile/", _profile_data()).status_code == 302


def test_profile_shows_the_logged_in_persons_own_data(client, home_page):
    me = UserFactory(email="me@example.jp", full_name="兵庫 花子")
    UserFactory(email="someone-else@example.jp", full_name="他人 次郎")
    client.force_login(me)

    response = client.get("/profile/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "me@example.jp" in html
    assert 'value="兵庫 花子"' in html
    assert "他人 次郎" not in html and "someone-else@example.jp" not in html


def test_profile_edit_saves_name_kana_profession_and_municipality(client, home_page, user):
    ward = Municipality.objects.get(code="281107")
    social_worker = Profession.objects.get(slug="social-worker")
    client.force_login(user)

    response = client.post(
        "/profile/",
        _profile_data(
            full_name="神戸　一郎",
            full_name_kana="ｺｳﾍﾞ ｲﾁﾛｳ",
            profession=social_worker.pk,
            municipality=ward.pk,
            organisation_name="中央区社会福祉協議会",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    user.refresh_from_db()
    assert user.full_name == "神戸 一郎"
    assert user.full_name_kana == "コウベ イチロウ"
    assert user.profession == social_worker
    assert user.municipality == ward
    assert user.organisation_name == "中央区社会福祉協議会"
    follow = client.get("/profile/")
    assert [str(m) for m in follow.context["messages"]] != []


def test_profile_with_invalid_kana_shows_an_error_and_saves_nothing(client, home_page, user):
    client.force_login(user)
    before = User.objects.values().get(pk=user.pk)

    response = client.post(
        "/profile/",
        _profile_data(full_name="新しい 名前", full_name_kana="Atarashii", municipality="281107"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "full_name_kana" in form.errors
    assert 'id="id_full_name_kana_errors"' in response.content.decode()
    assert User.objects.values().get(pk=user.pk) == before


def test_profile_rejects_an_unknown_municipality(client, home_page, user):
    client.force_login(user)

    response = client.post("/profile/", _profile_data(municipality="999999"))

    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    user.refresh_from_db()
    assert user.municipality is None
