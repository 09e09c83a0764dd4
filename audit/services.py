"""Writing the audit log.  ``audit_record`` is the only way events are added: called inside
the service's transaction for writes (a rolled-back action leaves no event) and by the view
when it answers for reads (a page showing contact details, an export)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from lms.ratelimit import client_address

# Five years, unless AUDIT_RETENTION_DAYS says otherwise.
DEFAULT_RETENTION_DAYS = 1826


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    subject: models.Model | None = None,
    detail: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``subject``.

    ``detail`` holds facts about the action (stages, file name and row count, ids), never
    names, addresses or free text someone typed: the log must not become a second copy of
    personal data.  ``request`` adds the client's address."""
    return audit_record_many(
        actor=actor, action=action, subjects=[subject], detail=detail, request=request
    )[0]


def audit_record_many(
    *,
    actor,
    action: AuditAction | str,
    subjects: Iterable[models.Model | None],
    detail: dict | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One event per subject, written in one query (e.g. a page showing several people's
    contact details), so "who saw this person's details?" is one filter."""
    action = AuditAction(action)
    actor = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    common = {
        "created_at": now,
        "actor": actor,
        "actor_label": actor_label(actor),
        "action": action,
        "detail": dict(detail or {}),
        "client_address": _address(request),
    }
    events = [AuditEvent(**common, **_subject_fields(subject)) for subject in subjects]
    return AuditEvent.objects.bulk_create(events)


def actor_label(actor) -> str:
    """The staff member as recorded: name and email at the time of the action."""
    if actor is None:
        return ""
    email = actor.get_username()
    name = getattr(actor, "full_name", "") or ""
    label = f"{name} <{email}>" if name else email
    return f"{label} (#{actor.pk})"[:255]


def subject_label(subject: models.Model) -> str:
    """A label that identifies the record without saying anything about the person."""
    return f"{subject._meta.object_name} #{subject.pk}"


def _subject_fields(subject: models.Model | None) -> dict:
    if subject is None:
        return {}
    return {
        "subject_type": ContentType.objects.get_for_model(subject, for_concrete_model=False),
        "subject_id": str(subject.pk),
        "subject_label": subject_label(subject),
    }


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None  # a garbled or missing address is left out, not stored as text


def audit_retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def audit_purge_old(*, now: datetime | None = None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS (the log holds who acted on whom: kept
    no longer than needed); returns how many.  The only delete the log allows."""
    cutoff = (now or timezone.now()) - timedelta(days=audit_retention_days())
    deleted, _per_model = AuditEvent._base_manager.filter(created_at__lt=cutoff).delete()
    return deleted
