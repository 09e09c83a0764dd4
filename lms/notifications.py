"""The one way the platform sends email.

A message is rendered once, in the recipient's language, stored as an ``OutboundEmail`` row
and handed to a django-q2 worker after the surrounding transaction commits.  The worker
records every attempt; failed or lost messages are queued again by a periodic job up to
``EMAIL_MAX_ATTEMPTS``, a failed one only once its backoff has passed (``retry_delay``), and
they stay visible to staff in the Wagtail admin.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from lms.models import OutboundEmail, OutboundEmailStatus
from lms.taskqueue import async_task

logger = logging.getLogger(__name__)

# One task delivers up to this many messages: those written together (a seat's confirmation
# and its invites; staff's message to a run, in tasks of this many) or found by the requeue
# job.  Each message is claimed and recorded on its own.
DELIVER_BATCH_TASK = "lms.tasks.deliver_emails"
DELIVER_BATCH_SIZE = 20
# Account mails carry one-time links (email confirmation, password reset).  Once delivered,
# their bodies are removed so nobody reading the log or a database copy can reuse the link.
REDACTED_TEMPLATE_PREFIXES = ("account/",)
REDACTED_BODY = "[removed after delivery: this message contained a one-time link]"
# A message queued or claimed this long ago without an outcome is considered lost.
STALE_AFTER = timedelta(minutes=15)
# Backoff after a failed attempt: 10, 20, 40, 80 minutes… (never more than 4 hours), so five
# attempts span about two and a half hours of SMTP outage.  The requeue job runs every
# 10 minutes (lms/schedules.py), which is as fine as the schedule can be.
RETRY_BASE = timedelta(minutes=10)
RETRY_MAX = timedelta(hours=4)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: the base, doubled each time."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)


def message_id_header(message: OutboundEmail) -> str:
    """The same Message-ID on every attempt: if a worker died after the SMTP server took the
    message but before the row said so, the resend is the same message to mail servers and
    clients that drop duplicates by Message-ID."""
    stamp = message.created_at.strftime("%Y%m%d%H%M%S")
    return f"<outbound-{message.pk}.{stamp}@{settings.CALENDAR_UID_DOMAIN}>"


def rendered_message(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str,
    language: str,
    calendar: bytes = b"",
    calendar_method: str = "",
) -> dict:
    """One message as ``notification_queue_all`` records it (and ``notification_render``
    returns it)."""
    return {
        "recipient": recipient,
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "template": template,
        "language": language,
        "calendar": calendar,
        "calendar_method": calendar_method,
    }


def notification_queue(**message) -> OutboundEmail:
    """Record an already rendered message (the fields of ``rendered_message``) and deliver it
    after commit (see ``notification_queue_all``)."""
    return notification_queue_all([rendered_message(**message)])[0]


# Rows per INSERT when many messages are written at once (a session change to a full run is
# hundreds, each with its HTML and invite): statements of about a megabyte, not of tens.
OUTBOX_INSERT_BATCH_SIZE = 100


def notification_queue_all(messages: list[dict]) -> list[OutboundEmail]:
    """Record already rendered messages (``rendered_message``'s dicts) with one insert and
    hand them to the worker after commit, in tasks of up to ``DELIVER_BATCH_SIZE``: a seat's
    confirmation and its invites are written while the run is locked, and a task per message
    would cost the broker a row, and the worker a fetch, for each.  An address on the reserved
    ``.invalid`` domain (a withdrawn person, someone registered at a counter without email) is
    recorded as undeliverable instead, so staff see that it did not go out."""
    rows = []
    for message in messages:
        undeliverable = is_undeliverable(message["recipient"])
        calendar = message["calendar"]
        rows.append(
            OutboundEmail(
                status=OutboundEmailStatus.FAILED if undeliverable else OutboundEmailStatus.QUEUED,
                attempts=settings.EMAIL_MAX_ATTEMPTS if undeliverable else 0,
                last_error=UNDELIVERABLE_ERROR if undeliverable else "",
                recipient=message["recipient"],
                subject=" ".join(message["subject"].splitlines()).strip()[:255],
                body_text=message["body_text"],
                body_html=message["body_html"],
                template=message["template"],
                language=message["language"],
                calendar=calendar.decode() if calendar else "",
                calendar_method=message["calendar_method"],
            )
        )
    if not rows:
        return []
    OutboundEmail.objects.bulk_create(rows, batch_size=OUTBOX_INSERT_BATCH_SIZE)
    deliverable = [row.pk for row in rows if row.status == OutboundEmailStatus.QUEUED]
    if deliverable:
        transaction.on_commit(partial(_enqueue, deliverable))
    return rows


UNDELIVERABLE_ERROR = "no email address (withdrawn, or registered without email)"


def is_undeliverable(address: str) -> bool:
    """RFC 2606 reserves ``.invalid``: placeholder addresses end in it and are never sent to."""
    domain = address.strip().lower().rstrip(".").rpartition("@")[2]
    return domain == "invalid" or domain.endswith(".invalid")


def notification_render(
    *,
    recipient: str,
    template: str,
    context: dict,
    language: str | None = None,
    calendar: bytes = b"",
    calendar_method: str = "",
) -> dict:
    """Render ``<template>_subject.txt``, ``_message.txt`` (and ``_message.html`` if present)
    in ``language`` (the recipient's preferred language), as ``rendered_message``.  Apart so
    that a service can render before it takes a lock and queue the message inside its
    transaction."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body_text = render_to_string(f"{template}_message.txt", context)
        try:
            body_html = render_to_string(f"{template}_message.html", context)
        except TemplateDoesNotExist:  # the HTML part is optional
            body_html = ""
    return rendered_message(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        language=language,
        calendar=calendar,
        calendar_method=calendar_method,
    )


def notification_send(
    *,
    recipient: str,
    template: str,
    context: dict,
    language: str | None = None,
    calendar: bytes = b"",
    calendar_method: str = "",
) -> OutboundEmail:
    """Render the message in ``language`` (see ``notification_render``) and queue it.  A
    calendar invite (``calendar`` with its iTIP ``calendar_method``) goes along as a
    text/calendar part; the text says the same in words."""
    return notification_queue(
        **notification_render(
            recipient=recipient,
            template=template,
            context=context,
            language=language,
            calendar=calendar,
            calendar_method=calendar_method,
        )
    )


def email_deliver(*, message_id: int, connection: BaseEmailBackend | None = None) -> OutboundEmail:
    """Send one message and record the outcome.  A batch passes its own ``connection``,
    opened by the first message that needs it and kept open for the next (after a failure it is
    dropped, so the next message opens a fresh one).

    Safe to run twice and from several workers at once: the row is claimed by a conditional
    UPDATE that moves it to ``sending``, so only one worker ever sends it, and a sent message
    is never sent again.  A failure is recorded (``failed``, last error, the time of the next
    attempt) for the retry job; a failed message is not claimed again before that time.
    """
    now = timezone.now()
    claimed = (
        OutboundEmail.objects.filter(
            pk=message_id,
            status__in=[OutboundEmailStatus.QUEUED, OutboundEmailStatus.FAILED],
            attempts__lt=settings.EMAIL_MAX_ATTEMPTS,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=OutboundEmailStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            next_attempt_at=None,
            updated_at=now,
        )
    )
    message = OutboundEmail.objects.get(pk=message_id)
    if not claimed:
        return message
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id_header(message)},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.calendar:
        # The part's method= must equal the METHOD inside the file.  No charset here: Django
        # adds utf-8 itself, and passing one duplicates the parameter.
        email.attach_alternative(
            message.calendar, f"text/calendar; method={message.calendar_method}"
        )
    try:
        _send(email, connection)
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded and retried
        if connection is not None:
            _drop(connection)
        message.status = OutboundEmailStatus.FAILED
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts < settings.EMAIL_MAX_ATTEMPTS:
            message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
        # The id only: the address (and the error text, which may quote it) is personal data
        # and stays in the database, where staff see it in the mail log.
        logger.warning(
            "Email %s failed on attempt %s (%s); next attempt at %s",
            message.pk,
            message.attempts,
            type(exc).__name__,
            message.next_attempt_at.isoformat() if message.next_attempt_at else "never",
        )
        message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        return message
    message.status = OutboundEmailStatus.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    if message.template.startswith(REDACTED_TEMPLATE_PREFIXES):
        message.body_text = REDACTED_BODY
        message.body_html = ""
    message.save(
        update_fields=["status", "sent_at", "last_error", "body_text", "body_html", "updated_at"]
    )
    return message


def _send(email: EmailMultiAlternatives, connection: BaseEmailBackend | None) -> None:
    """Send over the batch's connection, opening it if needed.  A server may close a connection
    between messages (idle, or a limit of messages per connection), with a 421 reply or
    without a word: a reused connection found closed is opened again once, for the same
    message, instead of costing it an attempt."""
    if connection is None:
        email.send(fail_silently=False)
        return
    reused = connection.open() is False  # the SMTP backend: False when already open
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPException as exc:
        if not (reused and _closed_by_server(exc)):
            raise
        _drop(connection)
        connection.open()
        email.send(fail_silently=False)


def _closed_by_server(exc: smtplib.SMTPException) -> bool:
    """Whether the server closed the connection (RFC 5321's 421, "service not available,
    closing transmission channel", to MAIL, RCPT or DATA; or no reply at all), rather than
    refusing this message."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code == 421 for code, _text in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


class EmailBatchError(Exception):
    """Some messages of a batch failed in an unexpected way (not a refusal or an outage of the
    SMTP server, which is recorded on the message); the requeue job tries them again."""

    def __init__(self, message_ids: list[int]) -> None:
        super().__init__(f"emails {', '.join(map(str, message_ids))} failed; they will be retried")
        self.message_ids = message_ids


def emails_deliver(*, message_ids: list[int], until: float | None = None) -> int:
    """Send messages one after another over one SMTP connection (``email_deliver`` for each:
    each is claimed, sent and recorded on its own, so a batch is as safe to run twice as one
    message).  Once ``time.monotonic()`` passes ``until`` it lets go of the connection without
    QUIT and queues the messages not reached as a new task.  One message failing
    unexpectedly does not stop the others: the batch then raises ``EmailBatchError`` naming
    it.  Returns how many messages this task attempted."""
    connection = get_connection()
    attempted, broken = 0, []
    try:
        for index, message_id in enumerate(message_ids):
            if index and until is not None and time.monotonic() > until:
                _drop(connection)
                _enqueue(message_ids[index:])
                break
            attempted += 1
            try:
                email_deliver(message_id=message_id, connection=connection)
            except Exception:  # noqa: BLE001 - one message must not strand the others
                logger.exception(
                    "Email %s failed unexpectedly; the requeue job retries it", message_id
                )
                _drop(connection)
                broken.append(message_id)
    finally:
        _close_quietly(connection)
    if broken:
        raise EmailBatchError(broken)
    return attempted


def _drop(connection: BaseEmailBackend) -> None:
    """Let go of a connection after an error, without QUIT: on a server that stopped answering
    a polite QUIT would wait ``EMAIL_TIMEOUT`` again before the failure is even recorded."""
    socket = getattr(connection, "connection", None)
    if socket is None:
        _close_quietly(connection)
        return
    try:
        socket.close()
    except Exception:  # noqa: BLE001 - already broken: nothing more to do
        logger.info("Closing a broken SMTP socket failed")
    connection.connection = None


def _close_quietly(connection: BaseEmailBackend) -> None:
    """Close a connection at the end of a batch (QUIT, if it is still open)."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the server dropped it; the next open starts afresh
        logger.info("Closing the SMTP connection failed; the next message opens another")


def email_requeue_undelivered(
    *, stale_after: timedelta = STALE_AFTER, now: datetime | None = None
) -> int:
    """Queue again every message that should have gone out and has attempts left: failed ones
    whose next attempt is due, queued ones whose task was lost (broker restart, enqueue error),
    and ones a worker claimed but never finished (it died mid-send; due at once, since they
    waited ``stale_after`` already).  Returns how many were queued."""
    now = now or timezone.now()
    stale = now - stale_after
    with transaction.atomic():
        OutboundEmail.objects.filter(
            status=OutboundEmailStatus.SENDING, claimed_at__lt=stale
        ).update(
            status=OutboundEmailStatus.FAILED,
            last_error="worker stopped while sending",
            next_attempt_at=None,
            updated_at=now,
        )
    ids = list(
        OutboundEmail.objects.filter(attempts__lt=settings.EMAIL_MAX_ATTEMPTS)
        .filter(
            Q(status=OutboundEmailStatus.FAILED)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=OutboundEmailStatus.QUEUED, created_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )
    _enqueue(ids)
    return len(ids)


def _enqueue(message_ids: list[int]) -> None:
    """Hand messages to the worker, up to ``DELIVER_BATCH_SIZE`` a task; if the broker is down
    the rows stay queued and the periodic requeue job sends them later, so the caller never
    fails because of mail."""
    for start in range(0, len(message_ids), DELIVER_BATCH_SIZE):
        batch = message_ids[start : start + DELIVER_BATCH_SIZE]
        name = f"email-{batch[0]}" if len(batch) == 1 else f"emails-{batch[0]}-{batch[-1]}"
        try:
            async_task(DELIVER_BATCH_TASK, batch, task_name=name)
        except Exception:  # noqa: BLE001 - broker errors must not break the user's action
            logger.exception("Could not queue emails %s; the requeue job will retry them", batch)
