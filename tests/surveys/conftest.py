"""Shared set-up for the survey tests: a survey with one question of each kind (and one whose
answers carry the name), runs that have finished, and their participants."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import CourseKind, EnrolmentStatus
from lms import roles
from surveys import services
from surveys.models import QuestionKind, Survey, SurveyInvitation, SurveyQuestion
from tests.factories import CoursePageFactory, CourseRunFactory, EnrolmentFactory, SessionFactory

USEFUL = ["事例検討", "グループワーク", "講義"]
THEMES = ["防災", "子ども", "高齢者"]


def make_survey(
    kind: str = CourseKind.JOINT_TRAINING, *, title: str = "研修アンケート", **kwargs
) -> Survey:
    survey = Survey(title=title, course_kind=kind, intro="ご協力ください。", **kwargs)
    survey.questions = [
        SurveyQuestion(text="研修全体の満足度", kind=QuestionKind.SCALE5, sort_order=0),
        SurveyQuestion(
            text="役に立った内容", kind=QuestionKind.CHOICE, choices="\n".join(USEFUL), sort_order=1
        ),
        SurveyQuestion(
            text="関心のあるテーマ",
            kind=QuestionKind.MULTI,
            choices="\n".join(THEMES),
            required=False,
            sort_order=2,
        ),
        SurveyQuestion(text="ご感想", kind=QuestionKind.TEXT, required=False, sort_order=3),
        SurveyQuestion(
            text="講師をお願いできる方はテーマを",
            kind=QuestionKind.TEXT,
            required=False,
            identified=True,
            sort_order=4,
        ),
    ]
    survey.save()
    return survey


def questions(survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.order_by("sort_order", "pk"))


def answers(
    survey: Survey,
    *,
    scale=4,
    choice="事例検討",
    themes=(),
    comment="",
    named="",
) -> dict:
    """Raw answers as the form hands them to the service, keyed by question id."""
    scale_q, choice_q, multi_q, text_q, named_q = questions(survey)
    return {
        scale_q.pk: scale,
        choice_q.pk: choice,
        multi_q.pk: list(themes),
        text_q.pk: comment,
        named_q.pk: named,
    }


def finished_run(
    *, kind: str = CourseKind.JOINT_TRAINING, ended_ago: dt.timedelta = dt.timedelta(hours=3)
):
    """A run of two sessions, a week apart, the second ending ``ended_ago`` before now."""
    end = timezone.now() - ended_ago
    first_end = end - dt.timedelta(days=7)
    course = CoursePageFactory(kind=kind)
    run = CourseRunFactory(
        course=course,
        starts_on=timezone.localdate(first_end),
        ends_on=timezone.localdate(end),
        enrolment_opens_at=first_end - dt.timedelta(days=30),
        enrolment_closes_at=first_end - dt.timedelta(days=2),
    )
    for ends_at in (first_end, end):
        SessionFactory(run=run, starts_at=ends_at - dt.timedelta(hours=2), ends_at=ends_at)
    return run


def participants(run, count: int, status: str = EnrolmentStatus.COMPLETED) -> list:
    return [EnrolmentFactory(run=run, status=status) for _ in range(count)]


def invite(survey, enrolment) -> SurveyInvitation:
    return SurveyInvitation.objects.create(
        survey=survey, enrolment=enrolment, sent_at=timezone.now()
    )


def answered(survey, run, count: int, **kwargs) -> list[SurveyInvitation]:
    """``count`` participants of ``run``, invited, who answered with ``kwargs``."""
    invitations = [invite(survey, enrolment) for enrolment in participants(run, count)]
    for invitation in invitations:
        services.response_submit(invitation=invitation, answers=answers(survey, **kwargs))
    return invitations


@pytest.fixture
def survey(home_page) -> Survey:
    return make_survey()


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True)
