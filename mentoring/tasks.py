"""django-q2 entry points for mentoring.  Each is safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from lms.models import User
from lms.notifications import notification_send
from lms.roles import COORDINATORS
from mentoring import selectors
from mentoring.models import DigestSent
from mentoring.reports import iso_week

ALERTS_PATH = "/admin/mentoring/alerts/"


def send_weekly_digest(now: dt.datetime | None = None) -> int:
    """Once a week: if coordinators have alerts they have not acknowledged, email each active
    coordinator the list (in their own language).  The alerts can carry a mentee's reason for
    asking for another mentor, so only coordinators get it, never mentors or mentees.  The ISO
    week is recorded first, inside the same transaction, so a second run in the same week
    sends nothing.  Returns the number of messages queued."""
    now = now or timezone.now()
    if not selectors.alerts(now=now):
        return 0
    coordinators = list(
        User.objects.filter(groups__name=COORDINATORS, is_active=True).distinct().order_by("pk")
    )
    if not coordinators:
        return 0
    with transaction.atomic():
        _sent, created = DigestSent.objects.get_or_create(week=iso_week(timezone.localdate(now)))
        if not created:
            return 0
        # Titles and details are worded when computed: once per language the readers use.
        by_language: dict[str, list[selectors.Alert]] = {}
        for person in coordinators:
            language = person.preferred_language or settings.LANGUAGE_CODE
            if language not in by_language:
                with translation.override(language):
                    by_language[language] = selectors.alerts(now=now)
            notification_send(
                recipient=person.email,
                template="mentoring/email/digest",
                context={
                    "person": person,
                    "alerts": by_language[language],
                    "url": settings.SITE_URL + ALERTS_PATH,
                },
                language=language,
            )
        return len(coordinators)
