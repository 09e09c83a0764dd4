"""Post-training surveys (アンケート, issue #11).

Staff write one active survey per kind of course.  When a run's last session has ended, its
participants are invited (``SurveyInvitation``: who was asked and whether they answered, so
nobody answers twice).  What they answer is stored apart from who they are: a
``SurveyResponse`` belongs to the survey and the run, never to the person.  Only the answers to
questions marked ``identified`` carry the person's name, and the person is told so next to the
question.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from courses.models import CourseKind, CourseRun, Enrolment
from lms.models import TimeStampedModel
from surveys.admin_forms import SurveyAdminForm

SCALE_MIN, SCALE_MAX = 1, 5


class QuestionKind(models.TextChoices):
    SCALE5 = "scale5", _("Scale from 1 to 5")
    CHOICE = "choice", _("One choice")
    MULTI = "multi", _("Several choices")
    TEXT = "text", _("Free text")


# Kinds whose options are written in ``SurveyQuestion.choices``, one per line.
CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.MULTI)


class Survey(ClusterableModel, TimeStampedModel):
    """A questionnaire for one kind of course.  At most one survey per kind is active: that is
    the one participants of newly finished runs are invited to answer.  Deactivating a survey
    stops new invitations; people already invited can still answer it."""

    title = models.CharField(_("title"), max_length=150)
    course_kind = models.CharField(
        _("for courses of this kind"), max_length=20, choices=CourseKind.choices
    )
    intro = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("Shown above the questions, e.g. what the answers are used for."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Participants of runs that finish are invited to the active survey."),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("course_kind"),
        FieldPanel("intro"),
        FieldPanel("is_active"),
        MultiFieldPanel(
            [InlinePanel("questions", label=_("Question"), min_num=1)],
            heading=_("Questions"),
        ),
    ]
    base_form_class = SurveyAdminForm

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["course_kind", "-is_active", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course_kind"],
                condition=Q(is_active=True),
                name="surveys_survey_one_active_per_kind",
                violation_error_message=_(
                    "There is already an active survey for this kind of course. "
                    "Deactivate it first, or save this one as inactive."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(Orderable):
    """One question of a survey, in the order staff arrange them."""

    survey = ParentalKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(
        _("kind of answer"),
        max_length=10,
        choices=QuestionKind.choices,
        default=QuestionKind.SCALE5,
    )
    choices = models.TextField(
        _("options"),
        blank=True,
        help_text=_("For one choice or several choices: one option per line."),
    )
    required = models.BooleanField(_("an answer is required"), default=True)
    identified = models.BooleanField(
        _("answers to this question are shown with the person's name"),
        default=False,
        help_text=_(
            "Leave this off for an anonymous question. When it is on, the form tells "
            "participants that their name is shown with this answer."
        ),
    )

    panels = [
        FieldPanel("text"),
        FieldPanel("kind"),
        FieldPanel("choices"),
        FieldPanel("required"),
        FieldPanel("identified"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        """The options, one per non-empty line, without repeats, in the order written."""
        options = [line.strip() for line in self.choices.splitlines()]
        return list(dict.fromkeys(option for option in options if option))

    def clean(self) -> None:
        if self.kind in CHOICE_KINDS and len(self.choice_list) < 2:
            raise ValidationError({"choices": _("Write at least two options, one per line.")})


class SurveyInvitation(TimeStampedModel):
    """Who was asked to answer a survey (one per survey and place in a run) and whether they
    did.  It records the fact of answering, never the answers."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("survey")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("place in the run"),
    )
    sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "enrolment"], name="surveys_invitation_one_per_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} – {self.enrolment}"


class SurveyResponse(models.Model):
    """One person's answers to a survey, for one run.  Deliberately not linked to the person
    or to their invitation."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey")
    )
    run = models.ForeignKey(
        CourseRun,
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("run"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["survey", "run"], name="surveys_response_survey_run")]

    def __str__(self) -> str:
        return f"{self.survey} – {self.run} #{self.pk}"


class SurveyAnswer(models.Model):
    """The answer to one question: a number on the scale, the options chosen (a list, also for
    one choice) or text.  ``respondent_name`` is filled only for questions marked identified,
    and only when the person wrote an answer."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("question"),
    )
    value_scale = models.PositiveSmallIntegerField(_("number on the scale"), null=True, blank=True)
    value_choices = models.JSONField(_("options chosen"), default=list, blank=True)
    value_text = models.TextField(_("text"), blank=True)
    respondent_name = models.CharField(
        _("name (identified questions only)"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["response", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="surveys_answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=Q(value_scale__isnull=True)
                | Q(value_scale__gte=SCALE_MIN, value_scale__lte=SCALE_MAX),
                name="surveys_answer_scale_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.question_id}"
