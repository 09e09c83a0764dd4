"""Two coordinators confirming pairs for the same mentor at once never exceed the mentor's
capacity (issue #8), on PostgreSQL with real row locks."""

import pytest

from mentoring import services
from mentoring.models import Pair, PairStatus
from tests.courses.test_concurrency import race
from tests.factories import UserFactory
from tests.mentoring.helpers import mentee, mentor, programme

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_confirming_drafts_at_once_never_exceeds_capacity():
    prog = programme()
    the_mentor = mentor(capacity=2)
    drafts = [
        services.pair_propose(
            programme=prog, mentor=the_mentor.user, mentee=mentee(prog, f"後輩 {n}").user, by=None
        )
        for n in range(6)
    ]
    coordinators = [UserFactory(is_staff=True) for _ in drafts]

    outcomes = race(
        [
            lambda pair=pair, by=by: services.pair_confirm(pair=pair, by=by)
            for pair, by in zip(drafts, coordinators, strict=True)
        ]
    )

    confirmed = [o for o in outcomes if isinstance(o, Pair)]
    refused = [o for o in outcomes if isinstance(o, services.MentoringError)]
    assert len(confirmed) == 2 and len(refused) == 4, outcomes
    assert Pair.objects.filter(mentor=the_mentor.user, status=PairStatus.ACTIVE).count() == 2
