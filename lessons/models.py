"""Self-paced lessons (issue #11): Wagtail pages under a course, each person's progress, and
the attempts at a lesson's understanding check (理解度チェック)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lessons.blocks import LessonStreamBlock, QuestionBlock
from lms.pageserving import ServedPageMixin


class LessonPage(ServedPageMixin, Page):
    """One lesson of a course.  Its place among the course's lessons is its place in the page
    tree; only people with a seat in one of the course's runs can open it (the course page
    lists the outline for everyone)."""

    summary = models.CharField(_("summary"), max_length=300, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    required = models.BooleanField(_("required to complete the course"), default=True)
    body = StreamField(LessonStreamBlock(), blank=True, verbose_name=_("content"))
    quiz = StreamField(
        [("question", QuestionBlock())],
        blank=True,
        verbose_name=_("understanding check (理解度チェック)"),
    )
    quiz_pass_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    quiz_max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        default=0,
        help_text=_("0: unlimited."),
        validators=[MaxValueValidator(50)],
    )

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required")], heading=_("Lesson")
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("quiz"), FieldPanel("quiz_pass_percent"), FieldPanel("quiz_max_attempts")],
            heading=_("Understanding check"),
        ),
    ]

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def has_quiz(self) -> bool:
        return len(self.quiz) > 0

    def serve(self, request, *args, **kwargs):
        from lessons import views

        return views.serve_lesson(request, self)


class LessonProgress(models.Model):
    """Where a person is in one lesson: opened (for "resume"), video watched to the end, done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    video_finished_at = models.DateTimeField(_("video watched to the end"), null=True, blank=True)
    completed_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lessons_one_progress_each")
        ]
        indexes = [models.Index(fields=["user", "opened_at"], name="lessons_progress_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.lesson_id}"


class QuizAttempt(models.Model):
    """One attempt at a lesson's understanding check, with the answers as given (question
    block id -> chosen choice numbers) and the result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="attempts")
    answers = models.JSONField(_("answers"), default=dict)
    correct = models.JSONField(_("questions answered correctly"), default=list)
    score_percent = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["lesson", "user"], name="lessons_attempt_lesson_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_percent__lte=100), name="lessons_score_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.lesson_id} {self.score_percent}%"
