"""Reading the audit log for administrators."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from lms.models import User


def audit_event_list(
    *,
    action: str = "",
    actor: User | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events newest first; every filter optional, dates inclusive in local time (as ranges
    on ``created_at``, so its index serves them)."""
    events = AuditEvent.objects.select_related("subject_type").order_by("-created_at", "-pk")
    if action:
        events = events.filter(action=action)
    if actor is not None:
        events = events.filter(actor=actor)
    if date_from:
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(created_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return events


def audit_actor_choices() -> QuerySet[User]:
    """The accounts that appear as actors in the log, for the filter."""
    return User.objects.filter(
        pk__in=AuditEvent.objects.filter(actor__isnull=False).values("actor")
    ).order_by("full_name_kana", "email")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
