"""Read-side queries for lessons (issue #11): who may open a course's lessons, the outline,
each person's progress (My learning, resume), what completion needs, and the staff's view of
a run (progress per participant, which questions people get wrong)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from lessons.grading import questions
from lessons.models import LessonPage, LessonProgress, QuizAttempt

SEATED = ("enrolled", "completed")


def has_seat_in_course(*, user, course_id: int) -> bool:
    from courses.models import Enrolment

    return (
        user.is_authenticated
        and Enrolment.objects.filter(
            user=user, run__course_id=course_id, status__in=SEATED
        ).exists()
    )


def lessons_of(course_id: int | None = None, *, course=None) -> QuerySet[LessonPage]:
    """A course's live lessons in their order (the page tree's)."""
    parent = course if course is not None else LessonPage.objects.none()
    if course is None:
        from courses.models import CoursePage

        parent = CoursePage.objects.get(pk=course_id)
    return LessonPage.objects.child_of(parent).live().order_by("path")


@dataclass
class CourseProgress:
    total: int
    done: int
    required_total: int
    required_done: int
    quizzes_required: int
    quizzes_passed: int
    minutes_done: int
    resume: LessonPage | None

    @property
    def lessons_complete(self) -> bool:
        return self.required_done >= self.required_total

    @property
    def quizzes_complete(self) -> bool:
        return self.quizzes_passed >= self.quizzes_required


def progress_by_course(*, user_ids: set[int], course_ids: set[int]) -> dict:
    """(person, course) -> CourseProgress, for every pair asked: at most four queries whatever
    the number of people, courses and lessons (one when none of the courses has lessons)."""
    if not user_ids or not course_ids:
        return {}
    from courses.models import CoursePage

    # Only courses with child pages can have lessons (most have none): the lesson query below
    # is an OR over their paths.
    paths = dict(
        CoursePage.objects.filter(pk__in=course_ids, numchild__gt=0).values_list("path", "pk")
    )
    if not paths:
        return {}
    children = Q(pk__in=[])
    for path in paths:
        children |= Q(path__startswith=path, depth=len(path) // LessonPage.steplen + 1)
    lessons = list(
        LessonPage.objects.live()
        .filter(children)
        .order_by("path")
        .only("pk", "path", "title", "url_path", "estimated_minutes", "required", "quiz", "depth")
    )
    course_of = {}
    for lesson in lessons:
        course_of[lesson.pk] = paths.get(lesson.path[: -LessonPage.steplen])
    done = defaultdict(set)
    opened: dict[tuple[int, int], tuple] = {}
    for user_id, lesson_id, completed_at, opened_at in LessonProgress.objects.filter(
        user_id__in=user_ids, lesson_id__in=course_of
    ).values_list("user_id", "lesson_id", "completed_at", "opened_at"):
        if completed_at:
            done[user_id].add(lesson_id)
        if opened_at:
            opened[(user_id, lesson_id)] = opened_at
    passed = defaultdict(set)
    for user_id, lesson_id in (
        QuizAttempt.objects.filter(user_id__in=user_ids, lesson_id__in=course_of, passed=True)
        .values_list("user_id", "lesson_id")
        .distinct()
    ):
        passed[user_id].add(lesson_id)
    result = {}
    for user_id in user_ids:
        for course_id in course_ids:
            mine = [lesson for lesson in lessons if course_of[lesson.pk] == course_id]
            if not mine:
                continue
            required = [lesson for lesson in mine if lesson.required]
            quizzes = [lesson for lesson in required if len(lesson.quiz)]
            not_done = [lesson for lesson in mine if lesson.pk not in done[user_id]]
            recently_opened = sorted(
                (lesson for lesson in not_done if (user_id, lesson.pk) in opened),
                key=lambda lesson: opened[(user_id, lesson.pk)],
                reverse=True,
            )
            result[(user_id, course_id)] = CourseProgress(
                total=len(mine),
                done=len(mine) - len(not_done),
                required_total=len(required),
                required_done=sum(lesson.pk in done[user_id] for lesson in required),
                quizzes_required=len(quizzes),
                quizzes_passed=sum(lesson.pk in passed[user_id] for lesson in quizzes),
                minutes_done=sum(
                    lesson.estimated_minutes for lesson in mine if lesson.pk in done[user_id]
                ),
                resume=(recently_opened or not_done or [None])[0],
            )
    return result


# --- Staff: a run's progress and the questions people get wrong --------------------------------


def run_progress(*, run) -> dict:
    """Per participant with a seat: each lesson done or not and the best check score; per
    lesson with a check: per question, how many of the latest attempts got it right.  A
    fixed number of queries."""
    from courses.models import Enrolment

    enrolments = list(
        Enrolment.objects.filter(run=run, status__in=SEATED)
        .select_related("user")
        .order_by("user__full_name_kana", "pk")
    )
    lessons = list(lessons_of(course=run.course))
    user_ids = {e.user_id for e in enrolments}
    done = set(
        LessonProgress.objects.filter(
            user_id__in=user_ids, lesson__in=lessons, completed_at__isnull=False
        ).values_list("user_id", "lesson_id")
    )
    best: dict[tuple[int, int], int] = {}
    latest: dict[tuple[int, int], QuizAttempt] = {}
    for attempt in QuizAttempt.objects.filter(user_id__in=user_ids, lesson__in=lessons).order_by(
        "submitted_at", "pk"
    ):
        key = (attempt.user_id, attempt.lesson_id)
        best[key] = max(best.get(key, 0), attempt.score_percent)
        latest[key] = attempt
    rows = [
        {
            "enrolment": e,
            "cells": [
                {"done": (e.user_id, lesson.pk) in done, "best": best.get((e.user_id, lesson.pk))}
                for lesson in lessons
            ],
        }
        for e in enrolments
    ]
    statistics = []
    for lesson in lessons:
        attempts = [a for (user_id, lesson_id), a in latest.items() if lesson_id == lesson.pk]
        items = []
        for block_id, question in questions(lesson.quiz):
            right = sum(block_id in a.correct for a in attempts)
            items.append(
                {
                    "text": question["text"],
                    "answered": len(attempts),
                    "right": right,
                    "percent": round(100 * right / len(attempts)) if attempts else None,
                }
            )
        if items:
            hardest = min(
                (i for i in items if i["percent"] is not None),
                key=lambda i: i["percent"],
                default=None,
            )
            statistics.append({"lesson": lesson, "items": items, "hardest": hardest})
    return {"run": run, "lessons": lessons, "rows": rows, "statistics": statistics}
