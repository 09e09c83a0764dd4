"""Sessions after they are planned: announcing changes (with updated calendar invites),
messages to participants and reminders before each session."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import (
    SEAT_STATUSES,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ReminderKind,
    RunStatus,
    Session,
    SessionModality,
    SessionReminder,
    SessionStatus,
    Venue,
)
from courses.services.base import (
    ATTENDING_STATUSES,
    EnrolmentError,
    _each_run,
    _lock_run,
    _notices_queue,
    _notices_render,
    _notify,
)
from lms.notifications import notification_queue_all, rendered_message

logger = logging.getLogger(__name__)


def session_changes_announce(*, run: CourseRun) -> int:
    """Tell everyone with a seat about each session of ``run`` whose time, place, link or status
    changed since they were last told, and bump that session's revision (``sequence``).

    Run by a task after staff save a run in the admin (``courses.tasks.announce_session_changes``):
    a venue moved for three sessions of a full run is 900 emails with invites, seconds of work
    a staff request should not wait for.  Safe to run any number of times, because a session is
    announced only when its state differs from the one recorded at the last notice, and the
    notices are written to the outbox in the same transaction that records the new state (one
    insert for all of them): either both commit or neither does.  New sessions are recorded
    without a notice.  Returns how many sessions were announced.

    The notices are rendered before the run is locked, so enrolments in the run do not wait
    for the rendering; under the lock the run, its sessions and its participants are read again
    and, only if any of them changed meanwhile, the notices are rendered again there.
    """
    draft = _announcement_draft(*_announcement_reads(run.pk, lock=False))
    with transaction.atomic():
        reads = _announcement_reads(run.pk, lock=True)
        if _announcement_stamp(*reads) != draft.stamp:
            draft = _announcement_draft(*reads)
        draft.write()
    return draft.announced


def _announcement_reads(
    run_id: int, *, lock: bool
) -> tuple[CourseRun, list[Session], list[Enrolment]]:
    """The run, its sessions and the people with a seat in it; with ``lock`` the run's row
    and its sessions' rows are locked (caller's transaction).  The sessions are locked ``FOR
    NO KEY UPDATE``: the run's lock already keeps announcements apart, and check-ins and
    reminders (rows that point at a session, needing its key share) go on meanwhile."""
    if lock:
        run = _lock_run(run_id)
        sessions = Session.objects.filter(run=run).select_for_update(of=("self",), no_key=True)
    else:
        run = CourseRun.objects.select_related("course").get(pk=run_id)
        sessions = Session.objects.filter(run=run)
    sessions = list(sessions.select_related("venue").order_by("starts_at", "pk"))
    for session in sessions:
        session.run = run  # the row just read: current_state reads its status
    participants = list(
        Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES)
        .select_related("user", "run__course")
        .order_by("pk")
    )
    return run, sessions, participants


def _announcement_stamp(
    run: CourseRun, sessions: list[Session], participants: list[Enrolment]
) -> tuple:
    """What the notices are made from: the run and its course page, each session's recorded
    and current state and its venue, and each participant's place and account (a new address
    or language moves the account's ``updated_at``).  Not the venue participants were told
    before (its name in "before: …"), read only for the changed sessions."""
    return (
        (run.status, run.updated_at, run.course.title, run.course.last_published_at),
        tuple(
            (s.pk, s.announced_state, s.current_state(), s.sequence, s.status, s.updated_at)
            + ((s.venue.name, s.venue.address) if s.venue else ())
            for s in sessions
        ),
        tuple((e.pk, e.status, e.updated_at, e.user.updated_at) for e in participants),
    )


@dataclass
class _Announcement:
    """What announcing a run's session changes writes, worked out from one read of the run:
    the sessions with their new state and revision, the notices rendered for them."""

    stamp: tuple  # what it was made from (``_announcement_stamp``)
    sessions: list[Session] = field(default_factory=list)
    dates_moved: list[Session] = field(default_factory=list)  # their reminders start again
    notices: list[dict] = field(default_factory=list)
    announced: int = 0

    def write(self) -> None:
        """Record the sessions' new state and queue the notices (caller holds the run lock)."""
        for session in self.sessions:
            session.save(update_fields=["announced_state", "sequence", "status", "updated_at"])
        if self.dates_moved:
            # A new date deserves a new reminder.
            SessionReminder.objects.filter(session__in=self.dates_moved).delete()
        _notices_queue(self.notices)


def _announcement_draft(
    run: CourseRun, sessions: list[Session], participants: list[Enrolment]
) -> _Announcement:
    """Work out and render the announcement of ``sessions`` changes (writes nothing; the
    sessions read are given their new state in memory)."""
    draft = _Announcement(stamp=_announcement_stamp(run, sessions, participants))
    run_cancelled = run.status == RunStatus.CANCELLED
    venue_ids = {
        int(part) for s in sessions for part in s.announced_state.split("|")[2:3] if part.isdigit()
    }
    venues = {v.pk: v for v in Venue.objects.filter(pk__in=venue_ids)} if venue_ids else {}
    # A session is "added" only to a run whose sessions were announced before (the first
    # announcement just records what everyone already got with their enrolment).
    run_known = any(s.announced_state for s in sessions)
    for session in sessions:
        state = session.current_state()
        if state == session.announced_state:
            continue
        is_new = not session.announced_state
        before = _state_before(session.announced_state, venues)
        session.announced_state = state
        draft.sessions.append(session)
        if not is_new:
            session.sequence += 1
            if session.status == SessionStatus.SCHEDULED and not run_cancelled:
                session.status = SessionStatus.CHANGED
                session.announced_state = session.current_state()
        if is_new:
            for enrolment in participants if run_known else []:
                if enrolment.status != EnrolmentStatus.OFFERED:
                    draft.notices += _notices_render(
                        enrolment,
                        "session_added",
                        invite="REQUEST",
                        invite_sessions=[session],
                        session=session,
                    )
            continue
        if before.get("starts_at") != session.starts_at:
            draft.dates_moved.append(session)
        draft.announced += 1
        cancelled = session.status == SessionStatus.CANCELLED or run_cancelled
        template = "session_cancelled" if cancelled else "session_changed"
        for enrolment in participants:
            if enrolment.status == EnrolmentStatus.OFFERED:
                # No invite until they hold the seat.
                draft.notices += _notices_render(
                    enrolment, template, session=session, before=before
                )
                continue
            draft.notices += _notices_render(
                enrolment,
                template,
                invite="CANCEL" if cancelled else "REQUEST",
                invite_sessions=[session],
                session=session,
                before=before,
            )
    return draft


def session_changes_announce_later(*, run: CourseRun) -> int:
    """After staff save a run: announce its sessions' changes in a task once the save has
    committed (new sessions are recorded there too), and return how many sessions changed, for
    staff's note (counted before the task is queued, which may run at once)."""
    changed = selectors.sessions_with_unannounced_changes(run=run)
    transaction.on_commit(partial(_queue_announcement, run.pk))
    return changed


def _queue_announcement(run_id: int) -> None:
    """Queue the task; if the broker is down the save still stands, and the periodic
    ``announce_pending_session_changes`` finds the change."""
    from lms.taskqueue import async_task

    try:
        async_task(
            "courses.tasks.announce_session_changes",
            run_id,
            task_name=f"announce-run-{run_id}",
            group="session-changes",
        )
    except Exception:  # noqa: BLE001 - broker errors must not break staff's save
        logger.exception("Could not queue the session changes of run %s; the job will", run_id)


def session_changes_announce_pending(*, now: datetime | None = None) -> int:
    """Periodic backstop: announce the changes of runs whose sessions (not yet ended) changed
    or were added since participants were last told, e.g. when the task queued after staff's
    save was lost or failed.  Returns how many sessions were announced."""
    return _each_run(
        selectors.runs_with_unannounced_changes(now=now or timezone.now()),
        lambda run_id: session_changes_announce(run=CourseRun(pk=run_id)),
        "Announcing session changes",
    )


def _state_before(announced_state: str, venues: dict) -> dict:
    """What participants were last told (``Session.current_state``), for "old → new" lines."""
    parts = announced_state.split("|")
    if len(parts) < 5:
        return {}
    starts, ends, venue_id, online_url, _status = parts[:5]
    return {
        "starts_at": datetime.fromisoformat(starts) if starts else None,
        "ends_at": datetime.fromisoformat(ends) if ends else None,
        "venue": venues.get(int(venue_id)) if venue_id.isdigit() else None,
        "online": bool(online_url),
    }


def run_message_participants(
    *, run: CourseRun, subject: str, body: str, statuses: list[str] | None = None
) -> int:
    """Send staff's own message to everyone in ``run`` with one of ``statuses`` (default: people
    with a seat), one recorded email each, through the notifications service.  Returns how many."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise EnrolmentError(_("Please write a subject and a message."))
    statuses = statuses or SEAT_STATUSES
    recipients = (
        Enrolment.objects.filter(run=run, status__in=statuses).select_related("user").order_by("pk")
    )
    messages = [
        rendered_message(
            recipient=enrolment.user.email,
            subject=subject,
            body_text=body,
            template="courses/email/staff_message",
            language=enrolment.user.preferred_language,
        )
        for enrolment in recipients
    ]
    return len(notification_queue_all(messages))


# --- Reminders (issue #6) -----------------------------------------------------------------------


def session_reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone with a seat the day before each session (and an hour before online
    ones).  Each reminder is recorded with a unique row in the same transaction as its email,
    so a person is never reminded twice for one session, whatever runs twice or at once."""
    now = now or timezone.now()
    due = [(ReminderKind.DAY_BEFORE, timedelta(hours=24), False)]
    if settings.SESSION_REMINDER_HOUR_BEFORE_ONLINE:
        due.append((ReminderKind.HOUR_BEFORE, timedelta(hours=1), True))
    sent = 0
    for kind, ahead, online_only in due:
        sessions = (
            Session.objects.filter(starts_at__gt=now, starts_at__lte=now + ahead)
            .exclude(status=SessionStatus.CANCELLED)
            .exclude(run__status=RunStatus.CANCELLED)
            .select_related("run__course", "venue")
        )
        if online_only:
            sessions = sessions.filter(
                modality__in=[SessionModality.ONLINE, SessionModality.HYBRID]
            )
        for session in sessions:
            waiting = (
                Enrolment.objects.filter(run_id=session.run_id, status__in=ATTENDING_STATUSES)
                .exclude(
                    pk__in=SessionReminder.objects.filter(session=session, kind=kind).values(
                        "enrolment_id"
                    )
                )
                .select_related("user", "run__course")
            )
            for enrolment in waiting:
                try:
                    with transaction.atomic():
                        SessionReminder.objects.create(
                            enrolment=enrolment, session=session, kind=kind
                        )
                        # In this transaction: the row and its email commit together.
                        _notify(
                            enrolment,
                            "session_reminder",
                            session=session,
                            kind=kind,
                        )
                except IntegrityError:
                    continue  # another worker reminded this person first
                sent += 1
    return sent
