"""Demo self-paced course: an on-demand (オンデマンド) course of three lessons, the first with
an understanding check, completed by the lessons, the check and a reflection; the demo
supporter is enrolled, has done lessons 2 and 3 and opened lesson 1.  Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from courses.models import CourseFormat, CourseIndexPage, CourseKind, CoursePage, CourseRun
from lessons.models import LessonPage, LessonProgress
from lms.models import Field, User

COURSE_SLUG = "ondemand-isolation-basics"
COURSE_TITLE = "オンデマンド研修 孤独・孤立の基礎"
SUPPORTER_EMAIL = "supporter@demo.hyogo.example"

QUIZ = [
    (
        "question",
        {
            "text": "孤立のサインとして気にかけたいものはどれですか。",
            "multiple": False,
            "choices": [
                {"text": "郵便受けに郵便物がたまっている", "correct": True},
                {"text": "毎朝同じ時間に散歩している", "correct": False},
                {"text": "近所の人とあいさつを交わしている", "correct": False},
            ],
            "explanation": "郵便物がたまるのは、外出や人との接点が減っているサインのことがあります。",
        },
    ),
    (
        "question",
        {
            "text": "一人で抱え込まずにつなぐ先として適切なものをすべて選んでください。",
            "multiple": True,
            "choices": [
                {"text": "地域包括支援センター", "correct": True},
                {"text": "市町の社会福祉協議会", "correct": True},
                {"text": "様子を見て誰にも伝えない", "correct": False},
            ],
            "explanation": "気づいたことは、地域の相談窓口や支援機関と共有しましょう。",
        },
    ),
    (
        "question",
        {
            "text": "「孤独」と「孤立」の説明として正しいものはどれですか。",
            "multiple": False,
            "choices": [
                {"text": "孤独は主観的な感情、孤立は客観的な状態を指す", "correct": True},
                {"text": "どちらも同じ意味である", "correct": False},
            ],
            "explanation": "国の重点計画でも、孤独は主観的、孤立は客観的な概念として整理されています。",
        },
    ),
]

LESSONS = [
    (
        "lesson-1-notice",
        "第1回 孤独・孤立に気づく",
        20,
        "<p>孤独は主観的な感情、孤立は客観的な状態です。身近なサインに気づく視点を学びます。</p>",
        QUIZ,
    ),
    (
        "lesson-2-connect",
        "第2回 つなぐ・つながる",
        25,
        "<p>気づいた後に、地域の相談窓口や居場所へどうつなぐかを、事例で考えます。</p>",
        [],
    ),
    (
        "lesson-3-self-care",
        "第3回 支援者自身のセルフケア",
        15,
        "<p>支援者自身が疲弊・孤立しないための工夫と、相談できる関係づくりを学びます。</p>",
        [],
    ),
]


@transaction.atomic
def load_demo_lessons() -> CoursePage | None:
    catalogue = CourseIndexPage.objects.filter(slug="courses").first()
    if catalogue is None:
        return None
    course = CoursePage.objects.child_of(catalogue).filter(slug=COURSE_SLUG).first()
    if course is not None:
        return course
    course = CoursePage(
        title=COURSE_TITLE,
        slug=COURSE_SLUG,
        kind=CourseKind.JOINT_TRAINING,
        format=CourseFormat.ONLINE,
        summary="いつでも自分のペースで学べるオンデマンド研修です。3回の講義と理解度チェック、振り返りで修了します。",
        total_hours=1,
        requires_lessons=True,
        requires_quizzes=True,
        requires_reflection=True,
        reflection_questions=[
            ("question", "この研修で新たに気づいたことは何ですか。"),
            ("question", "明日から職場や地域で試してみたいことは何ですか。"),
        ],
        certificate_wording=f"あなたは「{COURSE_TITLE}」の全課程を修了したことを証します。",
    )
    catalogue.add_child(instance=course)
    course.fields.set(Field.objects.filter(slug__in=["inclusive-community", "residents-life"]))
    course.save_revision().publish()
    for slug, title, minutes, text, quiz in LESSONS:
        lesson = LessonPage(
            title=title,
            slug=slug,
            estimated_minutes=minutes,
            summary="",
            body=[("paragraph", text)],
            quiz=quiz,
            quiz_pass_percent=60,
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    today = timezone.localdate()
    run = CourseRun.objects.create(
        course=course,
        title="2026年度 通年（オンデマンド）",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=150),
        capacity=500,
        enrolment_opens_at=timezone.now() - dt.timedelta(days=30),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=140),
    )
    supporter = User.objects.filter(email=SUPPORTER_EMAIL).first()
    if supporter:
        from courses.services import enrolment_create

        enrolment_create(run=run, user=supporter, by_staff=True)
        # Lessons 2 and 3 done, lesson 1 (with its check) opened: "continue where you left off".
        now = timezone.now()
        for slug, days_ago in (("lesson-2-connect", 5), ("lesson-3-self-care", 2)):
            LessonProgress.objects.create(
                user=supporter,
                lesson=LessonPage.objects.child_of(course).get(slug=slug),
                opened_at=now - dt.timedelta(days=days_ago),
                completed_at=now - dt.timedelta(days=days_ago),
            )
        LessonProgress.objects.create(
            user=supporter,
            lesson=LessonPage.objects.child_of(course).get(slug="lesson-1-notice"),
            opened_at=now - dt.timedelta(hours=20),
        )
    return course
