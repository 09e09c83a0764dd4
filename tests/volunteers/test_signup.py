"""The public volunteer sign-up (issue #7): three short steps without JavaScript, an account
confirmed by email, consent recorded, likely duplicates flagged, and bad input refused with a
clear message and nothing half-made."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from lms.models import Field, Municipality, OutboundEmail, User
from tests.factories import UserFactory
from volunteers.models import LikelyDuplicate, Stage, StageChange, VolunteerProfile

pytestmark = pytest.mark.django_db

KOBE_NADA = "281026"
PASSWORD = "tsunagari-2026-kobe"


def step1(**overrides):
    return {
        "full_name": "神戸 花子",
        "full_name_kana": "こうべ はなこ",
        "email": "hanako@example.jp",
        "phone": "０７８－３４１－７７１１",
        "municipality": str(Municipality.objects.get(code=KOBE_NADA).pk),
        "age_band": "70s",
        "website": "",
        **overrides,
    }


def step2(**overrides):
    return {
        "fields_of_interest": [str(Field.objects.first().pk)],
        "availability": ["weekdays", "daytime"],
        "frequency": "monthly",
        "skills": "料理が得意です。",
        "motivation": "地域の居場所づくりを手伝いたい。",
        "heard_from": "市の広報誌",
        "insurance": "wants_help",
        "website": "",
        **overrides,
    }


def step3(**overrides):
    return {
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_purpose": "on",
        "accept_privacy": "on",
        "website": "",
        **overrides,
    }


def sign_up(client, one=None, two=None, three=None):
    r1 = client.post("/volunteer/join/1/", one or step1())
    r2 = client.post("/volunteer/join/2/", two or step2())
    r3 = client.post("/volunteer/join/3/", three or step3())
    return r1, r2, r3


def test_a_resident_signs_up_in_three_steps_and_confirms_the_email(client, home_page):
    r1, r2, r3 = sign_up(client)

    assert (r1.status_code, r1["Location"]) == (302, "/volunteer/join/2/")
    assert (r2.status_code, r2["Location"]) == (302, "/volunteer/join/3/")
    assert (r3.status_code, r3["Location"]) == (302, "/volunteer/join/sent/")
    user = User.objects.get(email="hanako@example.jp")
    assert (user.full_name, user.full_name_kana) == ("神戸 花子", "こうべ はなこ")
    assert user.privacy_consented_at and user.privacy_policy_version
    profile = user.volunteer_profile
    assert profile.stage == Stage.APPLIED
    assert profile.municipality.code == KOBE_NADA
    assert (profile.weekdays, profile.daytime, profile.weekends) == (True, True, False)
    assert profile.consent_purpose_version and not profile.consent_on_paper
    assert profile.phone_key == "0783417711"
    assert not EmailAddress.objects.get(user=user).verified
    sent = client.get("/volunteer/join/sent/")
    assert "hanako@example.jp" in sent.content.decode()
    assert "volunteer_signup" not in client.session

    confirmation = OutboundEmail.objects.get(recipient="hanako@example.jp")
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", confirmation.body_text)
    path = "/" + link.group(0).split("/", 3)[3]
    confirmed = client.post(path)
    assert EmailAddress.objects.get(user=user).verified
    assert confirmed["Location"] == "/accounts/login/?next=/volunteer/"

    client.post("/accounts/login/?next=/volunteer/", {"login": user.email, "password": PASSWORD})
    page = client.get("/volunteer/").content.decode()
    assert "次のステップ" in page
    assert "コーディネーター" in page


def test_the_steps_keep_answers_and_show_them_before_agreeing(client, home_page):
    client.post("/volunteer/join/1/", step1())
    client.post("/volunteer/join/2/", step2())

    back_to_one = client.get("/volunteer/join/1/").content.decode()
    check = client.get("/volunteer/join/3/").content.decode()

    assert 'value="神戸 花子"' in back_to_one
    assert "神戸 花子" in check and "市の広報誌" in check and "灘区" in check
    assert "利用目的" in check
    assert 'aria-current="step"' in check


def test_a_later_step_cannot_be_reached_first(client, home_page):
    response = client.get("/volunteer/join/3/")
    assert response["Location"] == "/volunteer/join/1/"


def test_a_signed_in_person_adds_a_profile_without_a_new_account(client, home_page):
    person = UserFactory(full_name="明石 一郎", full_name_kana="あかし いちろう")
    client.force_login(person)

    one = step1(full_name="明石 一郎", full_name_kana="あかし いちろう")
    del one["email"]
    r1, r2, r3 = sign_up(client, one=one, three={"accept_purpose": "on", "accept_privacy": "on"})

    assert r3["Location"] == "/volunteer/"
    assert User.objects.count() == 1
    assert VolunteerProfile.objects.get().user == person
    assert client.get("/volunteer/join/1/")["Location"] == "/volunteer/"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"email": "hanako@"}, "email", "メールアドレスを確認してください"),
        ({"full_name": ""}, "full_name", "氏名を入力してください"),
        ({"full_name_kana": "Hanako"}, "full_name_kana", "ひらがなかカタカナ"),
        ({"municipality": ""}, "municipality", "お住まいの市町を選んでください"),
        ({"age_band": ""}, "age_band", "年代を選んでください"),
        ({"phone": "12"}, "phone", "10桁か11桁"),
        ({"full_name": "山田\u0000太郎"}, "full_name", ""),
    ],
)
def test_bad_answers_in_step_one_are_explained_next_to_the_field(
    client, home_page, overrides, field, message
):
    response = client.post("/volunteer/join/1/", step1(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert "volunteer_signup" not in client.session


def test_a_ten_thousand_character_answer_is_refused_with_how_much_to_cut(client, home_page):
    client.post("/volunteer/join/1/", step1())
    response = client.post("/volunteer/join/2/", step2(motivation="あ" * 10_000))

    assert response.status_code == 200
    assert "2000文字以内" in " ".join(response.context["form"].errors["motivation"])
    assert "10000" in " ".join(response.context["form"].errors["motivation"])


def test_missing_consent_creates_nothing(client, home_page):
    r1, r2, r3 = sign_up(client, three=step3(accept_purpose="", accept_privacy=""))

    assert r3.status_code == 200
    errors = r3.context["form"].errors
    assert "利用目的" in " ".join(errors["accept_purpose"])
    assert "プライバシーポリシー" in " ".join(errors["accept_privacy"])
    assert not User.objects.exists()
    assert not VolunteerProfile.objects.exists()


def test_a_duplicate_sign_up_with_a_registered_email_is_told_to_sign_in(client, home_page):
    UserFactory(email="hanako@example.jp")

    response = client.post("/volunteer/join/1/", step1(email="HANAKO@example.jp"))

    assert response.status_code == 200
    assert "既に登録" in " ".join(response.context["form"].errors["email"])
    assert User.objects.count() == 1
    assert not VolunteerProfile.objects.exists()


def test_a_bot_filling_the_honeypot_creates_nothing(client, home_page):
    response = client.post("/volunteer/join/1/", step1(website="http://spam.example"))

    assert response["Location"] == "/volunteer/join/1/"
    page = client.get("/volunteer/join/1/").content.decode()
    assert "受け付けできませんでした" in page
    assert "volunteer_signup" not in client.session
    sign_up(client, three=step3(website="spam"))
    assert not User.objects.exists()


def test_too_many_sign_ups_from_one_address_are_refused(client, home_page, settings):
    settings.VOLUNTEER_SIGNUPS_PER_HOUR = 2
    for number in range(2):
        client.logout()
        sign_up(client, one=step1(email=f"p{number}@example.jp"))
    client.logout()

    r1, r2, r3 = sign_up(client, one=step1(email="third@example.jp"))

    assert r3.status_code == 429
    assert "しばらくしてから" in r3.content.decode()
    assert not User.objects.filter(email="third@example.jp").exists()
    assert VolunteerProfile.objects.count() == 2


def test_a_likely_duplicate_is_flagged_for_staff(client, home_page):
    sign_up(client)
    client.logout()
    client.session.flush()

    # Same person, another email, phone written differently.
    sign_up(client, one=step1(email="hanako.kobe@example.jp", phone="078 341 7711"))

    newer = VolunteerProfile.objects.get(user__email="hanako.kobe@example.jp")
    flag = LikelyDuplicate.objects.get()
    assert flag.profile == newer
    assert set(flag.reasons.split(",")) == {"phone", "kana"}
    assert StageChange.objects.count() == 2


def test_the_confirmation_email_goes_out_in_japanese(client, home_page):
    sign_up(client)
    message = OutboundEmail.objects.get()
    assert "メールアドレス" in message.subject or "確認" in message.subject
    assert not mail.outbox or all("hanako@example.jp" in m.to for m in mail.outbox)
