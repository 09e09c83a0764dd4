"""The one way the platform sends email.

A message is rendered once, in the recipient's language, stored as an ``OutboundEmail`` row
and handed to a django-q2 worker after the surrounding transaction commits.  The worker
records every attempt; failed or lost messages are queued again by a periodic job up to
``EMAIL_MAX_ATTEMPTS``, a failed one only once its backoff has passed (``retry_delay``), and
they stay visible to staff in the Wagtail admin.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from lms.models import OutboundEmail, OutboundEmailStatus
from lms.taskqueue import async_task

logger = logging.getLogger(__name__)

DELIVER_TASK = "lms.tasks.deliver_email"
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


def notification_queue(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str,
    language: str,
    calendar: bytes = b"",
    calendar_method: str = "",
) -> OutboundEmail:
    """Record an already rendered message and deliver it after commit.  An address on the
    reserved ``.invalid`` domain (a withdrawn person, someone registered at a counter without
    email) is recorded as undeliverable instead, so staff see that it did not go out."""
    undeliverable = is_undeliverable(recipient)
    message = OutboundEmail.objects.create(
        status=OutboundEmailStatus.FAILED if undeliverable else OutboundEmailStatus.QUEUED,
        attempts=settings.EMAIL_MAX_ATTEMPTS if undeliverable else 0,
        last_error=UNDELIVERABLE_ERROR if undeliverable else "",
        recipient=recipient,
        subject=" ".join(subject.splitlines()).strip()[:255],
        body_text=body_text,
        body_html=body_html,
        template=template,
        language=language,
        calendar=calendar.decode() if calendar else "",
        calendar_method=calendar_method,
    )
    if not undeliverable:
        transaction.on_commit(partial(_enqueue, message.pk))
    return message


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
    in ``language`` (the recipient's preferred language): the arguments of
    ``notification_queue``.  Apart so that a service can render before it takes a lock and
    queue the message inside its transaction."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body_text = render_to_string(f"{template}_message.txt", context)
        try:
            body_html = render_to_string(f"{template}_message.html", context)
        except TemplateDoesNotExist:  # the HTML part is optional
            body_html = ""
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


def email_deliver(*, message_id: int) -> OutboundEmail:
    """Send one message and record the outcome.

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
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded and retried
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
    for message_id in ids:
        _enqueue(message_id)
    return len(ids)


def _enqueue(message_id: int) -> None:
    """Hand a message to the worker; if the broker is down the row stays queued and the
    periodic requeue job sends it later, so the caller never fails because of mail."""
    try:
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}")
    except Exception:  # noqa: BLE001 - broker errors must not break the user's action
        logger.exception("Could not queue email %s; the requeue job will retry it", message_id)
