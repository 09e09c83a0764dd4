"""One calendar module for the platform (issue #6): training sessions now, mentoring meetings
later.  Builds RFC 5545 calendars with icalendar, with the RFC 5546 (iTIP) methods for emailed
invites.  Callers describe events as plain ``CalendarEvent`` values; this module knows nothing
about courses.

Times are written with TZID=Asia/Tokyo and a matching VTIMEZONE (Japan has had no daylight
saving time since 1951, so one STANDARD component describes it exactly).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

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


def _tokyo_timezone() -> Timezone:
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
    return calendar.to_ical()


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
