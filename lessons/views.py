"""Lesson pages for people with a seat in the course, and the actions on them (done, video
watched, understanding check).  Everyone else is told who can open lessons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lessons import grading, selectors, services
from lessons.models import LessonPage, QuizAttempt


def _may_preview(request, lesson: LessonPage) -> bool:
    """Editors may open any lesson (to check it), learners only with a seat."""
    return request.user.is_authenticated and lesson.permissions_for_user(request.user).can_edit()


def serve_lesson(request, lesson: LessonPage):
    course = lesson.get_parent().specific
    if getattr(request, "is_preview", False):
        return _render(request, lesson, course, attempts=[], progress=None)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not selectors.has_seat_in_course(
        user=request.user, course_id=course.pk
    ) and not _may_preview(request, lesson):
        return TemplateResponse(
            request, "lessons/no_access.html", {"lesson": lesson, "course": course}, status=403
        )
    services.lesson_open(user=request.user, lesson=lesson)
    attempts = list(QuizAttempt.objects.filter(user=request.user, lesson=lesson))
    progress = lesson.progress.filter(user=request.user).first()
    return _render(request, lesson, course, attempts=attempts, progress=progress)


def _render(request, lesson, course, *, attempts, progress):
    latest = attempts[0] if attempts else None
    feedback = (
        grading.grade(lesson.quiz, latest.answers, pass_percent=lesson.quiz_pass_percent)
        if latest
        else None
    )
    passed = any(a.passed for a in attempts)
    attempts_left = (
        max(lesson.quiz_max_attempts - len(attempts), 0) if lesson.quiz_max_attempts else None
    )
    outline = list(selectors.lessons_of(course=course))
    position = next((i for i, item in enumerate(outline) if item.pk == lesson.pk), 0)
    return TemplateResponse(
        request,
        "lessons/lesson_page.html",
        {
            "page": lesson,
            "self": lesson,
            "course": course,
            "progress": progress,
            "attempts": attempts,
            "latest": latest,
            "feedback": feedback,
            "passed": passed,
            "can_try": lesson.has_quiz and not passed and attempts_left != 0,
            "attempts_left": attempts_left,
            "questions": grading.questions(lesson.quiz),
            "previous": outline[position - 1] if position > 0 else None,
            "next": outline[position + 1] if position + 1 < len(outline) else None,
            "position": position + 1,
            "count": len(outline),
        },
    )


def _lesson(lesson_id: int) -> LessonPage:
    # ``id``, not ``pk``: a page's pk is a link to its Page row, and that lookup sends an id
    # too large for the database to it (a 500); ``id`` is then simply not found.
    lesson = LessonPage.objects.live().filter(id=lesson_id).first()
    if lesson is None:
        raise Http404
    return lesson


@require_POST
@login_required
def lesson_done(request, lesson_id: int):
    lesson = _lesson(lesson_id)
    try:
        services.lesson_complete(user=request.user, lesson=lesson)
    except services.LessonError as error:
        messages.error(request, str(error))
        return redirect(lesson.get_parent().url)
    messages.success(request, _("Marked as done."))
    return redirect(lesson.url)


@require_POST
@login_required
def video_ended(request, lesson_id: int):
    """Called by the video player when the video reaches its end (progressive enhancement)."""
    lesson = _lesson(lesson_id)
    try:
        services.video_finished(user=request.user, lesson=lesson)
    except services.LessonError:
        return JsonResponse({"ok": False}, status=403)
    return JsonResponse({"ok": True})


@require_POST
@login_required
def quiz_submit(request, lesson_id: int):
    lesson = _lesson(lesson_id)
    submitted = {key[2:]: request.POST.getlist(key) for key in request.POST if key.startswith("q-")}
    try:
        attempt = services.quiz_submit(user=request.user, lesson=lesson, submitted=submitted)
    except services.LessonError as error:
        messages.error(request, str(error))
    else:
        if attempt.passed:
            messages.success(
                request, _("Passed (%(score)d%%). Well done!") % {"score": attempt.score_percent}
            )
        else:
            messages.warning(
                request,
                _(
                    "%(score)d%% this time; %(needed)d%% is needed. Read the explanations and try again."
                )
                % {"score": attempt.score_percent, "needed": lesson.quiz_pass_percent},
            )
    return redirect(lesson.url + "#quiz")
