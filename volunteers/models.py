"""Resident volunteers and the incubation pipeline (issue #7, first part): a profile per person
who offers to help, the stage they are at, and every stage change with who made it and why."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class Stage(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CONTACTED = "contacted", _("Contacted")
    ORIENTATION = "orientation", _("Orientation")
    TRAINING = "training", _("Training")
    ACTIVE = "active", _("Active")
    LEADER_CANDIDATE = "leader_candidate", _("Leader candidate")
    LEADER = "leader", _("Leader")
    PAUSED = "paused", _("Paused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AgeBand(models.TextChoices):
    UNDER_20 = "under_20", _("Under 20")
    TWENTIES = "20s", _("20s")
    THIRTIES = "30s", _("30s")
    FORTIES = "40s", _("40s")
    FIFTIES = "50s", _("50s")
    SIXTIES = "60s", _("60s")
    SEVENTIES = "70s", _("70s")
    EIGHTY_PLUS = "80_plus", _("80 or over")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("A few times a month")
    OCCASIONALLY = "occasionally", _("Now and then")


class InsuranceStatus(models.TextChoices):
    HAS = "has", _("I have volunteer activity insurance")
    WANTS_HELP = "wants_help", _("I would like help to take out the insurance")
    UNKNOWN = "unknown", _("I am not sure")


class VolunteerProfile(TimeStampedModel):
    """A resident who offered to volunteer.  Name and email live on the account; what is only
    needed for volunteering lives here, collected with consent for the purpose shown."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
        verbose_name=_("person"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Folded copies for duplicate detection: phone digits only; ふりがな in hiragana, no spaces.
    phone_key = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    kana_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices)
    fields = models.ManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields of interest")
    )
    weekdays = models.BooleanField(_("weekdays"), default=False)
    weekends = models.BooleanField(_("weekends and holidays"), default=False)
    daytime = models.BooleanField(_("daytime"), default=False)
    evening = models.BooleanField(_("evening"), default=False)
    frequency = models.CharField(
        _("how often"), max_length=12, choices=Frequency.choices, blank=True
    )
    skills = models.TextField(
        _("skills and experience"),
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
    )
    motivation = models.TextField(
        _("why you want to volunteer"),
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
    )
    heard_from = models.CharField(_("how you heard of us"), max_length=200, blank=True)
    insurance = models.CharField(
        _("volunteer activity insurance"),
        max_length=12,
        choices=InsuranceStatus.choices,
        default=InsuranceStatus.UNKNOWN,
    )
    # Consent (APPI): the purpose shown, its version, when; on paper at a counter, who entered it.
    consent_purpose_version = models.CharField(_("purpose of use (version)"), max_length=20)
    consented_at = models.DateTimeField(_("consent given at"))
    consent_on_paper = models.BooleanField(_("consent given on paper"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by (staff)"),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLIED
    )
    stage_changed_at = models.DateTimeField(_("stage changed at"))
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordinator"),
    )

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["stage", "stage_changed_at"], name="volunteer_stage")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="volunteers_known_stage"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class StageChange(models.Model):
    """The pipeline history: every move, from where to where, who, when and why."""

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from"), max_length=20, blank=True)
    to_stage = models.CharField(_("to"), max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
        help_text=_("Empty when the platform moved the person (e.g. a training completed)."),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage or '–'} → {self.to_stage}"
