"""Enrolment: places, the fair waiting list, seat offers, approval, moves and cancellations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import (
    ACTIVE_STATUSES,
    CURRENT_STATUSES,
    SEAT_STATUSES,
    Attendance,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
    Session,
    SessionStatus,
)
from courses.seats import Seat, SeatPlan
from courses.services.base import (
    EnrolmentError,
    _each_run,
    _lock_place,
    _lock_run,
    _notices_queue,
    _notices_render,
    _notify,
    _queue,
    _seat_plan,
)
from lms.models import User


def enrolment_create(
    *, run: CourseRun, user: User, by_staff: bool = False, now: datetime | None = None
) -> Enrolment:
    """Enrol ``user`` in ``run``: a seat if one is free and nobody is waiting, otherwise a place
    on the waiting list; a pending request if the run needs approval.

    Staff (``by_staff``) may add someone outside the enrolment window and without the approval
    step, but never past the seats: a full run still puts the person on the waiting list.
    Raises EnrolmentError if enrolment is closed or the person already has a place.

    The confirmation email is written to the outbox in the same transaction as the place, so
    both exist or neither does; the worker sends it after commit.  It is rendered before the
    transaction and the run lock, for the outcome foreseen from the run as it is then (see
    ``_enrolment_notices``), so the lock is held only to check, insert the place and its email,
    and commit.
    """
    notices = _enrolment_notices(run, user, by_staff=by_staff, now=now)
    with transaction.atomic():
        run = _lock_run(run.pk)
        # Read the clock under the lock: the waiting list is then in the order places were
        # given.
        now = now or timezone.now()
        if not _enrolment_open(run, now, by_staff=by_staff):
            raise EnrolmentError(_("Enrolment for this course run is not open."))
        if Enrolment.objects.filter(run=run, user=user, status__in=ACTIVE_STATUSES).exists():
            raise EnrolmentError(_("You already have a place in this course run."))

        enrolment = Enrolment(run=run, user=user)
        if run.requires_approval and not by_staff:
            enrolment.status = EnrolmentStatus.PENDING
        else:
            _give_seat_or_queue(run, enrolment, now)
        enrolment.save()
        _notices_queue(notices.for_enrolment(enrolment))
    return enrolment


@dataclass(frozen=True)
class _EnrolmentNotices:
    """The confirmation email of the outcome foreseen for an enrolment request, rendered ahead
    of the lock (empty if none is foreseen: enrolment looked closed)."""

    rendered: dict[str, list[dict]]
    sessions_stamp: tuple  # the run's sessions the invites were made from (see _sessions_stamp)

    def for_enrolment(self, enrolment: Enrolment) -> list[dict]:
        """The messages for the outcome, rendered again (under the lock, rarely) if the outcome
        was not foreseen or the run's sessions changed since: the invites must be current."""
        invite = "REQUEST" if enrolment.status == EnrolmentStatus.ENROLLED else ""
        rendered = self.rendered.get(enrolment.status)
        if rendered is None or (
            invite and _sessions_stamp(enrolment.run_id) != self.sessions_stamp
        ):
            rendered = _notices_render(enrolment, enrolment.status, invite=invite)
        return rendered


def _sessions_stamp(run_id: int, sessions: list[Session] | None = None) -> tuple:
    """How many sessions the run has and when the last one changed: saving a session (its
    time, place, link or status) moves ``updated_at``."""
    if sessions is not None:
        return (len(sessions), max((s.updated_at for s in sessions), default=None))
    stamp = Session.objects.filter(run_id=run_id).aggregate(n=Count("pk"), last=Max("updated_at"))
    return (stamp["n"], stamp["last"])


def _enrolment_open(run: CourseRun, now: datetime, *, by_staff: bool) -> bool:
    """Whether places can be given: a scheduled run, inside its enrolment window unless staff
    add the person."""
    return run.status == RunStatus.SCHEDULED and (by_staff or run.is_open_at(now))


def _enrolment_notices(
    run: CourseRun, user: User, *, by_staff: bool, now: datetime | None = None
) -> _EnrolmentNotices:
    """Render the email of the outcome the request will most likely have, foreseen from the run
    as it is now: nothing if enrolment is closed, a pending request on a run that needs
    approval, otherwise a seat (with calendar invites, the costly one) or the waiting list.
    Only one is rendered: in a rush the seats go while requests wait for the lock, and
    ``for_enrolment`` renders the right one under the lock when the forecast missed.  Reads
    only; no lock."""
    now = now or timezone.now()
    if not _enrolment_open(run, now, by_staff=by_staff):
        return _EnrolmentNotices({}, ())
    draft = Enrolment(run=run, user=user)
    if run.requires_approval and not by_staff:
        return _EnrolmentNotices(
            {EnrolmentStatus.PENDING: _notices_render(draft, EnrolmentStatus.PENDING)}, ()
        )
    if not _seat_foreseen(run, user, now):
        return _EnrolmentNotices(
            {EnrolmentStatus.WAITLISTED: _notices_render(draft, EnrolmentStatus.WAITLISTED)}, ()
        )
    sessions = selectors.sessions_for_calendar(run=run)
    invited = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    return _EnrolmentNotices(
        {
            EnrolmentStatus.ENROLLED: _notices_render(
                draft, EnrolmentStatus.ENROLLED, invite="REQUEST", invite_sessions=invited
            )
        },
        _sessions_stamp(run.pk, sessions),
    )


def _seat_foreseen(run: CourseRun, user: User, now: datetime) -> bool:
    """Whether ``_give_seat_or_queue`` would give ``user`` a seat if it ran now, decided by the
    same code from the same reads (the seat pools, the seats taken and, only if a seat is
    free, the waiting list), made without the lock and writing nothing."""
    plan, _offers = _seat_plan_after_offers(run, now)
    return plan.seat_for(user.profession_id) is not None


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
        for run in CourseRun.objects.select_for_update(of=("self",))
        .select_related("course")
        .filter(pk__in=[enrolment.run_id, to_run.pk])
        .order_by("pk")
    }
    now = now or timezone.now()
    from_run, target = locked[enrolment.run_id], locked.get(to_run.pk)
    enrolment = _lock_place(enrolment.pk)
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
    enrolment = _lock_place(enrolment.pk)
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


@transaction.atomic
def enrolment_erase_for_person(*, user: User, now: datetime | None = None) -> None:
    """A person withdraws: their current places are cancelled (each freed seat offered on, no
    message to them) and the texts they wrote or were sent are removed.  Attendance and
    completions stay, anonymous, in the counts."""
    now = now or timezone.now()
    for enrolment in Enrolment.objects.filter(user=user, status__in=CURRENT_STATUSES):
        run = _lock_run(enrolment.run_id)
        enrolment = _lock_place(enrolment.pk)
        if enrolment.status not in CURRENT_STATUSES:
            continue
        held_seat = enrolment.status in SEAT_STATUSES
        enrolment.status, enrolment.offer_expires_at = EnrolmentStatus.CANCELLED, None
        enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
        if held_seat:
            _offer_free_seats(run, now)
    Enrolment.objects.filter(user=user).update(
        reflection="",
        reflection_answers=[],
        reflection_feedback="",
        decision_reason="",
        updated_at=timezone.now(),  # an update sets no auto_now field (My learning reads it)
    )
    Attendance.objects.filter(enrolment__user=user).update(note="", updated_at=timezone.now())


def _seat_plan_after_offers(run: CourseRun, now: datetime) -> tuple[SeatPlan, dict[int, Seat]]:
    """The run's seat plan once every free seat has gone to the longest-waiting person who may
    take it (a reserved seat only to its professions), and the seat each of them gets, by
    enrolment id in waiting order.  Decides only: the waiting list is read as (id, profession)
    pairs, and only if a seat is free; nothing is written (see ``_offer_free_seats``)."""
    plan = _seat_plan(run, now)
    offers: dict[int, Seat] = {}
    if plan.free == 0:
        return plan, offers
    for enrolment_id, profession_id in _queue(run).values_list("pk", "user__profession_id"):
        seat = plan.seat_for(profession_id)
        if seat is None:
            continue
        plan.take(seat)
        offers[enrolment_id] = seat
        if plan.free == 0:
            break
    return plan, offers


def _offer_free_seats(run: CourseRun, now: datetime) -> SeatPlan:
    """Offer every free seat to the longest-waiting person who may take it (a reserved seat
    only to its professions).  Caller holds the run lock.  Returns the seats left after."""
    plan, offers = _seat_plan_after_offers(run, now)
    if not offers:
        return plan
    # Only the people offered a seat are read whole (their email needs them).
    for enrolment in _queue(run).filter(pk__in=offers):
        seat = offers[enrolment.pk]
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
    return plan


@transaction.atomic
def offer_accept(*, enrolment: Enrolment, user: User, now: datetime | None = None) -> Enrolment:
    """Take an offered seat before the offer expires."""
    now = now or timezone.now()
    _lock_run(enrolment.run_id)
    enrolment = _lock_place(enrolment.pk)
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
    enrolment = _lock_place(enrolment.pk)
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

    def expire(run_id: int) -> int:
        run = _lock_run(run_id)
        expired = 0
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

    return _each_run(sorted(run_ids), expire, "Passing expired offers on")


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

    def offer(run_id: int) -> int:
        run = _lock_run(run_id)
        before = _seat_plan(run, now).taken
        return _offer_free_seats(run, now).taken - before

    return _each_run(sorted(run_ids), offer, "Offering free seats")


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
    enrolment = _lock_place(enrolment.pk)
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
    enrolment = _lock_place(enrolment.pk)
    if enrolment.status != EnrolmentStatus.PENDING:
        raise EnrolmentError(_("Only pending requests can be rejected."))
    if not reason.strip():
        raise EnrolmentError(_("Please give the person a reason."))
    enrolment.status = EnrolmentStatus.REJECTED
    enrolment.decision_reason = reason.strip()
    enrolment.save(update_fields=["status", "decision_reason", "updated_at"])
    _notify(enrolment, "rejected")
    return enrolment
