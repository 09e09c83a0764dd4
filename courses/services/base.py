"""What the training services share: the domain error, the run lock, the seat plan, and
notices to participants (email, with calendar invites)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import translation

from courses import selectors
from courses.models import (
    AttendanceStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
)
from courses.seats import SeatPlan
from lms.calendar import calendar_bytes, calendar_organizer
from lms.notifications import notification_queue_all, notification_render

logger = logging.getLogger(__name__)


class EnrolmentError(Exception):
    """An enrolment request that cannot be carried out; the message is for the person."""


class RunSweepError(Exception):
    """A periodic job's step failed for some runs; the other runs were done."""

    def __init__(self, what: str, run_ids: list[int]):
        super().__init__(f"{what} failed for runs {', '.join(map(str, run_ids))}")
        self.run_ids = run_ids


def _each_run(run_ids: Iterable[int], step: Callable[[int], int], what: str) -> int:
    """A periodic job's ``step`` for each run, each in its own transaction, summing what they
    return.  A run whose step fails (a notice that cannot be rendered) is rolled back and
    logged, and does not stop the others; the job then fails naming them (it shows among the
    failed tasks, and the next run of the job tries them again)."""
    done, failed = 0, []
    for run_id in run_ids:
        try:
            with transaction.atomic():
                done += step(run_id)
        except Exception:  # noqa: BLE001 - one run's failure must not stop the others
            logger.exception("%s failed for run %s", what, run_id)
            failed.append(run_id)
    if failed:
        raise RunSweepError(what, failed)
    return done


def _lock_run(run_id: int) -> CourseRun:
    """Lock the run's row only (``OF self``): its course page, read with it, stays free for
    editors publishing it and for enrolments in the course's other runs."""
    return CourseRun.objects.select_for_update(of=("self",)).select_related("course").get(pk=run_id)


def _lock_place(enrolment_id: int) -> Enrolment:
    """Lock one place (its row only), after its run's lock: the run lock orders the changes of
    places, but completion (a lesson, a reflection, attendance) changes a place holding only
    this row's lock, and a cancellation reading the place unlocked would overwrite a
    completion committed meanwhile."""
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=enrolment_id)
    )


def _seat_plan(run: CourseRun, now: datetime) -> SeatPlan:
    """The run's seats, reserved pools and what is taken (the same plan the course page shows,
    built by one selector): read under the run lock to decide, or before it to foresee the
    outcome of an enrolment (``_seat_foreseen``)."""
    prefetch_related_objects([run], "seat_pools__professions")
    return selectors.seat_plans_for_runs([run], now)[run.pk]


def _queue(run: CourseRun) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.WAITLISTED)
        .select_related("user")
        .order_by("waitlisted_at", "pk")
    )


def _notify(
    enrolment: Enrolment,
    template: str,
    *,
    invite: str = "",
    invite_sessions: list[Session] | None = None,
    **extra,
) -> None:
    """Tell the participant, in their language: the notice is rendered and written to the
    outbox in the caller's transaction, so it commits with the change it tells of (a worker
    stopping after the commit cannot lose it, and a notice that cannot be rendered leaves the
    change undone).  See ``_notices_render`` for invites."""
    _notices_queue(
        _notices_render(
            enrolment, template, invite=invite, invite_sessions=invite_sessions, **extra
        )
    )


def _notices_render(
    enrolment: Enrolment,
    template: str,
    *,
    invite: str = "",
    invite_sessions: list[Session] | None = None,
    **extra,
) -> list[dict]:
    """The messages of one notice to the participant, rendered in their language (the dicts
    ``notification_queue_all`` takes, for ``_notices_queue``).

    With ``invite`` ("REQUEST" or "CANCEL") calendar invites go along for ``invite_sessions``
    (default: the run's sessions that are not cancelled).  One iTIP message carries one event:
    Outlook and Gmail read only the first VEVENT of an invite, so a single session travels in
    the email itself and several sessions each get a short invite email of their own.  A
    personal CANCEL raises the session's SEQUENCE (a write): render those inside the
    transaction."""
    language = enrolment.user.preferred_language
    with translation.override(language):
        my_learning_url = settings.SITE_URL + reverse("courses:my_learning")
        sessions = _invited_sessions(enrolment, invite, invite_sessions)
        single = _invite(enrolment, invite, sessions[0]) if len(sessions) == 1 else b""
    context = {
        "enrolment": enrolment,
        "run": enrolment.run,
        "course": enrolment.run.course,
        "my_learning_url": my_learning_url,
        **extra,
    }
    rendered = [
        notification_render(
            recipient=enrolment.user.email,
            template=f"courses/email/{template}",
            context=context,
            language=language,
            calendar=single,
            calendar_method=invite if single else "",
        )
    ]
    if len(sessions) > 1:
        for session in sessions:
            with translation.override(language):
                calendar = _invite(enrolment, invite, session)
            rendered.append(
                notification_render(
                    recipient=enrolment.user.email,
                    template="courses/email/session_invite",
                    context=context | {"session": session, "method": invite},
                    language=language,
                    calendar=calendar,
                    calendar_method=invite,
                )
            )
    return rendered


def _notices_queue(rendered: list[dict]) -> None:
    """Write rendered messages to the outbox in the current transaction, with one insert; they
    are handed to the worker (one task for up to 20) only once it commits."""
    notification_queue_all(rendered)


def _invited_sessions(
    enrolment: Enrolment, method: str, sessions: list[Session] | None
) -> list[Session]:
    if not method:
        return []
    if sessions is not None:
        return sessions
    return [
        s
        for s in selectors.sessions_for_calendar(run=enrolment.run)
        if s.status != SessionStatus.CANCELLED
    ]


def _invite(enrolment: Enrolment, method: str, session: Session) -> bytes:
    """One iTIP message (RFC 5546) for one session and this person: REQUEST with them as an
    attendee asked to reply, or CANCEL with the same UID.  A CANCEL for this person alone (the
    session itself goes on) raises the session's SEQUENCE, as the RFC requires, and carries no
    STATUS; the session's own cancellation says STATUS:CANCELLED."""
    event = selectors.session_calendar_event(session, for_participant=True)
    whole_session_cancelled = event.cancelled
    if method == "CANCEL" and not whole_session_cancelled:
        if not transaction.get_connection().in_atomic_block:
            # Notices rendered ahead of a lock (session changes) must not write.
            raise RuntimeError("A personal calendar cancellation is rendered in a transaction.")
        Session.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1)
        session.sequence = Session.objects.values_list("sequence", flat=True).get(pk=session.pk)
        event = replace(event, sequence=session.sequence, status_omitted=True)
    event = replace(
        event,
        attendees=((enrolment.user.email, enrolment.user.get_full_name()),),
        cancelled=whole_session_cancelled,
    )
    return calendar_bytes([event], method=method, organizer=calendar_organizer())


# People who are expected in the room and can be marked.
ATTENDING_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
# Arrivals that self check-in never overwrites (a staff "left early" included).
SETTLED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)
