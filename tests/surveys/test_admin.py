"""Staff edit surveys as snippets with their questions inline (issue #11 item 5): one active
survey per kind of course; choice questions need options; a question that has answers keeps
its kind and cannot be removed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import CourseKind
from surveys.models import QuestionKind, Survey, SurveyQuestion
from tests.admin_forms import admin_form_data
from tests.surveys.conftest import answered, finished_run, make_survey, questions

pytestmark = [pytest.mark.django_db]

ADD_URL = "/admin/snippets/surveys/survey/add/"


def one_active_message() -> str:
    (constraint,) = Survey._meta.constraints
    return str(constraint.violation_error_message)


def edit_url(survey) -> str:
    return f"/admin/snippets/surveys/survey/edit/{survey.pk}/"


@pytest.fixture
def staff_client(client, coordinator):
    client.force_login(coordinator)
    return client


def new_survey_data(**extra) -> dict:
    data = {
        "title": "オリエンテーションのアンケート",
        "course_kind": CourseKind.ORIENTATION,
        "intro": "",
        "is_active": "on",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-text": "わかりやすかったですか",
        "questions-0-kind": QuestionKind.SCALE5,
        "questions-0-required": "on",
        "questions-0-ORDER": "1",
        "questions-1-text": "参加したい活動",
        "questions-1-kind": QuestionKind.MULTI,
        "questions-1-choices": "見守り\n子ども食堂\n\n見守り",
        "questions-1-ORDER": "2",
    }
    return data | extra


def test_a_coordinator_creates_a_survey_with_its_questions(staff_client):
    response = staff_client.post(ADD_URL, new_survey_data())
    assert response.status_code == 302, response.context["form"].errors
    survey = Survey.objects.get(course_kind=CourseKind.ORIENTATION)
    first, second = questions(survey)
    assert (first.kind, first.required, first.identified) == (QuestionKind.SCALE5, True, False)
    assert second.choice_list == ["見守り", "子ども食堂"]


def test_a_choice_question_needs_two_options(staff_client):
    response = staff_client.post(ADD_URL, new_survey_data(**{"questions-1-choices": "見守り"}))
    assert response.status_code == 200
    assert not Survey.objects.exists()
    question_errors = response.context["form"].formsets["questions"].forms[1].errors
    assert "choices" in question_errors


def test_only_one_active_survey_per_kind(staff_client, survey):
    data = new_survey_data(course_kind=CourseKind.JOINT_TRAINING)
    response = staff_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert one_active_message() in str(response.context["form"].errors)
    assert Survey.objects.count() == 1
    # Saved as inactive, it is accepted.
    del data["is_active"]
    assert staff_client.post(ADD_URL, data).status_code == 302
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(is_active=False).update(is_active=True)


def test_the_constraint_has_a_clear_message():
    survey = Survey(title="x", course_kind=CourseKind.GENERAL)
    Survey.objects.create(title="y", course_kind=CourseKind.GENERAL)
    with pytest.raises(ValidationError) as error:
        survey.full_clean()
    assert one_active_message() in str(error.value)


def test_a_question_with_answers_cannot_be_removed_or_change_kind(staff_client, survey):
    answered(survey, finished_run(), 1)
    data = admin_form_data(staff_client.get(edit_url(survey)).context["form"])

    removing = data | {"questions-0-DELETE": "1"}
    response = staff_client.post(edit_url(survey), removing)
    assert response.status_code == 200
    assert "研修全体の満足度" in str(response.context["form"].non_field_errors())
    assert SurveyQuestion.objects.filter(survey=survey).count() == 5

    changing = data | {"questions-0-kind": QuestionKind.TEXT}
    response = staff_client.post(edit_url(survey), changing)
    assert response.status_code == 200
    assert questions(survey)[0].kind == QuestionKind.SCALE5

    rewording = data | {"questions-0-text": "研修の満足度（全体）"}
    assert staff_client.post(edit_url(survey), rewording).status_code == 302
    assert questions(survey)[0].text == "研修の満足度（全体）"


def test_a_survey_with_answers_cannot_be_deleted(client, survey):
    from tests.factories import UserFactory

    answered(survey, finished_run(), 1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/snippets/surveys/survey/delete/{survey.pk}/", follow=True)
    assert response.status_code == 200
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_unanswered_questions_can_still_be_removed(staff_client, home_page):
    survey = make_survey(CourseKind.GENERAL)
    data = admin_form_data(staff_client.get(edit_url(survey)).context["form"])
    response = staff_client.post(edit_url(survey), data | {"questions-4-DELETE": "1"})
    assert response.status_code == 302
    assert len(questions(survey)) == 4
