"""Breakout groups for multi-profession joint trainings (多職種合同研修).

The point of a joint training is that people meet colleagues they do not already work with,
so a grouping is scored by a penalty: every pair of people in the same group adds a weight for
each attribute they share -- same organisation 8, same profession 4, same organisation group 2,
same municipality 1.  Unknown values (``None`` / ``""``) are never shared.  Lower is better.

Method, in two steps:

1. Greedy placement.  People are taken most-constrained first (largest total penalty against
   everybody else, i.e. members of big organisations and the dominant profession), so the
   people that are hard to separate are spread over the groups while every group still has
   room; each goes into the group where they add the least penalty (ties: lowest group index).
2. Pairwise swaps.  A person with any clash is swapped with the person in another group that
   lowers the total most, until a full pass finds nothing or a pass limit is hit.  Swaps keep
   the group sizes, and each candidate is scored in O(1) from a per-person, per-group penalty
   table that is updated incrementally after a swap, so 300 people run in a few tens of ms.

Why not an exact optimiser or random restarts: the result has to be explainable to the staff
who adjust it by hand (``breakout_report`` says what repeats in each group), and reproducible,
so there is no randomness at all -- people are ordered by the penalty and then by key, so the
same participants give the same groups whatever order they arrive in.

Pure Python, no Django: the caller maps enrolments to ``BreakoutPerson``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

ORGANISATION_WEIGHT = 8
PROFESSION_WEIGHT = 4
ORGANISATION_GROUP_WEIGHT = 2
MUNICIPALITY_WEIGHT = 1

# Safety net only: every applied swap strictly lowers an integer cost, so the search ends anyway.
_MAX_PASSES = 50


@dataclass(frozen=True)
class BreakoutPerson:
    """One participant, reduced to what the mix is measured on."""

    key: int  # enrolment primary key, used as the stable tie-break
    profession: int | None  # Profession pk, None if unknown
    organisation_group: int | None
    organisation: str  # organisation name, already normalised by the caller ("" if unknown)
    municipality: int | None


@dataclass(frozen=True)
class GroupReport:
    """How mixed one group is, so staff can see why it looks the way it does."""

    members: tuple[int, ...]  # keys, in the order given
    professions: int  # number of distinct known professions in the group
    organisation_groups: int
    municipalities: int
    clashes: tuple[str, ...]  # kinds that repeat, in CLASH_KINDS order
    penalty: int = 0  # this group's share of breakout_cost


# (code, weight, attribute getter); the order is the order of GroupReport.clashes.
_KINDS: tuple[tuple[str, int, Callable[[BreakoutPerson], Hashable]], ...] = (
    ("profession", PROFESSION_WEIGHT, lambda p: p.profession),
    ("organisation", ORGANISATION_WEIGHT, lambda p: p.organisation or None),
    ("organisation_group", ORGANISATION_GROUP_WEIGHT, lambda p: p.organisation_group),
    ("municipality", MUNICIPALITY_WEIGHT, lambda p: p.municipality),
)
CLASH_KINDS: tuple[str, ...] = tuple(code for code, _, _ in _KINDS)


def pair_penalty(a: BreakoutPerson, b: BreakoutPerson) -> int:
    """What putting ``a`` and ``b`` in the same group costs: the weights of what they share."""
    total = 0
    for _, weight, get in _KINDS:
        value = get(a)
        if value is not None and value == get(b):
            total += weight
    return total


def group_sizes(n: int, group_size: int) -> list[int]:
    """Balanced sizes: ceil(n / group_size) groups differing by at most one, largest first."""
    if group_size < 2:
        raise ValueError("group_size must be at least 2")
    if n <= 0:
        return []
    count = -(-n // group_size)
    base, extra = divmod(n, count)
    return [base + 1] * extra + [base] * (count - extra)


def breakout_plan(people: Sequence[BreakoutPerson], *, group_size: int) -> list[tuple[int, ...]]:
    """Groups of keys, each sorted, groups ordered by their smallest key.

    Same participants in any order give the same result: nothing depends on input order.
    """
    sizes = group_sizes(len(people), group_size)
    if not sizes:
        return []
    _check_unique(people)
    if len(sizes) == 1:
        return [tuple(sorted(p.key for p in people))]

    weights = _pair_weights(people)
    degree = [sum(row) for row in weights]
    # Most constrained first; the key makes the order (and everything after it) input-independent.
    order = sorted(range(len(people)), key=lambda i: (-degree[i], people[i].key))
    people = [people[i] for i in order]
    weights = [[weights[i][j] for j in order] for i in order]

    group_of = _greedy(weights, sizes)
    _improve_by_swaps(weights, group_of, len(sizes))

    groups: list[list[int]] = [[] for _ in sizes]
    for i, g in enumerate(group_of):
        groups[g].append(people[i].key)
    return sorted((tuple(sorted(g)) for g in groups), key=lambda g: g[0])


def breakout_report(
    people: Sequence[BreakoutPerson], groups: Sequence[Sequence[int]]
) -> list[GroupReport]:
    """Explain any grouping (also a hand-adjusted one): per group, how mixed it is and what repeats."""
    by_key = _by_key(people)
    reports = []
    for group in groups:
        members = [_lookup(by_key, key) for key in group]
        clashes = []
        for code, _, get in _KINDS:
            values = [v for v in map(get, members) if v is not None]
            if len(values) != len(set(values)):
                clashes.append(code)
        reports.append(
            GroupReport(
                members=tuple(group),
                professions=_distinct(p.profession for p in members),
                organisation_groups=_distinct(p.organisation_group for p in members),
                municipalities=_distinct(p.municipality for p in members),
                clashes=tuple(clashes),
                penalty=_group_cost(members),
            )
        )
    return reports


def breakout_cost(people: Sequence[BreakoutPerson], groups: Sequence[Sequence[int]]) -> int:
    """Total penalty of a grouping, lower is better; lets staff compare a hand edit with the plan."""
    by_key = _by_key(people)
    return sum(_group_cost([_lookup(by_key, key) for key in group]) for group in groups)


# -- internals ---------------------------------------------------------------------------------


def _check_unique(people: Sequence[BreakoutPerson]) -> None:
    if len({p.key for p in people}) != len(people):
        raise ValueError("breakout people must have distinct keys")


def _by_key(people: Sequence[BreakoutPerson]) -> dict[int, BreakoutPerson]:
    _check_unique(people)
    return {p.key: p for p in people}


def _lookup(by_key: dict[int, BreakoutPerson], key: int) -> BreakoutPerson:
    try:
        return by_key[key]
    except KeyError:
        raise ValueError(f"unknown participant key {key!r} in grouping") from None


def _distinct(values) -> int:
    return len({v for v in values if v is not None})


def _group_cost(members: Sequence[BreakoutPerson]) -> int:
    """Count per value instead of per pair: k people sharing a value make k*(k-1)/2 pairs."""
    total = 0
    for _, weight, get in _KINDS:
        counts: dict[Hashable, int] = defaultdict(int)
        for p in members:
            value = get(p)
            if value is not None:
                counts[value] += 1
        total += weight * sum(k * (k - 1) // 2 for k in counts.values())
    return total


def _pair_weights(people: Sequence[BreakoutPerson]) -> list[list[int]]:
    """Full pair-penalty matrix (zero diagonal), built per shared value rather than per pair."""
    n = len(people)
    weights = [[0] * n for _ in range(n)]
    for _, weight, get in _KINDS:
        buckets: dict[Hashable, list[int]] = defaultdict(list)
        for i, p in enumerate(people):
            value = get(p)
            if value is not None:
                buckets[value].append(i)
        for bucket in buckets.values():
            for x, i in enumerate(bucket):
                row = weights[i]
                for j in bucket[x + 1 :]:
                    row[j] += weight
                    weights[j][i] += weight
    return weights


def _greedy(weights: list[list[int]], sizes: list[int]) -> list[int]:
    """Each person, in order, into the open group where they add least (ties: lowest index)."""
    members: list[list[int]] = [[] for _ in sizes]
    group_of = []
    for i, row in enumerate(weights):
        best, best_added = -1, 0
        for g, group in enumerate(members):
            if len(group) >= sizes[g]:
                continue
            added = sum(row[j] for j in group)
            if best < 0 or added < best_added:
                best, best_added = g, added
        members[best].append(i)
        group_of.append(best)
    return group_of


def _improve_by_swaps(weights: list[list[int]], group_of: list[int], group_count: int) -> None:
    """Swap pairs across groups while that lowers the cost (in place).

    ``table[p][g]`` is the penalty person p has with the members of group g (p excluded), so
    swapping a (in A) with b (in B) changes the cost by
    table[a][B] + table[b][A] - 2*w(a, b) - table[a][A] - table[b][B].
    """
    n = len(weights)
    table = [[0] * group_count for _ in range(n)]
    for p, row in enumerate(weights):
        line = table[p]
        for q, g in enumerate(group_of):
            line[g] += row[q]
    own = [table[p][group_of[p]] for p in range(n)]

    for _ in range(_MAX_PASSES):
        improved = False
        for a in range(n):
            own_a = own[a]
            if own_a == 0:
                continue  # a swap helping only b is found when b's turn comes
            group_a = group_of[a]
            line_a, row_a = table[a], weights[a]
            best_b, best_delta = -1, 0
            for b in range(n):
                group_b = group_of[b]
                if group_b == group_a:
                    continue
                delta = line_a[group_b] - own_a + table[b][group_a] - own[b] - 2 * row_a[b]
                if delta < best_delta:
                    best_b, best_delta = b, delta
            if best_b < 0:
                continue
            b, group_b = best_b, group_of[best_b]
            row_b = weights[b]
            for p in range(n):
                shift = row_a[p] - row_b[p]
                if shift:
                    line = table[p]
                    line[group_a] -= shift
                    line[group_b] += shift
            group_of[a], group_of[b] = group_b, group_a
            for p in range(n):
                if group_of[p] in (group_a, group_b):
                    own[p] = table[p][group_of[p]]
            improved = True
        if not improved:
            break
