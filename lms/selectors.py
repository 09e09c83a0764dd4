"""Read-side queries for the core."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.calendar import (
    CachedCalendar,
    calendar_digest,
    calendar_etag,
    calendar_organizer,
    kept_calendar_bytes,
)
from lms.models import CalendarFeed, OutboundEmail, User
from lms.pagecache import keep_value, keeps_values, kept_value, query_name
from lms.versioned import SharedVersion

# What staff lists show of people (names, ふりがな, addresses, organisation, profession,
# withdrawal) and choose coordinators by (staff and active flags): lists kept whole (the
# volunteer list, the mentoring alerts, rosters and matrices) are named by this version too,
# so that a renamed account shows on the next visit.  Only saves that may touch these fields
# bump it (a sign-in saves the last sign-in alone), and no new account but a staff member's
# (a new learner is on no list before a seat, a profile or a pair, which bump their own).
# Connected in ``LmsConfig.ready``; Wagtail's bulk actions on accounts bump it from
# ``lms.wagtail_hooks``.
ACCOUNTS_SHOWN_VERSION = SharedVersion(
    "accounts-shown",
    models=("lms.User",),
    fields={
        "lms.User": (
            "full_name",
            "full_name_kana",
            "email",
            "withdrawn_at",
            "organisation_name",
            "profession",
            "profession_id",
            "is_staff",
            "is_active",
        )
    },
    seconds=24 * 60 * 60,
    ignore_new=lambda user: not user.is_staff,
)


def staff_list_name(request: HttpRequest, *parts: str) -> str:
    """What a staff list kept whole (``lms.pagecache.STAFF_LIST_STORE``) is named by beyond its
    own version: the language it is written in, the request's filters and page, what it shows
    of people (``ACCOUNTS_SHOWN_VERSION``), and ``parts`` (the time zone, the day...)."""
    return ":".join(
        (translation.get_language(), query_name(request), ACCOUNTS_SHOWN_VERSION.current(), *parts)
    )


def user_personal_data(*, user: User) -> dict:
    """Everything the platform holds about ``user``, for the "download my data" export
    (APPI: a person may see the personal information held about them).  Apps that store
    more about a person (enrolments, volunteer profiles, mentoring) add their sections by
    giving their AppConfig a ``personal_data(user) -> dict`` method."""
    data = {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "full_name_kana": user.full_name_kana,
            "profession": user.profession.name if user.profession else None,
            "organisation_name": user.organisation_name,
            "organisation_group": (
                user.organisation_group.name if user.organisation_group else None
            ),
            "municipality": user.municipality.name if user.municipality else None,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "consent": {
            "privacy_policy_version": user.privacy_policy_version or None,
            "privacy_consented_at": (
                user.privacy_consented_at.isoformat() if user.privacy_consented_at else None
            ),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "emails_sent_to_you": [
            {
                "subject": message.subject,
                "status": message.status,
                "created_at": message.created_at.isoformat(),
            }
            for message in OutboundEmail.objects.filter(recipient__iexact=user.email).order_by(
                "created_at"
            )
        ],
    }
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "personal_data"):
            data.update(app_config.personal_data(user))
    return data


# --- The private calendar feed ---------------------------------------------------------------------


# Where the feeds' written bytes are kept (settings.CACHES): apart from the default cache.
CALENDAR_CACHE = "calendar-feeds"


@dataclass(frozen=True)
class PersonalCalendar:
    """A person's feed as the view answers it: the validators, and the bytes only when asked
    (a 304 needs none)."""

    etag: str
    stamp: dt.datetime
    body: Callable[..., bytes]  # body(gzipped=False)


def personal_calendar(request: HttpRequest, *, feed: CalendarFeed) -> PersonalCalendar:
    """Everything the person attends, from every app with calendar events (an AppConfig's
    ``calendar_events(user, since)`` and ``calendar_changed_at(user)``).  Call it with the
    person's language active.

    Feeds are polled every few hours and mostly unchanged, so what was found is kept in the
    process's page store (``lms.pagecache``) under the public version and a fingerprint of the
    person's own inputs: an app that can say cheaply what its events depend on gives
    ``calendar_fingerprint(user)`` (the courses: the person's places), the others' events are
    read and digested on every poll (a person has few meetings).  The windows of past events
    are counted from the start of today, so what was found holds for the whole day."""
    user = feed.user
    language = translation.get_language()
    since = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    sources = [config for config in apps.get_app_configs() if hasattr(config, "calendar_events")]
    read: dict[str, tuple[list, dt.datetime | None]] = {}
    # Twice the refresh interval: a client polling at that interval finds what it caused the
    # last time.  Keys change with any change, so this bounds storage, not staleness.
    bytes_kept_for = 2 * settings.CALENDAR_REFRESH_HOURS * 3600

    def events_of(config) -> tuple[list, dt.datetime | None]:
        if config.label not in read:
            changed = getattr(config, "calendar_changed_at", lambda user: None)(user)
            read[config.label] = (list(config.calendar_events(user, since)), changed)
        return read[config.label]

    def build(keep_as: str = "") -> PersonalCalendar:
        events = [event for config in sources for event in events_of(config)[0]]
        # The stamp is the latest change (of an event, or of what the person attends), so an
        # unchanged calendar gives the same bytes, ETag and Last-Modified.
        changes = [event.last_modified for event in events]
        changes += [events_of(config)[1] for config in sources]
        stamp = max([change for change in changes if change] + [feed.created_at])
        calendar = CachedCalendar(
            events,
            name=_("Hyogo Tsunagari Academy: my training"),
            refresh_hours=settings.CALENDAR_REFRESH_HOURS,
            organizer=calendar_organizer(),
            now=stamp,
            cache=CALENDAR_CACHE,
            timeout=bytes_kept_for,
        )
        if keep_as:
            # Nothing in it changes with time alone but the day, which is in its name: kept as
            # long as the bytes, so a client polling every few hours finds it.
            keep_value(request, keep_as, (calendar.digest, stamp), timeout=bytes_kept_for)
        return PersonalCalendar(etag=calendar.etag, stamp=stamp, body=calendar.body)

    if not keeps_values(request):
        return build()
    inputs = []
    for config in sources:
        if hasattr(config, "calendar_fingerprint"):
            inputs.append((config.label, config.calendar_fingerprint(user)))
        else:
            events, changed = events_of(config)
            inputs.append((config.label, calendar_digest(events, now=changed or since)))
    fingerprint = (feed.pk, feed.created_at, language, since, inputs)
    name = "calendar-feed:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()

    found, kept = kept_value(request, name)
    if not found:
        return build(keep_as=name)
    digest, stamp = kept

    def body(*, gzipped: bool = False) -> bytes:
        kept_bytes = kept_calendar_bytes(digest, cache=CALENDAR_CACHE, gzipped=gzipped)
        if kept_bytes is not None:
            return kept_bytes
        return build(keep_as=name).body(gzipped=gzipped)

    return PersonalCalendar(etag=calendar_etag(digest), stamp=stamp, body=body)
