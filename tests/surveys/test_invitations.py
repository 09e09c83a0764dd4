"""Invitations (issue #11 item 5): after the last session of a run, every participant gets one
invitation to the active survey of the course's kind, by email in their language, once."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from courses.models import CourseKind, EnrolmentStatus, SessionStatus
from lms.models import OutboundEmail
from surveys import services, tasks
from surveys.models import SurveyInvitation
from tests.factories import EnrolmentFactory, SessionFactory
from tests.surveys.conftest import finished_run, make_survey, participants

pytestmark = [pytest.mark.django_db]


def test_participants_are_invited_once_with_an_email_even_when_the_job_runs_twice(
    survey, django_capture_on_commit_callbacks
):
    run = finished_run()
    places = participants(run, 2, EnrolmentStatus.COMPLETED) + participants(
        run, 1, EnrolmentStatus.ENROLLED
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_send() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_send() == 0
    assert tasks.send_invitations() == 0

    assert sorted(SurveyInvitation.objects.values_list("enrolment_id", flat=True)) == sorted(
        place.pk for place in places
    )
    assert all(invitation.sent_at for invitation in SurveyInvitation.objects.all())
    emails = OutboundEmail.objects.filter(template="surveys/email/invitation")
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        place.user.email for place in places
    )
    message = emails.get(recipient=places[0].user.email)
    invitation = SurveyInvitation.objects.get(enrolment=places[0])
    assert f"{settings.SITE_URL}/surveys/{invitation.pk}/" in message.body_text
    assert run.course.title in message.subject
    assert places[0].user.full_name in message.body_text


def test_the_email_is_in_the_persons_language(survey):
    run = finished_run()
    english = EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED)
    english.user.preferred_language = "en"
    english.user.save()
    services.invitations_send()
    message = OutboundEmail.objects.get(recipient=english.user.email)
    invitation = SurveyInvitation.objects.get(enrolment=english)
    assert message.language == "en"
    assert message.subject.startswith("A short survey about")
    assert f"{settings.SITE_URL}/en/surveys/{invitation.pk}/" in message.body_text


def test_nobody_is_invited_before_the_last_session_has_ended(survey):
    run = finished_run()
    participants(run, 2, EnrolmentStatus.ENROLLED)
    later = timezone.now() + dt.timedelta(days=1)
    SessionFactory(run=run, starts_at=later, ends_at=later + dt.timedelta(hours=2))

    assert services.invitations_send() == 0
    # Once that session is over, they are.
    assert services.invitations_send(now=later + dt.timedelta(hours=3)) == 2


def test_a_cancelled_last_session_does_not_count(survey):
    run = finished_run()
    participants(run, 1)
    later = timezone.now() + dt.timedelta(days=1)
    SessionFactory(
        run=run,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=2),
        status=SessionStatus.CANCELLED,
    )
    assert services.invitations_send() == 1


def test_runs_that_ended_more_than_30_days_ago_are_left_alone(survey):
    participants(finished_run(ended_ago=dt.timedelta(days=31)), 2)
    assert services.invitations_send() == 0


@pytest.mark.parametrize(
    "status",
    [
        EnrolmentStatus.CANCELLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.PENDING,
        EnrolmentStatus.REJECTED,
        EnrolmentStatus.OFFERED,
    ],
)
def test_people_without_a_place_they_took_are_not_invited(survey, status):
    run = finished_run()
    EnrolmentFactory(run=run, status=status)
    participant = EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED)
    assert services.invitations_send() == 1
    assert SurveyInvitation.objects.get().enrolment == participant


def test_only_courses_of_a_kind_with_an_active_survey_are_invited(home_page):
    make_survey(CourseKind.ORIENTATION, is_active=False)
    participants(finished_run(kind=CourseKind.ORIENTATION), 2)
    joint_survey = make_survey(CourseKind.JOINT_TRAINING)
    joint_run = finished_run(kind=CourseKind.JOINT_TRAINING)
    participants(joint_run, 1)

    assert services.invitations_send() == 1
    invitation = SurveyInvitation.objects.get()
    assert (invitation.survey, invitation.enrolment.run) == (joint_survey, joint_run)


def test_the_same_place_cannot_be_invited_twice_to_a_survey(survey):
    from django.db import IntegrityError, transaction

    run = finished_run()
    (place,) = participants(run, 1)
    SurveyInvitation.objects.create(survey=survey, enrolment=place)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(survey=survey, enrolment=place)
