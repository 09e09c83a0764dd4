"""Write-side rules for partner organisations (issue #12): applications and the staff's
decisions, invitations, members and roles.  An organisation always keeps at least one admin."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cms.models import Organisation
from lms.models import User
from lms.notifications import notification_send
from organisations.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Invitation,
    MemberRole,
    Membership,
    OrganisationApplication,
)


class OrganisationError(Exception):
    """A request about an organisation that cannot be carried out; the message is for people."""


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


@transaction.atomic
def application_submit(*, data: dict, now: datetime | None = None) -> OrganisationApplication:
    """The public application (参加申込).  An organisation already on the platform, or one with
    an application waiting, is told so and nothing is created."""
    now = now or timezone.now()
    name = " ".join(data["name"].split())
    if any(
        _same_name(o) == _same_name(name)
        for o in Organisation.objects.values_list("name", flat=True)
    ):
        raise OrganisationError(
            _(
                "An organisation with this name is already on the platform. Its admin can invite you."
            )
        )
    if OrganisationApplication.objects.filter(
        name__iexact=name, status__in=OPEN_APPLICATION_STATUSES
    ).exists():
        raise OrganisationError(
            _(
                "An application for this organisation is already waiting for review. We will contact you."
            )
        )
    fields = data.pop("fields", [])
    served = data.pop("municipalities_served", [])
    application = OrganisationApplication(
        **{**data, "name": name}, terms_version=settings.PLATFORM_TERMS_VERSION, agreed_at=now
    )
    application.full_clean()
    application.save()
    application.fields.set(fields)
    application.municipalities_served.set(served)
    notification_send(
        recipient=application.contact_email,
        template="organisations/email/application_received",
        context={"application": application},
    )
    return application


def _decide(application: OrganisationApplication, status: str, by: User, message: str) -> None:
    application.status, application.staff_message = status, message.strip()
    application.decided_by, application.decided_at = by, timezone.now()
    application.save()


@transaction.atomic
def application_approve(*, application: OrganisationApplication, by: User) -> Organisation:
    """Approve: the organisation appears in the directory and its contact person is invited as
    its admin."""
    application = OrganisationApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in OPEN_APPLICATION_STATUSES:
        raise OrganisationError(_("This application has already been decided."))
    organisation = Organisation.objects.create(
        name=application.name,
        name_kana=application.name_kana,
        slug=_free_slug(application),
        organisation_type=application.organisation_type,
        municipality=application.municipality,
        address=application.address,
        website=application.website,
        joined_on=timezone.localdate(),
        is_listed=True,
    )
    organisation.fields.set(application.fields.all())
    organisation.municipalities_served.set(application.municipalities_served.all())
    organisation.save()
    application.organisation = organisation
    _decide(application, ApplicationStatus.APPROVED, by, "")
    invitation_create(
        organisation=organisation,
        email=application.contact_email,
        role=MemberRole.ADMIN,
        by=by,
        template="organisations/email/application_approved",
    )
    return organisation


# Paths under /organisations/ that are pages of their own, never an organisation's slug.
RESERVED_SLUGS = {"apply", "mine", "invitations"}


def _free_slug(application: OrganisationApplication) -> str:
    base = slugify(application.name_kana or "", allow_unicode=False) or "org"
    base = f"{base[:60]}-{application.pk}" if base == "org" else base[:70]
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def application_decline(*, application: OrganisationApplication, by: User, reason: str) -> None:
    if not reason.strip():
        raise OrganisationError(_("Give the reason, so the organisation understands."))
    application = OrganisationApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in OPEN_APPLICATION_STATUSES:
        raise OrganisationError(_("This application has already been decided."))
    _decide(application, ApplicationStatus.DECLINED, by, reason)
    notification_send(
        recipient=application.contact_email,
        template="organisations/email/application_declined",
        context={"application": application},
    )


@transaction.atomic
def application_ask(*, application: OrganisationApplication, by: User, question: str) -> None:
    if not question.strip():
        raise OrganisationError(_("Write what you would like to know."))
    application = OrganisationApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in OPEN_APPLICATION_STATUSES:
        raise OrganisationError(_("This application has already been decided."))
    _decide(application, ApplicationStatus.NEEDS_INFO, by, question)
    application.decided_at = None
    application.save(update_fields=["decided_at"])
    notification_send(
        recipient=application.contact_email,
        template="organisations/email/application_question",
        context={"application": application},
    )


# --- Members ------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    by: User,
    template: str = "organisations/email/invitation",
) -> Invitation:
    """Invite someone by email; only a hash of the link's token is stored.  Inviting the same
    address again replaces the earlier link."""
    email = email.strip()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise OrganisationError(_("This person is already a member."))
    Invitation.objects.filter(
        organisation=organisation, email__iexact=email, accepted_at__isnull=True
    ).delete()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.ORGANISATION_INVITATION_DAYS),
    )
    notification_send(
        recipient=email,
        template=template,
        context={
            "organisation": organisation,
            "invitation": invitation,
            "inviter": by,
            "url": settings.SITE_URL + reverse("organisations:accept", args=[token]),
        },
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """The invited person, signed in with the invited address, becomes a member."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(token_hash=_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        raise OrganisationError(
            _("This invitation link is no longer valid. Please ask for a new invitation.")
        )
    if invitation.email.casefold() != user.email.casefold():
        raise OrganisationError(
            _("This invitation was sent to another email address. Sign in with that address.")
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organisation=invitation.organisation, user=user, role=invitation.role
            )
    except IntegrityError:
        membership = Membership.objects.get(organisation=invitation.organisation, user=user)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _lock_memberships(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk")
    )


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    members = _lock_memberships(membership.organisation)
    membership = next(m for m in members if m.pk == membership.pk)
    admins = [m for m in members if m.role == MemberRole.ADMIN]
    if role != MemberRole.ADMIN and admins == [membership]:
        raise OrganisationError(_("An organisation needs at least one admin."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    members = _lock_memberships(membership.organisation)
    admins = [m for m in members if m.role == MemberRole.ADMIN]
    if membership.role == MemberRole.ADMIN and [a.pk for a in admins] == [membership.pk]:
        raise OrganisationError(_("An organisation needs at least one admin."))
    Membership.objects.filter(pk=membership.pk).delete()


@transaction.atomic
def organisation_nominate(*, organisation: Organisation, by: User, email: str, reason: str):
    """An organisation admin puts a volunteer forward for the next-generation leader programme
    (leader discovery); the secretariat sees it with the volunteer's candidates."""
    from volunteers.models import Stage, VolunteerProfile
    from volunteers.services import VolunteerError, volunteer_nominate

    profile = (
        VolunteerProfile.objects.filter(user__email__iexact=email.strip(), user__is_active=True)
        .exclude(stage=Stage.WITHDRAWN)
        .first()
    )
    if profile is None:
        raise OrganisationError(
            _(
                "No registered volunteer has this email address. Ask them to sign up as a volunteer first."
            )
        )
    try:
        return volunteer_nominate(
            profile=profile, by=by, reason=reason, organisation=organisation.name
        )
    except Exception as error:  # noqa: BLE001 - a validation error: too long or empty
        if isinstance(error, VolunteerError):
            raise OrganisationError(str(error)) from None
        raise OrganisationError(_("Please write the reason (up to 1,000 characters).")) from None
