"""The reflection sheet (振り返り, issue #11): staff set the questions, the participant answers
each, staff give feedback (the participant is told), the participant's mentor can read it,
nobody else can; an empty answer changes nothing."""

import pytest

from courses import services
from lms import roles
from lms.models import OutboundEmail
from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

QUESTIONS = ["今日の研修で一番印象に残ったことは？", "職場で試してみたいことは？"]


@pytest.fixture
def enrolment():
    run = CourseRunFactory()
    run.course.reflection_questions = [("question", q) for q in QUESTIONS]
    run.course.requires_reflection = True
    run.course.save()
    return EnrolmentFactory(run=run, user=UserFactory(full_name="振返 花子"))


def test_the_participant_answers_each_question(client, enrolment):
    client.force_login(enrolment.user)
    page = client.get(f"/enrolments/{enrolment.pk}/reflection/").content.decode()
    assert QUESTIONS[0] in page and QUESTIONS[1] in page

    response = client.post(
        f"/enrolments/{enrolment.pk}/reflection/",
        {"answer_0": "多職種で事例を見る大切さ", "answer_1": "朝礼で共有する"},
    )

    assert response["Location"] == "/learning/"
    enrolment.refresh_from_db()
    assert [item["answer"] for item in enrolment.reflection_answers] == [
        "多職種で事例を見る大切さ",
        "朝礼で共有する",
    ]
    assert QUESTIONS[0] in enrolment.reflection and enrolment.reflection_submitted_at


def test_an_empty_answer_is_refused_and_changes_nothing(client, enrolment):
    client.force_login(enrolment.user)

    response = client.post(
        f"/enrolments/{enrolment.pk}/reflection/", {"answer_0": "学びがあった", "answer_1": "  "}
    )

    assert response.status_code == 200
    assert "answer_1" in response.context["form"].errors
    enrolment.refresh_from_db()
    assert enrolment.reflection_submitted_at is None and enrolment.reflection_answers == []


def test_staff_give_feedback_and_the_participant_is_told(client, enrolment, role_user):
    services.reflection_submit(enrolment=enrolment, answers=["多職種の視点", "声かけ"])
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    client.force_login(coordinator)

    page = client.get(f"/admin/courses/runs/{enrolment.run_id}/reflections/")
    assert "多職種の視点" in page.content.decode()
    client.post(
        f"/admin/courses/enrolments/{enrolment.pk}/feedback/",
        {"feedback": "素晴らしい気づきです。"},
    )

    enrolment.refresh_from_db()
    assert enrolment.reflection_feedback == "素晴らしい気づきです。"
    assert enrolment.reflection_feedback_by == coordinator
    mail = OutboundEmail.objects.get(template="courses/email/reflection_feedback")
    assert mail.recipient == enrolment.user.email
    client.force_login(enrolment.user)
    assert (
        "素晴らしい気づきです。"
        in client.get(f"/enrolments/{enrolment.pk}/reflection/").content.decode()
    )


def test_the_mentor_reads_the_reflection_and_another_mentor_does_not(client, enrolment):
    from mentoring.models import MenteeProfile
    from tests.mentoring.helpers import active_pair, mentor, programme

    services.reflection_submit(enrolment=enrolment, answers=["燃え尽きに気をつける", "休む"])
    prog = programme()
    mentee = MenteeProfile.objects.create(user=enrolment.user, programme=prog)
    the_mentor = mentor("導 先輩")
    pair = active_pair(prog, the_mentor, mentee)
    other = mentor("別 先輩")

    client.force_login(the_mentor.user)
    assert "燃え尽きに気をつける" in client.get(f"/mentoring/pairs/{pair.pk}/").content.decode()

    client.force_login(other.user)
    response = client.get(f"/mentoring/pairs/{pair.pk}/")
    assert response.status_code == 404
    assert "燃え尽き" not in response.content.decode()
    assert client.get(f"/enrolments/{enrolment.pk}/reflection/").status_code == 404
