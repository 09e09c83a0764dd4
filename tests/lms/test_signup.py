"""Sign-up, email verification, login and password reset through the real allauth URLs."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from lms.models import OutboundEmail, OutboundEmailStatus, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
PASSWORD = "kobe-harbour-2026!"
GOOD = {
    "email": "Hanako@Example.jp",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "full_name": "兵庫　花子",
    "full_name_kana": "ひょうご はなこ",
    "accept_privacy": "on",
}
CONFIRM_LINK = re.compile(r"http://testserver(/(?:en/)?accounts/confirm-email/[^/\s]+/)")


def _sign_up(client, capture, **overrides):
    with capture(execute=True):
        return client.post(SIGNUP_URL, {**GOOD, **overrides})


@pytest.mark.usefixtures("home_page")
def test_a_sign_up_inserts_the_account_once_and_keeps_the_staff_lists(
    client, django_capture_on_commit_callbacks
):
    """Name, ふりがな, language and consent go in with the account's one insert: saved again
    after it, every sign-up was a change of a name staff lists show (``ACCOUNTS_SHOWN_VERSION``)
    and made every coordinator's kept list stale, in a sign-up campaign hundreds of times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lms.selectors import ACCOUNTS_SHOWN_VERSION

    before = ACCOUNTS_SHOWN_VERSION.current()
    with CaptureQueriesContext(connection) as queries:
        response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    writes = [
        q["sql"].split(" (")[0].split(" SET ")[0]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and '"lms_user"' in q["sql"][:30]
    ]
    assert writes == ['INSERT INTO "lms_user"']
    user = User.objects.get(email="hanako@example.jp")
    assert (user.full_name, user.privacy_policy_version) == ("兵庫 花子", "2026-04")
    assert ACCOUNTS_SHOWN_VERSION.current() == before


def test_signup_creates_unverified_user_and_sends_verification_email(
    client, home_page, django_capture_on_commit_callbacks
):
    response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="hanako@example.jp")
    assert (user.full_name, user.full_name_kana, user.preferred_language) == (
        "兵庫 花子",
        "ひょうご はなこ",
        "ja",
    )
    assert user.check_password(PASSWORD)
    assert user.privacy_policy_version == "2026-04"
    assert user.privacy_consented_at is not None
    assert EmailAddress.objects.get(user=user).verified is False
    assert "_auth_user_id" not in client.session  # not logged in until the address is verified

    outbound = OutboundEmail.objects.get()
    assert outbound.recipient == "hanako@example.jp"
    assert outbound.template == "account/email/email_confirmation_signup"
    assert outbound.status == OutboundEmailStatus.SENT
    assert outbound.attempts == 1
    assert outbound.language == "ja"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hanako@example.jp"]
    assert sent.subject == outbound.subject
    assert CONFIRM_LINK.search(sent.body)
    assert "ひょうごつながりアカデミー" in sent.body  # the greeting names the site


def test_signup_confirmation_link_verifies_the_address_and_logs_in(
    client, home_page, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)

    page = client.get(path)
    assert page.status_code == 200
    # ACCOUNT_CONFIRM_EMAIL_ON_GET is off: opening the link changes nothing, the button does.
    assert EmailAddress.objects.get(email="hanako@example.jp").verified is False
    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    user = User.objects.get(email="hanako@example.jp")
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.session["_auth_user_id"] == str(user.pk)
    # Signed in through our backend, as a password sign-in is (each request reads the person
    # with its statement built once), not allauth's.
    assert client.session["_auth_user_backend"] == "lms.backends.ModelBackendOneQuery"
    assert client.get("/profile/").status_code == 200


def test_login_before_verification_does_not_log_in(
    client, home_page, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    other = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = other.post(
            "/accounts/login/", {"login": "hanako@example.jp", "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in other.session
    assert other.get("/profile/").status_code == 302
    # allauth sends a fresh verification link instead.
    assert OutboundEmail.objects.filter(template="account/email/email_confirmation").count() == 1


def test_login_after_verification_logs_in_with_any_email_case(client, home_page):
    user = UserFactory(email="verified@example.jp")

    response = client.post(
        "/accounts/login/", {"login": "Verified@Example.JP", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_with_existing_email_creates_nothing_and_mails_the_owner(
    client, home_page, django_capture_on_commit_callbacks
):
    """ACCOUNT_PREVENT_ENUMERATION: the page looks like a normal sign-up (no "email taken"
    error that would reveal who has an account); the owner is told by email instead."""
    owner = UserFactory(email="taken@example.jp")
    users, addresses = User.objects.count(), EmailAddress.objects.count()

    response = _sign_up(client, django_capture_on_commit_callbacks, email="Taken@Example.jp")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert (User.objects.count(), EmailAddress.objects.count()) == (users, addresses)
    owner.refresh_from_db()
    assert owner.full_name != "兵庫 花子"
    outbound = OutboundEmail.objects.get()
    assert outbound.template == "account/email/account_already_exists"
    assert mail.outbox[0].to == ["taken@example.jp"]
    assert "/accounts/password/reset/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "hanako@example"}, "email"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1"),
        ({"password1": "password", "password2": "password"}, "password1"),
        ({"password2": "another-harbour-2026!"}, "password2"),
        ({"full_name": "兵" * 101}, "full_name"),
        ({"full_name": ""}, "full_name"),
        ({"full_name_kana": "兵庫 花子"}, "full_name_kana"),
        ({"full_name": "兵庫\x07花子"}, "full_name"),
    ],
)
def test_signup_with_bad_input_shows_errors_and_saves_nothing(
    client, home_page, django_capture_on_commit_callbacks, overrides, field
):
    users, addresses = User.objects.count(), EmailAddress.objects.count()

    response = _sign_up(client, django_capture_on_commit_callbacks, **overrides)

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert all(isinstance(message, str) and message for message in form.errors[field])
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert (User.objects.count(), EmailAddress.objects.count()) == (users, addresses)
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_signup_in_english_records_english_preference_and_english_mail(
    client, home_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/accounts/signup/", GOOD)

    assert response.status_code == 302
    user = User.objects.get(email="hanako@example.jp")
    assert user.preferred_language == "en"
    outbound = OutboundEmail.objects.get()
    assert outbound.language == "en"
    assert "Confirm" in outbound.subject
    assert "/en/accounts/confirm-email/" in mail.outbox[0].body


def test_password_reset_sends_a_recorded_email_with_a_working_link(
    client, home_page, django_capture_on_commit_callbacks
):
    user = UserFactory(email="forgetful@example.jp")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "Forgetful@example.jp"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    outbound = OutboundEmail.objects.get()
    assert (outbound.recipient, outbound.template, outbound.status) == (
        "forgetful@example.jp",
        "account/email/password_reset_key",
        OutboundEmailStatus.SENT,
    )
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link
    # The delivered one-time link does not stay readable in the mail log.
    assert "/accounts/password/reset/key/" not in outbound.body_text + outbound.body_html

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new_password = "himeji-castle-2026!"
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_unknown_email_reveals_nothing(
    client, home_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.jp"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert User.objects.filter(email="nobody@example.jp").exists() is False
    # The address owner learns that no account exists; no reset link is sent.
    outbound = OutboundEmail.objects.get()
    assert outbound.template == "account/email/unknown_account"
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body


def test_signup_without_privacy_consent_is_refused_and_saves_nothing(
    client, home_page, django_capture_on_commit_callbacks
):
    data = {key: value for key, value in GOOD.items() if key != "accept_privacy"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, data)

    assert response.status_code == 200
    assert "accept_privacy" in response.context["form"].errors
    assert "プライバシーポリシーに同意" in response.content.decode()
    assert not User.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_signup_form_links_to_the_privacy_policy_page(client, home_page):
    page = client.get(SIGNUP_URL).content.decode()
    assert 'href="/privacy/"' in page
    assert 'href="/en/privacy/"' in Client().get("/en" + SIGNUP_URL).content.decode()


def test_signup_refuses_an_email_address_longer_than_254_characters(
    client, home_page, django_capture_on_commit_callbacks
):
    too_long = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "jp"  # 311 characters
    response = _sign_up(client, django_capture_on_commit_callbacks, email=too_long)

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "254" in response.content.decode()
    assert not User.objects.exists()


def test_signup_is_all_or_nothing_when_a_step_fails(
    client, home_page, monkeypatch, django_capture_on_commit_callbacks
):
    """A failure after the user row is written leaves no half-made account behind."""

    def fail_after_user_saved(self, request, user):
        raise RuntimeError("disk full")

    monkeypatch.setattr("lms.forms.SignupForm.signup", fail_after_user_saved)
    client.raise_request_exception = False
    response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 500
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_account_mail_uses_the_recipients_preferred_language(
    client, home_page, django_capture_on_commit_callbacks
):
    UserFactory(email="english@example.jp", preferred_language="en")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "english@example.jp"})  # a Japanese page

    outbound = OutboundEmail.objects.get()
    assert outbound.language == "en"
    assert mail.outbox[0].subject.startswith("[Hyogo Tsunagari Academy] ")
