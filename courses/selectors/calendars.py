"""Calendars (issue #6): sessions as calendar events, for downloads and personal feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from courses.models import CourseRun, Enrolment, RunStatus, Session, SessionStatus
from courses.selectors.attendance import SEATED_STATUSES
from lms.calendar import CalendarEvent
from lms.statements import IdStatement

# Cancelled sessions stay in personal feeds this long, so subscribed clients remove them.
CANCELLED_KEPT_IN_FEEDS = dt.timedelta(days=30)


# Past sessions stay in feeds for a year (the feed stays small for long-time participants).
PAST_KEPT_IN_FEEDS = dt.timedelta(days=365)


def _run_parts(run, *, for_participant: bool) -> tuple[str, str, str]:
    """What every event of a run's sessions shares: the course page's address, the start of
    the description, and the line pointing people with a seat to the online link."""
    from django.urls import reverse

    course = run.course
    page = settings.SITE_URL + (course.url or "")
    head = "\n".join(line for line in [f"{course.title} {run.title}", course.summary, page] if line)
    join_online = ""
    if for_participant:
        my_learning = settings.SITE_URL + reverse("courses:my_learning")
        join_online = _("Join online from My learning: %(url)s") % {"url": my_learning}
    return page, head, join_online


def session_calendar_event(
    session: Session, *, for_participant: bool, run_parts: tuple[str, str, str] | None = None
) -> CalendarEvent:
    """A session as a calendar event.  The online meeting link only goes into calendars of
    people with a seat (``for_participant``); the UID never changes for the session's life.
    ``run_parts``: ``_run_parts`` of the session's run, when many sessions share it."""
    run, course = session.run, session.run.course
    page, head, join_online = run_parts or _run_parts(run, for_participant=for_participant)
    where = ""
    if session.venue_id:
        where = f"{session.venue.name}（{session.venue.address}）"
    if for_participant and session.online_url:
        where = f"{where} / {session.online_url}" if where else session.online_url
    description = "\n".join(
        line for line in [head, join_online if session.online_url else ""] if line
    )
    return CalendarEvent(
        uid=f"session-{session.pk}@{settings.CALENDAR_UID_DOMAIN}",
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=f"{course.title}（{session.title}）",
        description=description,
        location=where,
        url=page,
        cancelled=session.status == SessionStatus.CANCELLED or run.status == RunStatus.CANCELLED,
        last_modified=max(session.updated_at, run.updated_at),
    )


def session_calendar_events(sessions: list[Session], *, for_participant: bool) -> list:
    """Many sessions' events, each run's shared parts (its page's URL, a reverse) made once."""
    parts: dict[int, tuple[str, str, str]] = {}
    events = []
    for session in sessions:
        if session.run_id not in parts:
            parts[session.run_id] = _run_parts(session.run, for_participant=for_participant)
        events.append(
            session_calendar_event(
                session, for_participant=for_participant, run_parts=parts[session.run_id]
            )
        )
    return events


def _calendar_sessions() -> QuerySet[Session]:
    return Session.objects.select_related("run__course", "venue").order_by("starts_at", "pk")


def _with_site_root_paths(sessions: list[Session]) -> list[Session]:
    """Hand every course page the site's root paths once.  ``page.url`` otherwise asks the
    cache for them on each call: with the shared cache (a database table, or Redis) a feed of
    200 sessions made 200 extra queries.  Wagtail keeps them on the page object itself when no
    request is given (``Page._get_site_root_paths``), so this fills that same attribute."""
    if sessions:
        paths = Site.get_site_root_paths()
        for session in sessions:
            session.run.course._wagtail_cached_site_root_paths = paths
    return sessions


def sessions_for_calendar(
    *, session_ids: Iterable[int] | None = None, run: CourseRun | None = None
) -> list[Session]:
    """Sessions with their run, course and venue, in time order, for invites and .ics files.
    Those of one ``run`` share that run object (and the course the caller read with it): a
    course is a wide page row, and reading it again for each session cost 8 ms of an
    enrolment of six sessions."""
    if run is not None:
        sessions = run.sessions.select_related("venue").order_by("starts_at", "pk")
    else:
        sessions = _calendar_sessions()
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    return _with_site_root_paths(list(sessions))


def sessions_with_unannounced_changes(*, run: CourseRun) -> int:
    """How many sessions of ``run`` changed (time, place, link or status) since participants
    were last told: what ``session_changes_announce`` will announce, for staff's note after
    saving the run.  Sessions never announced are new, not changed."""
    count = 0
    for session in run.sessions.all():
        session.run = run  # current_state reads the run's status
        if session.announced_state and session.current_state() != session.announced_state:
            count += 1
    return count


def runs_with_unannounced_changes(*, now: dt.datetime) -> list[int]:
    """The runs ``session_changes_announce`` has something to do for: a session not yet ended
    that changed since participants were told, or was added (to a run announced before, it is
    told; a run never announced, e.g. made outside the admin, has its sessions recorded
    silently, as staff's first save of a run records them, so that its later changes are
    told)."""
    sessions = (
        Session.objects.filter(ends_at__gte=now)
        .select_related("run")
        .only(*Session.STATE_FIELDS, "announced_state", "run__status")
    )
    return sorted({s.run_id for s in sessions if s.current_state() != s.announced_state})


def has_seat(*, user, run_id: int) -> bool:
    return (
        user.is_authenticated
        and Enrolment.objects.filter(run_id=run_id, user=user, status__in=SEATED_STATUSES).exists()
    )


# What a feed's events read (session_calendar_event): a feed of 200 sessions read whole rows,
# course bodies included, for every session; now the runs and courses come once each.
_FEED_SESSION_FIELDS = (
    "run_id",
    "title",
    "starts_at",
    "ends_at",
    "venue_id",
    "online_url",
    "status",
    "sequence",
    "updated_at",
    "venue__name",
    "venue__address",
)
_FEED_RUN_FIELDS = (
    "title",
    "status",
    "updated_at",
    "course_id",
    "course__title",
    "course__summary",
    "course__url_path",
)


def feed_sessions_for_user(*, user, now: dt.datetime) -> list[Session]:
    """The sessions of every run the person has a seat in (cancelled ones for a while), in two
    queries whatever their number: the sessions, then their runs with the courses once each
    (shared by the sessions).  Only the columns the events read."""
    seated_runs = Enrolment.objects.filter(user=user, status__in=SEATED_STATUSES).values("run_id")
    return _with_site_root_paths(
        list(
            Session.objects.filter(run__in=seated_runs)
            .exclude(status=SessionStatus.CANCELLED, updated_at__lt=now - CANCELLED_KEPT_IN_FEEDS)
            .filter(ends_at__gte=now - PAST_KEPT_IN_FEEDS)
            .select_related("venue")
            .only(*_FEED_SESSION_FIELDS)
            .prefetch_related(
                Prefetch(
                    "run",
                    queryset=CourseRun.objects.select_related("course").only(*_FEED_RUN_FIELDS),
                )
            )
            .order_by("starts_at", "pk")
        )
    )


def feed_fingerprint_for_user(*, user) -> tuple:
    """In one query, everything of the person's own that their feed's course events and stamp
    depend on: every place (its run, status and last change: ``calendar_changed_at`` is the
    latest) and the sum of the sequence numbers of each run's sessions, which a cancellation
    for one person raises with an update that no signal sees (``services.base._invite``).
    The sessions, runs, venues and course pages themselves are public content, under the
    public version.  Built once (``lms.statements``): building it cost more than running it."""
    return tuple(FEED_FINGERPRINT.rows(user.pk, model=Enrolment))


def _feed_fingerprint_of(alias: str, person: int) -> QuerySet:
    sequences = (
        Session.objects.filter(run=OuterRef("run_id"))
        .order_by()
        .values("run")
        .annotate(total=Sum("sequence"))
        .values("total")
    )
    return (
        Enrolment.objects.using(alias)
        .filter(user_id=person)
        .annotate(sequences=Subquery(sequences))
        .order_by("pk")
        .values_list("pk", "run_id", "status", "updated_at", "sequences")
    )


FEED_FINGERPRINT = IdStatement(_feed_fingerprint_of)
