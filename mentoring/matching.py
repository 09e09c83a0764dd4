"""Matching mentors and mentees: a score for each candidate pair with its reasons in words,
and "suggest for everyone", which solves the whole assignment at once (an optimal assignment
over the mentors' free places, scipy's linear_sum_assignment) instead of greedily giving the
first mentee the best mentor.  Plain Python on already loaded facts: no queries here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from mentoring.regions import area_of, city_id

# Weights: what matters most to coordinators is a shared field and being able to meet.
FIELD_POINTS = 2.0
MAX_SHARED_FIELDS = 3
SAME_CITY_POINTS = 3.0
SAME_AREA_POINTS = 2.0
BOTH_ONLINE_POINTS = 1.5
SLOT_POINTS = 1.0
MAX_SHARED_SLOTS = 2
CROSS_PROFESSION_POINTS = 2.0
EXPERIENCE_POINTS_PER_YEAR = 0.2
MAX_EXPERIENCE_YEARS = 10
# Below this a pair is not suggested at all: they share nothing and cannot meet.
MINIMUM_SCORE = 1.0


@dataclass(frozen=True)
class Person:
    """What matching needs to know about a mentor or a mentee."""

    user_id: int
    name: str
    profession_id: int | None
    field_ids: frozenset[int]
    field_names: dict[int, str]
    municipality: object | None
    online_ok: bool
    slots: frozenset[tuple[str, str]]
    experience_years: int = 0


@dataclass
class Match:
    mentor: Person
    mentee: Person
    score: float
    reasons: list[str] = field(default_factory=list)


def score_pair(mentor: Person, mentee: Person, *, cross_profession: bool) -> Match | None:
    """The pair's score and the reasons behind it; None when they cannot be paired."""
    if mentor.user_id == mentee.user_id:
        return None
    score, reasons = 0.0, []
    shared = sorted(mentor.field_ids & mentee.field_ids)
    if shared:
        score += FIELD_POINTS * min(len(shared), MAX_SHARED_FIELDS)
        names = "、".join(mentee.field_names.get(i, "") for i in shared)
        reasons.append(_("Shared fields: %(fields)s") % {"fields": names})
    near = False
    if mentor.municipality is not None and mentee.municipality is not None:
        if city_id(mentor.municipality) == city_id(mentee.municipality):
            score += SAME_CITY_POINTS
            near = True
            reasons.append(_("Same municipality"))
        elif area_of(mentor.municipality) and area_of(mentor.municipality) == area_of(
            mentee.municipality
        ):
            score += SAME_AREA_POINTS
            near = True
            reasons.append(
                _("Neighbouring municipalities (%(area)s)") % {"area": area_of(mentee.municipality)}
            )
    if not near and mentor.online_ok and mentee.online_ok:
        score += BOTH_ONLINE_POINTS
        reasons.append(_("Both can meet online"))
    slots = mentor.slots & mentee.slots
    if slots:
        score += SLOT_POINTS * min(len(slots), MAX_SHARED_SLOTS)
        reasons.append(_("Free at the same times"))
    if (
        cross_profession
        and mentor.profession_id
        and mentee.profession_id
        and mentor.profession_id != mentee.profession_id
    ):
        score += CROSS_PROFESSION_POINTS
        reasons.append(_("A mentor from another profession"))
    if mentor.experience_years:
        years = min(mentor.experience_years, MAX_EXPERIENCE_YEARS)
        score += EXPERIENCE_POINTS_PER_YEAR * years
        reasons.append(
            _("%(years)d years of experience in support work") % {"years": mentor.experience_years}
        )
    if not near and not (mentor.online_ok and mentee.online_ok):
        return None  # they could not meet
    if score < MINIMUM_SCORE:
        return None
    return Match(mentor=mentor, mentee=mentee, score=round(score, 2), reasons=reasons)


def rank_mentors(
    mentee: Person, mentors: list[Person], free: dict[int, int], *, cross_profession: bool
) -> list[Match]:
    """Every mentor with a free place who could mentor ``mentee``, best first."""
    matches = [
        match
        for mentor in mentors
        if free.get(mentor.user_id, 0) > 0
        and (match := score_pair(mentor, mentee, cross_profession=cross_profession))
    ]
    return sorted(matches, key=lambda m: (-m.score, m.mentor.name))


def suggest_for_everyone(
    mentees: list[Person], mentors: list[Person], free: dict[int, int], *, cross_profession: bool
) -> list[Match]:
    """The assignment of mentees to mentors' free places with the highest total score, never
    more mentees per mentor than their free places.  Mentees nobody can mentor stay out."""
    slots = [mentor for mentor in mentors for _ in range(max(free.get(mentor.user_id, 0), 0))]
    if not mentees or not slots:
        return []
    scored: dict[tuple[int, int], Match] = {}
    for mentee in mentees:
        for mentor in mentors:
            if free.get(mentor.user_id, 0) > 0:
                match = score_pair(mentor, mentee, cross_profession=cross_profession)
                if match:
                    scored[(mentee.user_id, mentor.user_id)] = match
    # Maximise the total score = minimise its negative; impossible pairs cost more than any
    # possible assignment gains, so they are only "chosen" when nothing else is left.
    impossible = 1e6
    cost = np.full((len(mentees), len(slots)), impossible)
    for row, mentee in enumerate(mentees):
        for column, mentor in enumerate(slots):
            match = scored.get((mentee.user_id, mentor.user_id))
            if match:
                cost[row, column] = -match.score
    rows, columns = linear_sum_assignment(cost)
    return [
        scored[(mentees[row].user_id, slots[column].user_id)]
        for row, column in zip(rows, columns, strict=True)
        if cost[row, column] < impossible
    ]
