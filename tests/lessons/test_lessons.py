"""Self-paced lessons (issue #11): only people with a seat open them, progress and resume on
My learning, understanding checks (fail, retry, pass; limited attempts; tampered answers),
self-paced hours, completion of an online course without sessions, and staff statistics."""

import pytest

from courses.models import CourseFormat, EnrolmentStatus
from lessons.models import LessonPage, LessonProgress, QuizAttempt
from tests.factories import CoursePageFactory, CourseRunFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

QUIZ = [
    (
        "question",
        {
            "text": "孤立のサインとして当てはまるものは？",
            "multiple": False,
            "choices": [
                {"text": "郵便物がたまっている", "correct": True},
                {"text": "毎日散歩している", "correct": False},
            ],
            "explanation": "郵便物がたまるのは、外出や人との接点が減ったサインのことがあります。",
        },
    ),
    (
        "question",
        {
            "text": "相談先として適切なものをすべて選んでください。",
            "multiple": True,
            "choices": [
                {"text": "地域包括支援センター", "correct": True},
                {"text": "社会福祉協議会", "correct": True},
                {"text": "誰にも言わない", "correct": False},
            ],
            "explanation": "一人で抱え込まず、地域の相談窓口につなぎましょう。",
        },
    ),
]


def add_lesson(course, title, *, quiz=None, minutes=20, required=True, **fields):
    lesson = LessonPage(
        title=title,
        slug=f"lesson-{LessonPage.objects.count() + 1}",
        estimated_minutes=minutes,
        required=required,
        body=[("paragraph", "<p>孤独・孤立のサインに気づくための基本を学びます。</p>")],
        quiz=quiz or [],
        **fields,
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)


@pytest.fixture
def course():
    course = CoursePageFactory(
        title="オンデマンド 孤独・孤立の基礎",
        format=CourseFormat.ONLINE,
        requires_lessons=True,
        requires_quizzes=True,
    )
    return course


@pytest.fixture
def lessons(course):
    return [
        add_lesson(course, "第1回 孤立に気づく", quiz=QUIZ, quiz_max_attempts=3),
        add_lesson(course, "第2回 つなぐ", minutes=30),
        add_lesson(course, "参考 事例集", minutes=10, required=False),
    ]


@pytest.fixture
def learner(course):
    enrolment = EnrolmentFactory(run=CourseRunFactory(course=course), user=UserFactory())
    return enrolment


def answers(first: str, second: list[str]) -> dict:
    lesson = LessonPage.objects.get(title="第1回 孤立に気づく")
    ids = [block.id for block in lesson.quiz]
    return {f"q-{ids[0]}": first, f"q-{ids[1]}": second}


def test_only_people_with_a_seat_open_lessons_and_everyone_sees_the_outline(
    client, course, lessons, learner
):
    lesson = lessons[0]
    outline = client.get(course.url).content.decode()
    assert "第1回 孤立に気づく" in outline and "第2回 つなぐ" in outline

    anonymous = client.get(lesson.url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    client.force_login(UserFactory())
    refused = client.get(lesson.url)
    assert refused.status_code == 403
    assert "受講" in refused.content.decode()
    assert "郵便物がたまっている" not in refused.content.decode()  # no quiz answers either
    response = client.post(f"/lessons/{lesson.pk}/check/", answers("0", ["0", "1"]))
    assert not QuizAttempt.objects.exists()
    assert response.status_code == 302

    waitlisted = EnrolmentFactory(run=learner.run, status=EnrolmentStatus.WAITLISTED)
    client.force_login(waitlisted.user)
    assert client.get(lesson.url).status_code == 403

    client.force_login(learner.user)
    page = client.get(lesson.url)
    assert page.status_code == 200
    assert "孤独・孤立のサインに気づく" in page.content.decode()


def test_progress_resume_and_self_paced_hours_on_my_learning(client, lessons, learner):
    client.force_login(learner.user)
    client.get(lessons[1].url)  # opened, not done: the place to resume
    client.post(f"/lessons/{lessons[2].pk}/done/")

    page = client.get("/learning/").content.decode()

    assert "オンライン学習：3件中1件完了" in page
    assert lessons[1].url in page  # resume
    assert LessonProgress.objects.get(user=learner.user, lesson=lessons[2]).completed_at
    assert "10分" in page  # self-paced minutes counted in the hours


def test_a_check_fails_then_passes_with_explanations_and_completes_the_course(
    client, lessons, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/lessons/{lessons[1].pk}/done/")
        failed = client.post(f"/lessons/{lessons[0].pk}/check/", answers("1", ["0"]), follow=True)
    text = failed.content.decode()
    assert "0%" in text and "郵便物がたまるのは" in text  # explanation after answering
    learner.refresh_from_db()
    assert learner.status == EnrolmentStatus.ENROLLED

    with django_capture_on_commit_callbacks(execute=True):
        passed = client.post(
            f"/lessons/{lessons[0].pk}/check/", answers("0", ["0", "1"]), follow=True
        )
    assert "合格" in passed.content.decode()
    assert [a.passed for a in QuizAttempt.objects.order_by("pk")] == [False, True]
    assert LessonProgress.objects.get(user=learner.user, lesson=lessons[0]).completed_at
    learner.refresh_from_db()
    assert learner.status == EnrolmentStatus.COMPLETED  # an online course with no sessions

    again = client.post(f"/lessons/{lessons[0].pk}/check/", answers("0", ["0", "1"]), follow=True)
    assert "すでに合格" in again.content.decode()
    assert QuizAttempt.objects.count() == 2


def test_attempts_are_limited(client, lessons, learner):
    client.force_login(learner.user)
    for _ in range(3):
        client.post(f"/lessons/{lessons[0].pk}/check/", answers("1", ["2"]))
    refused = client.post(f"/lessons/{lessons[0].pk}/check/", answers("0", ["0", "1"]), follow=True)

    assert QuizAttempt.objects.count() == 3
    assert "すべて使いました" in refused.content.decode()


@pytest.mark.parametrize(
    "tampered",
    [
        {"q-not-a-question": "0"},
        "out-of-range",
        "two-for-single",
        "not-a-number",
        "missing",
    ],
)
def test_tampered_answers_get_a_clear_message_and_change_nothing(
    client, lessons, learner, tampered
):
    client.force_login(learner.user)
    data = answers("0", ["0", "1"])
    first_key = next(iter(data))
    if tampered == "out-of-range":
        data[first_key] = "7"
    elif tampered == "two-for-single":
        data[first_key] = ["0", "1"]
    elif tampered == "not-a-number":
        data[first_key] = "<script>"
    elif tampered == "missing":
        del data[first_key]
    else:
        data |= tampered

    response = client.post(f"/lessons/{lessons[0].pk}/check/", data, follow=True)

    assert response.status_code == 200
    assert not QuizAttempt.objects.exists()
    assert "errorlist" in response.content.decode() or "message-error" in response.content.decode()


def test_staff_see_progress_and_the_question_most_people_get_wrong(
    client, lessons, learner, role_user
):
    from lms import roles

    other = EnrolmentFactory(run=learner.run)
    for person, second in ((learner.user, ["0", "1"]), (other.user, ["0"])):
        client.force_login(person)
        client.post(f"/lessons/{lessons[0].pk}/check/", answers("0", second))
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    page = client.get(f"/admin/lessons/runs/{learner.run_id}/")

    assert page.status_code == 200
    stats = page.context["statistics"][0]
    assert [i["right"] for i in stats["items"]] == [2, 1]
    assert stats["hardest"]["text"] == "相談先として適切なものをすべて選んでください。"


def test_lesson_pages_cost_the_same_few_queries_however_many_attempts(
    client, lessons, learner, django_assert_max_num_queries
):
    client.force_login(learner.user)
    client.get(lessons[0].url)
    with django_assert_max_num_queries(60) as few:
        client.get(lessons[0].url)
    baseline = len(few.captured_queries)  # before the next requests reset the query log
    client.post(f"/lessons/{lessons[0].pk}/check/", answers("1", ["2"]))
    client.post(f"/lessons/{lessons[0].pk}/check/", answers("1", ["2"]))
    with django_assert_max_num_queries(baseline):
        client.get(lessons[0].url)


def test_nobody_reads_another_persons_reflection(client, learner):
    from courses import services as course_services

    course_services.reflection_submit(
        enrolment=learner, text="職場で孤立しがちな利用者さんに声をかけてみようと思いました。"
    )
    client.force_login(EnrolmentFactory(run=learner.run).user)

    response = client.get(f"/enrolments/{learner.pk}/reflection/")

    assert response.status_code == 404
    assert "声をかけてみよう" not in response.content.decode()


def test_completing_a_self_paced_course_invites_to_its_survey_once(
    client, lessons, learner, django_capture_on_commit_callbacks
):
    from surveys.models import Survey, SurveyInvitation
    from surveys.tasks import invite_completed

    survey = Survey.objects.create(title="受講後アンケート", course_kind=learner.run.course.kind)
    client.force_login(learner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/lessons/{lessons[1].pk}/done/")
        client.post(f"/lessons/{lessons[0].pk}/check/", answers("0", ["0", "1"]))

    learner.refresh_from_db()
    assert learner.status == EnrolmentStatus.COMPLETED
    invitation = SurveyInvitation.objects.get()
    assert (invitation.survey, invitation.enrolment) == (survey, learner)
    assert invite_completed(learner.pk) is False  # once
    assert "アンケート" in client.get("/learning/").content.decode()


def test_the_staff_progress_page_costs_the_same_queries_for_3_or_30_participants(
    client, lessons, learner, role_user, django_assert_max_num_queries
):
    from lms import roles

    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    for _ in range(2):
        EnrolmentFactory(run=learner.run)
    url = f"/admin/lessons/runs/{learner.run_id}/"
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for _ in range(27):
        person = EnrolmentFactory(run=learner.run).user
        QuizAttempt.objects.create(
            user=person, lesson=lessons[0], answers={}, correct=[], score_percent=50, passed=False
        )
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["rows"]) == 30
