"""Bad input to the forms anyone can use without an account: the volunteer sign-up (three
steps), the organisation application, allauth's sign-up, sign-in and password reset.  Every
answer is a page with a clear error in Japanese (or, when hypothesis happens to type something
valid, an ordinary success), never a server error, and nothing is written unless it succeeded."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from lms.models import Field, Municipality, OrganisationType, OutboundEmail, User
from lms.text import has_invisible_characters
from organisations.models import OrganisationApplication
from tests.robustness.conftest import fresh_cache
from tests.robustness.helpers import (
    FAST,
    FORM,
    SOME,
    assert_clear_error,
    assert_not_server_error,
    changed,
    encode_form,
    snapshot,
)
from tests.robustness.strategies import RAW_BAD_BYTES, form_data, nasty_text, nasty_value
from volunteers.models import VolunteerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

WRITES = (User, EmailAddress, VolunteerProfile, OutboundEmail, OrganisationApplication)


def _has_controls(data: dict) -> bool:
    """Whether the text a form field keeps (the last value, if a list was sent; stripped as
    Django's text fields strip it, which also removes the information separators \x1c-\x1f)
    holds control or invisible characters other than line breaks."""
    texts = [value[-1] if isinstance(value, list) else value for value in data.values()]
    return any(
        has_invisible_characters(t.strip().replace("\r", "").replace("\n", "")) for t in texts
    )


# --- Volunteer sign-up --------------------------------------------------------------------------


def volunteer_step1(**overrides) -> dict:
    return {
        "full_name": "神戸 花子",
        "full_name_kana": "こうべ はなこ",
        "email": "hanako@example.jp",
        "phone": "078-341-7711",
        "municipality": str(Municipality.objects.get(code="281026").pk),
        "age_band": "70s",
        **overrides,
    }


def volunteer_step2(**overrides) -> dict:
    return {
        "fields_of_interest": [str(Field.objects.first().pk)],
        "availability": ["weekdays"],
        "frequency": "monthly",
        "insurance": "wants_help",
        **overrides,
    }


STEP1_FIELDS = ["full_name", "full_name_kana", "email", "phone", "municipality", "age_band"]
STEP2_FIELDS = [
    "fields_of_interest",
    "availability",
    "frequency",
    "skills",
    "motivation",
    "heard_from",
    "insurance",
]


@SOME
@given(data=form_data(STEP1_FIELDS))
def test_volunteer_step_one_refuses_garbage(data):
    """Step 1 keeps answers in the session only: garbage is shown back with its errors."""
    client = Client()
    before = snapshot(*WRITES)
    response = client.post("/volunteer/join/1/", {"website": "", **data})
    assert_not_server_error(response)
    assert snapshot(*WRITES) == before
    if response.status_code == 302:  # valid by chance: on to step 2
        assert response["Location"] == "/volunteer/join/2/"
        assert not _has_controls(data), data
    else:
        assert_clear_error(response)


@FAST
@given(field=st.sampled_from(STEP1_FIELDS), text=nasty_text())
@example(field="full_name", text="0\x1f")  # found by hypothesis: the separator is stripped
@example(field="full_name", text="0\x1f0")  # found by hypothesis: kept as "0 0"
def test_volunteer_step_one_refuses_one_bad_field_among_good_ones(field, text):
    """One nasty answer among otherwise valid ones: refused with an error on that field, or
    accepted only if it is acceptable text (no control characters)."""
    client = Client()
    response = client.post("/volunteer/join/1/", volunteer_step1(**{field: text}))
    assert_not_server_error(response)
    if response.status_code == 302:
        # What is kept is the answer as the form cleans it: Django's CharField strips it and
        # names are squeezed (Python takes the separators \x1c-\x1f for blank space), so
        # only that must be clean ("0\x1f0" is kept as "0 0").
        from volunteers.forms import AboutYouForm

        form = AboutYouForm(volunteer_step1(**{field: text}), with_email=True)
        assert form.is_valid(), (field, text)
        assert not has_invisible_characters(str(form.cleaned_data[field])), (field, text)
    else:
        assert_clear_error(response)
        assert field in response.context["form"].errors


@SOME
@given(data=form_data(STEP2_FIELDS))
def test_volunteer_step_two_refuses_garbage(data):
    client = Client()
    assert client.post("/volunteer/join/1/", volunteer_step1()).status_code == 302
    before = snapshot(*WRITES)
    response = client.post("/volunteer/join/2/", {"website": "", **data})
    assert_not_server_error(response)
    assert snapshot(*WRITES) == before
    if response.status_code == 302:
        assert response["Location"] == "/volunteer/join/3/"
        assert not _has_controls({k: v for k, v in data.items() if k in ("skills", "motivation")})
    else:
        assert_clear_error(response)


@SOME
@given(data=form_data(["password1", "password2", "accept_purpose", "accept_privacy"]))
def test_volunteer_last_step_creates_everyone_or_no_one(data):
    """The last step writes the account, the address, the profile and the mail together: with
    garbage, none of them; with valid answers by chance, exactly one of each."""
    client = Client()
    email = f"v{User.objects.count()}@example.jp"
    client.post("/volunteer/join/1/", volunteer_step1(email=email))
    client.post("/volunteer/join/2/", volunteer_step2())
    before = snapshot(*WRITES)
    response = client.post("/volunteer/join/3/", {"website": "", **data})
    assert_not_server_error(response)
    after = snapshot(*WRITES)
    if response.status_code == 302 and response["Location"] == "/volunteer/join/sent/":
        for model in (User, EmailAddress, VolunteerProfile):
            assert after[model._meta.label] == before[model._meta.label] + 1
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


def test_volunteer_sign_up_with_a_filled_honeypot_creates_nothing():
    client = Client()
    before = snapshot(*WRITES)
    response = client.post("/volunteer/join/1/", volunteer_step1(website="http://spam"))
    assert response.status_code == 302
    assert snapshot(*WRITES) == before


@pytest.mark.parametrize("step", ["0", "4", "99999999999999999999999"])
def test_volunteer_sign_up_steps_that_do_not_exist_are_not_found(step):
    assert Client().post(f"/volunteer/join/{step}/", volunteer_step1()).status_code == 404


@pytest.mark.parametrize("raw", RAW_BAD_BYTES)
def test_volunteer_sign_up_with_bytes_that_are_not_utf8(raw):
    """A lone surrogate or broken UTF-8 (decoded as U+FFFD by Django) is a form error."""
    body = encode_form(volunteer_step1(), raw={"full_name_kana": raw, "phone": raw})
    response = Client().post("/volunteer/join/1/", body, content_type=FORM)
    assert_clear_error(response)


# --- Organisation application -------------------------------------------------------------------


def application(**overrides) -> dict:
    return {
        "name": "NPO法人 たんばの縁側",
        "name_kana": "たんばのえんがわ",
        "organisation_type": str(OrganisationType.objects.get(name="NPO法人").pk),
        "fields": [str(Field.objects.first().pk)],
        "municipality": str(Municipality.objects.get(code="282235").pk),
        "address": "丹波市柏原町1-1",
        "website": "https://engawa.example.jp",
        "contact_name": "縁側 広子",
        "contact_email": "hiroko@engawa.example.jp",
        "contact_phone": "0795-00-0000",
        "wants": "事例を共有したい。",
        "accept_terms": "on",
        **overrides,
    }


APPLICATION_FIELDS = [
    "name",
    "name_kana",
    "organisation_type",
    "fields",
    "municipality",
    "municipalities_served",
    "address",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "wants",
    "accept_terms",
]
APPLICATION_TEXT_FIELDS = {"name", "name_kana", "address", "contact_name", "contact_phone", "wants"}


@SOME
@given(data=form_data(APPLICATION_FIELDS))
def test_organisation_application_refuses_garbage(data):
    client = Client()
    before = snapshot(*WRITES)
    # A browser always sends the (empty) honeypot, so the form is always bound.
    response = client.post("/organisations/apply/", {"nickname": "", **data})
    assert_not_server_error(response)
    assert snapshot(*WRITES) == before, changed(before, snapshot(*WRITES))
    assert_clear_error(response)


@SOME
@given(field=st.sampled_from(APPLICATION_FIELDS), value=nasty_value())
@example(field="name", value="0\x1f")  # found by hypothesis: the separator is stripped
def test_organisation_application_with_one_bad_answer(field, value):
    """One nasty answer among valid ones: refused with nothing written, or (acceptable text)
    exactly one application."""
    OrganisationApplication.objects.all().delete()  # each example applies afresh
    fresh_cache()  # and is not limited by the earlier ones
    client = Client()
    before = snapshot(*WRITES)
    response = client.post("/organisations/apply/", application(**{field: value}))
    assert_not_server_error(response)
    after = snapshot(*WRITES)
    if response.status_code == 302:
        assert response["Location"] == "/organisations/apply/sent/"
        assert after[OrganisationApplication._meta.label] == 1
        if field in APPLICATION_TEXT_FIELDS:
            assert not _has_controls({field: value}), (field, value)
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


# --- allauth: sign-up, sign-in, password reset --------------------------------------------------


@SOME
@given(
    data=form_data(
        ["email", "password1", "password2", "full_name", "full_name_kana", "accept_privacy"]
    )
)
def test_account_sign_up_refuses_garbage(data):
    client = Client()
    before = snapshot(*WRITES)
    response = client.post("/accounts/signup/", data)
    assert_not_server_error(response)
    after = snapshot(*WRITES)
    if response.status_code == 302:
        assert after[User._meta.label] == before[User._meta.label] + 1
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


@SOME
@given(data=form_data(["login", "password", "remember"]))
def test_sign_in_refuses_garbage(data, person):
    client = Client()
    before = snapshot(*WRITES, rows=(User.objects.filter(pk=person.pk),))
    response = client.post("/accounts/login/", data)
    assert_not_server_error(response)
    assert_clear_error(response)
    assert "_auth_user_id" not in client.session
    assert snapshot(*WRITES, rows=(User.objects.filter(pk=person.pk),)) == before


@SOME
@given(data=form_data(["email"]))
def test_password_reset_refuses_garbage(data, person):
    """An unknown or malformed address: an error, or (enumeration prevention) the usual
    "sent" page for a well-formed address; no mail either way, since nobody has it."""
    client = Client()
    before = snapshot(*WRITES)
    response = client.post("/accounts/password/reset/", data)
    assert_not_server_error(response)
    assert snapshot(*WRITES) == before
    if response.status_code != 302:
        assert_clear_error(response)


# --- Wrong shapes: a JSON body, a body too large to read ---------------------------------------


@pytest.mark.parametrize(
    "path", ["/volunteer/join/1/", "/organisations/apply/", "/accounts/signup/"]
)
def test_a_json_body_instead_of_a_form_writes_nothing(path):
    """The forms read form data only: JSON (or a list where an object is expected) is no
    answer at all, so nothing is written."""
    before = snapshot(*WRITES)
    for body in ('{"name": "つながり", "email": ["a@example.jp"]}', "[1, 2, 3]", "\x00"):
        response = Client().post(path, body, content_type="application/json")
        # Ours show the blank form; allauth answers a JSON client with its errors as JSON.
        assert response.status_code in (200, 400)
    assert snapshot(*WRITES) == before


@pytest.mark.parametrize("path", ["/volunteer/join/1/", "/organisations/apply/"])
def test_a_body_too_large_to_read_is_a_clear_400(path):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the form: 400, with a page in the
    person's language saying nothing was saved."""
    from django.utils import translation

    before = snapshot(*WRITES)
    response = Client().post(path, {"wants": "あ" * 1_000_000, "name": "つながり"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="ja">' in page and "ホーム" in page
    with translation.override("ja"):
        assert translation.gettext("We could not read what you sent") in page
    assert snapshot(*WRITES) == before
