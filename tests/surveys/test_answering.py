"""Answering a survey (issue #11 item 5): the participant's own form, answers stored without
the person, once; bad input gets a clear message next to the question and saves nothing;
another person's invitation is "not found"; the prompt on My learning."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from courses.models import EnrolmentStatus
from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from tests.factories import UserFactory
from tests.surveys.conftest import answers, finished_run, invite, participants, questions

pytestmark = [pytest.mark.django_db]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


@pytest.fixture
def invitation(survey) -> SurveyInvitation:
    (place,) = participants(finished_run(), 1, EnrolmentStatus.COMPLETED)
    return invite(survey, place)


def signed_in(client, invitation):
    client.force_login(invitation.enrolment.user)
    return client


def form_data(survey, **kwargs) -> dict:
    """The POST a browser sends for ``answers(survey, **kwargs)``."""
    data = {}
    for question_id, value in answers(survey, **kwargs).items():
        data[f"q{question_id}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


# --- The service ---------------------------------------------------------------------------------


def test_answers_are_stored_without_the_person_and_the_invitation_is_marked(survey, invitation):
    response = services.response_submit(
        invitation=invitation,
        answers=answers(
            survey, scale=5, choice="講義", themes=["子ども", "防災"], comment="よかった"
        ),
    )
    invitation.refresh_from_db()
    assert invitation.answered_at == response.submitted_at
    assert response.run == invitation.enrolment.run and response.survey == survey
    by_question = {a.question_id: a for a in response.answers.all()}
    scale_q, choice_q, multi_q, text_q, named_q = questions(survey)
    assert by_question[scale_q.pk].value_scale == 5
    assert by_question[choice_q.pk].value_choices == ["講義"]
    assert by_question[multi_q.pk].value_choices == ["防災", "子ども"]  # in the options' order
    assert by_question[text_q.pk].value_text == "よかった"
    # Nothing identifies the person: the named question was left empty.
    assert not SurveyAnswer.objects.exclude(respondent_name="").exists()
    assert {f.name for f in SurveyResponse._meta.get_fields()} == {
        "id",
        "survey",
        "run",
        "submitted_at",
        "answers",
    }


def test_only_an_answer_to_an_identified_question_carries_the_name(survey, invitation):
    response = services.response_submit(
        invitation=invitation, answers=answers(survey, comment="匿名の感想", named="防災と見守り")
    )
    named = response.answers.exclude(respondent_name="")
    assert [(a.question.identified, a.respondent_name, a.value_text) for a in named] == [
        (True, invitation.enrolment.user.full_name, "防災と見守り")
    ]


def test_a_second_submission_is_refused_and_changes_nothing(survey, invitation):
    services.response_submit(invitation=invitation, answers=answers(survey, scale=2))
    with pytest.raises(services.SurveyError) as refused:
        services.response_submit(invitation=invitation, answers=answers(survey, scale=5))
    assert str(refused.value) == str(services.ALREADY_ANSWERED)
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.filter(value_scale=5).count() == 0


@pytest.mark.parametrize(
    ("bad", "question_index", "message"),
    [
        ({"scale": 6}, 0, services.SCALE_OUT_OF_RANGE),
        ({"scale": 0}, 0, services.SCALE_OUT_OF_RANGE),
        ({"scale": "とても"}, 0, services.SCALE_OUT_OF_RANGE),
        ({"scale": ""}, 0, services.ANSWER_REQUIRED),
        ({"choice": "ハッキング"}, 1, services.NOT_AN_OPTION),
        ({"choice": ""}, 1, services.ANSWER_REQUIRED),
        ({"themes": ["防災", "宇宙"]}, 2, services.NOT_AN_OPTION),
        ({"comment": "x" * 2001}, 3, services.TEXT_TOO_LONG),
        ({"comment": "見えない\u200b文字"}, 3, services.TEXT_INVISIBLE),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_nothing_is_saved(
    survey, invitation, bad, question_index, message
):
    with pytest.raises(services.SurveyAnswersInvalid) as refused:
        services.response_submit(invitation=invitation, answers=answers(survey, **bad))
    expected = str(message)
    if message is services.TEXT_TOO_LONG:
        expected %= {"limit_value": 2000, "show_value": 2001}
    assert refused.value.errors == {questions(survey)[question_index].pk: expected}
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()


def test_the_messages_are_clear_in_english():
    """The English wording (the Japanese is in the translation catalogue)."""
    from django.utils import translation

    with translation.override("en"):
        assert str(services.ALREADY_ANSWERED) == "You have already answered this survey. Thank you."
        assert str(services.SCALE_OUT_OF_RANGE) == "Please choose a number from 1 to 5."
        assert str(services.NOT_AN_OPTION) == "Please choose from the options shown."
        assert str(services.ANSWER_REQUIRED) == "Please answer this question."


def test_optional_questions_may_be_left_empty(survey, invitation):
    response = services.response_submit(invitation=invitation, answers=answers(survey, themes=[]))
    assert response.answers.count() == 5


def test_the_scale_is_also_checked_by_the_database(survey, invitation):
    from django.db import IntegrityError, transaction

    response = services.response_submit(invitation=invitation, answers=answers(survey))
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.filter(response=response, value_scale__isnull=False).update(
            value_scale=6
        )


# --- The pages -----------------------------------------------------------------------------------


def test_the_form_shows_each_question_and_the_anonymity_notice(client, survey, invitation):
    page = signed_in(client, invitation).get(reverse("surveys:answer", args=[invitation.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for question in questions(survey):
        assert question.text in html
    assert 'type="radio"' in html and 'type="checkbox"' in html and "<textarea" in html
    assert "<legend>研修全体の満足度" in html  # radio groups are fieldsets with a legend
    assert survey.intro in html


def test_submitting_the_form_records_the_answers_and_thanks(client, survey, invitation):
    client = signed_in(client, invitation)
    url = reverse("surveys:answer", args=[invitation.pk])
    page = client.post(url, form_data(survey, scale=3, themes=["防災"]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("surveys:thanks", args=[invitation.pk])
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.filter(value_scale=3).count() == 1
    # Coming back to the form shows the thank-you page instead.
    assert client.get(url).url == reverse("surveys:thanks", args=[invitation.pk])


def test_submitting_twice_gives_a_clear_message_and_changes_nothing(client, survey, invitation):
    client = signed_in(client, invitation)
    url = reverse("surveys:answer", args=[invitation.pk])
    client.post(url, form_data(survey, scale=3))
    page = client.post(url, form_data(survey, scale=1), follow=True)
    assert str(services.ALREADY_ANSWERED) in page.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert not SurveyAnswer.objects.filter(value_scale=1).exists()


def test_a_tampered_choice_is_shown_next_to_the_question_and_nothing_is_saved(
    client, survey, invitation
):
    client = signed_in(client, invitation)
    data = form_data(survey) | {f"q{questions(survey)[1].pk}": "存在しない選択肢"}
    data[f"q{questions(survey)[0].pk}"] = "9"
    page = client.post(reverse("surveys:answer", args=[invitation.pk]), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(services.NOT_AN_OPTION) in html
    assert str(services.SCALE_OUT_OF_RANGE) in html
    assert 'aria-invalid="true"' in html
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_a_missing_required_answer_is_explained(client, survey, invitation):
    client = signed_in(client, invitation)
    data = form_data(survey)
    del data[f"q{questions(survey)[0].pk}"]
    page = client.post(reverse("surveys:answer", args=[invitation.pk]), data)
    assert str(services.ANSWER_REQUIRED) in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_another_persons_invitation_is_not_found(client, survey, invitation):
    client.force_login(UserFactory())
    for name in ("surveys:answer", "surveys:thanks"):
        assert client.get(reverse(name, args=[invitation.pk])).status_code == 404
    assert (
        client.post(reverse("surveys:answer", args=[invitation.pk]), form_data(survey)).status_code
        == 404
    )
    assert not SurveyResponse.objects.exists()


def test_visitors_are_asked_to_sign_in(client, invitation):
    page = client.get(reverse("surveys:answer", args=[invitation.pk]))
    assert page.status_code == 302 and "/accounts/login/" in page.url


# --- The prompt on My learning -------------------------------------------------------------------


def render_prompt(user) -> str:
    request = RequestFactory().get("/learning/")
    request.user = user
    return Template("{% load survey_tags %}{% surveys_prompt %}").render(
        Context({"request": request})
    )


def test_the_prompt_lists_open_invitations_in_one_query(
    survey, invitation, django_assert_num_queries
):
    person = invitation.enrolment.user
    (other_place,) = participants(finished_run(), 1)
    other_place.user = person
    other_place.save()
    invite(survey, other_place)
    with django_assert_num_queries(1):
        html = render_prompt(person)
    assert html.count('href="/surveys/') == 2
    assert f'href="/surveys/{invitation.pk}/"' in html
    assert invitation.enrolment.run.course.title in html


def test_the_prompt_goes_once_answered_and_is_empty_for_others(survey, invitation):
    from django.contrib.auth.models import AnonymousUser

    services.response_submit(invitation=invitation, answers=answers(survey))
    assert "/surveys/" not in render_prompt(invitation.enrolment.user)
    assert render_prompt(AnonymousUser()).strip() == ""
    assert render_prompt(UserFactory()).strip() == ""
