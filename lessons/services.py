"""Write-side rules for lessons (issue #11): opening, marking done, a video watched to the
end, and understanding-check attempts within the allowed number; every change that can
complete a course evaluates the person's place again."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lessons import grading, selectors
from lessons.models import LessonPage, LessonProgress, QuizAttempt
from lms.models import User


class LessonError(Exception):
    """A lesson request that cannot be carried out; the message is for the person."""


def _require_seat(user: User, lesson: LessonPage) -> None:
    if not selectors.has_seat_in_course(user=user, course_id=lesson.get_parent().pk):
        raise LessonError(_("Only people enrolled in this course can open its lessons."))


def _progress(user: User, lesson: LessonPage) -> LessonProgress:
    """The person's progress row for the lesson, locked (created when missing)."""
    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    return LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)


@transaction.atomic
def lesson_open(*, user: User, lesson: LessonPage) -> None:
    """Remember the lesson as the one to resume."""
    LessonProgress.objects.update_or_create(
        user=user, lesson=lesson, defaults={"opened_at": timezone.now()}
    )


@transaction.atomic
def lesson_complete(*, user: User, lesson: LessonPage) -> LessonProgress:
    """Mark the lesson done (once; doing it again changes nothing)."""
    _require_seat(user, lesson)
    progress = _progress(user, lesson)
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
        _evaluate_course(user, lesson)
    return progress


@transaction.atomic
def video_finished(*, user: User, lesson: LessonPage) -> None:
    _require_seat(user, lesson)
    LessonProgress.objects.filter(
        pk=_progress(user, lesson).pk, video_finished_at__isnull=True
    ).update(video_finished_at=timezone.now())


@transaction.atomic
def quiz_submit(*, user: User, lesson: LessonPage, submitted: dict[str, list[str]]) -> QuizAttempt:
    """Grade one attempt and keep it.  The progress row is locked first, so two tabs cannot
    both use the last attempt; passing also marks the lesson done."""
    _require_seat(user, lesson)
    if not lesson.has_quiz:
        raise LessonError(_("This lesson has no understanding check."))
    progress = _progress(user, lesson)
    attempts = QuizAttempt.objects.filter(user=user, lesson=lesson)
    if attempts.filter(passed=True).exists():
        raise LessonError(_("You have already passed this check."))
    if lesson.quiz_max_attempts and attempts.count() >= lesson.quiz_max_attempts:
        raise LessonError(_("You have used all your attempts. Please contact the organisers."))
    try:
        answers = grading.clean_answers(lesson.quiz, submitted)
    except grading.AnswerError as error:
        raise LessonError(str(error)) from None
    result = grading.grade(lesson.quiz, answers, pass_percent=lesson.quiz_pass_percent)
    attempt = QuizAttempt.objects.create(
        user=user,
        lesson=lesson,
        answers=answers,
        correct=result.correct_ids,
        score_percent=result.score_percent,
        passed=result.passed,
    )
    if result.passed and progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    if result.passed:
        _evaluate_course(user, lesson)
    return attempt


def _evaluate_course(user: User, lesson: LessonPage) -> None:
    """Lessons and checks can be what a course still waits for: evaluate the person's places
    in the course's runs (locked, as attendance marks lock them)."""
    from courses.models import Enrolment, EnrolmentStatus
    from courses.services import completion_evaluate

    enrolments = list(
        # OF self: the filter joins the runs, which enrolments in them lock.
        Enrolment.objects.select_for_update(of=("self",))
        .filter(user=user, run__course_id=lesson.get_parent().pk, status=EnrolmentStatus.ENROLLED)
        .order_by("pk")
    )
    if enrolments:
        completion_evaluate(enrolments=enrolments)
