"""Pairs within capacity, drafts nobody is told about, confirming tells both; matching scores
with reasons in words, and "suggest for everyone" solving the whole assignment (issue #8)."""

import random
import time

import pytest

from lms.models import OutboundEmail
from mentoring import matching, selectors, services
from mentoring.models import Pair, PairStatus
from tests.factories import UserFactory
from tests.mentoring.helpers import active_pair, mentee, mentor, programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def test_a_draft_tells_nobody_and_confirming_tells_both():
    prog = programme()
    m, e = mentor(), mentee(prog)
    coordinator = UserFactory(is_staff=True)

    draft = services.pair_propose(programme=prog, mentor=m.user, mentee=e.user, by=coordinator)
    assert draft.status == PairStatus.PROPOSED
    assert not OutboundEmail.objects.exists()

    services.pair_confirm(pair=draft, by=coordinator)

    draft.refresh_from_db()
    assert draft.status == PairStatus.ACTIVE and draft.confirmed_at and draft.starts_on
    recipients = sorted(OutboundEmail.objects.values_list("recipient", flat=True))
    assert recipients == sorted([m.user.email, e.user.email])
    to_mentee = OutboundEmail.objects.get(recipient=e.user.email)
    assert "先輩 導" in to_mentee.subject + to_mentee.body_text


def test_capacity_is_never_exceeded_when_confirming():
    prog = programme()
    m = mentor(capacity=1)
    first, second = mentee(prog, "一 花子"), mentee(prog, "二 花子")
    active_pair(prog, m, first)
    draft = services.pair_propose(programme=prog, mentor=m.user, mentee=second.user, by=None)

    with pytest.raises(services.MentoringError, match="空き"):
        services.pair_confirm(pair=draft, by=UserFactory(is_staff=True))

    assert Pair.objects.filter(mentor=m.user, status="active").count() == 1


def test_one_open_pair_per_mentee_and_programme_and_never_oneself():
    prog = programme()
    m1, m2 = mentor("甲 先輩"), mentor("乙 先輩")
    e = mentee(prog)
    services.pair_propose(programme=prog, mentor=m1.user, mentee=e.user, by=None)

    with pytest.raises(services.MentoringError):
        services.pair_propose(programme=prog, mentor=m2.user, mentee=e.user, by=None)
    with pytest.raises(services.MentoringError):
        services.pair_propose(programme=prog, mentor=m1.user, mentee=m1.user, by=None)
    assert Pair.objects.count() == 1


def test_ending_a_pair_needs_a_reason_and_frees_the_place():
    prog = programme()
    m = mentor(capacity=1)
    pair = active_pair(prog, m, mentee(prog))
    coordinator = UserFactory(is_staff=True)

    with pytest.raises(services.MentoringError):
        services.pair_set_status(pair=pair, status="ended", by=coordinator, reason=" ")
    services.pair_set_status(pair=pair, status="ended", by=coordinator, reason="転居のため")

    pair.refresh_from_db()
    assert (pair.status, pair.end_reason) == ("ended", "転居のため")
    assert services.mentor_capacity_ok(m.user)


def test_scores_come_with_reasons_in_words():
    prog = programme(cross_profession=True)
    near = mentor(
        "近所 先輩", where="28203", fields=("welfare-general", "hikikomori"), experience=12
    )
    far = mentor("遠方 先輩", where="28209", fields=("child-rearing",), online_ok=False)
    e = mentee(prog, where="28210", fields=("hikikomori",))  # 加古川市, next to 明石市

    ranked = selectors.candidates_for(programme=prog, mentee_user_id=e.user_id)

    # The one in 豊岡市 cannot meet in person so far away, nor online.
    assert [c.mentor.user_id for c in ranked] == [near.user_id]
    assert far.user_id not in {c.mentor.user_id for c in ranked}
    reasons = " ".join(ranked[0].reasons)
    assert "ひきこもり" in reasons
    assert "東播磨" in reasons
    assert "別の職種" in reasons
    assert "12年" in reasons


def test_suggest_for_everyone_beats_greedy():
    """Greedy gives mentee A the best mentor (the generalist) and leaves B, who can only meet
    the generalist, without anyone; the whole assignment pairs both."""
    from types import SimpleNamespace

    akashi = SimpleNamespace(pk=1, parent_id=None, parent=None, name="明石市")
    toyooka = SimpleNamespace(pk=2, parent_id=None, parent=None, name="豊岡市")

    def person(user_id, fields, where=None, online=True):
        return matching.Person(
            user_id=user_id,
            name=str(user_id),
            profession_id=None,
            field_ids=frozenset(fields),
            field_names={f: f"分野{f}" for f in fields},
            municipality=where,
            online_ok=online,
            slots=frozenset(),
        )

    generalist = person(1, {10, 20}, akashi)
    specialist = person(2, {10}, toyooka)
    mentee_a = person(3, {10, 20})
    mentee_b = person(4, {20}, akashi, online=False)
    free = {1: 1, 2: 1}

    best_for_a = matching.rank_mentors(
        mentee_a, [generalist, specialist], free, cross_profession=False
    )
    chosen = matching.suggest_for_everyone(
        [mentee_a, mentee_b], [generalist, specialist], free, cross_profession=False
    )

    assert best_for_a[0].mentor is generalist
    assert {(m.mentee.user_id, m.mentor.user_id) for m in chosen} == {(3, 2), (4, 1)}


def test_suggestions_are_drafts_within_every_mentors_free_places(django_assert_max_num_queries):
    prog = programme()
    mentors = [mentor(f"先輩 {i}", capacity=2) for i in range(3)]
    already = mentee(prog, "既存 花子")
    active_pair(prog, mentors[0], already)
    mentees = [mentee(prog, f"後輩 {i}") for i in range(8)]
    coordinator = UserFactory(is_staff=True)
    OutboundEmail.objects.all().delete()

    drafts = services.suggestions_create(programme=prog, by=coordinator)

    assert len(drafts) == 5  # 3 mentors × 2 places, one taken
    assert all(d.status == "proposed" and d.reasons and d.score for d in drafts)
    per_mentor = {m.user_id: 0 for m in mentors}
    for d in Pair.objects.exclude(status="ended"):
        per_mentor[d.mentor_id] += 1
    assert max(per_mentor.values()) == 2
    assert not OutboundEmail.objects.exists()  # nobody told yet
    assert {d.mentee_id for d in drafts} <= {m.user_id for m in mentees}


def test_matching_200_mentees_and_60_mentors_finishes_in_seconds_within_capacity():
    rng = random.Random(20261128)
    fields = list(range(1, 27))

    def person(user_id):
        return matching.Person(
            user_id=user_id,
            name=str(user_id),
            profession_id=rng.randint(1, 20),
            field_ids=frozenset(rng.sample(fields, 3)),
            field_names={f: f"分野{f}" for f in fields},
            municipality=None,
            online_ok=rng.random() < 0.8,
            slots=frozenset(
                rng.sample(
                    [
                        ("weekdays", "daytime"),
                        ("weekdays", "evening"),
                        ("weekends", "daytime"),
                        ("weekends", "evening"),
                    ],
                    2,
                )
            ),
            experience_years=rng.randint(0, 20),
        )

    mentors = [person(i) for i in range(1, 61)]
    mentees = [person(i) for i in range(1001, 1201)]
    free = {m.user_id: rng.randint(1, 4) for m in mentors}

    started = time.perf_counter()
    chosen = matching.suggest_for_everyone(mentees, mentors, free, cross_profession=True)
    elapsed = time.perf_counter() - started

    assert elapsed < 10, elapsed
    per_mentor = {}
    for match in chosen:
        per_mentor[match.mentor.user_id] = per_mentor.get(match.mentor.user_id, 0) + 1
        assert match.reasons
    assert all(per_mentor[m] <= free[m] for m in per_mentor)
    assert len({m.mentee.user_id for m in chosen}) == len(chosen)
    # Nobody has a municipality here, so a pair can meet only if both can meet online: the
    # assignment is as large as it can be (and then as good as it can be).
    online_places = sum(free[m.user_id] for m in mentors if m.online_ok)
    online_mentees = sum(1 for e in mentees if e.online_ok)
    assert len(chosen) == min(online_places, online_mentees)
    assert all(m.mentor.online_ok and m.mentee.online_ok for m in chosen)
