"""Attendance (issue #4): staff marks, self check-in (QR, typed code), online join and code,
apologies and walk-ins; one audited record per enrolment and session."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import checkin
from courses.models import (
    ACTIVE_STATUSES,
    Attendance,
    AttendanceChange,
    AttendanceEvidence,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    OnlinePresenceRule,
    Session,
    SessionModality,
    SessionStatus,
)
from courses.services.base import ATTENDING_STATUSES, SETTLED_STATUSES, EnrolmentError
from courses.services.completion import completion_evaluate
from courses.services.enrolment import enrolment_create
from lms.models import User

# --- Attendance (issue #4) ---------------------------------------------------------------------


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
