"""Write-side rules for enrolment.

Locking rule (see STYLE.md C5, after pretix's locking.rst): every operation that takes or frees
a seat of a run locks that run's row first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
IMMEDIATE transaction mode serialises writers at BEGIN), and only then counts seats.  One lock
per transaction, always the run.  Side effects (mail) wait for the commit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses import checkin, selectors
from courses.breakouts import breakout_plan
from courses.models import (
    ACTIVE_STATUSES,
    CURRENT_STATUSES,
    SEAT_STATUSES,
    Attendance,
    AttendanceChange,
    AttendanceEvidence,
    AttendanceStatus,
    CompletionState,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    OnlinePresenceRule,
    ReminderKind,
    RunStatus,
    Session,
    SessionModality,
    SessionReminder,
    SessionStatus,
    Venue,
)
from courses.seats import SeatPlan
from courses.signals import enrolment_completed
from lms.calendar import calendar_bytes, calendar_organizer
from lms.models import User
from lms.notifications import notification_queue, notification_send


class EnrolmentError(Exception):
    """An enrolment request that cannot be carried out; the message is for the person."""


def _lock_run(run_id: int) -> CourseRun:
    return CourseRun.objects.select_for_update().select_related("course").get(pk=run_id)


def _seat_plan(run: CourseRun, now: datetime) -> SeatPlan:
    """The run's seats, reserved pools and what is taken, read under the run lock (the same
    plan the course page shows, built by one selector)."""
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
    immediate: bool = False,
    **extra,
) -> None:
    """Tell the participant, in their language, once the transaction has committed (or at once,
    inside the caller's transaction, with ``immediate``).

    With ``invite`` ("REQUEST" or "CANCEL") calendar invites go along for ``invite_sessions``
    (default: the run's sessions that are not cancelled).  One iTIP message carries one event:
    Outlook and Gmail read only the first VEVENT of an invite, so a single session travels in
    the email itself and several sessions each get a short invite email of their own."""

    def send() -> None:
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
        notification_send(
            recipient=enrolment.user.email,
            template=f"courses/email/{template}",
            context=context,
            language=language,
            calendar=single,
            calendar_method=invite if single else "",
        )
        if len(sessions) > 1:
            for session in sessions:
                with translation.override(language):
                    calendar = _invite(enrolment, invite, session)
                notification_send(
                    recipient=enrolment.user.email,
                    template="courses/email/session_invite",
                    context=context | {"session": session, "method": invite},
                    language=language,
                    calendar=calendar,
                    calendar_method=invite,
                )

    if immediate:
        send()
    else:
        transaction.on_commit(send)


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
        Session.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1)
        session.sequence = Session.objects.values_list("sequence", flat=True).get(pk=session.pk)
        event = replace(event, sequence=session.sequence, status_omitted=True)
    event = replace(
        event,
        attendees=((enrolment.user.email, enrolment.user.get_full_name()),),
        cancelled=whole_session_cancelled,
    )
    return calendar_bytes([event], method=method, organizer=calendar_organizer())


@transaction.atomic
def enrolment_create(
    *, run: CourseRun, user: User, by_staff: bool = False, now: datetime | None = None
) -> Enrolment:
    """Enrol ``user`` in ``run``: a seat if one is free and nobody is waiting, otherwise a place
    on the waiting list; a pending request if the run needs approval.

    Staff (``by_staff``) may add someone outside the enrolment window and without the approval
    step, but never past the seats: a full run still puts the person on the waiting list.
    Raises EnrolmentError if enrolment is closed or the person already has a place.
    """
    run = _lock_run(run.pk)
    # Read the clock under the lock: the waiting list is then in the order places were given.
    now = now or timezone.now()
    if run.status != RunStatus.SCHEDULED or (not by_staff and not run.is_open_at(now)):
        raise EnrolmentError(_("Enrolment for this course run is not open."))
    if Enrolment.objects.filter(run=run, user=user, status__in=ACTIVE_STATUSES).exists():
        raise EnrolmentError(_("You already have a place in this course run."))

    enrolment = Enrolment(run=run, user=user)
    if run.requires_approval and not by_staff:
        enrolment.status = EnrolmentStatus.PENDING
    else:
        _give_seat_or_queue(run, enrolment, now)
    enrolment.save()
    _notify(
        enrolment,
        enrolment.status,
        invite="REQUEST" if enrolment.status == EnrolmentStatus.ENROLLED else "",
    )
    return enrolment


def _give_seat_or_queue(run: CourseRun, enrolment: Enrolment, now: datetime) -> None:
    """A seat if one is free for this person and nobody waiting could take it, else the end of
    the waiting list.  Caller holds the run lock.

    Free seats are first offered to the people already waiting (normally there are none to
    offer, but staff may have added seats), so whatever seat is left is one nobody ahead can
    take, e.g. a seat reserved for another profession."""
    plan = _offer_free_seats(run, now)
    seat = plan.seat_for(enrolment.user.profession_id)
    if seat is not None:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.seat_pool_id = seat.pool_id
        enrolment.waitlisted_at = None
    else:
        enrolment.status = EnrolmentStatus.WAITLISTED
        enrolment.seat_pool_id = None
        enrolment.waitlisted_at = now


@transaction.atomic
def enrolment_move(
    *, enrolment: Enrolment, to_run: CourseRun, now: datetime | None = None
) -> Enrolment:
    """Staff move a person to another run: they get a seat there if one is free (otherwise the
    end of its waiting list), and the place they leave is offered to the next person waiting.

    Two runs change, so both rows are locked, always in primary-key order so two moves in
    opposite directions cannot deadlock.  Returns the new enrolment.
    """
    locked = {
        run.pk: run
        for run in CourseRun.objects.select_for_update()
        .select_related("course")
        .filter(pk__in=[enrolment.run_id, to_run.pk])
        .order_by("pk")
    }
    now = now or timezone.now()
    from_run, target = locked[enrolment.run_id], locked.get(to_run.pk)
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
    if target is None or target.pk == from_run.pk or target.status != RunStatus.SCHEDULED:
        raise EnrolmentError(_("Choose another scheduled run to move the person to."))
    if enrolment.status not in CURRENT_STATUSES:
        raise EnrolmentError(_("Only current places can be moved."))
    if Enrolment.objects.filter(
        run=target, user=enrolment.user, status__in=ACTIVE_STATUSES
    ).exists():
        raise EnrolmentError(_("This person already has a place in that run."))

    held_seat = enrolment.status in SEAT_STATUSES
    had_invite = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.offer_expires_at = None
    enrolment.decision_reason = _("Moved to %(run)s.") % {"run": target.title}
    enrolment.save(update_fields=["status", "offer_expires_at", "decision_reason", "updated_at"])

    moved = Enrolment(run=target, user=enrolment.user)
    _give_seat_or_queue(target, moved, now)
    moved.save()
    if had_invite:
        # The old run's dates leave their calendar (they had an invite if they held a seat).
        _notify(enrolment, "moved_from", invite="CANCEL", to_run=target)
    _notify(
        moved, moved.status, invite="REQUEST" if moved.status == EnrolmentStatus.ENROLLED else ""
    )
    if held_seat:
        _offer_free_seats(from_run, now)
    return moved


@transaction.atomic
def enrolment_cancel(
    *, enrolment: Enrolment, by_staff: bool = False, now: datetime | None = None
) -> Enrolment:
    """Cancel a place.  A freed seat is offered to the next person waiting."""
    now = now or timezone.now()
    run = _lock_run(enrolment.run_id)
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
    if enrolment.status not in CURRENT_STATUSES:
        raise EnrolmentError(_("This place cannot be cancelled."))
    if (
        not by_staff
        and enrolment.status == EnrolmentStatus.ENROLLED
        and run.cancellation_deadline
        and now > run.cancellation_deadline
    ):
        raise EnrolmentError(
            _("The cancellation deadline has passed. Please contact the organisers.")
        )
    held_seat = enrolment.status in SEAT_STATUSES
    had_invite = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.offer_expires_at = None
    enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
    _notify(enrolment, "cancelled", invite="CANCEL" if had_invite else "")
    if held_seat:
        _offer_free_seats(run, now)
    return enrolment


def _offer_free_seats(run: CourseRun, now: datetime) -> SeatPlan:
    """Offer every free seat to the longest-waiting person who may take it (a reserved seat
    only to its professions).  Caller holds the run lock.  Returns the seats left after."""
    plan = _seat_plan(run, now)
    if plan.free == 0:
        return plan
    for enrolment in _queue(run):
        seat = plan.seat_for(enrolment.user.profession_id)
        if seat is None:
            continue
        plan.take(seat)
        enrolment.status = EnrolmentStatus.OFFERED
        enrolment.seat_pool_id = seat.pool_id
        enrolment.offer_expires_at = now + timedelta(hours=run.offer_hours)
        enrolment.offer_reminded_at = None
        enrolment.save(
            update_fields=[
                "status",
                "seat_pool",
                "offer_expires_at",
                "offer_reminded_at",
                "updated_at",
            ]
        )
        _notify(enrolment, "offered")
        if plan.free == 0:
            break
    return plan


@transaction.atomic
def offer_accept(*, enrolment: Enrolment, user: User, now: datetime | None = None) -> Enrolment:
    """Take an offered seat before the offer expires."""
    now = now or timezone.now()
    _lock_run(enrolment.run_id)
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
    if enrolment.user_id != user.pk or enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("There is no seat on offer for you here."))
    if enrolment.offer_expires_at and now >= enrolment.offer_expires_at:
        raise EnrolmentError(_("This offer has expired and has passed to the next person."))
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.offer_expires_at = None
    enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
    _notify(enrolment, "enrolled", invite="REQUEST")
    return enrolment


@transaction.atomic
def offer_decline(*, enrolment: Enrolment, user: User, now: datetime | None = None) -> Enrolment:
    """Turn an offer down; the seat goes to the next person waiting."""
    # Check under the lock: an offer accepted meanwhile (another tab) must not be cancelled.
    _lock_run(enrolment.run_id)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    if enrolment.user_id != user.pk or enrolment.status != EnrolmentStatus.OFFERED:
        raise EnrolmentError(_("There is no seat on offer for you here."))
    return enrolment_cancel(enrolment=enrolment, now=now)


def offers_expire(*, now: datetime | None = None) -> int:
    """Pass every expired offer to the next person waiting.  Safe to run twice or
    concurrently: each run is handled under its own lock and re-read there."""
    now = now or timezone.now()
    run_ids = set(
        Enrolment.objects.filter(
            status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("run_id", flat=True)
    )
    expired = 0
    for run_id in run_ids:
        with transaction.atomic():
            run = _lock_run(run_id)
            for enrolment in Enrolment.objects.filter(
                run=run, status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now
            ).select_related("user"):
                enrolment.status = EnrolmentStatus.CANCELLED
                enrolment.decision_reason = _("The offer was not accepted in time.")
                enrolment.save(update_fields=["status", "decision_reason", "updated_at"])
                _notify(enrolment, "offer_expired")
                expired += 1
            _offer_free_seats(run, now)
    return expired


def free_seats_offer(*, now: datetime | None = None) -> int:
    """Offer seats that became free without anyone leaving (staff added seats, reserved seats
    opened to everyone) to the people waiting in runs that have not ended.  Safe to run twice:
    each run is re-read under its lock, and a seat already offered is no longer free."""
    now = now or timezone.now()
    run_ids = set(
        Enrolment.objects.filter(
            status=EnrolmentStatus.WAITLISTED,
            run__status=RunStatus.SCHEDULED,
            run__ends_on__gte=timezone.localdate(now),
        ).values_list("run_id", flat=True)
    )
    offered = 0
    for run_id in sorted(run_ids):
        with transaction.atomic():
            run = _lock_run(run_id)
            before = _seat_plan(run, now).taken
            offered += _offer_free_seats(run, now).taken - before
    return offered


def offer_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each person holding an offer once, when a quarter of the time to accept is left
    (at most ``OFFER_REMINDER_HOURS`` before it expires).  The reminder is claimed by a
    conditional update, so two workers never send it twice."""
    now = now or timezone.now()
    longest_lead = timedelta(hours=settings.OFFER_REMINDER_HOURS)
    candidates = Enrolment.objects.filter(
        status=EnrolmentStatus.OFFERED,
        offer_reminded_at__isnull=True,
        offer_expires_at__gt=now,
        offer_expires_at__lte=now + longest_lead,
    ).select_related("user", "run__course")
    sent = 0
    for enrolment in candidates:
        lead = min(longest_lead, timedelta(hours=enrolment.run.offer_hours) / 4)
        if enrolment.offer_expires_at - now > lead:
            continue
        with transaction.atomic():
            claimed = Enrolment.objects.filter(
                pk=enrolment.pk, status=EnrolmentStatus.OFFERED, offer_reminded_at__isnull=True
            ).update(offer_reminded_at=now)
            if claimed:
                _notify(enrolment, "offer_expiring")
                sent += 1
    return sent


@transaction.atomic
def enrolment_approve(*, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """Staff accept a pending request: a seat if free, otherwise the waiting list."""
    run = _lock_run(enrolment.run_id)
    now = now or timezone.now()  # under the lock, as in enrolment_create
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.PENDING:
        raise EnrolmentError(_("Only pending requests can be approved."))
    _give_seat_or_queue(run, enrolment, now)
    enrolment.save(update_fields=["status", "seat_pool", "waitlisted_at", "updated_at"])
    _notify(
        enrolment,
        enrolment.status,
        invite="REQUEST" if enrolment.status == EnrolmentStatus.ENROLLED else "",
    )
    return enrolment


@transaction.atomic
def enrolment_reject(*, enrolment: Enrolment, reason: str) -> Enrolment:
    """Staff turn a pending request down, with a reason the person sees."""
    _lock_run(enrolment.run_id)
    enrolment = Enrolment.objects.select_related("user").get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.PENDING:
        raise EnrolmentError(_("Only pending requests can be rejected."))
    if not reason.strip():
        raise EnrolmentError(_("Please give the person a reason."))
    enrolment.status = EnrolmentStatus.REJECTED
    enrolment.decision_reason = reason.strip()
    enrolment.save(update_fields=["status", "decision_reason", "updated_at"])
    _notify(enrolment, "rejected")
    return enrolment


@transaction.atomic
def session_changes_announce(*, run: CourseRun) -> int:
    """Tell everyone with a seat about each session of ``run`` whose time, place, link or status
    changed since they were last told, and bump that session's revision (``sequence``).

    Called after staff save a run in the admin; safe to call any number of times, because a
    session is announced only when its state differs from the one recorded at the last notice.
    New sessions are recorded without a notice.  Returns how many sessions were announced.
    """
    _lock_run(run.pk)
    sessions = list(Session.objects.filter(run=run).select_for_update())
    venue_ids = {
        int(part) for s in sessions for part in s.announced_state.split("|")[2:3] if part.isdigit()
    }
    venues = {v.pk: v for v in Venue.objects.filter(pk__in=venue_ids)}
    # A session is "added" only to a run whose sessions were announced before (the first
    # announcement just records what everyone already got with their enrolment).
    run_known = any(s.announced_state for s in sessions)
    participants = list(
        Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).select_related(
            "user", "run__course"
        )
    )
    announced = 0
    for session in sessions:
        state = session.current_state()
        if state == session.announced_state:
            continue
        is_new = not session.announced_state
        before = _state_before(session.announced_state, venues)
        session.announced_state = state
        if not is_new:
            session.sequence += 1
            if session.status == SessionStatus.SCHEDULED:
                session.status = SessionStatus.CHANGED
                session.announced_state = session.current_state()
        session.save(update_fields=["announced_state", "sequence", "status", "updated_at"])
        if is_new:
            for enrolment in participants if run_known else []:
                if enrolment.status != EnrolmentStatus.OFFERED:
                    _notify(
                        enrolment,
                        "session_added",
                        invite="REQUEST",
                        invite_sessions=[session],
                        session=session,
                    )
            continue
        if before.get("starts_at") != session.starts_at:
            # A new date deserves a new reminder.
            SessionReminder.objects.filter(session=session).delete()
        announced += 1
        cancelled = session.status == SessionStatus.CANCELLED
        template = "session_cancelled" if cancelled else "session_changed"
        for enrolment in participants:
            if enrolment.status == EnrolmentStatus.OFFERED:
                _notify(enrolment, template, session=session, before=before)
                continue  # no invite until they hold the seat
            _notify(
                enrolment,
                template,
                invite="CANCEL" if cancelled else "REQUEST",
                invite_sessions=[session],
                session=session,
                before=before,
            )
    return announced


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
    count = 0
    with transaction.atomic():
        for enrolment in recipients:
            notification_queue(
                recipient=enrolment.user.email,
                subject=subject,
                body_text=body,
                template="courses/email/staff_message",
                language=enrolment.user.preferred_language,
            )
            count += 1
    return count


MAX_BREAKOUT_GROUP_SIZE = 20
MAX_BREAKOUT_GROUPS = 99


@transaction.atomic
def breakout_groups_generate(*, run: CourseRun, group_size: int) -> int:
    """Split everyone with a seat into discussion groups of about ``group_size`` that mix
    professions, organisations, organisation kinds and municipalities as much as possible
    (see ``courses/breakouts.py``).  Replaces any earlier groups; the same people always give
    the same groups.  Returns the number of groups."""
    if not 2 <= group_size <= MAX_BREAKOUT_GROUP_SIZE:
        raise EnrolmentError(
            _("Choose a group size from 2 to %(most)d.") % {"most": MAX_BREAKOUT_GROUP_SIZE}
        )
    _lock_run(run.pk)
    enrolments = selectors.breakout_people_for_run(run=run)
    if not enrolments:
        raise EnrolmentError(_("Nobody has a seat in this run yet."))
    groups = breakout_plan(
        [selectors.breakout_person(e) for e in enrolments], group_size=group_size
    )
    number_of = {key: number for number, group in enumerate(groups, 1) for key in group}
    for enrolment in enrolments:
        enrolment.breakout_group = number_of[enrolment.pk]
    Enrolment.objects.bulk_update(enrolments, ["breakout_group"])
    Enrolment.objects.filter(run=run).exclude(pk__in=number_of).update(breakout_group=None)
    return len(groups)


@transaction.atomic
def breakout_groups_assign(*, run: CourseRun, assignments: dict[int, int | None]) -> int:
    """Staff adjust the groups by hand: ``assignments`` maps enrolment ids to a group number
    (None: no group).  All or nothing: an id that is not a seat in this run or a number out of
    range changes nothing.  Returns how many people changed group."""
    _lock_run(run.pk)
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            run=run, pk__in=list(assignments), status__in=selectors.GROUPED_STATUSES
        )
    }
    if set(enrolments) != set(assignments):
        raise EnrolmentError(_("Someone in the list no longer has a seat. Reload the page."))
    changed = []
    for pk, number in assignments.items():
        if number is not None and not 1 <= number <= MAX_BREAKOUT_GROUPS:
            raise EnrolmentError(
                _("Group numbers go from 1 to %(most)d.") % {"most": MAX_BREAKOUT_GROUPS}
            )
        if enrolments[pk].breakout_group != number:
            enrolments[pk].breakout_group = number
            changed.append(enrolments[pk])
    Enrolment.objects.bulk_update(changed, ["breakout_group"])
    return len(changed)


# --- Attendance (issue #4) ---------------------------------------------------------------------

# People who are expected in the room and can be marked.
ATTENDING_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
# Arrivals that self check-in never overwrites (a staff "left early" included).
SETTLED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)


def _attendance_check(enrolment: Enrolment, session: Session, status: str, evidence: str) -> None:
    if session.run_id != enrolment.run_id:
        raise EnrolmentError(_("This session is not part of the person's course run."))
    if enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(_("Only people with a seat can be marked."))
    if session.status == SessionStatus.CANCELLED:
        raise EnrolmentError(_("This session was cancelled."))
    if status not in AttendanceStatus.values or evidence not in AttendanceEvidence.values:
        raise EnrolmentError(_("Choose one of the attendance choices."))


_AUDITED = ("status", "evidence", "modality", "minutes_present", "note")


def _attendance_write(
    enrolment: Enrolment, session: Session, *, by: User | None, **values
) -> Attendance:
    """Create or change the one record of ``enrolment`` at ``session`` (the caller holds the
    enrolment lock) and audit it.  Writing what is already there changes nothing."""
    attendance = Attendance.objects.filter(enrolment=enrolment, session=session).first()
    if attendance is None:
        attendance = Attendance(enrolment=enrolment, session=session)
        old_status = old_evidence = ""
    else:
        old_status, old_evidence = attendance.status, attendance.evidence
    if attendance.pk and all(getattr(attendance, k) == v for k, v in values.items()):
        return attendance
    audited_change = not attendance.pk or any(
        getattr(attendance, k) != v for k, v in values.items() if k in _AUDITED
    )
    for key, value in values.items():
        setattr(attendance, key, value)
    attendance.recorded_by = by
    attendance.save()
    if audited_change:
        AttendanceChange.objects.create(
            attendance=attendance,
            old_status=old_status,
            new_status=attendance.status,
            old_evidence=old_evidence,
            new_evidence=attendance.evidence,
            changed_by=by,
        )
    return attendance


@transaction.atomic
def attendance_record(
    *,
    enrolment: Enrolment,
    session: Session,
    status: str,
    evidence: str = AttendanceEvidence.STAFF,
    by: User | None = None,
    modality: str = "",
    minutes_present: int | None = None,
    now: datetime | None = None,
) -> Attendance:
    """Record (or change) a person's attendance at one session, keeping one record per
    enrolment and session and an audit row for every change.

    The enrolment row is locked first, so two staff marking the same person at once, or a
    double scan, never create two records or lose a mark: the second waits and then sees the
    first.  Marking the same thing again changes nothing and writes no audit row."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _attendance_check(enrolment, session, status, evidence)
    existing = Attendance.objects.filter(enrolment=enrolment, session=session).first()
    if existing and existing.status == status and not modality and minutes_present is None:
        return existing  # a tap on the status already there: keep its evidence and times
    if status not in SETTLED_STATUSES:
        modality = ""
    elif not modality:
        modality = (existing.modality if existing else "") or (
            SessionModality.ONLINE
            if session.modality == SessionModality.ONLINE
            else SessionModality.IN_PERSON
        )
    attendance = _attendance_write(
        enrolment,
        session,
        by=by,
        status=status,
        evidence=evidence,
        modality=modality,
        minutes_present=minutes_present,
    )
    completion_evaluate(enrolments=[enrolment], now=now)
    return attendance


@transaction.atomic
def attendance_mark_rest_absent(
    *, session: Session, by: User | None = None, now: datetime | None = None
) -> int:
    """Staff close a roster: everyone with a seat who has no record for ``session`` yet, or
    only joined online without confirming presence, is marked absent (with an audit row each).
    Other marks are never overwritten.  The seated enrolments are locked in key order, so this
    cannot deadlock with single marks."""
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED:
        raise EnrolmentError(_("This session was cancelled."))
    if now < session.starts_at:
        raise EnrolmentError(_("The session has not started yet, so nobody can be absent."))
    enrolments = list(
        Enrolment.objects.select_for_update()
        .filter(run_id=session.run_id, status__in=ATTENDING_STATUSES)
        .order_by("pk")
    )
    existing = {
        attendance.enrolment_id: attendance
        for attendance in Attendance.objects.filter(session=session, enrolment__in=enrolments)
    }
    marked = {pk for pk, a in existing.items() if a.status != AttendanceStatus.JOINED}
    joined = [a for a in existing.values() if a.status == AttendanceStatus.JOINED]
    created = Attendance.objects.bulk_create(
        Attendance(
            enrolment=enrolment,
            session=session,
            status=AttendanceStatus.ABSENT,
            evidence=AttendanceEvidence.STAFF,
            recorded_by=by,
        )
        for enrolment in enrolments
        if enrolment.pk not in existing
    )
    if created and created[0].pk is None:  # databases that do not return keys from bulk inserts
        created = list(
            Attendance.objects.filter(session=session).exclude(enrolment_id__in=existing)
        )
    for attendance in joined:
        attendance.status, attendance.recorded_by = AttendanceStatus.ABSENT, by
        attendance.updated_at = now
    Attendance.objects.bulk_update(joined, ["status", "recorded_by", "updated_at"])
    AttendanceChange.objects.bulk_create(
        AttendanceChange(
            attendance=attendance,
            old_status=AttendanceStatus.JOINED if attendance in joined else "",
            new_status=AttendanceStatus.ABSENT,
            old_evidence=attendance.evidence if attendance in joined else "",
            new_evidence=attendance.evidence,
            changed_by=by,
        )
        for attendance in [*created, *joined]
    )
    changed = [e for e in enrolments if e.pk not in marked]
    completion_evaluate(enrolments=changed, now=now)
    return len(changed)


class CheckInError(EnrolmentError):
    """Self check-in refused; the message tells the person what to do instead."""


class WrongCode(CheckInError):
    """A typed code that is not the session's (counted against the person's tries)."""


def _seated_enrolment(session: Session, user: User) -> Enrolment:
    """The person's seat in the session's run, locked; refused with what to do otherwise."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(run_id=session.run_id, user=user, status__in=ATTENDING_STATUSES)
        .first()
    )
    if enrolment is None:
        raise CheckInError(
            _(
                "You are not enrolled in this session, so we cannot check you in. "
                "Please tell the staff at reception; they can add you."
            )
        )
    if session.status == SessionStatus.CANCELLED:
        raise CheckInError(_("This session was cancelled."))
    return enrolment


def _arrival_status(session: Session, arrived_at: datetime) -> str:
    late_from = session.starts_at + timedelta(minutes=session.late_after_minutes)
    return AttendanceStatus.LATE if arrived_at > late_from else AttendanceStatus.PRESENT


def _check_in_window_open(session: Session, now: datetime) -> None:
    window = checkin.checkin_window(session.starts_at, session.ends_at)
    if now < window.opens_at:
        raise CheckInError(
            _("Check-in opens at %(time)s.")
            % {"time": timezone.localtime(window.opens_at).strftime("%H:%M")}
        )
    if now > window.closes_at:
        raise CheckInError(_("Check-in for this session has closed. Please ask the staff."))


@transaction.atomic
def attendance_check_in(
    *, session: Session, user: User, arrived_at: datetime, now: datetime | None = None
) -> Attendance:
    """Self check-in at the venue (QR link or typed code, already verified by the caller):
    present, or late after the session's grace period.  Scanning twice, or after staff
    marked the person, keeps the first arrival."""
    now = now or timezone.now()
    enrolment = _seated_enrolment(session, user)
    if not session.has_venue_part:
        raise CheckInError(
            _("This session is held online. Please join it with the button on My learning.")
        )
    _check_in_window_open(session, now)
    existing = Attendance.objects.filter(enrolment=enrolment, session=session).first()
    if existing and existing.status in SETTLED_STATUSES:
        return existing
    attendance = _attendance_write(
        enrolment,
        session,
        by=user,
        status=_arrival_status(session, arrived_at),
        evidence=AttendanceEvidence.QR,
        modality=SessionModality.IN_PERSON,
        arrived_at=arrived_at,
    )
    completion_evaluate(enrolments=[enrolment], now=now)
    return attendance


def _online_status(session: Session, attendance: Attendance) -> str:
    """Presence online follows the session's rule; until it is met the record is provisional."""
    joined, coded = attendance.arrived_at is not None, attendance.code_entered_at is not None
    met = {
        OnlinePresenceRule.JOIN: joined,
        OnlinePresenceRule.CODE: coded,
        OnlinePresenceRule.JOIN_AND_CODE: joined and coded,
    }[session.online_presence_rule]
    if not met:
        return AttendanceStatus.JOINED
    return _arrival_status(session, attendance.arrived_at or attendance.code_entered_at)


def _online_preconditions(session: Session, user: User, now: datetime) -> Enrolment:
    enrolment = _seated_enrolment(session, user)
    if not session.has_online_part:
        raise CheckInError(_("This session is not held online."))
    _check_in_window_open(session, now)
    return enrolment


def _online_update(
    session: Session, user: User, now: datetime, *, joined: bool = False, coded: bool = False
) -> Attendance:
    enrolment = _online_preconditions(session, user, now)
    attendance = Attendance.objects.filter(
        enrolment=enrolment, session=session
    ).first() or Attendance(enrolment=enrolment, session=session)
    if attendance.status in SETTLED_STATUSES:
        return attendance  # presence already confirmed, by this rule or by staff
    arrived_at = attendance.arrived_at or (now if joined else None)
    code_entered_at = attendance.code_entered_at or (now if coded else None)
    probe = Attendance(arrived_at=arrived_at, code_entered_at=code_entered_at)
    attendance = _attendance_write(
        enrolment,
        session,
        by=user,
        status=_online_status(session, probe),
        evidence=AttendanceEvidence.ONLINE_CODE,
        modality=SessionModality.ONLINE,
        arrived_at=arrived_at,
        code_entered_at=code_entered_at,
    )
    completion_evaluate(enrolments=[enrolment], now=now)
    return attendance


@transaction.atomic
def online_join(*, session: Session, user: User, now: datetime | None = None) -> str:
    """The join button: record the first join time, return the meeting link to go to."""
    _online_update(session, user, now or timezone.now(), joined=True)
    return session.online_url


@transaction.atomic
def online_code_enter(
    *, session: Session, user: User, code: str, now: datetime | None = None
) -> Attendance:
    """The attendance code the facilitator announced, typed by a participant online.  The
    seat and the time window are checked before the code, so nobody can test codes outside the
    session.  Raises WrongCode for a wrong code (the views count those)."""
    now = now or timezone.now()
    _online_preconditions(session, user, now)
    if checkin.normalise_code(code) != checkin.online_code(session.pk):
        raise WrongCode(
            _("That is not the attendance code of this session. Please check it and try again.")
        )
    return _online_update(session, user, now, coded=True)


@transaction.atomic
def attendance_apologise(
    *, enrolment: Enrolment, session: Session, reason: str, now: datetime | None = None
) -> Attendance:
    """A participant says in advance they cannot come (excused): staff see the reason on
    the roster.  Only before the session starts, and it never replaces a recorded presence."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if not reason:
        raise EnrolmentError(_("Please tell us briefly why you cannot come."))
    if len(reason) > 300:
        raise EnrolmentError(_("Please keep the reason under 300 characters."))
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    _attendance_check(enrolment, session, AttendanceStatus.EXCUSED, AttendanceEvidence.APOLOGY)
    if now >= session.starts_at:
        raise EnrolmentError(
            _("This session has already started. Please contact the organisers instead.")
        )
    existing = Attendance.objects.filter(enrolment=enrolment, session=session).first()
    if existing and existing.status in (*SETTLED_STATUSES, AttendanceStatus.JOINED):
        raise EnrolmentError(_("You are already checked in for this session."))
    attendance = _attendance_write(
        enrolment,
        session,
        by=enrolment.user,
        status=AttendanceStatus.EXCUSED,
        evidence=AttendanceEvidence.APOLOGY,
        note=reason,
    )
    completion_evaluate(enrolments=[enrolment], now=now)
    return attendance


@transaction.atomic
def walk_in_add(
    *, session: Session, user: User, by: User, now: datetime | None = None
) -> Attendance:
    """Someone registered turns up without a place: staff give them a seat on the spot and mark
    them present.  Never past the seats: a full run is refused and nothing changes."""
    now = now or timezone.now()
    enrolment = Enrolment.objects.filter(
        run_id=session.run_id, user=user, status__in=ACTIVE_STATUSES
    ).first()
    if enrolment is not None and enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(
            _(
                "%(name)s is %(status)s for this run. Give them a seat on the participants page "
                "first (approve the request, or add seats), then mark them here."
            )
            % {"name": user.get_full_name(), "status": enrolment.get_status_display()}
        )
    if enrolment is None:
        enrolment = enrolment_create(run=session.run, user=user, by_staff=True, now=now)
        if enrolment.status != EnrolmentStatus.ENROLLED:  # raising rolls the waiting place back
            raise EnrolmentError(
                _("The run is full, so %(name)s cannot be given a seat.")
                % {"name": user.get_full_name()}
            )
    return attendance_record(
        enrolment=enrolment,
        session=session,
        status=_arrival_status(session, now),
        by=by,
        modality=SessionModality.IN_PERSON,
        now=now,
    )


# --- Completion (issue #4) ----------------------------------------------------------------------


def completion_evaluate(*, enrolments: list[Enrolment], now: datetime | None = None) -> int:
    """Evaluate completion for these enrolments (the caller holds their locks) and store the
    result; one that reaches completion becomes COMPLETED and ``enrolment_completed`` is sent.

    Completion sticks: a completed enrolment is never evaluated again (later rule edits or
    sessions do not take it away), and the signal goes out once, when the row changes from
    enrolled to completed.  Safe to run any number of times."""
    now = now or timezone.now()
    enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    if not enrolled:
        return 0
    facts = selectors.completion_facts(enrolments=enrolled, now=now)
    changed = 0
    for enrolment in enrolled:
        state = facts.evaluate(enrolment).state
        if enrolment.completion == state:
            continue
        updates = {"completion": state, "completion_checked_at": now}
        if state == CompletionState.COMPLETED:
            updates |= {"status": EnrolmentStatus.COMPLETED, "completed_at": now}
        rows = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENROLLED).update(
            **updates
        )
        if not rows:
            continue  # cancelled or completed meanwhile: nothing to change
        for key, value in updates.items():
            setattr(enrolment, key, value)
        if state == CompletionState.COMPLETED:
            transaction.on_commit(
                lambda e=enrolment: enrolment_completed.send(sender=Enrolment, enrolment=e)
            )
        changed += 1
    return changed


def completion_evaluate_recent_runs(*, now: datetime | None = None) -> int:
    """After sessions end: evaluate every enrolled person in runs under way or just ended (a
    session ending without a mark can make completion reached or impossible).  Each run's
    enrolments are locked in key order, as marks lock them, so a cancellation or a mark made
    meanwhile is never overwritten with a stale result."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run_ids = list(
        CourseRun.objects.filter(
            starts_on__lte=today, ends_on__gte=today - timedelta(days=2)
        ).values_list("pk", flat=True)
    )
    changed = 0
    for run_id in run_ids:
        with transaction.atomic():
            enrolments = list(
                Enrolment.objects.select_for_update()
                .filter(run_id=run_id, status=EnrolmentStatus.ENROLLED)
                .order_by("pk")
            )
            changed += completion_evaluate(enrolments=enrolments, now=now)
    return changed


@transaction.atomic
def reflection_submit(*, enrolment: Enrolment, text: str, now: datetime | None = None) -> Enrolment:
    """The participant's reflection (振り返り), which some courses require to complete."""
    text = (text or "").strip()
    if len(text) < 20:
        raise EnrolmentError(_("Please write a few sentences (at least 20 characters)."))
    if len(text) > 4000:
        raise EnrolmentError(_("Please keep the reflection under 4,000 characters."))
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(_("Only people with a seat can send a reflection."))
    now = now or timezone.now()
    enrolment.reflection, enrolment.reflection_submitted_at = text, now
    enrolment.save(update_fields=["reflection", "reflection_submitted_at", "updated_at"])
    completion_evaluate(enrolments=[enrolment], now=now)
    return enrolment


@transaction.atomic
def enrolment_sign_off(*, enrolment: Enrolment, by: User, now: datetime | None = None) -> Enrolment:
    """Staff confirm a participant's completion where the course asks for a sign-off."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(_("Only people with a seat can be signed off."))
    now = now or timezone.now()
    enrolment.signed_off_by, enrolment.signed_off_at = by, now
    enrolment.save(update_fields=["signed_off_by", "signed_off_at", "updated_at"])
    completion_evaluate(enrolments=[enrolment], now=now)
    return enrolment


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
                            immediate=True,
                            session=session,
                            kind=kind,
                        )
                except IntegrityError:
                    continue  # another worker reminded this person first
                sent += 1
    return sent
