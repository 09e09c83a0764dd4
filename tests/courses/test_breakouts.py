"""courses.breakouts: balanced, well-mixed, reproducible discussion groups (no database)."""

import random
import time
from collections import Counter

import pytest

from courses.breakouts import (
    CLASH_KINDS,
    BreakoutPerson,
    GroupReport,
    breakout_cost,
    breakout_plan,
    breakout_report,
    group_sizes,
)

WEIGHTS = {"organisation": 8, "profession": 4, "organisation_group": 2, "municipality": 1}


def person(key, profession=None, group=None, organisation="", municipality=None):
    return BreakoutPerson(
        key=key,
        profession=profession,
        organisation_group=group,
        organisation=organisation,
        municipality=municipality,
    )


def population(n: int, seed: int = 2024) -> list[BreakoutPerson]:
    """Skewed like a real joint training: 40% one profession, a few big organisations,
    10 municipalities, and some unknowns. Each organisation has one group and one municipality."""
    rng = random.Random(seed)
    organisations = [(f"法人{i}", rng.randrange(1, 6), rng.randrange(1, 11)) for i in range(25)]
    organisation_weights = [30, 20, 15] + [5] * 10 + [2] * 12
    people = []
    for key in range(1, n + 1):
        profession = 1 if rng.random() < 0.4 else rng.choice([2, 3, 4, 5, 6, 7, 8, None])
        if rng.random() < 0.1:
            name, group, municipality = "", None, rng.choice([None, *range(1, 11)])
        else:
            name, group, municipality = rng.choices(organisations, organisation_weights)[0]
        people.append(person(key, profession, group, name, municipality))
    return people


def naive_chunks(people, group_size):
    """Consecutive people as given, with the same balanced sizes as the plan."""
    groups, start = [], 0
    for size in group_sizes(len(people), group_size):
        groups.append([p.key for p in people[start : start + size]])
        start += size
    return groups


def lower_bound(people, group_count):
    """No grouping can beat spreading every value of every attribute evenly over the groups."""
    getters = {
        "organisation": lambda p: p.organisation or None,
        "profession": lambda p: p.profession,
        "organisation_group": lambda p: p.organisation_group,
        "municipality": lambda p: p.municipality,
    }
    total = 0
    for kind, get in getters.items():
        for count in Counter(v for v in map(get, people) if v is not None).values():
            q, r = divmod(count, group_count)
            total += WEIGHTS[kind] * (r * (q + 1) * q // 2 + (group_count - r) * q * (q - 1) // 2)
    return total


def assert_partition(people, plan):
    keys = [k for group in plan for k in group]
    assert sorted(keys) == sorted(p.key for p in people)
    assert len(keys) == len(set(keys))


# -- sizes -------------------------------------------------------------------------------------


def test_thirteen_in_fours_gives_four_balanced_groups():
    people = [person(k, profession=k % 3) for k in range(1, 14)]
    plan = breakout_plan(people, group_size=4)
    assert sorted(map(len, plan), reverse=True) == [4, 3, 3, 3]
    assert_partition(people, plan)


def test_three_hundred_in_sixes_gives_fifty_full_groups():
    people = population(300)
    plan = breakout_plan(people, group_size=6)
    assert len(plan) == 50
    assert all(len(group) == 6 for group in plan)
    assert_partition(people, plan)


@pytest.mark.parametrize("n", [2, 7, 11, 29, 61])
@pytest.mark.parametrize("group_size", [2, 3, 5, 8])
def test_sizes_differ_by_at_most_one_and_never_exceed_group_size(n, group_size):
    people = population(n, seed=n)
    plan = breakout_plan(people, group_size=group_size)
    sizes = [len(g) for g in plan]
    assert len(plan) == -(-n // group_size)
    assert max(sizes) <= group_size
    assert max(sizes) - min(sizes) <= 1
    assert_partition(people, plan)


def test_small_or_empty_input():
    assert breakout_plan([], group_size=4) == []
    people = [person(3, 1), person(1, 1), person(2, 1)]
    assert breakout_plan(people, group_size=3) == [(1, 2, 3)]


@pytest.mark.parametrize("group_size", [1, 0, -3])
def test_group_size_below_two_is_refused(group_size):
    with pytest.raises(ValueError):
        breakout_plan([person(1), person(2)], group_size=group_size)
    with pytest.raises(ValueError):
        breakout_plan([], group_size=group_size)


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError):
        breakout_plan([person(1, 1), person(1, 2), person(2, 3)], group_size=2)


# -- quality -----------------------------------------------------------------------------------


def test_perfect_mix_is_found_when_it_exists():
    # Sorted by profession, so naive chunking would put each profession in its own group.
    people = [person(p * 10 + i, profession=p) for p in range(1, 5) for i in range(4)]
    plan = breakout_plan(people, group_size=4)
    assert len(plan) == 4
    assert all(r.professions == 4 and r.clashes == () for r in breakout_report(people, plan))
    assert breakout_cost(people, plan) == 0
    assert breakout_cost(people, naive_chunks(people, 4)) == 4 * 6 * 4


def test_colleagues_are_separated_when_avoidable():
    # Five organisations of three (one of each profession) and three strangers, six groups of
    # three: a Latin square separates every colleague and every profession.
    people = []
    for org in range(5):
        for i in range(3):
            key = org * 3 + i + 1
            people.append(person(key, profession=1 + i, organisation=f"病院{org}"))
    people += [person(100 + k, profession=1 + k % 3) for k in range(3)]
    plan = breakout_plan(people, group_size=3)
    for report in breakout_report(people, plan):
        assert "organisation" not in report.clashes
    assert breakout_cost(people, plan) == 0


def test_two_colleagues_among_strangers_sit_apart():
    # Same organisation but different professions: the cheapest-looking move is to pair them.
    people = [
        person(1, profession=1, organisation="A社協"),
        person(2, profession=2, organisation="A社協"),
        person(3, profession=1),
        person(4, profession=1),
        person(5, profession=2),
        person(6, profession=2),
    ]
    plan = breakout_plan(people, group_size=3)
    assert not any({1, 2} <= set(group) for group in plan)
    assert breakout_cost(people, plan) == 4 * 2  # one unavoidable profession pair per group


def test_unknown_values_are_never_shared():
    people = [person(k) for k in range(1, 7)]
    assert breakout_cost(people, [[1, 2, 3, 4, 5, 6]]) == 0
    assert breakout_report(people, [[1, 2, 3]])[0] == GroupReport(
        members=(1, 2, 3),
        professions=0,
        organisation_groups=0,
        municipalities=0,
        clashes=(),
        penalty=0,
    )


def test_beats_naive_chunking_and_reaches_the_lower_bound_on_a_skewed_population():
    people = population(300)
    assert Counter(p.profession for p in people)[1] > 100  # the skew the test is about
    plan = breakout_plan(people, group_size=6)
    cost = breakout_cost(people, plan)
    bound = lower_bound(people, len(plan))
    naive = breakout_cost(people, naive_chunks(people, 6))
    assert bound <= cost
    assert cost <= bound + bound // 50  # within 2% of a bound that is not always reachable
    assert cost < naive * 0.6


def test_no_single_swap_improves_the_plan():
    people = population(60, seed=11)
    plan = [list(g) for g in breakout_plan(people, group_size=5)]
    cost = breakout_cost(people, plan)
    for a in range(len(plan)):
        for b in range(a + 1, len(plan)):
            for i in range(len(plan[a])):
                for j in range(len(plan[b])):
                    plan[a][i], plan[b][j] = plan[b][j], plan[a][i]
                    assert breakout_cost(people, plan) >= cost
                    plan[a][i], plan[b][j] = plan[b][j], plan[a][i]


# -- determinism -------------------------------------------------------------------------------


def test_shuffled_input_gives_identical_output():
    people = population(120, seed=5)
    expected = breakout_plan(people, group_size=5)
    rng = random.Random(99)
    for _ in range(5):
        shuffled = people[:]
        rng.shuffle(shuffled)
        assert breakout_plan(tuple(shuffled), group_size=5) == expected
    assert breakout_plan(people[::-1], group_size=5) == expected


def test_output_is_sorted_by_key():
    plan = breakout_plan(population(50, seed=3), group_size=4)
    assert all(list(group) == sorted(group) for group in plan)
    assert [g[0] for g in plan] == sorted(g[0] for g in plan)


# -- report and cost ---------------------------------------------------------------------------


def test_report_explains_a_hand_made_grouping():
    people = [
        person(1, profession=1, group=10, organisation="A病院", municipality=100),
        person(2, profession=1, group=10, organisation="A病院", municipality=100),
        person(3, profession=2, group=10, organisation="B薬局", municipality=None),
        person(4, profession=None, group=None, organisation="", municipality=101),
        person(5, profession=3, group=20, organisation="C社協", municipality=101),
        person(6, profession=4, group=30, organisation="D市役所", municipality=102),
    ]
    groups = [[3, 1, 2], (6, 5, 4)]
    first, second = breakout_report(people, groups)
    assert first == GroupReport(
        members=(3, 1, 2),
        professions=2,
        organisation_groups=1,
        municipalities=1,
        clashes=("profession", "organisation", "organisation_group", "municipality"),
        # 1-2 share everything (8+4+2+1), 1-3 and 2-3 share the organisation group (2 each)
        penalty=15 + 2 + 2,
    )
    assert second == GroupReport(
        members=(6, 5, 4),
        professions=2,
        organisation_groups=2,
        municipalities=2,
        clashes=("municipality",),
        penalty=1,
    )
    assert breakout_cost(people, groups) == 20
    assert set(first.clashes) <= set(CLASH_KINDS)


def test_cost_and_report_refuse_unknown_keys():
    people = [person(1), person(2)]
    with pytest.raises(ValueError):
        breakout_cost(people, [[1, 3]])
    with pytest.raises(ValueError):
        breakout_report(people, [[1, 3]])


# -- speed -------------------------------------------------------------------------------------


def test_three_hundred_people_in_sixes_is_fast():
    people = population(300, seed=8)
    start = time.perf_counter()
    plan = breakout_plan(people, group_size=6)
    elapsed = time.perf_counter() - start
    assert len(plan) == 50
    assert elapsed < 2.0, f"breakout_plan took {elapsed:.2f}s for 300 people"
