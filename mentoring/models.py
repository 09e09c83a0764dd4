"""Mentoring (issue #8): programmes, mentors and mentees, pairs (with capacity kept under a
lock), session logs, scheduled meetings with calendar invites, change requests and the
acknowledgements of coordinators' alerts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lms.models import AvailabilityFields, TimeStampedModel


class MentoringProgramme(TimeStampedModel):
    """A mentoring programme: on its own (supporters encouraging each other) or inside a
    leader-programme cohort (a run of a leader course)."""

    title = models.CharField(_("title"), max_length=150)
    cohort = models.ForeignKey(
        "courses.CourseRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentoring_programmes",
        verbose_name=_("leader-programme cohort"),
    )
    cross_profession = models.BooleanField(
        _("prefer mentors from another profession"),
        default=False,
        help_text=_("Multi-profession mentoring: matching favours a mentor of another profession."),
    )
    quiet_after_weeks = models.PositiveSmallIntegerField(
        _("a pair is quiet after (weeks)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mentoring programme")
        verbose_name_plural = _("mentoring programmes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class AvailabilityMixin(AvailabilityFields):
    """What matching compares between a mentor and a mentee: fields, where they are, whether
    they can meet online, and when (``slots``)."""

    fields = models.ManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    online_ok = models.BooleanField(_("can meet online"), default=True)
    # Mentoring happens on weekday daytimes unless people say otherwise.
    weekdays = models.BooleanField(_("weekdays"), default=True)
    daytime = models.BooleanField(_("daytime"), default=True)

    class Meta:
        abstract = True


class MentorProfile(AvailabilityMixin, TimeStampedModel):
    """Someone who mentors: how many mentees they can take, where and when they can meet."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentor_profile",
        verbose_name=_("mentor"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("maximum active mentees"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
    )
    experience_years = models.PositiveSmallIntegerField(
        _("years of experience in support work"), default=0, validators=[MaxValueValidator(60)]
    )
    bio = models.TextField(
        _("about the mentor"), blank=True, max_length=1000, validators=[MaxLengthValidator(1000)]
    )
    accepting = models.BooleanField(_("accepting new mentees"), default=True)

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")
        ordering = ["user__full_name_kana", "pk"]

    def __str__(self) -> str:
        return str(self.user)


class MenteeProfile(AvailabilityMixin, TimeStampedModel):
    """Someone in a programme who would like a mentor, with what they hope for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentee_profiles",
        verbose_name=_("mentee"),
    )
    programme = models.ForeignKey(
        MentoringProgramme,
        on_delete=models.CASCADE,
        related_name="mentees",
        verbose_name=_("programme"),
    )
    hopes = models.TextField(
        _("what they hope for"), blank=True, max_length=1000, validators=[MaxLengthValidator(1000)]
    )

    class Meta:
        verbose_name = _("mentee")
        verbose_name_plural = _("mentees")
        ordering = ["user__full_name_kana", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "programme"], name="mentoring_one_mentee_entry")
        ]

    def __str__(self) -> str:
        return str(self.user)


class PairStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("mentoring pair", "Proposed")
    ACTIVE = "active", pgettext_lazy("mentoring pair", "Active")
    PAUSED = "paused", pgettext_lazy("mentoring pair", "Paused")
    ENDED = "ended", pgettext_lazy("mentoring pair", "Ended")


# Pairs that take one of the mentor's places.
CAPACITY_STATUSES = [PairStatus.ACTIVE, PairStatus.PAUSED]


class Pair(TimeStampedModel):
    """A mentor and a mentee.  "Proposed" pairs are drafts (a coordinator's choice or the
    matching's suggestion) that nobody has been told about; confirming one makes it active
    and tells both people."""

    programme = models.ForeignKey(
        MentoringProgramme,
        on_delete=models.PROTECT,
        related_name="pairs",
        verbose_name=_("programme"),
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mentoring_as_mentor",
        verbose_name=_("mentor"),
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mentoring_as_mentee",
        verbose_name=_("mentee"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default=PairStatus.PROPOSED
    )
    goals = models.TextField(
        _("goals"), blank=True, max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)
    # The matching's score and its reasons in words, kept with a suggestion.
    score = models.FloatField(_("match score"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring pair")
        verbose_name_plural = _("mentoring pairs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="mentoring_two_people"
            ),
            # One open pair (draft, active or paused) per mentee and programme.
            models.UniqueConstraint(
                fields=["programme", "mentee"],
                condition=~Q(status="ended"),
                name="mentoring_one_open_pair_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "active", "paused", "ended"]),
                name="mentoring_known_pair_status",
            ),
        ]
        indexes = [models.Index(fields=["mentor", "status"], name="mentoring_pair_mentor")]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")


class Topic(models.TextChoices):
    CASE = "case", _("A case they are supporting")
    RESOURCES = "resources", _("Local resources and who to ask")
    WELLBEING = "wellbeing", _("Their own load and wellbeing")
    STARTING = "starting", _("Starting an activity")
    CAREER = "career", _("Learning and career")
    TEAM = "team", _("Working with colleagues and partners")


class MenteeState(models.TextChoices):
    WELL = "well", _("Doing well")
    OK = "ok", _("All right")
    TIRED = "tired", _("Tired")
    WORRIED = "worried", _("I am worried about them")


class MentoringSession(models.Model):
    """A session the mentor logged.  Notes: the pair's mentor and coordinators only; the
    mentor's own load: coordinators only (never shown to the mentee)."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    mode = models.CharField(_("how you met"), max_length=10, choices=MeetingMode.choices)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    topics_other = models.CharField(_("other topics"), max_length=200, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=3000, validators=[MaxLengthValidator(3000)]
    )
    next_steps = models.TextField(
        _("next steps"), blank=True, max_length=1000, validators=[MaxLengthValidator(1000)]
    )
    mentee_state = models.CharField(
        _("how the mentee seems"), max_length=10, choices=MenteeState.choices, blank=True
    )
    mentor_load = models.PositiveSmallIntegerField(
        _("your own load"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_by_mentee_at = models.DateTimeField(
        _("confirmed by the mentee at"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["pair", "date"], name="mentoring_session_pair_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mentor_load__isnull=True) | Q(mentor_load__gte=1, mentor_load__lte=4),
                name="mentoring_load_scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.date}"


class Meeting(models.Model):
    """The next meeting a mentor scheduled; both people get a calendar invite, and an update
    or cancellation with a higher SEQUENCE when it changes."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("how you meet"), max_length=10, choices=MeetingMode.choices)
    place = models.CharField(_("where (or the meeting link)"), max_length=300, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mentoring meeting")
        verbose_name_plural = _("mentoring meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="mentoring_meeting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.starts_at:%Y-%m-%d %H:%M}"


class ChangeRequest(models.Model):
    """A mentee asks a coordinator, privately, for another mentor."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="change_requests")
    reason = models.TextField(_("reason"), max_length=1000, validators=[MaxLengthValidator(1000)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request for another mentor")
        verbose_name_plural = _("requests for another mentor")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.reason[:40]}"


class AlertAcknowledgement(models.Model):
    """A coordinator saw an alert and noted what they did.  Alerts are computed from the
    records; the key says which situation was seen (e.g. a quiet pair since a given session),
    so the same pair going quiet again later is a new alert."""

    key = models.CharField(max_length=100, unique=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledged alert")
        verbose_name_plural = _("acknowledged alerts")

    def __str__(self) -> str:
        return self.key


class DigestSent(models.Model):
    """The weekly digest went out for this ISO week (so a re-run never sends it twice)."""

    week = models.CharField(max_length=10, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.week
