"""The demo mentoring (issue #8): pairs in every status with session logs, one quiet pair and
one overloaded mentor, and the demo mentor account with mentees.  Loading twice changes
nothing."""

import pytest
from django.db.models import Count, Q

from cms.demo import DEMO_ACCOUNTS, load_demo_content
from lms.models import User
from mentoring import selectors
from mentoring.demo import (
    DEMO_MENTOR_EMAIL,
    DEMO_SUPPORTER_EMAIL,
    LEADER_TITLE,
    OVERLOADED_MENTOR,
    PEER_TITLE,
    QUIET_PAIR,
    load_demo_mentoring,
)
from mentoring.models import (
    CAPACITY_STATUSES,
    ChangeRequest,
    Meeting,
    MenteeProfile,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    Pair,
    PairStatus,
)

pytestmark = pytest.mark.django_db


def _load() -> None:
    load_demo_content()  # the demo accounts, courses and volunteers first
    load_demo_mentoring()  # a no-op once load_demo_content calls it itself


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "programmes": MentoringProgramme.objects.count(),
        "mentors": MentorProfile.objects.count(),
        "mentees": MenteeProfile.objects.count(),
        "pairs": Pair.objects.count(),
        "sessions": MentoringSession.objects.count(),
        "meetings": Meeting.objects.count(),
        "change_requests": ChangeRequest.objects.count(),
    }


def test_loading_twice_changes_nothing():
    _load()
    first = _counts()

    _load()

    assert _counts() == first
    assert first["programmes"] == 2
    assert first["mentors"] >= 6
    assert first["mentees"] >= 12


def test_programmes_pairs_in_every_status_and_sessions_with_notes():
    _load()

    peer = MentoringProgramme.objects.get(title=PEER_TITLE)
    leader = MentoringProgramme.objects.get(title=LEADER_TITLE)
    assert peer.cross_profession and peer.quiet_after_weeks == 4
    assert not leader.cross_profession
    assert leader.cohort is not None and leader.cohort.course.slug == "bosai-leader"
    statuses = set(Pair.objects.values_list("status", flat=True))
    assert statuses == set(PairStatus.values)
    draft = Pair.objects.filter(status=PairStatus.PROPOSED).first()
    assert draft.score and draft.reasons
    ended = Pair.objects.get(status=PairStatus.ENDED)
    assert ended.end_reason and ended.ended_on
    assert MentoringSession.objects.exclude(notes="").count() >= 20
    assert MentoringSession.objects.filter(confirmed_by_mentee_at__isnull=False).exists()


def test_the_demo_mentor_has_mentees_and_the_supporter_a_session_to_confirm():
    _load()

    mentor = User.objects.get(email=DEMO_MENTOR_EMAIL)
    supporter = User.objects.get(email=DEMO_SUPPORTER_EMAIL)
    active = Pair.objects.filter(mentor=mentor, status=PairStatus.ACTIVE)
    assert active.count() >= 2
    assert active.filter(mentee=supporter).exists()
    assert mentor.mentor_profile.capacity == 3

    page = selectors.my_mentoring(user=supporter)
    (pair,) = page["as_mentee"]
    assert pair.mentor == mentor
    assert len(pair.to_confirm) == 1 and pair.to_confirm[0] == pair.logs[0]
    assert pair.next_steps
    assert len(pair.upcoming_meetings) == 1
    assert selectors.my_mentoring(user=mentor)["is_mentor"]
    # Every demo account still exists, none of them a mentee twice.
    assert User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS]).count() == len(
        DEMO_ACCOUNTS
    )


def test_coordinators_see_a_quiet_pair_and_an_overloaded_mentor():
    _load()

    found = selectors.alerts()

    kinds = {alert.kind for alert in found}
    assert {"quiet", "load"} <= kinds
    assert "over" not in kinds
    (quiet,) = [a for a in found if a.kind == "quiet"]
    mentor_key, mentee_key = QUIET_PAIR
    assert quiet.pair.mentor.email == f"{mentor_key}@demo.hyogo.example"
    assert quiet.pair.mentee.email == f"{mentee_key}@demo.hyogo.example"
    (load,) = [a for a in found if a.kind == "load"]
    assert load.mentor.email == f"{OVERLOADED_MENTOR}@demo.hyogo.example"


def test_no_mentor_over_capacity():
    _load()

    profiles = MentorProfile.objects.annotate(
        taken=Count(
            "user__mentoring_as_mentor",
            filter=Q(user__mentoring_as_mentor__status__in=CAPACITY_STATUSES),
        ),
        drafts=Count(
            "user__mentoring_as_mentor",
            filter=Q(user__mentoring_as_mentor__status=PairStatus.PROPOSED),
        ),
    )
    for profile in profiles:
        assert profile.taken <= profile.capacity, profile.user.email
        assert profile.taken + profile.drafts <= profile.capacity, profile.user.email
    assert profiles.filter(capacity=1).exists()
