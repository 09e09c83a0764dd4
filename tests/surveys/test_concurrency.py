"""A survey sent twice at the same moment (a double tap, two tabs) is saved once, on
PostgreSQL with real row locks; inviting the same run from two workers at once invites each
person once."""

import pytest

from courses.models import EnrolmentStatus
from lms.models import OutboundEmail
from surveys import services
from surveys.models import SurveyInvitation, SurveyResponse
from tests.courses.test_concurrency import race
from tests.surveys.conftest import answers, finished_run, invite, make_survey, participants

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_answering_twice_at_once_saves_one_response(home_page):
    survey = make_survey()
    (place,) = participants(finished_run(), 1, EnrolmentStatus.COMPLETED)
    invitation = invite(survey, place)

    outcomes = race(
        [
            lambda scale=scale: services.response_submit(
                invitation=invitation, answers=answers(survey, scale=scale)
            )
            for scale in (1, 2, 3, 4)
        ]
    )

    saved = [o for o in outcomes if isinstance(o, SurveyResponse)]
    refused = [o for o in outcomes if isinstance(o, services.SurveyError)]
    assert len(saved) == 1 and len(refused) == 3, outcomes
    assert SurveyResponse.objects.count() == 1


def test_two_workers_inviting_at_once_invite_each_person_once(home_page):
    survey = make_survey()
    run = finished_run()
    places = participants(run, 4)

    outcomes = race([lambda: services.run_invitations_send(run=run, survey=survey)] * 3)

    assert sum(outcomes) == 4, outcomes
    assert SurveyInvitation.objects.count() == 4
    recipients = list(
        OutboundEmail.objects.filter(template="surveys/email/invitation").values_list(
            "recipient", flat=True
        )
    )
    assert sorted(recipients) == sorted(place.user.email for place in places)
