"""Volunteer opportunities (ボランティア募集, issue #12): a partner organisation asks for
volunteers for one of its activities, residents who hold the required training apply, the
organisation accepts, declines or waitlists them, and the hours volunteered are logged by the
volunteer and confirmed by the organisation."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import CourseKind
from lms.models import AvailabilityFields, TimeStampedModel

DESCRIPTION_LIMIT = 2000
MESSAGE_LIMIT = 1000


class OpportunityStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("volunteer opportunity", "Open")
    CLOSED = "closed", pgettext_lazy("volunteer opportunity", "Closed")


class Opportunity(AvailabilityFields, TimeStampedModel):
    """A call for volunteers posted by a partner organisation: what, when, how many people,
    where, for which fields and times of the week, and the training a volunteer must have
    completed (a kind of course, or one specific course; never both).  ``places`` is how many
    people the organisation hopes to place; it does not stop anyone applying."""

    organisation = models.ForeignKey(
        "cms.Organisation",
        on_delete=models.CASCADE,
        related_name="opportunities",
        verbose_name=_("organisation"),
    )
    activity = models.ForeignKey(
        "cms.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("activity"),
        help_text=_("Optional: the organisation's activity the volunteers will help with."),
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(
        _("what volunteers will do"),
        max_length=DESCRIPTION_LIMIT,
        validators=[MaxLengthValidator(DESCRIPTION_LIMIT)],
    )
    when = models.CharField(_("when"), max_length=200, help_text=_("e.g. 毎週土曜日 16:00〜19:00"))
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    places = models.PositiveSmallIntegerField(
        _("volunteers needed"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
    )
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    fields = models.ManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )
    required_course_kind = models.CharField(
        _("training required: a course of this kind"),
        max_length=20,
        choices=CourseKind.choices,
        blank=True,
    )
    required_course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("training required: this course"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )

    class Meta:
        verbose_name = _("volunteer opportunity")
        verbose_name_plural = _("volunteer opportunities")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(required_course_kind="") | Q(required_course__isnull=True),
                name="opportunities_opportunity_one_requirement",
            ),
            models.CheckConstraint(
                condition=Q(places__gte=1), name="opportunities_opportunity_places_positive"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="opportunities_opportunity_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OpportunityStatus.values),
                name="opportunities_opportunity_known_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.required_course_kind and self.required_course_id:
            errors["required_course"] = _(
                "Choose either a kind of course or one specific course, not both."
            )
        if self.activity_id and self.organisation_id:
            if self.activity.organisation_id != self.organisation_id:
                errors["activity"] = _("Choose one of your organisation's activities.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last day cannot be before the first day.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.OPEN

    @property
    def requires_training(self) -> bool:
        return bool(self.required_course_kind or self.required_course_id)


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("opportunity application", "Applied")
    ACCEPTED = "accepted", pgettext_lazy("opportunity application", "Accepted")
    DECLINED = "declined", pgettext_lazy("opportunity application", "Declined")
    WAITLISTED = "waitlisted", pgettext_lazy("opportunity application", "Waiting list")
    WITHDRAWN = "withdrawn", pgettext_lazy("opportunity application", "Withdrawn")


# What an organisation can decide about an application.
DECISIONS = [ApplicationStatus.ACCEPTED, ApplicationStatus.DECLINED, ApplicationStatus.WAITLISTED]
# Applications still in play for the volunteer (counted as applicants, can be withdrawn).
CURRENT_STATUSES = [
    ApplicationStatus.APPLIED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
]


class OpportunityApplication(TimeStampedModel):
    """A volunteer's application to an opportunity, one per person and opportunity, and the
    organisation's decision.  ``accepted_at`` records the placement: when the person was first
    accepted, kept even if the decision changes later."""

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("opportunity"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="opportunity_applications",
        verbose_name=_("volunteer"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    message = models.TextField(
        _("message to the organisation"),
        blank=True,
        max_length=MESSAGE_LIMIT,
        validators=[MaxLengthValidator(MESSAGE_LIMIT)],
    )
    decision_note = models.CharField(_("note to the volunteer"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("placed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application to volunteer")
        verbose_name_plural = _("applications to volunteer")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "user"], name="opportunities_application_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values),
                name="opportunities_application_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.opportunity} ({self.get_status_display()})"


class HoursStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("volunteering hours", "Waiting for confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("volunteering hours", "Confirmed")
    DECLINED = "declined", pgettext_lazy("volunteering hours", "Not confirmed")


class HoursLog(models.Model):
    """Time a placed volunteer says they spent, waiting for the organisation to confirm it.
    A confirmed log becomes one ``VolunteerHours`` entry on the volunteer's profile (linked
    here, so it is never counted twice)."""

    application = models.ForeignKey(
        OpportunityApplication,
        on_delete=models.CASCADE,
        related_name="hours_logs",
        verbose_name=_("placement"),
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    what = models.CharField(_("what you did"), max_length=200)
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HoursStatus.choices, default=HoursStatus.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    declined_note = models.CharField(_("why it was not confirmed"), max_length=300, blank=True)
    volunteer_hours = models.OneToOneField(
        "volunteers.VolunteerHours",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunity_log",
        verbose_name=_("volunteering hours recorded"),
    )

    class Meta:
        verbose_name = _("hours log")
        verbose_name_plural = _("hours logs")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=HoursStatus.values),
                name="opportunities_hourslog_known_status",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60),
                name="opportunities_hourslog_minutes_in_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.minutes}"
