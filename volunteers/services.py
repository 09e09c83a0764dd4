"""Write-side rules for volunteers (issue #7): registration online and at a counter, likely
duplicates and merging, stage moves (one by one, in bulk, and by completed training), staff
notes, hours, nominations, messages, and erasing a person's data."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from courses.models import Enrolment
from lms.models import AVAILABILITY_FLAGS, User
from lms.notifications import notification_queue_all, notification_send, rendered_message
from volunteers.models import (
    PIPELINE,
    LikelyDuplicate,
    Nomination,
    StaffNote,
    Stage,
    StageChange,
    StageRequirement,
    VolunteerHours,
    VolunteerProfile,
)
from volunteers.selectors import (
    VOLUNTEER_LIST_VERSION,
    duplicate_reasons,
    kana_key,
    likely_duplicates,
    phone_key,
)


class VolunteerError(Exception):
    """A volunteer request that cannot be carried out; the message is for the person or staff."""


PROFILE_FIELDS = [
    "phone",
    "municipality",
    "age_band",
    *AVAILABILITY_FLAGS,
    "frequency",
    "skills",
    "motivation",
    "heard_from",
    "insurance",
]


@transaction.atomic
def volunteer_register(
    *,
    user: User,
    data: dict,
    entered_by: User | None = None,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Record a resident's offer to volunteer, at stage "applied", with their consent: given on
    the form, or on paper at a counter when staff enter it (``entered_by``)."""
    now = now or timezone.now()
    if VolunteerProfile.objects.filter(user=user).exists():
        raise VolunteerError(_("This person is already registered as a volunteer."))
    profile = VolunteerProfile(
        user=user,
        consent_purpose_version=settings.VOLUNTEER_PURPOSE_VERSION,
        consented_at=now,
        consent_on_paper=entered_by is not None,
        entered_by=entered_by,
        stage=Stage.APPLIED,
        stage_changed_at=now,
        **{name: data[name] for name in PROFILE_FIELDS if name in data},
    )
    profile.phone_key = phone_key(profile.phone)
    profile.kana_key = kana_key(user.full_name_kana)
    profile.full_clean(exclude=["user", "fields"])
    profile.save()
    profile.fields.set(data.get("fields", []))
    StageChange.objects.create(
        profile=profile,
        to_stage=Stage.APPLIED,
        changed_by=entered_by,
        note=_("Entered by staff from a paper form") if entered_by else _("Signed up online"),
    )
    _flag_duplicates(profile)
    return profile


def _flag_duplicates(profile: VolunteerProfile) -> list[LikelyDuplicate]:
    """Flag every earlier profile that is probably the same person, saying why."""
    flags = []
    for other in likely_duplicates(
        email=profile.user.email,
        phone=profile.phone,
        kana=profile.user.full_name_kana,
        municipality_id=profile.municipality_id,
        age_band=profile.age_band,
        exclude_pk=profile.pk,
    ):
        flag, _created = LikelyDuplicate.objects.get_or_create(
            profile=profile,
            other=other,
            defaults={"reasons": ",".join(duplicate_reasons(profile, other))},
        )
        flags.append(flag)
    return flags


@transaction.atomic
def volunteer_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    full_name_kana: str,
    language: str,
    data: dict,
    now: datetime | None = None,
) -> VolunteerProfile:
    """A resident with no account signs up as a volunteer: the account (email not yet
    confirmed, privacy consent recorded) and the profile are created together, or neither."""
    now = now or timezone.now()
    if User.objects.filter(email__iexact=email).exists():
        raise VolunteerError(
            _(
                "This email address is already registered. Please sign in first; "
                "the form will then use your account."
            )
        )
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        full_name_kana=full_name_kana,
        preferred_language=language,
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
        privacy_consented_at=now,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return volunteer_register(user=user, data=data, now=now)


@transaction.atomic
def volunteer_enter_for_person(
    *,
    full_name: str,
    full_name_kana: str,
    email: str,
    data: dict,
    entered_by: User,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Staff enter a paper sign-up card at a counter.  The person gets an account without a
    password (they can set one by "forgot password" if they have email); someone without
    email gets a placeholder address on the reserved ``.invalid`` domain, never written to."""
    now = now or timezone.now()
    email = email.strip()
    if email and User.objects.filter(email__iexact=email).exists():
        user = User.objects.get(email__iexact=email)
        if VolunteerProfile.objects.filter(user=user).exists():
            raise VolunteerError(_("This person is already registered as a volunteer."))
    else:
        user = User.objects.create_user(
            email=email or f"no-email-{secrets.token_hex(8)}@invalid",
            password=None,
            full_name=full_name,
            full_name_kana=full_name_kana,
            privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
            privacy_consented_at=now,
        )
        if email:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return volunteer_register(user=user, data=data, entered_by=entered_by, now=now)


@transaction.atomic
def volunteer_stage_move(
    *,
    profile: VolunteerProfile,
    to_stage: str,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
) -> StageChange | None:
    """Move a volunteer to another stage and record it; moving to the stage they are at changes
    nothing and returns None.  The profile row is locked, so two coordinators moving the same
    person at once keep a chained history.  A move by staff (``by``) is also in the audit log;
    moves the platform makes (completed training, withdrawal) are only in the history."""
    if to_stage not in Stage.values:
        raise VolunteerError(_("Choose one of the stages."))
    profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.stage == to_stage:
        return None
    change = StageChange.objects.create(
        profile=profile,
        from_stage=profile.stage,
        to_stage=to_stage,
        changed_by=by,
        note=" ".join((note or "").split())[:500],
    )
    profile.stage, profile.stage_changed_at = to_stage, now or timezone.now()
    profile.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    if by is not None:
        audit_record(
            actor=by,
            action=AuditAction.CHANGE_STAGE,
            subject=profile,
            detail={"from": change.from_stage, "to": to_stage},
        )
    return change


def volunteers_stage_move(
    *, profiles: list[VolunteerProfile], to_stage: str, by: User, note: str = ""
) -> int:
    """The bulk action: move each chosen person (each under its own lock); returns how many
    actually changed stage."""
    if to_stage not in Stage.values:
        raise VolunteerError(_("Choose one of the stages."))
    return sum(
        volunteer_stage_move(profile=p, to_stage=to_stage, by=by, note=note) is not None
        for p in profiles
    )


def volunteer_training_completed(*, enrolment_id: int) -> StageChange | None:
    """A completed course moves its participant on when their stage requires a course of that
    kind (StageRequirement); the history names the course.  Safe to run twice: the second
    time the person is no longer at that stage."""
    enrolment = (
        Enrolment.objects.select_related("run__course", "user__volunteer_profile")
        .filter(pk=enrolment_id)
        .first()
    )
    profile = getattr(enrolment.user, "volunteer_profile", None) if enrolment else None
    if profile is None:
        return None
    requirement = _requirement_met(profile.stage, enrolment.run.course.kind)
    if requirement is None:
        return None
    with transaction.atomic():
        locked = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
        if locked.stage != profile.stage:
            return None
        return volunteer_stage_move(
            profile=locked,
            to_stage=requirement.next_stage,
            by=None,
            note=_("Completed the course “%(course)s”") % {"course": enrolment.run.course.title},
        )


def _requirement_met(stage: str, course_kind: str) -> StageRequirement | None:
    """The requirement a course of this kind fulfils for someone at ``stage``: the one for
    their own stage or, when staff enrolled them early, for the nearest stage ahead."""
    if stage not in PIPELINE:
        return None  # paused or withdrawn people stay where they are
    candidates = {
        r.stage: r
        for r in StageRequirement.objects.filter(course_kind=course_kind)
        if r.stage in PIPELINE and PIPELINE.index(r.stage) >= PIPELINE.index(stage)
    }
    for later in PIPELINE[PIPELINE.index(stage) :]:
        requirement = candidates.get(later)
        if requirement and requirement.next_stage in PIPELINE[PIPELINE.index(stage) + 1 :]:
            return requirement
    return None


def volunteer_coordinator_assign(
    *, profile: VolunteerProfile, coordinator: User | None, by: User
) -> None:
    """Give the person a coordinator (or none); the change is noted in their history."""
    if coordinator is not None and not coordinator.is_staff:
        raise VolunteerError(_("Only staff can coordinate volunteers."))
    with transaction.atomic():
        profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.coordinator_id == (coordinator.pk if coordinator else None):
            return
        profile.coordinator = coordinator
        profile.save(update_fields=["coordinator", "updated_at"])
        StaffNote.objects.create(
            profile=profile,
            author=by,
            body=_("Coordinator: %(name)s") % {"name": coordinator or _("none")},
        )


def volunteer_note_add(*, profile: VolunteerProfile, author: User, body: str) -> StaffNote:
    body = (body or "").strip()
    if not body:
        raise VolunteerError(_("Write the note first."))
    note = StaffNote(profile=profile, author=author, body=body)
    note.full_clean()
    note.save()
    return note


def volunteer_hours_record(
    *, profile: VolunteerProfile, date: dt.date, minutes: int, activity: str, by: User
) -> VolunteerHours:
    entry = VolunteerHours(
        profile=profile, date=date, minutes=minutes, activity=activity.strip(), recorded_by=by
    )
    entry.full_clean()
    entry.save()
    return entry


def volunteer_nominate(
    *, profile: VolunteerProfile, by: User, reason: str, organisation: str = ""
) -> Nomination:
    """Put a volunteer forward as a future leader, with the reason (leader discovery)."""
    nomination = Nomination(
        profile=profile,
        nominated_by=by,
        reason=(reason or "").strip(),
        organisation=(organisation or "").strip(),
    )
    nomination.full_clean()
    nomination.save()
    return nomination


def volunteers_message(
    *, profiles: list[VolunteerProfile], subject: str, body: str, by: User
) -> int:
    """Write to the chosen people through the notifications service, each in their own
    language; people who withdrew are skipped.  Returns how many messages were queued."""
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise VolunteerError(_("Write a subject and a message."))
    people = [profile.user for profile in profiles]
    messages = [
        rendered_message(
            recipient=person.email,
            subject=subject,
            body_text=body,
            template="volunteers/email/staff_message",
            language=person.preferred_language,
        )
        for person in people
        if not person.withdrawn_at and person.is_active
    ]
    return len(notification_queue_all(messages))


@transaction.atomic
def volunteers_enrol(*, profiles: list[VolunteerProfile], run, by: User) -> dict[str, int]:
    """Enrol the chosen people in a run (e.g. an orientation) as staff: a seat when one is
    free, else the waiting list.  Returns counts by outcome, with people who could not be
    enrolled (already in the run, run closed) counted as "refused"."""
    from courses.services import EnrolmentError, enrolment_create

    outcome: dict[str, int] = {}
    for profile in profiles:
        try:
            with transaction.atomic():
                enrolment = enrolment_create(run=run, user=profile.user, by_staff=True)
        except EnrolmentError:
            key = "refused"
        else:
            key = enrolment.status
        outcome[key] = outcome.get(key, 0) + 1
    return outcome


@transaction.atomic
def volunteer_invite_to_programme(
    *, profile: VolunteerProfile, run, by: User, course_url: str
) -> None:
    """Invite a leader candidate to a leader-programme run: an email with the course page to
    enrol from, and (for an active volunteer) the move to "leader candidate" in the history."""
    person = profile.user
    if person.withdrawn_at or not person.is_active:
        raise VolunteerError(_("This person can no longer be contacted."))
    notification_send(
        recipient=person.email,
        template="volunteers/email/programme_invite",
        context={"person": person, "run": run, "course_url": course_url},
        language=person.preferred_language,
    )
    if profile.stage == Stage.ACTIVE:
        volunteer_stage_move(
            profile=profile,
            to_stage=Stage.LEADER_CANDIDATE,
            by=by,
            note=_("Invited to “%(course)s”") % {"course": run.course.title},
        )


@transaction.atomic
def duplicate_dismiss(*, flag: LikelyDuplicate, by: User) -> None:
    """Staff checked: these are two different people."""
    LikelyDuplicate.objects.filter(pk=flag.pk, resolution="").update(
        resolution=LikelyDuplicate.Resolution.DIFFERENT, resolved_by=by, resolved_at=timezone.now()
    )
    VOLUNTEER_LIST_VERSION.changed()  # the update sends no signal; the list counts open flags


@transaction.atomic
def volunteers_merge(
    *, keep: VolunteerProfile, duplicate: VolunteerProfile, by: User
) -> VolunteerProfile:
    """Merge a duplicate profile into the one kept, losing no history: stage changes, notes,
    hours and nominations move over; answers the kept profile lacks are filled in; places
    in courses move to the kept account where it has none in that run.  The duplicate's
    account is then closed for sign-in (kept, so nothing attached to it is lost); a note on
    the kept profile records the merge (the pair's flag goes with the merged profile)."""
    if keep.pk == duplicate.pk:
        raise VolunteerError(_("Choose two different people to merge."))
    locked = {
        p.pk: p
        for p in VolunteerProfile.objects.select_for_update()
        .filter(pk__in=[keep.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise VolunteerError(_("One of these people is no longer registered."))
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    for name in ("phone", "skills", "motivation", "heard_from", "frequency"):
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    for flag in AVAILABILITY_FLAGS:
        setattr(keep, flag, getattr(keep, flag) or getattr(duplicate, flag))
    keep.phone_key = phone_key(keep.phone)
    keep.save()
    keep.fields.add(*duplicate.fields.all())
    StageChange.objects.filter(profile=duplicate).update(profile=keep)
    StaffNote.objects.filter(profile=duplicate).update(profile=keep)
    VolunteerHours.objects.filter(profile=duplicate).update(profile=keep)
    Nomination.objects.filter(profile=duplicate).update(profile=keep)
    StaffNote.objects.create(
        profile=keep,
        author=by,
        body=_("Merged with a duplicate registration (%(email)s, registered %(date)s).")
        % {
            "email": duplicate.user.email,
            "date": date_format(timezone.localtime(duplicate.created_at), "DATE_FORMAT"),
        },
    )
    # Other flags on the duplicate now concern the kept profile.
    for flag in LikelyDuplicate.objects.filter(Q(profile=duplicate) | Q(other=duplicate)):
        other = flag.other if flag.profile_id == duplicate.pk else flag.profile
        if other.pk != keep.pk:
            LikelyDuplicate.objects.get_or_create(
                profile=keep,
                other=other,
                defaults={"reasons": flag.reasons, "resolution": flag.resolution},
            )
    _move_enrolments(from_user=duplicate.user, to_user=keep.user)
    old_account = duplicate.user
    audit_record(
        actor=by,
        action=AuditAction.MERGE,
        subject=keep,
        detail={
            "kept_profile": keep.pk,
            "merged_profile": duplicate.pk,
            "kept_account": keep.user_id,
            "merged_account": duplicate.user_id,
        },
    )
    duplicate.delete()
    if not old_account.is_superuser and old_account.pk != keep.user_id:
        old_account.is_active = False
        old_account.save(update_fields=["is_active"])
    return keep


def _move_enrolments(*, from_user: User, to_user: User) -> None:
    taken_runs = Enrolment.objects.filter(user=to_user).values_list("run_id", flat=True)
    Enrolment.objects.filter(user=from_user).exclude(run_id__in=list(taken_runs)).update(
        user=to_user, updated_at=timezone.now()
    )


@transaction.atomic
def volunteer_erase(*, user: User) -> None:
    """The person withdraws (lms.services.user_anonymise calls this first): the profile keeps
    only what counts (municipality, age band, fields, stage history, hours) and loses
    everything that could identify or describe the person; staff notes, nominations and
    duplicate flags are deleted."""
    profile = VolunteerProfile.objects.filter(user=user).first()
    if profile is None:
        return
    StageChange.objects.filter(profile=profile).update(note="")
    volunteer_stage_move(
        profile=profile,
        to_stage=Stage.WITHDRAWN,
        by=None,
        note=_("Withdrew; personal data erased"),
    )
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        phone="",
        phone_key="",
        kana_key="",
        skills="",
        motivation="",
        heard_from="",
        coordinator=None,
        updated_at=timezone.now(),
    )
    VOLUNTEER_LIST_VERSION.changed()  # the update sends no signal; the list shows coordinators
    StaffNote.objects.filter(profile=profile).delete()
    Nomination.objects.filter(profile=profile).delete()
    LikelyDuplicate.objects.filter(Q(profile=profile) | Q(other=profile)).delete()


def volunteers_purge_abandoned(*, months: int, now: datetime | None = None) -> int:
    """Applications nobody finished: signed up online, email never confirmed, still at
    "applied" after ``months`` months.  Their accounts are anonymised like a withdrawal, so
    the funnel's counts stay true.  Returns how many were purged."""
    from lms.services import user_anonymise

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=30 * months)
    abandoned = VolunteerProfile.objects.filter(
        stage=Stage.APPLIED,
        created_at__lt=cutoff,
        stage_changed_at__lt=cutoff,
        entered_by__isnull=True,
        user__withdrawn_at__isnull=True,
        user__last_login__isnull=True,
    ).exclude(user__emailaddress__verified=True)
    purged = 0
    for profile in abandoned.select_related("user"):
        user_anonymise(user=profile.user, now=now, reason="abandoned_application")
        purged += 1
    return purged
