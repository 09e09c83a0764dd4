"""lms.notifications: render in the recipient's language, record, deliver, retry."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.utils import timezone

from lms import notifications, tasks
from lms.models import OutboundEmail, OutboundEmailStatus
from tests.factories import plain_message

pytestmark = pytest.mark.django_db

FAILING_BACKEND = f"{__name__}.FailingBackend"
LOCMEM_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Small templates, served by a locmem loader so the test owns them. "January" is in Django's
# own (compiled) catalogue, so the rendered language is visible without our .po files.
EMAIL_TEMPLATES = {
    "tests/email/greeting_subject.txt": "{% load i18n %}{% translate 'January' %}\n{{ name }}",
    "tests/email/greeting_message.txt": (
        "{% load i18n %}{% get_current_language as lang %}lang={{ lang }} "
        "{% translate 'January' %} {{ name }}"
    ),
    "tests/email/greeting_message.html": "{% load i18n %}<p>{% translate 'January' %} {{ name }}</p>",
    "tests/email/plain_subject.txt": "plain",
    "tests/email/plain_message.txt": "text only",
}


class FailingBackend(BaseEmailBackend):
    """An SMTP server that refuses every connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unavailable")


@pytest.fixture
def email_templates(settings):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {
            **engine,
            "APP_DIRS": False,
            "OPTIONS": {
                **engine["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", EMAIL_TEMPLATES),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]


def _queued(**overrides) -> OutboundEmail:
    """A recorded message whose delivery callback is discarded (the test delivers it)."""
    fields = {
        "recipient": "hanako@example.jp",
        "subject": "研修のお知らせ",
        "body_text": "本文",
        "template": "tests/email/plain",
        "language": "ja",
        **overrides,
    }
    return notifications.notification_queue(**fields)


@pytest.mark.parametrize(("language", "month"), [("ja", "1月"), ("en", "January")])
def test_notification_send_renders_in_the_recipients_language(
    email_templates, django_capture_on_commit_callbacks, language, month
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = notifications.notification_send(
            recipient="hanako@example.jp",
            template="tests/email/greeting",
            context={"name": "花子"},
            language=language,
        )

    assert len(callbacks) == 1  # delivery is queued only after commit
    message.refresh_from_db()
    assert message.subject == f"{month} 花子"  # line breaks in the subject are folded
    assert message.body_text == f"lang={language} {month} 花子"
    assert message.body_html == f"<p>{month} 花子</p>"
    assert (message.language, message.template) == (language, "tests/email/greeting")
    assert message.status == OutboundEmailStatus.SENT
    sent = mail.outbox[0]
    assert (sent.subject, sent.to) == (f"{month} 花子", ["hanako@example.jp"])
    assert sent.alternatives[0].content == f"<p>{month} 花子</p>"


def test_notification_send_defaults_to_japanese_and_html_is_optional(
    email_templates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = notifications.notification_send(
            recipient="x@example.jp", template="tests/email/plain", context={}
        )

    assert message.language == "ja"
    assert message.body_html == ""
    assert message.status == OutboundEmailStatus.QUEUED
    assert mail.outbox == []  # nothing leaves before the transaction commits


def test_email_deliver_marks_the_message_sent():
    message = _queued()

    result = notifications.email_deliver(message_id=message.pk)

    assert result.status == OutboundEmailStatus.SENT
    assert result.attempts == 1
    assert result.sent_at is not None
    assert result.last_error == ""
    assert len(mail.outbox) == 1
    assert (mail.outbox[0].subject, mail.outbox[0].body) == ("研修のお知らせ", "本文")


def test_email_deliver_is_idempotent():
    message = _queued()
    notifications.email_deliver(message_id=message.pk)
    first_sent_at = OutboundEmail.objects.get(pk=message.pk).sent_at

    again = notifications.email_deliver(message_id=message.pk)

    assert len(mail.outbox) == 1
    assert again.attempts == 1
    assert again.sent_at == first_sent_at
    assert tasks.deliver_email(message.pk) == OutboundEmailStatus.SENT
    assert len(mail.outbox) == 1


def test_email_deliver_records_a_failure_with_the_error(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    message = _queued()

    result = notifications.email_deliver(message_id=message.pk)

    result.refresh_from_db()
    assert result.status == OutboundEmailStatus.FAILED
    assert result.attempts == 1
    assert result.sent_at is None
    assert result.last_error == "ConnectionRefusedError: SMTP server unavailable"
    assert mail.outbox == []


def _backoff_passed(message: OutboundEmail) -> None:
    """The time of the next attempt has come (tests/faults/test_smtp_down.py covers the wait)."""
    OutboundEmail.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_email_requeue_undelivered_retries_failures_and_a_later_success_marks_sent(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    failed = _queued()
    notifications.email_deliver(message_id=failed.pk)
    already_sent = _queued(recipient="other@example.jp")
    OutboundEmail.objects.filter(pk=already_sent.pk).update(status=OutboundEmailStatus.SENT)
    _backoff_passed(failed)

    assert notifications.email_requeue_undelivered() == 1  # still failing: retried, failed again
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboundEmailStatus.FAILED, 2)

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    _backoff_passed(failed)
    assert tasks.requeue_undelivered_emails() == 1

    failed.refresh_from_db()
    assert failed.status == OutboundEmailStatus.SENT
    assert failed.attempts == 3
    assert failed.last_error == ""
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    assert notifications.email_requeue_undelivered() == 0


def test_email_deliver_respects_max_attempts(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.EMAIL_MAX_ATTEMPTS = 2
    message = _queued()
    notifications.email_deliver(message_id=message.pk)
    _backoff_passed(message)
    notifications.email_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundEmailStatus.FAILED, 2)
    assert message.next_attempt_at is None  # no attempts left: nothing more is planned

    settings.EMAIL_BACKEND = LOCMEM_BACKEND
    assert notifications.email_requeue_undelivered() == 0
    result = notifications.email_deliver(message_id=message.pk)

    assert (result.status, result.attempts) == (OutboundEmailStatus.FAILED, 2)
    assert mail.outbox == []


def test_email_deliver_claims_the_row_so_a_second_worker_sends_nothing():
    """Two workers handed the same message: the second finds it already claimed."""
    message = _queued()
    OutboundEmail.objects.filter(pk=message.pk).update(
        status=OutboundEmailStatus.SENDING, attempts=1, claimed_at=timezone.now()
    )

    result = notifications.email_deliver(message_id=message.pk)

    assert result.status == OutboundEmailStatus.SENDING
    assert result.attempts == 1
    assert mail.outbox == []


def test_email_requeue_undelivered_sends_messages_whose_task_was_lost():
    lost = _queued()
    fresh = _queued(recipient="fresh@example.jp")
    long_ago = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.filter(pk=lost.pk).update(created_at=long_ago)

    assert notifications.email_requeue_undelivered() == 1

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == OutboundEmailStatus.SENT
    assert fresh.status == OutboundEmailStatus.QUEUED  # its own task may still be on the way
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]


def test_email_requeue_undelivered_recovers_a_message_whose_worker_died_mid_send():
    stuck = _queued()
    OutboundEmail.objects.filter(pk=stuck.pk).update(
        status=OutboundEmailStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - timedelta(hours=1),
    )

    assert notifications.email_requeue_undelivered() == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (OutboundEmailStatus.SENT, 2)


def test_notification_queue_survives_a_broker_outage(
    monkeypatch, django_capture_on_commit_callbacks
):
    """If the task cannot be queued, the user's action still succeeds and the row waits."""

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr(notifications, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = notifications.notification_queue(
            recipient="hanako@example.jp",
            subject="件名",
            body_text="本文",
            template="tests/outage",
            language="ja",
        )

    message.refresh_from_db()
    assert message.status == OutboundEmailStatus.QUEUED
    assert mail.outbox == []


def test_messages_written_together_are_one_insert_and_one_task_after_commit(
    monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """A seat's confirmation and its invites, or staff's message to a run: one insert, and one
    task for the worker once the transaction commits (an undeliverable address is recorded as
    failed and left out of it)."""
    handed: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        notifications, "async_task", lambda task, ids, **kw: handed.append((task, ids))
    )
    addresses = ["hanako@example.jp", "ichiro@example.jp", "no-email-1@invalid", "jiro@example.jp"]

    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        rows = notifications.notification_queue_all([plain_message(a) for a in addresses])

    assert [row.recipient for row in rows] == addresses
    assert [row.status for row in OutboundEmail.objects.order_by("pk")] == [
        OutboundEmailStatus.QUEUED,
        OutboundEmailStatus.QUEUED,
        OutboundEmailStatus.FAILED,
        OutboundEmailStatus.QUEUED,
    ]
    deliverable = [row.pk for row in rows if row.recipient != "no-email-1@invalid"]
    assert handed == [(notifications.DELIVER_BATCH_TASK, deliverable)]


def test_a_batch_sends_each_message_once_and_a_second_run_sends_nothing():
    rows = notifications.notification_queue_all(
        [plain_message(f"person{n}@example.jp") for n in range(3)]
    )
    ids = [row.pk for row in rows]

    assert tasks.deliver_emails(ids) == 3
    assert tasks.deliver_emails(ids) == 3  # attempted again, claimed by nobody

    assert sorted(m.to[0] for m in mail.outbox) == [f"person{n}@example.jp" for n in range(3)]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmailStatus.SENT}


def test_a_batch_that_runs_long_hands_the_rest_to_a_new_task(monkeypatch):
    """A slow SMTP server (each attempt may wait EMAIL_TIMEOUT) must not make a batch reach the
    cluster's timeout half done: past half of it, the messages not reached go to a new task."""
    from django_q.models import Task

    from lms import taskqueue

    monkeypatch.setattr(taskqueue, "batch_seconds", lambda: -1)  # every message "too slow"
    rows = notifications.notification_queue_all(
        [plain_message(f"person{n}@example.jp") for n in range(3)]
    )

    assert tasks.deliver_emails([row.pk for row in rows]) == 1

    chain = sorted(Task.objects.all(), key=lambda t: -len(t.args[0]))
    assert [t.args[0] for t in chain] == [[rows[1].pk, rows[2].pk], [rows[2].pk]]
    assert all(t.success for t in chain)
    assert sorted(m.to[0] for m in mail.outbox) == [f"person{n}@example.jp" for n in range(3)]


def test_the_requeue_job_hands_messages_on_in_batches(monkeypatch):
    handed: list[list[int]] = []
    monkeypatch.setattr(notifications, "async_task", lambda task, ids, **kw: handed.append(ids))
    rows = notifications.notification_queue_all(
        [
            plain_message(f"person{n}@example.jp")
            for n in range(notifications.DELIVER_BATCH_SIZE + 5)
        ]
    )
    handed.clear()  # what the inserts handed over (their commit is the test's, never run)
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(hours=1))

    assert notifications.email_requeue_undelivered() == notifications.DELIVER_BATCH_SIZE + 5

    assert [len(batch) for batch in handed] == [notifications.DELIVER_BATCH_SIZE, 5]
    assert sorted(id_ for batch in handed for id_ in batch) == [row.pk for row in rows]


def test_one_message_failing_unexpectedly_does_not_strand_the_rest_of_its_batch(monkeypatch):
    """A database error on one message (not an SMTP failure, which is recorded on the message):
    the others still go out, and the task fails naming it, for the requeue job."""
    rows = notifications.notification_queue_all(
        [plain_message(f"person{n}@example.jp") for n in range(3)]
    )
    real_deliver = notifications.email_deliver

    def deliver(*, message_id, connection=None):
        if message_id == rows[1].pk:
            raise DatabaseError("connection lost")
        return real_deliver(message_id=message_id, connection=connection)

    monkeypatch.setattr(notifications, "email_deliver", deliver)

    with pytest.raises(notifications.EmailBatchError) as failed:
        tasks.deliver_emails([row.pk for row in rows])

    assert failed.value.message_ids == [rows[1].pk]
    assert sorted(m.to[0] for m in mail.outbox) == ["person0@example.jp", "person2@example.jp"]
    assert OutboundEmail.objects.get(pk=rows[1].pk).status == OutboundEmailStatus.QUEUED
