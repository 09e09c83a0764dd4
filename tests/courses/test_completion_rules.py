"""Completion rules (issue #4), table-driven over mandatory sessions, the minimum share, late
arrivals, apologies, reflection and sign-off.  Plain Python: no database."""

import datetime as dt

import pytest

from courses.completion import CompletionRules, SessionFacts, evaluate, minutes_learned

P, L, E, X, A, J = "present", "late", "left_early", "excused", "absent", "joined"
DONE, TRACK, NO = "completed", "on_track", "not_possible"


def sessions(n: int, *, ended: int, mandatory: tuple[int, ...] = ()) -> list[SessionFacts]:
    """``n`` sessions numbered 1..n, the first ``ended`` of them over."""
    return [SessionFacts(i, i in mandatory, i <= ended) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("case", "rules", "facts", "statuses", "expected"),
    [
        # 4 sessions at 75%: 3 needed.
        ("all attended", {}, sessions(4, ended=4), {1: P, 2: P, 3: P, 4: P}, DONE),
        ("three of four is enough", {}, sessions(4, ended=4), {1: P, 2: P, 3: P, 4: A}, DONE),
        ("two of four is not", {}, sessions(4, ended=4), {1: P, 2: A, 3: P, 4: A}, NO),
        ("no mark after the end is absence", {}, sessions(4, ended=4), {1: P, 2: P}, NO),
        ("under way, still reachable", {}, sessions(4, ended=2), {1: P, 2: A}, TRACK),
        ("under way, already out of reach", {}, sessions(4, ended=2), {1: A, 2: A}, NO),
        # Late arrivals and leaving early count only if the course says so.
        ("late counts", {}, sessions(4, ended=4), {1: L, 2: E, 3: P, 4: A}, DONE),
        (
            "late does not count",
            {"partial_counts": False},
            sessions(4, ended=4),
            {1: L, 2: P, 3: P, 4: P},
            DONE,
        ),
        (
            "late does not count, two late is too many",
            {"partial_counts": False},
            sessions(4, ended=3),
            {1: L, 2: L},
            NO,
        ),
        # Apologies: an excused absence is still an absence, and known in advance.
        (
            "apology for a future session ends it early",
            {},
            sessions(4, ended=1),
            {1: A, 3: X},
            NO,
        ),
        ("one apology is fine", {}, sessions(4, ended=1), {1: P, 4: X}, TRACK),
        # Mandatory sessions.
        (
            "mandatory missed",
            {"min_attendance_percent": 50},
            sessions(4, ended=4, mandatory=(2,)),
            {1: P, 2: A, 3: P, 4: P},
            NO,
        ),
        (
            "apology for a mandatory session",
            {"min_attendance_percent": 50},
            sessions(4, ended=0, mandatory=(4,)),
            {4: X},
            NO,
        ),
        (
            "mandatory attended late, late counts",
            {"min_attendance_percent": 50},
            sessions(4, ended=4, mandatory=(1,)),
            {1: L, 2: P},
            DONE,
        ),
        (
            "mandatory attended late, late does not count",
            {"min_attendance_percent": 50, "partial_counts": False},
            sessions(4, ended=1, mandatory=(1,)),
            {1: L},
            NO,
        ),
        (
            "joined online without the code is not attendance",
            {},
            sessions(2, ended=2),
            {1: P, 2: J},
            NO,
        ),
        # Reflection and sign-off come after attendance; they never make it impossible.
        (
            "reflection missing",
            {"requires_reflection": True},
            sessions(2, ended=2),
            {1: P, 2: P},
            TRACK,
        ),
        (
            "sign-off missing",
            {"requires_sign_off": True},
            sessions(2, ended=2),
            {1: P, 2: P},
            TRACK,
        ),
        (
            "zero percent still waits for the end",
            {"min_attendance_percent": 0},
            sessions(2, ended=1),
            {},
            TRACK,
        ),
        ("no sessions yet", {}, [], {}, TRACK),
    ],
)
def test_completion_table(case, rules, facts, statuses, expected):
    rules_ = CompletionRules(**{"min_attendance_percent": 75, **rules})
    assert evaluate(rules=rules_, sessions=facts, statuses=statuses).state == expected, case


def test_reflection_and_sign_off_complete_it():
    rules = CompletionRules(
        min_attendance_percent=100, requires_reflection=True, requires_sign_off=True
    )
    facts = sessions(2, ended=2)
    statuses = {1: P, 2: P}

    waiting = evaluate(rules=rules, sessions=facts, statuses=statuses, reflection_submitted=True)
    done = evaluate(
        rules=rules, sessions=facts, statuses=statuses, reflection_submitted=True, signed_off=True
    )

    assert (waiting.state, waiting.waiting_for) == (TRACK, ["sign_off"])
    assert done.state == DONE


def test_evaluation_counts_for_the_participant():
    result = evaluate(
        rules=CompletionRules(min_attendance_percent=80),
        sessions=sessions(5, ended=2, mandatory=(5,)),
        statuses={1: P, 2: L, 3: X},
    )
    assert (result.attended, result.needed, result.still_open, result.state) == (2, 4, 2, TRACK)


START = dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
END = START + dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("status", "arrived", "minutes_present", "expected"),
    [
        (P, None, None, 120),
        (L, START + dt.timedelta(minutes=30), None, 90),
        (L, None, None, 60),
        (E, None, 45, 45),
        (E, None, None, 60),
        (P, None, 500, 120),
        (A, None, None, 0),
        (X, None, None, 0),
        (J, START, None, 0),
    ],
)
def test_minutes_learned(status, arrived, minutes_present, expected):
    assert (
        minutes_learned(
            status=status,
            starts_at=START,
            ends_at=END,
            arrived_at=arrived,
            minutes_present=minutes_present,
        )
        == expected
    )
