"""Training: course and programme pages (Wagtail), and the plain models behind enrolment —
venues, runs (cohorts), sessions and enrolments.

Capacity and dates live on the run, never on the page: a page is content that editors version
and publish, a run is an operational record that people's enrolments point at.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import BaseStreamBlock
from cms.models import NGRAM_SEARCH_FIELDS, JapaneseSearchMixin
from courses.admin_forms import CourseRunForm
from courses.panels import CourseRunsPanel, SessionNoticePanel
from lms.models import TimeStampedModel
from lms.pagecache import kept_for_request
from lms.pageserving import ServedPageMixin


class CourseFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid (in person and online)")


class CourseKind(models.TextChoices):
    JOINT_TRAINING = "joint_training", _("Multi-profession joint training")
    LEADER_MODULE = "leader_module", _("Leader programme module")
    ORIENTATION = "orientation", _("Volunteer orientation")
    EXCHANGE = "exchange", _("Information-exchange meeting")
    GENERAL = "general", _("General")


class CourseIndexPage(ServedPageMixin, JapaneseSearchMixin, Page):
    """The public training catalogue: every live course and programme below it."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + NGRAM_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage", "courses.ProgramPage"]

    class Meta:
        verbose_name = _("course catalogue page")

    def get_context(self, request, *args, **kwargs):
        from courses.forms import CatalogueFilterForm
        from courses.selectors import catalogue_page
        from lms.forms import quick_selects

        context = super().get_context(request, *args, **kwargs)
        form = quick_selects(CatalogueFilterForm(request.GET or None))

        def form_html() -> str:
            # The selects list every field, profession and municipality: public content, kept
            # under the public version (lms.pagecache) like the menu.
            form.use_choices(
                kept_for_request(
                    request, "catalogue-filter-choices", CatalogueFilterForm.choice_lists
                )
            )
            return render_to_string(
                "courses/includes/catalogue_filter_form.html", {"filter_form": form}
            )

        context["filter_form"] = form
        # The form as submitted (values typed, options chosen, errors) is the same HTML for the
        # same values: kept too, not written again for each visitor.
        context["filter_form_html"] = kept_for_request(
            request, f"catalogue-filter-form:{form.submitted_key()}", form_html
        )
        # The same for every visitor: the cards and a search's result are kept too.
        context["courses"], context["programs"] = catalogue_page(
            request, index=self, filters=form.valid_filters(), page=request.GET.get("page")
        )
        context["query_string"] = form.query_string()
        return context


class CoursePage(ServedPageMixin, JapaneseSearchMixin, Page):
    """A training course (研修) as staff describe it; its runs hold dates and seats."""

    summary = models.TextField(_("summary"), max_length=400)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=CourseKind.choices, default=CourseKind.JOINT_TRAINING
    )
    format = models.CharField(
        _("format"), max_length=10, choices=CourseFormat.choices, default=CourseFormat.IN_PERSON
    )
    fields = ParentalManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )
    target_professions = ParentalManyToManyField(
        "lms.Profession",
        blank=True,
        related_name="+",
        verbose_name=_("target professions"),
        help_text=_("Leave empty if the course is open to every profession."),
    )
    total_hours = models.DecimalField(
        _("total hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("attendance needed to complete (%)"),
        default=80,
        help_text=_("Share of the sessions a participant must attend to complete the course."),
    )
    partial_attendance_counts = models.BooleanField(
        _("late arrival and leaving early count as attended"), default=True
    )
    requires_reflection = models.BooleanField(
        _("a reflection (振り返り) is needed to complete"), default=False
    )
    # The reflection sheet's questions (issue #11); without any, one free text.
    reflection_questions = StreamField(
        [("question", blocks.CharBlock(label=_("question"), max_length=300))],
        blank=True,
        verbose_name=_("reflection sheet questions"),
        help_text=_(
            "e.g. 今日の研修で学んだことは何ですか。 Leave empty for one free-text answer."
        ),
    )
    requires_sign_off = models.BooleanField(
        _("staff sign-off is needed to complete"), default=False
    )
    # Self-paced learning (issue #11): the course's required lessons done, their checks passed.
    requires_lessons = models.BooleanField(
        _("the required lessons must be done to complete"), default=False
    )
    requires_quizzes = models.BooleanField(
        _("the required lessons' understanding checks must be passed to complete"), default=False
    )
    # Leader programmes (issue #8): mentoring sessions logged by the mentor and confirmed by the
    # participant, in the mentoring programme linked to the run.
    required_mentoring_sessions = models.PositiveSmallIntegerField(
        _("confirmed mentoring sessions needed to complete"),
        default=0,
        help_text=_(
            "Sessions in the mentoring programme of the participant's run, logged by the mentor "
            "and confirmed by the participant. 0: none needed."
        ),
    )
    certificate_wording = models.TextField(
        _("certificate wording"),
        blank=True,
        help_text=_("The sentence printed on completion certificates."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("format"), FieldPanel("total_hours")],
            heading=_("Course facts"),
        ),
        FieldPanel("fields", widget=CheckboxSelectMultiple),
        FieldPanel("target_professions", widget=CheckboxSelectMultiple),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("min_attendance_percent"),
                FieldPanel("partial_attendance_counts"),
                FieldPanel("requires_reflection"),
                FieldPanel("reflection_questions"),
                FieldPanel("requires_sign_off"),
                FieldPanel("requires_lessons"),
                FieldPanel("requires_quizzes"),
                FieldPanel("required_mentoring_sessions"),
                HelpPanel(
                    _(
                        "Sessions marked mandatory on a run must always be attended. "
                        "An apology (excused absence) is still an absence."
                    )
                ),
                FieldPanel("certificate_wording"),
            ],
            heading=_("Completion rules and certificate"),
        ),
        CourseRunsPanel(heading=_("Runs: dates, seats and sessions")),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")] + NGRAM_SEARCH_FIELDS
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("course page")

    def _public_parts(self, today) -> dict:
        """What every visitor sees: the runs (with sessions, pools and seats taken), the
        outline of the lessons, the fields and professions."""
        from courses.selectors import runs_upcoming_public
        from lessons.selectors import lessons_of

        runs, taken = runs_upcoming_public(course=self, today=today)
        for run in runs:
            # The same for everyone (no online link on this page): written once, kept as HTML.
            run.sessions_html = render_to_string(
                "courses/includes/session_list.html",
                {"sessions": run.sessions.all(), "show_join_link": False},
            )
        return {
            "runs": runs,
            "taken": taken,
            "lessons": list(
                lessons_of(course=self).only(
                    "pk",
                    "title",
                    "url_path",
                    "path",
                    "depth",
                    "estimated_minutes",
                    "required",
                    "summary",
                )
            ),
            "fields": list(self.fields.all()),
            "professions": list(self.target_professions.all()),
        }

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import runs_for_visitor
        from lessons.selectors import has_seat_in_course, progress_by_course

        context = super().get_context(request, *args, **kwargs)
        today = timezone.localdate()
        # Public content only: kept under the public version (lms.pagecache), which any change
        # to the page, its runs, sessions, pools or enrolments bumps; per day, as runs that
        # have ended drop off.
        public = kept_for_request(
            request, f"course:{self.pk}:{today}", lambda: self._public_parts(today), seats=True
        )
        context["runs"] = runs_for_visitor(
            public["runs"], public["taken"], user=request.user, now=timezone.now()
        )
        context["course_fields"] = public["fields"]
        context["course_professions"] = public["professions"]
        # The outline of the lessons, for everyone; a learner also sees what they have done.
        context["lessons"] = public["lessons"]
        if context["lessons"] and has_seat_in_course(user=request.user, course_id=self.pk):
            context["lesson_progress"] = progress_by_course(
                user_ids={request.user.pk}, course_ids={self.pk}
            ).get((request.user.pk, self.pk))
        return context


class ProgramPage(ServedPageMixin, JapaneseSearchMixin, Page):
    """A next-generation community-leader programme (次世代リーダー育成): a cohort that runs for
    months, made of course modules, mentoring and a practice project (地域づくり実践)."""

    summary = models.TextField(_("summary"), max_length=400)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("description"))
    mentoring = models.TextField(_("mentoring component"), blank=True)
    practice_project = models.TextField(_("practice project (地域づくり実践)"), blank=True)
    fields = ParentalManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("fields", widget=CheckboxSelectMultiple),
        FieldPanel("body"),
        InlinePanel("modules", label=_("Course modules")),
        FieldPanel("mentoring"),
        FieldPanel("practice_project"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")] + NGRAM_SEARCH_FIELDS
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("leader programme page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = self.modules.select_related("course")
        return context


class ProgramModule(Orderable):
    """A course that is part of a leader programme, in programme order."""

    program = ParentalKey(ProgramPage, on_delete=models.CASCADE, related_name="modules")
    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )

    panels = [FieldPanel("course")]

    class Meta(Orderable.Meta):
        verbose_name = _("programme module")
        verbose_name_plural = _("programme modules")

    def __str__(self) -> str:
        return str(self.course)


class Venue(models.Model):
    """A reusable place where in-person sessions happen."""

    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=255)
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        related_name="venues",
        verbose_name=_("municipality"),
    )
    map_url = models.URLField(_("map link"), blank=True)
    access_notes = models.TextField(_("how to get there"), blank=True)
    accessibility_notes = models.TextField(
        _("accessibility"), blank=True, help_text=_("Step-free access, toilets, hearing loops…")
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class CourseRun(ClusterableModel, TimeStampedModel):
    """One cohort or term of a course: its seats, enrolment window and sessions."""

    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="runs", verbose_name=_("course")
    )
    title = models.CharField(
        _("name of the run"), max_length=120, help_text=_("e.g. 2026年度 第1期")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    capacity = models.PositiveIntegerField(_("seats"))
    enrolment_opens_at = models.DateTimeField(_("enrolment opens"), default=timezone.now)
    enrolment_closes_at = models.DateTimeField(_("enrolment closes"))
    cancellation_deadline = models.DateTimeField(
        _("cancellation deadline"),
        null=True,
        blank=True,
        help_text=_("After this, participants ask staff to cancel."),
    )
    requires_approval = models.BooleanField(
        _("needs approval"),
        default=False,
        help_text=_("Staff approve each request before a seat is given."),
    )
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept a freed seat"), default=48)
    seat_pools_release_at = models.DateTimeField(
        _("reserved seats open to everyone from"),
        null=True,
        blank=True,
        help_text=_(
            "Optional. From this moment, reserved seats still empty can be taken by anyone."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.SCHEDULED
    )

    panels = [
        FieldPanel("course"),
        FieldPanel("title"),
        MultiFieldPanel(
            [FieldPanel("starts_on"), FieldPanel("ends_on"), FieldPanel("capacity")],
            heading=_("Dates and seats"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("enrolment_opens_at"),
                FieldPanel("enrolment_closes_at"),
                FieldPanel("cancellation_deadline"),
                FieldPanel("requires_approval"),
                FieldPanel("offer_hours"),
            ],
            heading=_("Enrolment"),
        ),
        FieldPanel("status"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Optional, for joint training: reserve seats for groups of professions "
                        "so that one profession cannot fill the room. The seats not reserved "
                        "are open to everyone; a person whose group is full takes an open seat."
                    )
                ),
                InlinePanel("seat_pools", label=_("Reserved seats")),
                FieldPanel("seat_pools_release_at"),
            ],
            heading=_("Seats reserved by profession"),
        ),
        SessionNoticePanel(heading=_("Who is told about changes")),
        InlinePanel("sessions", label=_("Sessions"), min_num=1),
    ]
    base_form_class = CourseRunForm

    class Meta:
        verbose_name = _("course run")
        verbose_name_plural = _("course runs")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="courses_courserun_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(enrolment_closes_at__gt=models.F("enrolment_opens_at")),
                name="courses_courserun_window_is_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.title}"

    def is_open_at(self, moment) -> bool:
        return (
            self.status == RunStatus.SCHEDULED
            and self.enrolment_opens_at <= moment < self.enrolment_closes_at
        )


class RunSeatPool(Orderable, ClusterableModel):
    """Seats of a run reserved for a group of professions (職種別の優先枠)."""

    run = ParentalKey(
        CourseRun, on_delete=models.CASCADE, related_name="seat_pools", verbose_name=_("run")
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("e.g. 医療・福祉職"))
    seats = models.PositiveIntegerField(_("reserved seats"))
    professions = ParentalManyToManyField(
        "lms.Profession", related_name="+", verbose_name=_("professions")
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("seats"),
        FieldPanel("professions", widget=CheckboxSelectMultiple),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("reserved seats")
        verbose_name_plural = _("reserved seats")

    def __str__(self) -> str:
        return self.name


class SessionModality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CHANGED = "changed", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")


class OnlinePresenceRule(models.TextChoices):
    JOIN = "join", _("Joining through this site is enough")
    CODE = "code", _("Entering the attendance code is enough")
    JOIN_AND_CODE = "join_and_code", _("Joining and entering the attendance code")


class Session(TimeStampedModel):
    """One meeting of a run, in Asia/Tokyo time, at a venue and/or online."""

    run = ParentalKey(
        CourseRun, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("run")
    )
    title = models.CharField(_("title"), max_length=150)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    modality = models.CharField(
        _("modality"),
        max_length=10,
        choices=SessionModality.choices,
        default=SessionModality.IN_PERSON,
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("venue"),
    )
    online_url = models.URLField(
        _("online meeting link"),
        blank=True,
        help_text=_("Shown only to people enrolled in the run."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SessionStatus.choices,
        default=SessionStatus.SCHEDULED,
    )
    is_mandatory = models.BooleanField(
        _("mandatory"),
        default=False,
        help_text=_("Participants must attend this session to complete the course."),
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=10,
        help_text=_("Checking in later than this after the start counts as late."),
    )
    online_presence_rule = models.CharField(
        _("online attendance counts when"),
        max_length=14,
        choices=OnlinePresenceRule.choices,
        default=OnlinePresenceRule.JOIN_AND_CODE,
    )
    # Bumped on every announced change of time, place or status (the iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    # The time, place and status participants were last told about (see services).
    announced_state = models.CharField(max_length=600, blank=True, editable=False)

    panels = [
        FieldPanel("title"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("modality"),
        FieldPanel("venue"),
        FieldPanel("online_url"),
        FieldPanel("status"),
        FieldPanel("is_mandatory"),
        FieldPanel("late_after_minutes"),
        FieldPanel("online_presence_rule"),
    ]

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="courses_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # The fields current_state reads (with the run's status), for queries that only compare.
    STATE_FIELDS = ("run", "starts_at", "ends_at", "venue", "online_url", "status")

    def current_state(self) -> str:
        """What participants care about (time, place, link, status) as one comparable string.
        A cancelled run marks every session (appended, so the states of other runs stay as
        they were recorded)."""
        state = "|".join(
            [
                self.starts_at.isoformat() if self.starts_at else "",
                self.ends_at.isoformat() if self.ends_at else "",
                str(self.venue_id or ""),
                self.online_url,
                self.status,
            ]
        )
        if self.run_id and self.run.status == RunStatus.CANCELLED:
            state += "|run-cancelled"
        return state

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def has_online_part(self) -> bool:
        return self.modality in (SessionModality.ONLINE, SessionModality.HYBRID)

    @property
    def has_venue_part(self) -> bool:
        return self.modality in (SessionModality.IN_PERSON, SessionModality.HYBRID)

    def clean(self) -> None:
        errors = {}
        if (
            self.modality in (SessionModality.IN_PERSON, SessionModality.HYBRID)
            and not self.venue_id
        ):
            errors["venue"] = _("Choose the venue for a session held in person.")
        if (
            self.modality in (SessionModality.ONLINE, SessionModality.HYBRID)
            and not self.online_url
        ):
            errors["online_url"] = _("Add the meeting link for a session held online.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The session must end after it starts.")
        if errors:
            raise ValidationError(errors)


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not accepted")
    COMPLETED = "completed", _("Completed")


# Statuses that hold (or claim) a place in the run; one per person and run at most.
ACTIVE_STATUSES = [
    EnrolmentStatus.PENDING,
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.COMPLETED,
]
# Current places: they can still be cancelled or moved (a completed course is history).
CURRENT_STATUSES = [
    EnrolmentStatus.PENDING,
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.OFFERED,
]
# Statuses that take a seat out of the run's capacity.
SEAT_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.COMPLETED]


class CompletionState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    NOT_POSSIBLE = "not_possible", _("Completion no longer possible")
    COMPLETED = "completed", _("Completed")


class SheetQuerySet(models.QuerySet):
    """Seats and attendance records.  Kept rosters and matrices run their fingerprint's query
    again only after a write of either (``courses.selectors.SHEETS_VERSION``): saves and
    deletes send signals (records cannot be deleted on Django's fast path anyway: their
    changes go with them); ``update`` (``bulk_update`` too) and ``bulk_create`` send none,
    so they say so here."""

    def update(self, **kwargs) -> int:
        rows = super().update(**kwargs)
        if rows:
            _sheets_written(self.db)
        return rows

    def bulk_create(self, objs, *args, **kwargs) -> list:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            _sheets_written(self.db)
        return created


def _sheets_written(using: str) -> None:
    from courses.selectors.attendance import SHEETS_VERSION

    SHEETS_VERSION.changed(using=using)


class Enrolment(TimeStampedModel):
    """A person's place in a run: a seat, a pending request, or a waiting-list position
    (the waiting list is ordered by ``waitlisted_at``)."""

    objects = SheetQuerySet.as_manager()

    run = models.ForeignKey(
        CourseRun, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("run")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("participant"),
    )
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    waitlisted_at = models.DateTimeField(_("joined the waiting list at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the participant"), blank=True)
    seat_pool = models.ForeignKey(
        RunSeatPool,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("reserved seats used"),
        help_text=_("Empty for an open seat."),
    )
    offer_reminded_at = models.DateTimeField(
        _("reminded of the offer at"), null=True, blank=True, editable=False
    )
    completion = models.CharField(
        _("completion"), max_length=14, choices=CompletionState.choices, blank=True
    )
    completion_checked_at = models.DateTimeField(
        _("completion checked at"), null=True, blank=True, editable=False
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reflection = models.TextField(_("reflection (振り返り)"), blank=True)
    reflection_submitted_at = models.DateTimeField(
        _("reflection submitted at"), null=True, blank=True
    )
    # The reflection sheet as answered: [{"question": ..., "answer": ...}] (issue #11).
    reflection_answers = models.JSONField(_("reflection answers"), default=list, blank=True)
    reflection_feedback = models.TextField(_("feedback on the reflection"), blank=True)
    reflection_feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback by"),
    )
    reflection_feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    # Discussion group number within the run (多職種のグループワーク), set by staff.
    breakout_group = models.PositiveSmallIntegerField(
        _("breakout group"), null=True, blank=True, editable=False
    )

    # Not in Wagtail's reference index: a run's people are on its roster and participant
    # list, never shown as the run's "usage", and indexing cost four statements on every
    # write of a place (each enrolment of a rush, each cancellation and offer; issue #9).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "user"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="courses_enrolment_one_active_per_person",
            ),
        ]
        indexes = [models.Index(fields=["run", "status"], name="courses_enrolment_run_status")]

    def __str__(self) -> str:
        return f"{self.user} – {self.run} ({self.get_status_display()})"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    LEFT_EARLY = "left_early", _("Left early")
    EXCUSED = "excused", _("Excused in advance")
    ABSENT = "absent", _("Absent")
    # Provisional: joined online through the site, presence not yet confirmed by the code.
    JOINED = "joined", _("Joined online, code not entered")


# What staff can choose on the roster (JOINED only comes from the online join).
STAFF_ATTENDANCE_CHOICES = [
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.LEFT_EARLY,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.ABSENT,
]


class AttendanceEvidence(models.TextChoices):
    STAFF = "staff", _("Marked by staff")
    QR = "qr", _("QR check-in")
    ONLINE_CODE = "online_code", _("Online join and attendance code")
    APOLOGY = "apology", _("Apology sent in advance")


class Attendance(TimeStampedModel):
    """One record per enrolment and session (issue #4), with how it is known."""

    objects = SheetQuerySet.as_manager()

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("enrolment"),
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    status = models.CharField(_("status"), max_length=12, choices=AttendanceStatus.choices)
    modality = models.CharField(
        _("attended"),
        max_length=10,
        choices=[
            (SessionModality.IN_PERSON, _("In person")),
            (SessionModality.ONLINE, _("Online")),
        ],
        blank=True,
    )
    evidence = models.CharField(_("evidence"), max_length=12, choices=AttendanceEvidence.choices)
    minutes_present = models.PositiveSmallIntegerField(_("minutes present"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("checked in or joined at"), null=True, blank=True)
    code_entered_at = models.DateTimeField(_("attendance code entered at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="courses_attendance_one_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.user} – {self.session} ({self.get_status_display()})"


class AttendanceChange(models.Model):
    """The audit trail of an attendance record: every change, its old and new value, who, when."""

    attendance = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, related_name="changes", verbose_name=_("attendance")
    )
    old_status = models.CharField(_("old status"), max_length=12, blank=True)
    new_status = models.CharField(_("new status"), max_length=12)
    old_evidence = models.CharField(_("old evidence"), max_length=12, blank=True)
    new_evidence = models.CharField(_("new evidence"), max_length=12)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.old_status or '–'} → {self.new_status}"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("The day before")
    HOUR_BEFORE = "hour_before", _("An hour before (online)")


class SessionReminder(models.Model):
    """A reminder email sent to one person for one session (issue #6).  The unique constraint
    makes "never twice" hold even when two workers or a restarted one try again."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session reminder")
        verbose_name_plural = _("session reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session", "kind"], name="courses_one_reminder_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.session_id} {self.kind}"
