"""Partner organisations (issue #12): applications to join the platform, members and their
roles, invitations to colleagues, and the versions of what organisations publish.  The
directory's Organisation and Activity stay in cms (they are what the public sees)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lms.models import TimeStampedModel


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("organisation application", "Submitted")
    NEEDS_INFO = "needs_info", pgettext_lazy("organisation application", "More information asked")
    APPROVED = "approved", pgettext_lazy("organisation application", "Approved")
    DECLINED = "declined", pgettext_lazy("organisation application", "Declined")


OPEN_APPLICATION_STATUSES = [ApplicationStatus.SUBMITTED, ApplicationStatus.NEEDS_INFO]


class OrganisationApplication(TimeStampedModel):
    """An organisation's application to join the platform (参加申込), from the public form.
    Staff approve it (the organisation appears in the directory and its contact person is
    invited as its admin), decline it with a reason, or ask for more information."""

    name = models.CharField(_("organisation name"), max_length=150)
    name_kana = models.CharField(_("name in kana"), max_length=150, blank=True)
    organisation_type = models.ForeignKey(
        "lms.OrganisationType", on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    fields = models.ManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("where the organisation is"),
    )
    municipalities_served = models.ManyToManyField(
        "lms.Municipality", blank=True, related_name="+", verbose_name=_("municipalities served")
    )
    address = models.CharField(_("address"), max_length=255)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    wants = models.TextField(
        _("what you would like from the platform"),
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
    )
    terms_version = models.CharField(_("terms version agreed to"), max_length=20)
    agreed_at = models.DateTimeField(_("agreed at"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    staff_message = models.TextField(
        _("message to the applicant"),
        blank=True,
        help_text=_("The reason for declining, or what more information is needed."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    organisation = models.OneToOneField(
        "cms.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("organisation created"),
    )

    class Meta:
        verbose_name = _("organisation application")
        verbose_name_plural = _("organisation applications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    """A person belongs to an organisation, as its admin or a member."""

    organisation = models.ForeignKey(
        "cms.Organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="organisations_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Invitation(models.Model):
    """An admin invites a colleague by email; the link works once, for that address."""

    organisation = models.ForeignKey(
        "cms.Organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True),
                name="organisations_one_open_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class ActivityVersion(models.Model):
    """Every saved version of an organisation's activity, who made it and whether staff have
    published it: the history, and the moderation queue for organisations not yet trusted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published")

    activity = models.ForeignKey(
        "cms.Activity", on_delete=models.CASCADE, related_name="versions", null=True, blank=True
    )
    organisation = models.ForeignKey(
        "cms.Organisation", on_delete=models.CASCADE, related_name="activity_versions"
    )
    data = models.JSONField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note to the organisation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("activity version")
        verbose_name_plural = _("activity versions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.data.get('title', '')}"
