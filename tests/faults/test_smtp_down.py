"""The SMTP server unreachable (issue 10): messages are kept as failed with the error, retried
with backoff, visible to staff, sent once it returns, and never sent twice.

The SMTP server is real (aiosmtpd on a loopback port, tests/faults/conftest.py) and so is the
site's SMTP backend: "down" is a closed port (connection refused), "back" is the server
listening on it.  The mail is the site's own: the session-reminder batch renders and queues it
through ``notification_send`` and the delivery task sends it.  Without a cluster the test
settings run tasks at once, so the batch, the delivery and the periodic requeue job run here;
the last tests kill a real django-q2 cluster in the middle of a send.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db.models import F
from django.utils import formats, timezone

from courses import services
from courses.models import Enrolment
from courses.tasks import send_session_reminders
from lms import notifications, roles, tasks
from lms.models import OutboundEmail, OutboundEmailStatus
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
    plain_message,
)
from tests.faults.conftest import note, use_broker, wait_for

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """The site's SMTP backend pointed at our server's port (nothing listens there yet)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def session_tomorrow(home_page):
    """Three people with a seat in a session three hours from now (their reminder is due)."""
    starts = timezone.now() + dt.timedelta(hours=3)
    session = SessionFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))
    for _ in range(3):
        EnrolmentFactory(run=session.run)
    return session


def _time_passes(delta: dt.timedelta) -> None:
    """The times the retry job compares with now move ``delta`` into the past, as if that much
    time had passed (``created_at`` stays: the Message-ID is made from it)."""
    for name in ("claimed_at", "next_attempt_at"):
        OutboundEmail.objects.filter(**{f"{name}__isnull": False}).update(**{name: F(name) - delta})


def test_the_backoff_doubles_from_ten_minutes_up_to_four_hours():
    delays = [notifications.retry_delay(attempts) for attempts in range(1, 8)]

    assert delays == [MINUTE * m for m in (10, 20, 40, 80, 160, 240, 240)]
    assert notifications.retry_delay(0) == 10 * MINUTE


def test_mail_waits_for_the_smtp_server_and_goes_out_once_when_it_returns(
    smtp_settings,
    smtp_server,
    session_tomorrow,
    client,
    home_page,
    role_user,
    caplog,
    django_capture_on_commit_callbacks,
):
    people = sorted(
        Enrolment.objects.filter(run=session_tomorrow.run).values_list("user__email", flat=True)
    )
    caplog.set_level(logging.WARNING, logger="lms.notifications")

    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_reminders() == 3  # the batch, as the periodic job runs it
    failed_at = timezone.now()

    # Kept, failed, with the error, the attempt counted and the next attempt ten minutes away.
    messages = list(OutboundEmail.objects.order_by("recipient"))
    assert [m.recipient for m in messages] == people
    for message in messages:
        assert message.status == OutboundEmailStatus.FAILED
        assert message.attempts == 1
        assert message.last_error.startswith("ConnectionRefusedError")
        assert failed_at + 9 * MINUTE < message.next_attempt_at <= failed_at + 10 * MINUTE
        assert message.sent_at is None
    # The log names the message, never the person.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert all(f"Email {m.pk} failed on attempt 1" in logged for m in messages)
    assert not any(address in logged for address in people)

    # Staff see it in the mail log: status, attempts, error and the time of the next attempt.
    client.force_login(role_user(roles.COORDINATORS))
    page = client.get("/admin/snippets/lms/outboundemail/").content.decode()
    next_attempt = formats.date_format(
        timezone.localtime(messages[0].next_attempt_at), "DATETIME_FORMAT"
    )
    for text in ("送信失敗", "ConnectionRefusedError", next_attempt, *people):
        assert text in page, text
    detail = client.get(f"/admin/snippets/lms/outboundemail/inspect/{messages[0].pk}/")
    assert messages[0].last_error in detail.content.decode()
    assert next_attempt in detail.content.decode()

    # The retry job leaves them alone until their time has come, even once the server is back.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_undelivered_emails() == 0
    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_undelivered_emails() == 0
        for message in messages:  # a stray task for a message before its time sends nothing
            assert tasks.deliver_email(message.pk) == OutboundEmailStatus.FAILED
    assert smtp_server.messages == []

    # Ten minutes later: each message goes out, once.
    _time_passes(10 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_undelivered_emails() == 3
    assert sorted(smtp_server.received_per_recipient().items()) == [(p, 1) for p in people]
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundEmailStatus.SENT, 2)
        assert (message.last_error, message.next_attempt_at) == ("", None)
    by_id = smtp_server.received_per_message_id()
    assert set(by_id) == {notifications.message_id_header(m) for m in messages}
    received = {str(m["To"]): m for m in smtp_server.messages}
    assert session_tomorrow.title in received[people[0]].get_body().get_content()

    # Nothing goes twice: the job, a duplicate task, the batch again.
    _time_passes(60 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_undelivered_emails() == 0
        for message in messages:
            assert tasks.deliver_email(message.pk) == OutboundEmailStatus.SENT
        assert send_session_reminders() == 0
    assert len(smtp_server.messages) == 3
    assert OutboundEmail.objects.count() == 3


def test_a_long_outage_is_retried_with_growing_waits_until_the_attempts_run_out(
    db, smtp_settings, smtp_server, settings, django_capture_on_commit_callbacks
):
    """Five attempts 10, 20, 40 and 80 minutes apart; after the last the message stays failed
    for staff to see and is never tried again."""
    with django_capture_on_commit_callbacks(execute=True):
        message = notifications.notification_queue(
            recipient="hanako@example.jp",
            subject="研修のお知らせ",
            body_text="本文",
            template="tests/outage",
            language="ja",
        )
    waits = []
    for attempt in range(1, settings.EMAIL_MAX_ATTEMPTS):
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundEmailStatus.FAILED, attempt)
        wait = message.next_attempt_at - message.updated_at
        waits.append(round(wait / MINUTE))
        _time_passes(wait - MINUTE)  # a minute early: not yet
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.requeue_undelivered_emails() == 0
        _time_passes(MINUTE)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.requeue_undelivered_emails() == 1

    message.refresh_from_db()
    assert waits == [10, 20, 40, 80]
    assert (message.status, message.attempts) == (OutboundEmailStatus.FAILED, 5)
    assert message.next_attempt_at is None
    assert message.last_error.startswith("ConnectionRefusedError")
    smtp_server.start()
    _time_passes(24 * 60 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_undelivered_emails() == 0
    assert smtp_server.messages == []


# --- a worker killed in the middle of a send --------------------------------------------------


def test_a_seats_emails_go_out_in_one_task_over_one_connection(
    db, home_page, smtp_settings, smtp_server, django_capture_on_commit_callbacks
):
    """The confirmation and each session's invite are one task after commit: one SMTP
    connection for the three, not a connection (and a broker row) each."""
    smtp_server.start()
    run = CourseRunFactory(capacity=5)
    first = SessionFactory(run=run)
    SessionFactory(run=run, starts_at=first.starts_at + dt.timedelta(days=1))
    person = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=person)

    assert [str(m["To"]) for m in smtp_server.messages] == [person.email] * 3
    assert len(set(smtp_server.sink.peers)) == 1
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmailStatus.SENT}


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(
    db, smtp_settings, smtp_server, django_capture_on_commit_callbacks
):
    """The server refuses the second of three (an unknown mailbox): that message is recorded
    as failed, to be retried, and the third goes out over a new connection."""
    smtp_server.start()
    smtp_server.sink.refuse = {"gone@example.jp"}
    addresses = ["hanako@example.jp", "gone@example.jp", "ichiro@example.jp"]

    with django_capture_on_commit_callbacks(execute=True):
        rows = notifications.notification_queue_all(
            [plain_message(address) for address in addresses]
        )

    statuses = [OutboundEmail.objects.get(pk=row.pk) for row in rows]
    assert [m.status for m in statuses] == [
        OutboundEmailStatus.SENT,
        OutboundEmailStatus.FAILED,
        OutboundEmailStatus.SENT,
    ]
    assert statuses[1].last_error.startswith("SMTPRecipientsRefused")
    assert statuses[1].next_attempt_at is not None
    assert smtp_server.received_per_recipient() == {"hanako@example.jp": 1, "ichiro@example.jp": 1}
    assert len(set(smtp_server.sink.peers)) == 2


@pytest.mark.parametrize("closing", ["close", "421"])
def test_a_server_closing_the_connection_after_each_message_costs_no_attempt(
    db, smtp_settings, smtp_server, django_capture_on_commit_callbacks, closing
):
    """A server that takes one message per connection, closing it without a word or with a
    421 to the next MAIL: the batch opens another connection for the next message, so each
    goes out on its first attempt."""
    smtp_server.start()
    smtp_server.sink.one_message_per_connection = closing
    addresses = [f"person{n}@example.jp" for n in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        rows = notifications.notification_queue_all(
            [plain_message(address) for address in addresses]
        )

    sent = [OutboundEmail.objects.get(pk=row.pk) for row in rows]
    assert [(m.status, m.attempts) for m in sent] == [(OutboundEmailStatus.SENT, 1)] * 3
    assert sorted(smtp_server.received_per_recipient()) == addresses
    assert len(set(smtp_server.sink.peers)) == 3


@pytest.mark.parametrize(
    ("kind", "hold_at"),
    [
        # The server has not taken the message when the worker dies: it arrives exactly once.
        ("orm", "RCPT"),
        # The server took it but the worker died before hearing so (RFC 1047's duplicate):
        # the resend carries the same Message-ID, so it is recognisably the same message.
        ("redis", "DATA"),
    ],
)
def test_a_message_whose_worker_died_mid_send_goes_out_after_the_stale_claim_expires(
    kind, hold_at, request, shared_database, clusters, smtp_server
):
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    smtp_server.sink.hold_at = hold_at
    smtp_server.start()
    with shared_database.active(), use_broker(kind, redis_url):
        message = notifications.notification_queue(
            recipient="hanako@example.jp",
            subject="研修のお知らせ",
            body_text="本文",
            template="tests/mid-send",
            language="ja",
        )
        cluster = clusters(
            shared_database, broker=kind, redis_url=redis_url, smtp_port=smtp_server.port
        )
        wait_for(smtp_server.sink.holding.is_set, timeout=90, what=f"a worker held at {hold_at}")
        cluster.kill()
        smtp_server.sink.hold_at = None
        smtp_server.sink.release.set()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundEmailStatus.SENDING, 1)
        taken_before = len(smtp_server.messages)
        assert taken_before == (1 if hold_at == "DATA" else 0)

        # A claim is trusted for 15 minutes (a slow SMTP server is not a dead worker).
        assert tasks.requeue_undelivered_emails() == 0
        _time_passes(16 * MINUTE)
        assert tasks.requeue_undelivered_emails() == 1
        message.refresh_from_db()
        assert (message.status, message.last_error) == (
            OutboundEmailStatus.FAILED,
            "worker stopped while sending",
        )

        clusters(shared_database, broker=kind, redis_url=redis_url, smtp_port=smtp_server.port)
        started = timezone.now()
        wait_for(
            lambda: OutboundEmail.objects.get(pk=message.pk).status == OutboundEmailStatus.SENT,
            timeout=90,
            what="the message sent",
        )
        if kind == "orm":
            # The dead worker's own task comes back after `retry` and must send nothing more.
            from django_q.models import OrmQ

            wait_for(lambda: not OrmQ.objects.exists(), timeout=90, what="the old task back")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboundEmailStatus.SENT, 2)

    copies = smtp_server.received_per_message_id()
    assert list(copies) == [notifications.message_id_header(message)]
    assert copies[notifications.message_id_header(message)] == taken_before + 1
    note(request, resent_after_s=round((timezone.now() - started).total_seconds(), 1))
