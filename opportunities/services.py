"""Write-side rules for volunteer opportunities.

Locking: applying and deciding lock the opportunity's row first (its ``places`` are what
acceptance consumes), then the application's row, always in that order, so two admins
deciding at once, or a double tap on "apply", queue up instead of interleaving.  Confirming
hours locks the hours log, so a log becomes volunteering hours once.

Places: they do not limit applying (the organisation chooses among applicants).  Accepting
beyond them is refused unless the admin confirms it (``beyond_places=True``, a tick box on
the applicants page).

Permissions are checked by the callers (``organisations.selectors.organisation_for_admin``
and lookups scoped to the organisation or the volunteer); these functions trust them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.models import Organisation
from lms.models import User
from lms.notifications import notification_send
from opportunities import selectors
from opportunities.models import (
    CURRENT_STATUSES,
    DECISIONS,
    ApplicationStatus,
    HoursLog,
    HoursStatus,
    Opportunity,
    OpportunityApplication,
)
from organisations.models import MemberRole, Membership
from volunteers.models import Stage, VolunteerProfile
from volunteers.services import volunteer_hours_record, volunteer_stage_move


class OpportunityError(Exception):
    """A rule refused the action; the message (translated) is shown to the person."""


# Opportunities ---------------------------------------------------------------------------------


def _save_opportunity(opportunity: Opportunity, data: dict) -> Opportunity:
    fields = data.pop("fields", None)
    for name, value in data.items():
        setattr(opportunity, name, value)
    opportunity.full_clean()
    opportunity.save()
    if fields is not None:
        opportunity.fields.set(fields)
    return opportunity


@transaction.atomic
def opportunity_create(*, organisation: Organisation, by: User | None, data: dict) -> Opportunity:
    """Post an opportunity for ``organisation``.  ``data`` holds the model's fields
    (``fields`` as a list of Field).  Raises ValidationError for an activity of another
    organisation, both kinds of requirement, or dates out of order."""
    return _save_opportunity(Opportunity(organisation=organisation, created_by=by), dict(data))


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, data: dict) -> Opportunity:
    """Change an opportunity (including closing or reopening it); same checks as creating.
    The organisation cannot be changed."""
    data = {k: v for k, v in data.items() if k not in ("organisation", "created_by")}
    locked = Opportunity.objects.select_for_update(of=("self",)).get(pk=opportunity.pk)
    return _save_opportunity(locked, data)


# Applications ----------------------------------------------------------------------------------


def training_missing_message(opportunity: Opportunity) -> str:
    """What to tell someone without the required training: which course to take."""
    selectors.training_to_take([opportunity])
    course = opportunity.training
    if opportunity.required_course_id:
        return _("To apply, first complete the course “%(course)s”.") % {
            "course": (course or opportunity.required_course).title
        }
    kind = opportunity.get_required_course_kind_display()
    if course is None:
        return _("To apply, first complete a course of the kind “%(kind)s”.") % {"kind": kind}
    return _(
        "To apply, first complete a course of the kind “%(kind)s”, for example “%(course)s”."
    ) % {"kind": kind, "course": course.title}


@transaction.atomic
def application_submit(
    *, opportunity: Opportunity, user: User, message: str = ""
) -> OpportunityApplication:
    """Apply in one tap.  Only while the opportunity is open, only for a registered volunteer
    holding the required training, and once: a second tap changes nothing and says so.
    Someone who withdrew may apply again (the same row returns to "applied").

    Raises OpportunityError with the reason (naming the course to take when training is
    missing).  The organisation's admins are told after the commit."""
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("organisation", "required_course")
        .get(pk=opportunity.pk)
    )
    if not opportunity.is_open or (
        opportunity.ends_on and opportunity.ends_on < timezone.localdate()
    ):
        raise OpportunityError(_("This opportunity is no longer taking applications."))
    profile = VolunteerProfile.objects.filter(user=user).first()
    if profile is None or profile.stage == Stage.WITHDRAWN:
        raise OpportunityError(_("Please sign up as a volunteer before applying."))
    existing = (
        OpportunityApplication.objects.select_for_update(of=("self",))
        .filter(opportunity=opportunity, user=user)
        .first()
    )
    if existing is not None and existing.status != ApplicationStatus.WITHDRAWN:
        raise OpportunityError(_("You have already applied for this opportunity."))
    completions = selectors.completions_of(user=user)
    if not selectors.holds_required_training(opportunity=opportunity, completions=completions):
        raise OpportunityError(training_missing_message(opportunity))

    application = existing or OpportunityApplication(opportunity=opportunity, user=user)
    application.status = ApplicationStatus.APPLIED
    application.message = (message or "").strip()
    application.decision_note, application.decided_by, application.decided_at = "", None, None
    application.full_clean()
    application.save()
    _tell_admins(application)
    return application


@transaction.atomic
def application_withdraw(*, application: OpportunityApplication) -> OpportunityApplication:
    """The volunteer withdraws (while applied, waiting or accepted); the history of hours
    already confirmed stays."""
    Opportunity.objects.select_for_update(of=("self",)).get(pk=application.opportunity_id)
    application = OpportunityApplication.objects.select_for_update(of=("self",)).get(
        pk=application.pk
    )
    if application.status not in CURRENT_STATUSES:
        raise OpportunityError(_("This application can no longer be withdrawn."))
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    return application


@transaction.atomic
def application_decide(
    *,
    application: OpportunityApplication,
    decision: str,
    by: User | None,
    note: str = "",
    beyond_places: bool = False,
    now: dt.datetime | None = None,
) -> OpportunityApplication:
    """Accept, decline or waitlist an application and email the volunteer.

    Accepting when every place is taken is refused unless ``beyond_places``.  Accepting
    records the placement (``accepted_at``, the first time) and, for a volunteer at stage
    "training", moves them to "active" with "Placed: <opportunity> at <organisation>" in
    their stage history; volunteers at other stages keep their stage.  Making the decision
    already made, or deciding a withdrawn application, raises OpportunityError and changes
    nothing."""
    if decision not in DECISIONS:
        raise OpportunityError(_("Choose to accept, decline or put on the waiting list."))
    now = now or timezone.now()
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=application.opportunity_id)
    )
    application = (
        OpportunityApplication.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=application.pk)
    )
    if application.status == ApplicationStatus.WITHDRAWN:
        raise OpportunityError(_("The volunteer has withdrawn this application."))
    if application.status == decision:
        raise OpportunityError(_("This decision has already been made."))
    if decision == ApplicationStatus.ACCEPTED and not beyond_places:
        accepted = opportunity.applications.filter(status=ApplicationStatus.ACCEPTED).count()
        if accepted >= opportunity.places:
            raise OpportunityError(
                ngettext(
                    "The %(places)d place is already filled. To accept this volunteer as "
                    "well, tick “Accept beyond the places”.",
                    "All %(places)d places are already filled. To accept this volunteer as "
                    "well, tick “Accept beyond the places”.",
                    opportunity.places,
                )
                % {"places": opportunity.places}
            )

    application.status = decision
    application.decision_note = " ".join((note or "").split())[:500]
    application.decided_by, application.decided_at = by, now
    if decision == ApplicationStatus.ACCEPTED and application.accepted_at is None:
        application.accepted_at = now
        _note_placement(application, opportunity, by)
    application.save()
    _tell_volunteer(application, opportunity)
    return application


def _note_placement(
    application: OpportunityApplication, opportunity: Opportunity, by: User | None
) -> None:
    """A volunteer in training who is placed becomes active; the history says where.  The
    note is written in the platform's language, like the rest of the history."""
    profile = VolunteerProfile.objects.filter(user_id=application.user_id).first()
    if profile is None or profile.stage != Stage.TRAINING:
        return
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Placed: %(opportunity)s at %(organisation)s") % {
            "opportunity": opportunity.title,
            "organisation": opportunity.organisation.name,
        }
    volunteer_stage_move(profile=profile, to_stage=Stage.ACTIVE, by=by, note=note)


def _tell_volunteer(application: OpportunityApplication, opportunity: Opportunity) -> None:
    person = application.user
    language = person.preferred_language
    template = f"opportunities/email/{application.status}"

    def send() -> None:
        with translation.override(language):
            mine_url = settings.SITE_URL + reverse("opportunities:mine")
            detail_url = settings.SITE_URL + reverse("opportunities:detail", args=[opportunity.pk])
            list_url = settings.SITE_URL + reverse("opportunities:list")
        notification_send(
            recipient=person.email,
            template=template,
            context={
                "person": person,
                "application": application,
                "opportunity": opportunity,
                "organisation": opportunity.organisation,
                "mine_url": mine_url,
                "detail_url": detail_url,
                "list_url": list_url,
            },
            language=language,
        )

    transaction.on_commit(send)


def _tell_admins(application: OpportunityApplication) -> None:
    opportunity = application.opportunity
    admins = [
        m.user
        for m in Membership.objects.filter(
            organisation_id=opportunity.organisation_id, role=MemberRole.ADMIN
        ).select_related("user")
        if m.user.is_active and not m.user.withdrawn_at
    ]

    def send() -> None:
        for admin in admins:
            with translation.override(admin.preferred_language):
                url = settings.SITE_URL + reverse(
                    "opportunities:applicants",
                    args=[opportunity.organisation.slug, opportunity.pk],
                )
            notification_send(
                recipient=admin.email,
                template="opportunities/email/new_application",
                context={
                    "person": admin,
                    "volunteer": application.user,
                    "opportunity": opportunity,
                    "applicants_url": url,
                },
                language=admin.preferred_language,
            )

    transaction.on_commit(send)


# Hours -----------------------------------------------------------------------------------------


def hours_log(
    *, application: OpportunityApplication, date: dt.date, minutes: int, what: str
) -> HoursLog:
    """The volunteer logs time spent on a placement they were accepted for; it waits for the
    organisation to confirm it.  Raises OpportunityError otherwise, or for a future date."""
    if application.status != ApplicationStatus.ACCEPTED:
        raise OpportunityError(
            _("Hours can be logged only for an opportunity you were accepted for.")
        )
    if date > timezone.localdate():
        raise OpportunityError(_("The date cannot be in the future."))
    log = HoursLog(application=application, date=date, minutes=minutes, what=(what or "").strip())
    log.full_clean()
    log.save()
    return log


@transaction.atomic
def hours_confirm(*, log: HoursLog, by: User) -> HoursLog:
    """The organisation confirms a log: it becomes volunteering hours on the volunteer's
    profile (shown on their page and in the coordinators' reports).  Confirming again
    returns the log unchanged, so the hours are recorded once."""
    log = (
        HoursLog.objects.select_for_update(of=("self",))
        .select_related("application__opportunity__organisation")
        .get(pk=log.pk)
    )
    if log.status == HoursStatus.CONFIRMED:
        return log
    if log.status == HoursStatus.DECLINED:
        raise OpportunityError(_("These hours were already marked as not confirmed."))
    profile = VolunteerProfile.objects.filter(user_id=log.application.user_id).first()
    if profile is None:
        raise OpportunityError(_("This person is no longer registered as a volunteer."))
    opportunity = log.application.opportunity
    log.volunteer_hours = volunteer_hours_record(
        profile=profile,
        date=log.date,
        minutes=log.minutes,
        activity=f"{opportunity.title}（{opportunity.organisation.name}）{log.what}"[:200],
        by=by,
    )
    log.status, log.confirmed_by, log.confirmed_at = HoursStatus.CONFIRMED, by, timezone.now()
    log.save(update_fields=["volunteer_hours", "status", "confirmed_by", "confirmed_at"])
    return log


@transaction.atomic
def hours_decline(*, log: HoursLog, by: User, note: str = "") -> HoursLog:
    """The organisation does not confirm a log (the volunteer sees the reason).  Confirmed
    hours cannot be declined afterwards."""
    log = HoursLog.objects.select_for_update(of=("self",)).get(pk=log.pk)
    if log.status == HoursStatus.CONFIRMED:
        raise OpportunityError(_("These hours are already confirmed."))
    if log.status == HoursStatus.DECLINED:
        raise OpportunityError(_("These hours were already marked as not confirmed."))
    log.status = HoursStatus.DECLINED
    log.confirmed_by, log.confirmed_at = by, timezone.now()
    log.declined_note = " ".join((note or "").split())[:300]
    log.save(update_fields=["status", "confirmed_by", "confirmed_at", "declined_note"])
    return log


# Personal data ---------------------------------------------------------------------------------


@transaction.atomic
def opportunities_erase(*, user: User) -> None:
    """Before an account is anonymised: messages written to organisations are removed and
    applications still in play are withdrawn.  Decisions and confirmed hours stay."""
    applications = OpportunityApplication.objects.filter(user=user)
    applications.update(message="")
    applications.filter(status__in=CURRENT_STATUSES).update(
        status=ApplicationStatus.WITHDRAWN, updated_at=timezone.now()
    )
