"""Resident volunteers and the incubation pipeline (issue #7): a profile per person who offers to
help, the stage they are at, every stage change with who made it and why, staff-only notes,
likely duplicates for staff to merge or dismiss, volunteering hours, the training that moves a
person on by itself, and nominations of future leaders."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import CourseKind
from lms.models import AvailabilityFields, TimeStampedModel


class Stage(models.TextChoices):
    # A context, because "Applied" etc. already mean other things elsewhere (an application date).
    APPLIED = "applied", pgettext_lazy("volunteer stage", "Applied")
    CONTACTED = "contacted", pgettext_lazy("volunteer stage", "Contacted")
    ORIENTATION = "orientation", pgettext_lazy("volunteer stage", "Orientation")
    TRAINING = "training", pgettext_lazy("volunteer stage", "Training")
    ACTIVE = "active", pgettext_lazy("volunteer stage", "Active")
    LEADER_CANDIDATE = "leader_candidate", pgettext_lazy("volunteer stage", "Leader candidate")
    LEADER = "leader", pgettext_lazy("volunteer stage", "Leader")
    PAUSED = "paused", pgettext_lazy("volunteer stage", "Paused")
    WITHDRAWN = "withdrawn", pgettext_lazy("volunteer stage", "Withdrawn")


# The stages in the order people go through them (paused and withdrawn are outside it).
PIPELINE = [
    Stage.APPLIED,
    Stage.CONTACTED,
    Stage.ORIENTATION,
    Stage.TRAINING,
    Stage.ACTIVE,
    Stage.LEADER_CANDIDATE,
    Stage.LEADER,
]


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


class VolunteerProfile(AvailabilityFields, TimeStampedModel):
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
        permissions = [
            ("view_volunteer_contact", _("Can see volunteers' contact details")),
        ]
        indexes = [
            models.Index(fields=["stage", "stage_changed_at"], name="volunteer_stage"),
            # The coordinators' list filtered by a place (a city with its wards) and a stage:
            # an index-only count of hundreds, not a scan of every profile (issue #9).
            models.Index(
                fields=["municipality", "stage", "stage_changed_at"], name="volunteer_place_stage"
            ),
        ]
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


class StaffNote(models.Model):
    """A coordinator's note about a volunteer.  Staff only: never shown to the volunteer, and
    deleted when the person withdraws."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    body = models.TextField(_("note"), max_length=2000, validators=[MaxLengthValidator(2000)])
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff note")
        verbose_name_plural = _("staff notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.body[:40]


class DuplicateReason(models.TextChoices):
    EMAIL = "email", _("Same email address")
    PHONE = "phone", _("Same phone number")
    KANA = "kana", _("Same ふりがな, municipality and age")


class LikelyDuplicate(models.Model):
    """Two profiles that are probably one person, flagged when the later one was registered.
    Staff merge them or say they are different people; either way the flag is kept, resolved."""

    class Resolution(models.TextChoices):
        MERGED = "merged", _("Merged")
        DIFFERENT = "different", _("Different people")

    profile = models.ForeignKey(
        VolunteerProfile,
        on_delete=models.CASCADE,
        related_name="duplicate_flags",
        verbose_name=_("newer profile"),
    )
    other = models.ForeignKey(
        VolunteerProfile,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("earlier profile"),
    )
    reasons = models.CharField(_("why"), max_length=40)
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["-flagged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "other"], name="volunteers_one_flag_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(profile=models.F("other")), name="volunteers_flag_two_profiles"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} ~ {self.other_id}"

    @property
    def reason_labels(self) -> list[str]:
        return [str(DuplicateReason(r).label) for r in self.reasons.split(",") if r]


class StageRequirement(models.Model):
    """A training that moves people on: someone at ``stage`` who completes a course of
    ``course_kind`` goes to ``next_stage`` by itself, and the history says which course."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    course_kind = models.CharField(
        _("course of this kind completed"),
        max_length=20,
        choices=CourseKind.choices,
    )
    next_stage = models.CharField(_("moves on to"), max_length=20, choices=Stage.choices)

    class Meta:
        verbose_name = _("training requirement")
        verbose_name_plural = _("training requirements")
        ordering = ["stage"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage=models.F("next_stage")), name="volunteers_requirement_moves_on"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} → {self.get_next_stage_display()}"


class VolunteerHours(models.Model):
    """Time a person spent volunteering, recorded by staff (e.g. from an organisation's report).
    Kept, without the person's name, when they withdraw: hours stay in the totals."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="hours")
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    activity = models.CharField(_("activity"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteering hours")
        verbose_name_plural = _("volunteering hours")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.minutes}"


class Nomination(models.Model):
    """A coordinator or a partner organisation puts an active volunteer forward as a future
    leader of community activity, with a reason (leader discovery, 発掘)."""

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="nominations"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    organisation = models.CharField(
        _("nominating organisation"),
        max_length=150,
        blank=True,
        help_text=_("When a partner organisation made the nomination."),
    )
    reason = models.TextField(_("reason"), max_length=1000, validators=[MaxLengthValidator(1000)])
    created_at = models.DateTimeField(_("nominated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.reason[:40]}"
