"""No personal data in logs or error emails (issue 10, item 5): flows that log are run and what
the configured handlers write (the console, the error email to ADMINS) is read back."""

from __future__ import annotations

import io
import logging
import smtplib
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, RequestFactory

from lms import notifications
from lms.logging import (
    PersonalDataExceptionReporter,
    PersonalDataFilter,
    mask_personal_data,
)
from tests.factories import UserFactory
from tests.volunteers.test_signup import step1, step2, step3
from volunteers.views import SignUpView

NAME, KANA = "神戸 花子", "こうべ はなこ"
EMAIL = "hanako@example.jp"
PHONE = "０７８－３４１－７７１１"  # as typed on the form (full width)
PERSONAL = [NAME, KANA, EMAIL, PHONE, "078-341-7711", "0783417711"]


def assert_no_personal_data(text: str) -> None:
    found = [value for value in PERSONAL if value in text]
    assert not found, f"personal data {found} in:\n{text}"


class RefusingSMTPBackend(BaseEmailBackend):
    """An SMTP server that refuses the recipient, quoting the address as real servers do."""

    def send_messages(self, email_messages):
        recipient = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused(
            {recipient: (550, f"5.1.1 <{recipient}>: Recipient address rejected".encode())}
        )


@pytest.fixture
def console_log():
    """What the LOGGING "console" handler writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


# --- The filter -----------------------------------------------------------------------------


def test_every_configured_log_handler_masks_personal_data():
    handlers = django_settings.LOGGING["handlers"]
    assert {"console", "mail_admins"} <= set(handlers)
    for name, handler in handlers.items():
        assert "personal_data" in handler.get("filters", []), name
    for name in ("console", "mail_admins"):
        live = [
            h
            for logger in (logging.getLogger(), logging.getLogger("django"))
            for h in logger.handlers
            if h.name == name
        ]
        assert live and all(
            any(isinstance(f, PersonalDataFilter) for f in h.filters) for h in live
        ), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email 12 to hanako@example.jp failed", "Email 12 to [email] failed"),
        ("next=/x/?email=taro.yamada%40example.co.jp", "next=/x/?email=[email]"),
        ("電話 ０７８－３４１－７７１１ まで", "電話 [phone] まで"),
        ("mobile 090-1234-5678.", "mobile [phone]."),
        ("tel:+81-90-1234-5678", "tel:[phone]"),
        ("06(1234)5678 / 0120 123 456", "[phone] / [phone]"),
        ("09012345678", "[phone]"),
        # Not phone numbers: ids, dates, durations, hashes, addresses of machines.
        ("enrolment 1234567890 at 2026-04-01 10:00:00", "enrolment 1234567890 at 2026-04-01 10:00:00"),
        ("took 0.0123456789 s, sha 0a9012345678b, 127.0.0.1:8000", "took 0.0123456789 s, sha 0a9012345678b, 127.0.0.1:8000"),
    ],
)  # fmt: skip
def test_mask_personal_data(text, expected):
    assert mask_personal_data(text) == expected


def test_the_filter_masks_arguments_and_tracebacks_of_a_record():
    logger = logging.getLogger("tests.personal_data")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"duplicate key (email)=({EMAIL}), phone {PHONE}")
        except ValueError:
            logger.exception("Could not save %s (%s)", NAME, EMAIL)
    finally:
        logger.removeHandler(handler)

    output = stream.getvalue()
    assert "Could not save 神戸 花子 ([email])" in output  # names are for callers not to log
    assert "duplicate key (email)=([email]), phone [phone]" in output
    assert "Traceback" in output


# --- Flows that log -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_email_delivery_logs_without_the_address(settings, console_log, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingSMTPBackend"
    message = notifications.notification_queue(
        recipient=EMAIL,
        subject="研修のお知らせ",
        body_text=f"{NAME} 様",
        template="tests/email/plain",
        language="ja",
    )

    notifications.email_deliver(message_id=message.pk)

    assert any(
        r.name == "lms.notifications" and r.levelno >= logging.WARNING for r in caplog.records
    )
    output = console_log.getvalue()
    assert output.strip()
    assert_no_personal_data(output)


@pytest.mark.django_db
def test_a_rate_limited_volunteer_sign_up_logs_without_the_answers(
    settings, client, home_page, console_log
):
    settings.VOLUNTEER_SIGNUPS_PER_HOUR = 0
    client.post("/volunteer/join/1/", step1(full_name=NAME, full_name_kana=KANA, email=EMAIL))
    client.post("/volunteer/join/2/", step2())

    refused = client.post("/volunteer/join/3/", step3())

    assert refused.status_code == 429
    output = console_log.getvalue()
    assert "Too Many Requests: /volunteer/join/3/" in output
    assert_no_personal_data(output)


@pytest.fixture
def failing_sign_up(monkeypatch, settings):
    """Step 1 of the volunteer sign-up fails after validation, with the answers in hand."""
    settings.ADMINS = [("事務局", "office@example.jp")]

    def fail(self, step, form):
        raise RuntimeError(
            f"could not keep the answers of {self.request.user.email} ({form.cleaned_data['phone']})"
        )

    monkeypatch.setattr(SignUpView, "store", fail)


@pytest.mark.django_db
def test_an_error_on_a_form_with_personal_data_is_logged_and_emailed_without_it(
    failing_sign_up, home_page, console_log
):
    person = UserFactory(email=EMAIL, full_name=NAME, full_name_kana=KANA)
    browser = Client(raise_request_exception=False)
    browser.force_login(person)
    session_id = browser.cookies["sessionid"].value

    response = browser.post(
        "/volunteer/join/1/?from=" + EMAIL,
        step1(full_name=NAME, full_name_kana=KANA, email=EMAIL),
    )

    assert response.status_code == 500
    output = console_log.getvalue()
    assert "Internal Server Error: /volunteer/join/1/" in output
    assert "RuntimeError: could not keep the answers of [email] ([phone])" in output
    assert_no_personal_data(output)

    [report] = mail.outbox
    assert report.to == ["office@example.jp"]
    body = report.body
    assert "RuntimeError" in body and "/volunteer/join/1/" in body
    # Which fields were posted is kept for debugging; what was in them is not.
    for field in ("full_name", "full_name_kana", "phone", "municipality"):
        assert f"{field} = '********************'" in body
    assert "from = '********************'" in body
    assert f"USER: user #{person.pk}" in body
    assert session_id not in body
    assert_no_personal_data(body + report.subject)


def test_the_error_report_shows_everything_in_development(settings):
    """With DEBUG on (a developer's machine) nothing is hidden, as with Django's own page."""
    settings.DEBUG = True
    request = RequestFactory().post("/volunteer/join/1/", {"phone": PHONE})
    try:
        raise RuntimeError(EMAIL)
    except RuntimeError:
        text = PersonalDataExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert PHONE in text and EMAIL in text


def test_the_error_report_hides_query_cookies_files_headers_and_secrets_in_urls(settings):
    settings.DEBUG = False
    settings.REDIS_URL = "redis://:s3cret-pass@redis.internal:6379/0"
    request = RequestFactory().post(
        f"/search/?q={NAME}",
        {"email": EMAIL},
        HTTP_COOKIE="sessionid=abc123session",
        HTTP_REFERER=f"https://example.jp/?email={EMAIL}",
        REMOTE_ADDR="198.51.100.7",
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        text = PersonalDataExceptionReporter(request, *sys.exc_info()).get_traceback_text()

    assert "q = '********************'" in text
    assert "email = '********************'" in text
    for secret in ("abc123session", "198.51.100.7", "s3cret-pass", NAME, EMAIL):
        assert secret not in text, secret
    assert "redis.internal" in text  # the rest of the URL is still there to debug with
