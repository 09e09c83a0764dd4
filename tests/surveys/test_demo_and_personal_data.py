"""The demo surveys (loading twice changes nothing; the demo supporter has one to answer; the
report has data without her name), and a participant's personal data: the download lists
their invitations and the answers they gave with their name; withdrawal removes the name."""

import pytest

from cms.demo import load_demo_content
from courses.demo import ATTENDANCE_COURSE_SLUG, PAST_RUN_TITLE
from courses.models import CourseKind, CourseRun
from lms import selectors as lms_selectors
from lms import services as lms_services
from surveys import reports, selectors
from surveys.demo import SURVEY_TITLE, load_demo_surveys
from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyResponse
from tests.surveys.conftest import answered, finished_run

pytestmark = [pytest.mark.django_db]

SUPPORTER = "supporter@demo.hyogo.example"


def _counts() -> tuple[int, ...]:
    return (
        Survey.objects.count(),
        SurveyInvitation.objects.count(),
        SurveyResponse.objects.count(),
        SurveyAnswer.objects.count(),
    )


def test_the_demo_survey_has_answers_and_leaves_the_supporter_one_to_answer():
    load_demo_content()
    load_demo_surveys()  # a no-op once load_demo_content calls it itself
    survey = Survey.objects.get(title=SURVEY_TITLE)
    assert survey.course_kind == CourseKind.JOINT_TRAINING and survey.is_active
    assert survey.questions.count() == 5
    assert survey.questions.filter(identified=True).count() == 1
    before = _counts()
    load_demo_surveys()
    assert _counts() == before

    run = CourseRun.objects.get(course__slug=ATTENDANCE_COURSE_SLUG, title=PAST_RUN_TITLE)
    assert run.course.kind == survey.course_kind
    invitations = SurveyInvitation.objects.filter(survey=survey, enrolment__run=run)
    supporter_invitation = invitations.get(enrolment__user__email=SUPPORTER)
    assert supporter_invitation.answered_at is None
    assert invitations.filter(answered_at__isnull=False).count() == 5

    report = reports.run_report(survey=survey, run=run)
    assert (report.invited, report.responses, report.hidden) == (6, 5, False)
    assert report.questions[0].average is not None
    supporter = supporter_invitation.enrolment.user
    assert [i.pk for i in selectors.invitation_list_open_for_user(user=supporter)] == [
        supporter_invitation.pk
    ]
    named = [answer.name for answer in report.questions[4].named]
    assert len(named) == 2 and supporter.full_name not in named


def test_personal_data_lists_invitations_and_named_answers_and_withdrawal_removes_the_name(
    survey,
):
    run = finished_run()
    (mine,) = answered(survey, run, 1, comment="自分の感想", named="防災の話ができます")
    others = answered(survey, run, 5, named="別の人のテーマ")
    person = mine.enrolment.user

    data = lms_selectors.user_personal_data(user=person)
    assert [item["run"] for item in data["surveys"]] == [run.title]
    assert data["surveys"][0]["answered_at"]
    assert data["survey_answers_with_your_name"] == [
        {
            "run": run.title,
            "question": "講師をお願いできる方はテーマを",
            "answer": "防災の話ができます",
            "full_name": person.full_name,
        }
    ]

    name = person.full_name
    lms_services.user_anonymise(user=person)
    assert not SurveyAnswer.objects.filter(respondent_name=name).exists()
    assert not SurveyAnswer.objects.filter(value_text="防災の話ができます").exists()
    # The anonymous answers and everyone else's named answers stay.
    assert SurveyAnswer.objects.filter(value_text="自分の感想").count() == 1
    assert SurveyAnswer.objects.filter(value_text="別の人のテーマ").count() == 5
    assert SurveyResponse.objects.count() == 6
    assert {o.enrolment.user.full_name for o in others} == set(
        SurveyAnswer.objects.exclude(respondent_name="").values_list("respondent_name", flat=True)
    )
