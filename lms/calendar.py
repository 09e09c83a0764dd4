"""One calendar module for the platform (issue #6): training sessions now, mentoring meetings
later.  Builds RFC 5545 calendars with icalendar, with the RFC 5546 (iTIP) methods for emailed
invites.  Callers describe events as plain ``CalendarEvent`` values; this module knows nothing
about courses.

Times are written with TZID=Asia/Tokyo and a matching VTIMEZONE (Japan has had no daylight
saving time since 1951, so one STANDARD component describes it exactly).

Personal feeds are polled every few hours and mostly unchanged, so ``CachedCalendar`` keeps the
written bytes under a digest of everything that goes into them (issue #9).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import icalendar
from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

TOKYO = ZoneInfo("Asia/Tokyo")
PRODID = "-//Hyogo Tsunagari Academy//Training calendar//JA"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable for the life of the event
    sequence: int  # goes up on every change of time, place or status
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    last_modified: datetime | None = None
    attendees: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (email, name)
    reminder_minutes: int | None = 60 * 24
    # A CANCEL for one attendee while the event goes on carries no STATUS (RFC 5546 3.2.5).
    status_omitted: bool = False


@functools.cache
def _tokyo_timezone() -> Timezone:
    """Built once per process and shared by every calendar written (read-only afterwards:
    ``calendar_bytes`` never hands its Calendar out)."""
    timezone = Timezone()
    timezone.add("TZID", "Asia/Tokyo")
    standard = TimezoneStandard()
    standard.add("DTSTART", datetime(1970, 1, 1))
    standard.add("TZOFFSETFROM", timedelta(hours=9))
    standard.add("TZOFFSETTO", timedelta(hours=9))
    standard.add("TZNAME", "JST")
    timezone.add_component(standard)
    return timezone


def _vevent(event: CalendarEvent, *, stamp: datetime, organizer: tuple[str, str] | None) -> Event:
    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("DTSTAMP", stamp.astimezone(UTC))
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("DTSTART", event.starts_at.astimezone(TOKYO))
    vevent.add("DTEND", event.ends_at.astimezone(TOKYO))
    vevent.add("SUMMARY", event.summary)
    if event.description:
        vevent.add("DESCRIPTION", event.description)
    if event.location:
        vevent.add("LOCATION", event.location)
    if event.url:
        vevent.add("URL", event.url)
    if not event.status_omitted:
        vevent.add("STATUS", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("LAST-MODIFIED", (event.last_modified or stamp).astimezone(UTC))
    if organizer:
        address = vCalAddress(f"mailto:{organizer[0]}")
        address.params["CN"] = vText(organizer[1])
        vevent.add("ORGANIZER", address)
    for email, name in event.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = vText(name)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = vText("TRUE")
        vevent.add("ATTENDEE", attendee)
    if event.reminder_minutes and not event.cancelled:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", event.summary)
        alarm.add("TRIGGER", timedelta(minutes=-event.reminder_minutes))
        vevent.add_component(alarm)
    return vevent


def calendar_bytes(
    events: Iterable[CalendarEvent],
    *,
    method: str = "PUBLISH",
    name: str = "",
    organizer: tuple[str, str] | None = None,
    refresh_hours: int | None = None,
    now: datetime | None = None,
) -> bytes:
    """A VCALENDAR with one VTIMEZONE and the events.  ``method``: PUBLISH for downloads and
    feeds, REQUEST or CANCEL for emailed invites (RFC 5546)."""
    stamp = now or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    if name:
        calendar.add("X-WR-CALNAME", name)
        calendar.add("X-WR-TIMEZONE", "Asia/Tokyo")
    if refresh_hours:
        # icalendar leaves out the VALUE=DURATION parameter RFC 7986 requires.
        interval = vDuration(timedelta(hours=refresh_hours))
        interval.params["VALUE"] = "DURATION"
        calendar.add("REFRESH-INTERVAL", interval)
    calendar.add_component(_tokyo_timezone())
    for event in events:
        calendar.add_component(_vevent(event, stamp=stamp, organizer=organizer))
    # ``calendar.to_ical()``, with the lines folded by ``_folded``: the same bytes, a fifth
    # faster for 200 sessions (icalendar folds a non-ASCII line character by character).
    return b"\r\n".join(_folded(line) for line in calendar.content_lines() if line) + b"\r\n"


def _folded(line: str) -> bytes:
    """One content line folded as icalendar's ``foldline`` folds it (RFC 5545 3.1): pieces of at
    most 74 octets, each as long as possible without splitting a UTF-8 character, joined by
    CRLF and a space."""
    data = line.encode("utf-8")
    if len(data) <= 74:
        return data
    pieces = []
    start = 0
    while len(data) - start > 74:
        cut = start + 74
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            cut -= 1
        pieces.append(data[start:cut])
        start = cut
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)


# What writes the bytes, in every cache key: a deploy that changes this module or icalendar
# never serves bytes the old code wrote (the shared cache outlives deploys).
_WRITER = (icalendar.__version__, hashlib.sha256(Path(__file__).read_bytes()).hexdigest())
_EVENT_FIELDS = tuple(f.name for f in dataclasses.fields(CalendarEvent))


def _canonical(value):
    """A value as the digest sees it: exactly what the writer reads from it."""
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a subclass (choices, safe strings): the text itself
    if isinstance(value, int):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat()  # with its UTC offset: the instant the writer converts
    if isinstance(value, tuple | list):
        return tuple(_canonical(item) for item in value)
    from django.utils.functional import Promise

    if isinstance(value, Promise):
        return str(value)  # a lazy translation, in the active language, as the writer reads it
    raise TypeError(f"calendar_digest cannot read a {type(value).__name__}")


def calendar_digest(
    events: Sequence[CalendarEvent],
    *,
    method: str = "PUBLISH",
    name: str = "",
    organizer: tuple[str, str] | None = None,
    refresh_hours: int | None = None,
    now: datetime,
) -> str:
    """SHA-256 of everything ``calendar_bytes`` reads for these arguments (every field of every
    event, in order, the options, the active language and the writer's version): equal digests
    mean equal bytes, so the bytes can be kept under it and shared by anyone whose calendar
    has the same digest.  About a twentieth of the cost of writing the calendar."""
    from django.utils import translation

    payload = (
        _WRITER,
        translation.get_language(),
        _canonical((method, name, organizer, refresh_hours, now)),
        [tuple(_canonical(getattr(event, f)) for f in _EVENT_FIELDS) for event in events],
    )
    return hashlib.sha256(repr(payload).encode("utf-8", "surrogatepass")).hexdigest()


def calendar_etag(digest: str) -> str:
    """A strong ETag without writing the calendar: equal digests mean equal bytes."""
    return f'"{digest[:32]}"'


class CachedCalendar:
    """A PUBLISH calendar whose bytes are kept in a cache under its ``calendar_digest``, so an
    unchanged calendar is written once, not on every poll.  The key is the digest of what goes
    into the bytes, never a name for them, so a change anywhere gives a new key and no kept
    bytes can be stale or belong to a different calendar; ``timeout`` only bounds storage.
    The bytes are kept gzipped (a feed of 200 sessions: 240 KB, about 11 KB gzipped), which is
    also what a calendar app that accepts gzip is sent, as they are."""

    def __init__(
        self,
        events: Iterable[CalendarEvent],
        *,
        cache: str = "default",
        timeout: int,
        name: str = "",
        organizer: tuple[str, str] | None = None,
        refresh_hours: int | None = None,
        now: datetime,
    ) -> None:
        self.events = list(events)
        self.options = {
            "name": str(name),  # lazy names are read now, in the language of the digest
            "organizer": organizer,
            "refresh_hours": refresh_hours,
            "now": now,
        }
        self.digest = calendar_digest(self.events, **self.options)
        self.cache, self.timeout = cache, timeout

    @property
    def etag(self) -> str:
        return calendar_etag(self.digest)

    def body(self, *, gzipped: bool = False) -> bytes:
        """The calendar's bytes, gzipped if asked; written (and kept) only if none are kept."""
        from django.core.cache import caches

        kept = kept_calendar_bytes(self.digest, cache=self.cache, gzipped=gzipped)
        if kept is not None:
            return kept
        data = calendar_bytes(self.events, **self.options)
        packed = gzip.compress(data, mtime=0)  # the same bytes for the same calendar
        caches[self.cache].set(_kept_key(self.digest), packed, self.timeout)
        return packed if gzipped else data


def _kept_key(digest: str) -> str:
    return f"calendar-gz:{digest}"


def kept_calendar_bytes(
    digest: str, *, cache: str = "default", gzipped: bool = False
) -> bytes | None:
    """The bytes ``CachedCalendar`` kept under ``digest`` (gzipped if asked), or None when they
    are gone."""
    from django.core.cache import caches

    kept = caches[cache].get(_kept_key(digest))
    if kept is None or gzipped:
        return kept
    return gzip.decompress(kept)


def google_calendar_link(event: CalendarEvent) -> str:
    """ "Add to Google Calendar" for one event (Google reads the times in UTC)."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": f"{utc(event.starts_at)}/{utc(event.ends_at)}",
        "details": event.description,
        "location": event.location,
        "ctz": "Asia/Tokyo",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def ics_response(data: bytes, filename: str):
    """A .ics download: ``text/calendar; charset=utf-8`` as an attachment."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def calendar_organizer() -> tuple[str, str]:
    """The ORGANIZER of invites: the platform's sender address and name."""
    from email.utils import parseaddr

    from django.conf import settings

    name, address = parseaddr(settings.CALENDAR_ORGANIZER)
    return address, name or settings.WAGTAIL_SITE_NAME
