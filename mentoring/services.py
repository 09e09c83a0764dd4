"""Write-side rules for mentoring (issue #8): pairs within the mentor's capacity (the mentor's
row locked before counting, so two coordinators pairing at once cannot overfill it), the
matching's drafts, session logs, meetings with calendar invites, confirmations, change
requests and acknowledged alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.calendar import CalendarEvent, calendar_bytes, calendar_organizer
from lms.models import User
from lms.notifications import notification_send
from mentoring import matching, selectors
from mentoring.models import (
    CAPACITY_STATUSES,
    AlertAcknowledgement,
    ChangeRequest,
    Meeting,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    Pair,
    PairStatus,
)


class MentoringError(Exception):
    """A mentoring request that cannot be carried out; the message is for the person."""


def _lock_mentor(mentor: User) -> MentorProfile:
    """Every change that can fill a mentor's places locks their profile row first."""
    profile = MentorProfile.objects.select_for_update().filter(user=mentor).first()
    if profile is None:
        raise MentoringError(_("This person is not registered as a mentor."))
    return profile


def _places_taken(mentor: User, *, excluding: Pair | None = None) -> int:
    pairs = Pair.objects.filter(mentor=mentor, status__in=CAPACITY_STATUSES)
    if excluding is not None:
        pairs = pairs.exclude(pk=excluding.pk)
    return pairs.count()


@transaction.atomic
def pair_propose(
    *,
    programme: MentoringProgramme,
    mentor: User,
    mentee: User,
    by: User | None,
    goals: str = "",
    score: float | None = None,
    reasons: list[str] | None = None,
) -> Pair:
    """A draft pair (nobody is told yet).  A mentee has one open pair per programme."""
    if mentor.pk == mentee.pk:
        raise MentoringError(_("A person cannot mentor themselves."))
    _lock_mentor(mentor)
    try:
        with transaction.atomic():
            return Pair.objects.create(
                programme=programme,
                mentor=mentor,
                mentee=mentee,
                goals=goals.strip(),
                proposed_by=by,
                score=score,
                reasons=reasons or [],
            )
    except IntegrityError:
        raise MentoringError(
            _("This mentee already has a mentor or a suggestion in this programme.")
        ) from None


@transaction.atomic
def pair_change_mentor(*, pair: Pair, mentor: User, by: User) -> Pair:
    """Staff edit a draft: another mentor for the same mentee."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != PairStatus.PROPOSED:
        raise MentoringError(_("Only a suggestion can be changed; end this pair instead."))
    if mentor.pk == pair.mentee_id:
        raise MentoringError(_("A person cannot mentor themselves."))
    _lock_mentor(mentor)
    pair.mentor, pair.proposed_by, pair.score, pair.reasons = mentor, by, None, []
    pair.save(update_fields=["mentor", "proposed_by", "score", "reasons", "updated_at"])
    return pair


@transaction.atomic
def pair_discard(*, pair: Pair) -> None:
    deleted, _rows = Pair.objects.filter(pk=pair.pk, status=PairStatus.PROPOSED).delete()
    if not deleted:
        raise MentoringError(_("Only a suggestion can be discarded."))


@transaction.atomic
def pair_confirm(
    *,
    pair: Pair,
    by: User,
    starts_on: dt.date | None = None,
    planned_end_on: dt.date | None = None,
    now: datetime | None = None,
) -> Pair:
    """A draft becomes an active pair: the mentor's places are counted under the lock, never
    exceeded, and both people are told."""
    now = now or timezone.now()
    pair = (
        Pair.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee", "programme")
        .get(pk=pair.pk)
    )
    if pair.status != PairStatus.PROPOSED:
        raise MentoringError(_("This pair has already been confirmed or ended."))
    mentor_profile = _lock_mentor(pair.mentor)
    if _places_taken(pair.mentor) >= mentor_profile.capacity:
        raise MentoringError(
            _("%(name)s has no free place (at most %(capacity)d mentees).")
            % {"name": pair.mentor.get_full_name(), "capacity": mentor_profile.capacity}
        )
    pair.status = PairStatus.ACTIVE
    pair.confirmed_at = now
    pair.starts_on = starts_on or timezone.localdate(now)
    pair.planned_end_on = planned_end_on or pair.planned_end_on
    pair.save()
    for person, other, role in (
        (pair.mentor, pair.mentee, "mentor"),
        (pair.mentee, pair.mentor, "mentee"),
    ):
        notification_send(
            recipient=person.email,
            template="mentoring/email/pair_confirmed",
            context={
                "person": person,
                "other": other,
                "role": role,
                "pair": pair,
                "url": settings.SITE_URL + reverse("mentoring:home"),
            },
            language=person.preferred_language,
        )
    return pair


def pairs_confirm(*, pairs: list[Pair], by: User) -> tuple[int, list[str]]:
    """Confirm several drafts, each on its own: returns how many and why others could not."""
    confirmed, problems = 0, []
    for pair in pairs:
        try:
            pair_confirm(pair=pair, by=by)
        except MentoringError as error:
            problems.append(f"{pair.mentee.get_full_name()}: {error}")
        else:
            confirmed += 1
    return confirmed, problems


@transaction.atomic
def pair_set_status(*, pair: Pair, status: str, by: User, reason: str = "") -> Pair:
    """Pause, resume or end an active pair (ending needs a reason)."""
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    allowed = {
        PairStatus.ACTIVE: {PairStatus.PAUSED, PairStatus.ENDED},
        PairStatus.PAUSED: {PairStatus.ACTIVE, PairStatus.ENDED},
    }
    if status not in allowed.get(pair.status, set()):
        raise MentoringError(_("This change is not possible for the pair."))
    if status == PairStatus.ENDED:
        reason = " ".join(reason.split())
        if not reason:
            raise MentoringError(_("Say why the pair ends."))
        pair.end_reason, pair.ended_on = reason[:300], timezone.localdate()
        for meeting in pair.meetings.filter(cancelled=False, starts_at__gt=timezone.now()):
            _meeting_cancel(meeting)
    pair.status = status
    pair.save()
    return pair


@transaction.atomic
def suggestions_create(*, programme: MentoringProgramme, by: User) -> list[Pair]:
    """ "Suggest for everyone": solve the whole assignment for the programme's mentees without
    an open pair, within every mentor's free places, and keep it as drafts for staff to
    review.  Mentors are locked first (in a fixed order), so confirmed pairs made meanwhile
    are counted."""
    mentor_users = list(
        MentorProfile.objects.filter(accepting=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    list(MentorProfile.objects.select_for_update().filter(user_id__in=mentor_users).order_by("pk"))
    facts = selectors.matching_facts(programme=programme)
    chosen = matching.suggest_for_everyone(
        facts.mentees, facts.mentors, facts.free, cross_profession=programme.cross_profession
    )
    users = User.objects.in_bulk(
        [m.mentor.user_id for m in chosen] + [m.mentee.user_id for m in chosen]
    )
    return [
        Pair.objects.create(
            programme=programme,
            mentor=users[match.mentor.user_id],
            mentee=users[match.mentee.user_id],
            proposed_by=by,
            score=match.score,
            reasons=match.reasons,
        )
        for match in chosen
    ]


# --- Sessions, meetings, the mentee's side ----------------------------------------------------


@transaction.atomic
def session_log(*, pair: Pair, by: User, data: dict) -> MentoringSession:
    """The mentor logs a session of an active pair."""
    if pair.mentor_id != by.pk:
        raise MentoringError(_("Only the pair's mentor can log its sessions."))
    if pair.status != PairStatus.ACTIVE:
        raise MentoringError(_("Sessions can be logged only for an active pair."))
    session = MentoringSession(pair=pair, logged_by=by, **data)
    if session.date > timezone.localdate():
        raise MentoringError(_("A session can be logged once it has taken place."))
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_confirm(*, session: MentoringSession, by: User) -> MentoringSession:
    """The mentee confirms the session took place (counted by programme completion rules)."""
    if session.pair.mentee_id != by.pk:
        raise MentoringError(_("Only the mentee can confirm this session."))
    confirmed = MentoringSession.objects.filter(
        pk=session.pk, confirmed_by_mentee_at__isnull=True
    ).update(confirmed_by_mentee_at=timezone.now())
    session.refresh_from_db()
    if confirmed and session.pair.programme.cohort_id:
        _evaluate_programme_completion(session.pair)
    return session


def _evaluate_programme_completion(pair: Pair) -> None:
    """A leader-programme course can require confirmed mentoring sessions: evaluate the
    mentee's place in the cohort run again (locked, as attendance marks lock it)."""
    from courses.models import Enrolment, EnrolmentStatus
    from courses.services import completion_evaluate

    enrolments = list(
        Enrolment.objects.select_for_update().filter(
            run_id=pair.programme.cohort_id, user_id=pair.mentee_id, status=EnrolmentStatus.ENROLLED
        )
    )
    if enrolments:
        completion_evaluate(enrolments=enrolments)


def meeting_event(meeting: Meeting, *, cancelled: bool = False) -> CalendarEvent:
    pair = meeting.pair
    return CalendarEvent(
        uid=f"mentoring-meeting-{meeting.pk}@{settings.CALENDAR_UID_DOMAIN}",
        summary=_("Mentoring: %(mentor)s and %(mentee)s")
        % {"mentor": pair.mentor.get_full_name(), "mentee": pair.mentee.get_full_name()},
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.place if meeting.mode == "in_person" else "",
        description=f"{meeting.get_mode_display()} {meeting.place}".strip(),
        url=settings.SITE_URL + reverse("mentoring:home"),
        sequence=meeting.sequence,
        cancelled=cancelled or meeting.cancelled,
        last_modified=meeting.updated_at,
    )


def _send_invites(meeting: Meeting, method: str) -> None:
    pair = meeting.pair
    event = replace(
        meeting_event(meeting, cancelled=method == "CANCEL"),
        attendees=tuple((p.email, p.get_full_name()) for p in (pair.mentor, pair.mentee)),
    )
    invite = calendar_bytes([event], method=method, organizer=calendar_organizer())
    for person in (pair.mentor, pair.mentee):
        notification_send(
            recipient=person.email,
            template=f"mentoring/email/meeting_{'cancelled' if method == 'CANCEL' else 'invite'}",
            context={"person": person, "meeting": meeting, "pair": pair},
            language=person.preferred_language,
            calendar=invite,
            calendar_method=method,
        )


@transaction.atomic
def meeting_schedule(
    *, pair: Pair, by: User, starts_at: datetime, minutes: int, mode: str, place: str = ""
) -> Meeting:
    """The mentor schedules the next meeting; both get a calendar invite (REQUEST)."""
    if pair.mentor_id != by.pk:
        raise MentoringError(_("Only the pair's mentor can schedule its meetings."))
    if pair.status != PairStatus.ACTIVE:
        raise MentoringError(_("Meetings can be scheduled only for an active pair."))
    if starts_at <= timezone.now():
        raise MentoringError(_("Choose a time in the future."))
    meeting = Meeting(
        pair=pair,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        mode=mode,
        place=place.strip(),
    )
    meeting.full_clean()
    meeting.save()
    _send_invites(meeting, "REQUEST")
    return meeting


def _meeting_cancel(meeting: Meeting) -> None:
    meeting.cancelled = True
    meeting.sequence += 1
    meeting.save(update_fields=["cancelled", "sequence", "updated_at"])
    _send_invites(meeting, "CANCEL")


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User) -> Meeting:
    """Either person cancels a meeting; both get the cancellation (METHOD:CANCEL)."""
    meeting = Meeting.objects.select_for_update().select_related("pair").get(pk=meeting.pk)
    if by.pk not in (meeting.pair.mentor_id, meeting.pair.mentee_id):
        raise MentoringError(_("Only the pair can cancel its meetings."))
    if meeting.cancelled:
        return meeting
    _meeting_cancel(meeting)
    return meeting


@transaction.atomic
def change_request(*, pair: Pair, by: User, reason: str) -> ChangeRequest:
    """The mentee asks a coordinator for another mentor; the mentor is not told."""
    if pair.mentee_id != by.pk:
        raise MentoringError(_("Only the mentee can ask for another mentor."))
    reason = (reason or "").strip()
    if not reason:
        raise MentoringError(_("Please tell us briefly why."))
    request = ChangeRequest(pair=pair, reason=reason)
    request.full_clean()
    request.save()
    return request


def alert_acknowledge(*, key: str, by: User, note: str = "") -> AlertAcknowledgement:
    acknowledgement, _created = AlertAcknowledgement.objects.get_or_create(
        key=key[:100], defaults={"acknowledged_by": by, "note": " ".join(note.split())[:500]}
    )
    return acknowledgement


def mentor_capacity_ok(mentor: User) -> bool:
    profile = MentorProfile.objects.filter(user=mentor).first()
    return profile is not None and _places_taken(mentor) < profile.capacity
