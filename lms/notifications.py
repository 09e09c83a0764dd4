"""The one way the platform sends email.

A message is rendered once, in the recipient's language, stored as an ``OutboundEmail`` row
and handed to a django-q2 worker after the surrounding transaction commits.  The worker
records every attempt; failed messages are retried by a schedule up to ``EMAIL_MAX_ATTEMPTS``
and stay visible to staff in the Wagtail admin.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_q.tasks import async_task

from lms.models import OutboundEmail, OutboundEmailStatus

logger = logging.getLogger(__name__)

DELIVER_TASK = "lms.tasks.deliver_email"
# Account mails carry one-time links (email confirmation, password reset).  Once delivered,
# their bodies are removed so nobody reading the log or a database copy can reuse the link.
REDACTED_TEMPLATE_PREFIXES = ("account/",)
REDACTED_BODY = "[removed after delivery: this message contained a one-time link]"


def notification_queue(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str,
    language: str,
) -> OutboundEmail:
    """Record an already rendered message and deliver it after commit."""
    message = OutboundEmail.objects.create(
        recipient=recipient,
        subject=" ".join(subject.splitlines()).strip()[:255],
        body_text=body_text,
        body_html=body_html,
        template=template,
        language=language,
    )
    transaction.on_commit(
        partial(async_task, DELIVER_TASK, message.pk, task_name=f"email-{message.pk}")
    )
    return message


def notification_send(
    *, recipient: str, template: str, context: dict, language: str | None = None
) -> OutboundEmail:
    """Render ``<template>_subject.txt``, ``_message.txt`` (and ``_message.html`` if present)
    in ``language`` (the recipient's preferred language) and queue the message."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body_text = render_to_string(f"{template}_message.txt", context)
        try:
            body_html = render_to_string(f"{template}_message.html", context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            body_html = ""
    return notification_queue(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        language=language,
    )


def email_deliver(*, message_id: int) -> OutboundEmail:
    """Send one queued message and record the outcome. Safe to run twice: a sent message is
    never sent again, and the row is claimed with a conditional update so two workers cannot
    both send it."""
    claimed = OutboundEmail.objects.filter(
        pk=message_id,
        status__in=[OutboundEmailStatus.QUEUED, OutboundEmailStatus.FAILED],
        attempts__lt=settings.EMAIL_MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    message = OutboundEmail.objects.get(pk=message_id)
    if not claimed:
        return message
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded and retried
        logger.warning("Email %s to %s failed: %s", message.pk, message.recipient, exc)
        message.status = OutboundEmailStatus.FAILED
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.save(update_fields=["status", "last_error", "updated_at"])
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


def email_retry_failed() -> int:
    """Queue every failed message that still has attempts left; returns how many."""
    ids = list(
        OutboundEmail.objects.filter(
            status=OutboundEmailStatus.FAILED, attempts__lt=settings.EMAIL_MAX_ATTEMPTS
        ).values_list("pk", flat=True)
    )
    for message_id in ids:
        async_task(DELIVER_TASK, message_id, task_name=f"email-{message_id}-retry")
    return len(ids)
